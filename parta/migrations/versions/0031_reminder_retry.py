"""reminder deliveries (issue 15): an acknowledgement reminder's letters and SMS, retried

Revision ID: 0031_reminder_retry
Revises: 0030_network_moderators
Create Date: 2026-12-07 21:15:00
"""
import sqlalchemy as sa
from alembic import op

import parta.db

revision = '0031_reminder_retry'
down_revision = '0030_network_moderators'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reminder_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('announcement_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('step', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('address', sa.String(length=320), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('created_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['announcement_id'], ['announcement.id'], name=op.f('fk_reminder_delivery_announcement_id_announcement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_reminder_delivery_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_delivery'))
    )
    with op.batch_alter_table('reminder_delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_delivery_announcement_id'), ['announcement_id'], unique=False)
        batch_op.create_index('ix_reminder_delivery_due', ['state', 'next_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('reminder_delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_reminder_delivery_due')
        batch_op.drop_index(batch_op.f('ix_reminder_delivery_announcement_id'))

    op.drop_table('reminder_delivery')
