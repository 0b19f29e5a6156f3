"""broadcast video (R38): a verified video file of the school's library as a broadcast's
source, streamed from the server into a Janus Streaming mountpoint

Revision ID: 0033_broadcast_video
Revises: 0032_office_hours
Create Date: 2026-12-07 21:15:00
"""
import sqlalchemy as sa
from alembic import op

import parta.db

revision = '0033_broadcast_video'
down_revision = '0032_office_hours'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('broadcast', schema=None) as batch_op:
        batch_op.add_column(sa.Column('material_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('stream_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('stream_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('stream_pin', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('stream_started_at', parta.db.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('stream_ended_at', parta.db.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('stream_error', sa.String(length=40), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_broadcast_material_id_material'), 'material',
                                    ['material_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('broadcast', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_broadcast_material_id_material'),
                                 type_='foreignkey')
        for column in ('stream_error', 'stream_ended_at', 'stream_started_at', 'stream_pin',
                       'stream_secret', 'stream_id', 'material_id'):
            batch_op.drop_column(column)
