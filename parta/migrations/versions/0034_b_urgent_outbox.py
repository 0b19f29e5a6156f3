"""urgent SMS outbox (issue 14): an urgent mark's SMS written with the mark, sent after commit
by a worker, retried, once per (message, person)

Revision ID: 0034_b_urgent_outbox
Revises: 0033_broadcast_video
Create Date: 2026-12-08 00:40:00
"""
import sqlalchemy as sa
from alembic import op

import parta.db

revision = '0034_b_urgent_outbox'
down_revision = '0033_broadcast_video'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('urgent_sms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('created_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], name=op.f('fk_urgent_sms_message_id_message'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'], name=op.f('fk_urgent_sms_org_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_urgent_sms_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_urgent_sms')),
    sa.UniqueConstraint('message_id', 'user_id', name=op.f('uq_urgent_sms_message_id_user_id'))
    )
    with op.batch_alter_table('urgent_sms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_urgent_sms_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_urgent_sms_user_id'), ['user_id'], unique=False)
        batch_op.create_index('ix_urgent_sms_due', ['state', 'next_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('urgent_sms', schema=None) as batch_op:
        batch_op.drop_index('ix_urgent_sms_due')
        batch_op.drop_index(batch_op.f('ix_urgent_sms_user_id'))
        batch_op.drop_index(batch_op.f('ix_urgent_sms_org_id'))
    op.drop_table('urgent_sms')
