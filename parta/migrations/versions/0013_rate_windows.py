"""rate windows: sign-in limits counted by one conditional UPDATE per limit

Revision ID: 0013_rate_windows
Revises: 0012_personal_data
Create Date: 2026-12-07 03:30:00
"""
import sqlalchemy as sa
from alembic import op

import parta.db

revision = '0013_rate_windows'
down_revision = '0012_personal_data'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rate_window',
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('window_start', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('last_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_window'))
    )


def downgrade() -> None:
    op.drop_table('rate_window')
