"""reply hours: each school's week of reply times also counted by the hour

Revision ID: 0034_e_reply_hours
Revises: 0033_broadcast_video
Create Date: 2026-12-08 00:45:00

``stat_replies`` gets, beside each school's row of a week and minute (``group_id = -1``), rows
of the week by the hour (``group_id = -2``, ``minutes`` rounded down to the hour): a median is
found in them first, then read to the minute from the school rows of that hour only. Backfilled
here from the school rows, as ``parta stats rebuild`` would.
"""
from alembic import op

revision = '0034_e_reply_hours'
down_revision = '0033_broadcast_video'
branch_labels = None
depends_on = None

SCHOOL, HOURS = -1, -2


def upgrade() -> None:
    op.execute(
        "INSERT INTO stat_replies (org_id, week, group_id, minutes, answered) "
        f"SELECT org_id, week, {HOURS}, (minutes / 60) * 60, SUM(answered) FROM stat_replies "
        f"WHERE group_id = {SCHOOL} GROUP BY org_id, week, (minutes / 60) * 60")


def downgrade() -> None:
    op.execute(f"DELETE FROM stat_replies WHERE group_id = {HOURS}")
