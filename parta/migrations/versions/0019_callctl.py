"""callctl: ringing one-to-one calls, host controls (mute all, lock, raised hands, co-hosts,
screen sharing granted by the host)

Revision ID: 0019_callctl
Revises: 0017_push
Create Date: 2026-12-07 10:40:00
"""
import sqlalchemy as sa
from alembic import op

import parta.db

revision = '0019_callctl'
down_revision = '0017_push'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ring_until', parta.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('locked', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('audio_held', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index(batch_op.f('ix_call_ring_until'), ['ring_until'], unique=False)
    with op.batch_alter_table('call_participant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cohost', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('may_share_screen', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('hand_raised_at', parta.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('screen_handle', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('call_participant', schema=None) as batch_op:
        batch_op.drop_column('screen_handle')
        batch_op.drop_column('hand_raised_at')
        batch_op.drop_column('may_share_screen')
        batch_op.drop_column('cohost')
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_ring_until'))
        batch_op.drop_column('audio_held')
        batch_op.drop_column('locked')
        batch_op.drop_column('ring_until')
