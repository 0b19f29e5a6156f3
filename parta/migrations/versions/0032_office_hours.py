"""urgent marks in ordinary chats (SMS to parents) and teachers' office hours (issue 14)

Revision ID: 0032_office_hours
Revises: 0031_reminder_retry
Create Date: 2026-12-07 21:00:00
"""
import sqlalchemy as sa
from alembic import op

import parta.db

revision = '0032_office_hours'
down_revision = '0031_reminder_retry'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('urgent_mark',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('marked_by', sa.Integer(), nullable=True),
    sa.Column('marked_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sms', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['chat_id'], ['chat.id'], name=op.f('fk_urgent_mark_chat_id_chat'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['marked_by'], ['user_account.id'], name=op.f('fk_urgent_mark_marked_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], name=op.f('fk_urgent_mark_message_id_message'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'], name=op.f('fk_urgent_mark_org_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_urgent_mark')),
    sa.UniqueConstraint('message_id', name=op.f('uq_urgent_mark_message_id'))
    )
    with op.batch_alter_table('urgent_mark', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_urgent_mark_chat_id'), ['chat_id'], unique=False)
        batch_op.create_index('ix_urgent_mark_org_marked', ['org_id', 'marked_at'], unique=False)

    op.create_table('office_hour',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('end', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'], name=op.f('fk_office_hour_org_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_office_hour_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_office_hour'))
    )
    with op.batch_alter_table('office_hour', schema=None) as batch_op:
        batch_op.create_index('ix_office_hour_org_user', ['org_id', 'user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_office_hour_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('notification_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('urgent_sms', sa.Boolean(), server_default=sa.true(),
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('notification_settings', schema=None) as batch_op:
        batch_op.drop_column('urgent_sms')
    with op.batch_alter_table('office_hour', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_office_hour_user_id'))
        batch_op.drop_index('ix_office_hour_org_user')
    op.drop_table('office_hour')
    with op.batch_alter_table('urgent_mark', schema=None) as batch_op:
        batch_op.drop_index('ix_urgent_mark_org_marked')
        batch_op.drop_index(batch_op.f('ix_urgent_mark_chat_id'))
    op.drop_table('urgent_mark')
