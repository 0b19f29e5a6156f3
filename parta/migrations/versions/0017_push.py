"""push: Web Push subscriptions, notification settings, muted chats, the VAPID key

Revision ID: 0017_push
Revises: 0016_calls
Create Date: 2026-12-07 06:30:00
"""
import sqlalchemy as sa
from alembic import op

import parta.db

revision = '0017_push'
down_revision = '0016_calls'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('push_subscription',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('endpoint', sa.String(length=1000), nullable=False),
    sa.Column('p256dh', sa.String(length=120), nullable=False),
    sa.Column('auth', sa.String(length=40), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('created_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_success_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                            name=op.f('fk_push_subscription_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_push_subscription')),
    sa.UniqueConstraint('endpoint', name=op.f('uq_push_subscription_endpoint'))
    )
    with op.batch_alter_table('push_subscription', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_push_subscription_user_id'), ['user_id'], unique=False)

    op.create_table('notification_settings',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('quiet_enabled', sa.Boolean(), nullable=False),
    sa.Column('quiet_start', sa.Integer(), nullable=False),
    sa.Column('quiet_end', sa.Integer(), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('previews', sa.Boolean(), nullable=False),
    sa.Column('updated_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                            name=op.f('fk_notification_settings_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notification_settings'))
    )

    op.create_table('chat_mute',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.Integer(), nullable=False),
    sa.Column('created_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['chat_id'], ['chat.id'], name=op.f('fk_chat_mute_chat_id_chat'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                            name=op.f('fk_chat_mute_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_mute')),
    sa.UniqueConstraint('user_id', 'chat_id', name=op.f('uq_chat_mute_user_id_chat_id'))
    )
    with op.batch_alter_table('chat_mute', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_mute_chat_id'), ['chat_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chat_mute_user_id'), ['user_id'], unique=False)

    op.create_table('vapid_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('private_key', sa.Text(), nullable=False),
    sa.Column('public_key', sa.String(length=120), nullable=False),
    sa.Column('created_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vapid_key'))
    )


def downgrade() -> None:
    op.drop_table('vapid_key')
    with op.batch_alter_table('chat_mute', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chat_mute_user_id'))
        batch_op.drop_index(batch_op.f('ix_chat_mute_chat_id'))
    op.drop_table('chat_mute')
    op.drop_table('notification_settings')
    with op.batch_alter_table('push_subscription', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_push_subscription_user_id'))
    op.drop_table('push_subscription')
