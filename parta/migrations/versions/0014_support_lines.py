"""support lines: the school answers its tickets first, the platform next

Revision ID: 0014_support_lines
Revises: 0013_rate_windows
Create Date: 2026-12-07 07:00:00
"""
import sqlalchemy as sa
from alembic import op

import parta.db

revision = '0014_support_lines'
down_revision = '0013_rate_windows'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('support_ticket') as batch:
        batch.add_column(sa.Column('escalated_at', parta.db.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('support_reply') as batch:
        batch.add_column(sa.Column('line', sa.String(length=20), nullable=True))
    # Tickets answered before there were lines were answered by the platform.
    op.execute("UPDATE support_reply SET line = 'platform' WHERE from_support")
    op.execute("UPDATE support_ticket SET escalated_at = updated_at WHERE org_id IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('support_reply') as batch:
        batch.drop_column('line')
    with op.batch_alter_table('support_ticket') as batch:
        batch.drop_column('escalated_at')
