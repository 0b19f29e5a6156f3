"""callctl: ringing one-to-one calls, host controls (mute all, lock, raised hands, co-hosts,
screen sharing granted by the host, the waiting room)

Revision ID: 0019_callctl
Revises: 0018_lessons
Create Date: 2026-12-07 10:40:00
"""
import sqlalchemy as sa
from alembic import op

import parta.db

revision = '0019_callctl'
down_revision = '0018_lessons'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ring_until', parta.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('locked', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('audio_held', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('waiting_room', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index(batch_op.f('ix_call_ring_until'), ['ring_until'], unique=False)
    with op.batch_alter_table('call_participant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cohost', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('may_share_screen', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('hand_raised_at', parta.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('screen_handle', sa.BigInteger(), nullable=True))


    op.create_table('call_waiter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('since', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decision', sa.String(length=10), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], name=op.f('fk_call_waiter_call_id_call'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_call_waiter_user_id_user_account'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by'], ['user_account.id'],
                            name=op.f('fk_call_waiter_decided_by_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_waiter')),
    sa.UniqueConstraint('call_id', 'user_id', name=op.f('uq_call_waiter_call_id_user_id'))
    )
    with op.batch_alter_table('call_waiter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_waiter_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('call_waiter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_waiter_user_id'))
    op.drop_table('call_waiter')
    with op.batch_alter_table('call_participant', schema=None) as batch_op:
        batch_op.drop_column('screen_handle')
        batch_op.drop_column('hand_raised_at')
        batch_op.drop_column('may_share_screen')
        batch_op.drop_column('cohost')
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_ring_until'))
        batch_op.drop_column('waiting_room')
        batch_op.drop_column('audio_held')
        batch_op.drop_column('locked')
        batch_op.drop_column('ring_until')
