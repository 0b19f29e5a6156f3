"""school totals: a school's week of reply times by the hour, and its staff's messages in one row

Revision ID: 0035_school_totals
Revises: 0034_b_urgent_outbox
Create Date: 2026-12-08 00:45:00

``stat_replies`` gets, beside each school's row of a week and minute (``group_id = -1``), rows
of the week by the hour (``group_id = -2``, ``minutes`` rounded down to the hour): a median is
found in them first, then read to the minute from the school rows of that hour only.
``stat_messages`` gets, beside a school's staff members' rows of a week (one per person), their
total (``author_id = 0``), as students' and parents' messages already have. Both backfilled
here from the rows there, as ``parta stats rebuild`` would count them.
"""
from alembic import op

revision = '0035_school_totals'
down_revision = '0034_b_urgent_outbox'
branch_labels = None
depends_on = None

SCHOOL, HOURS, NO_PERSON = -1, -2, 0


def upgrade() -> None:
    op.execute(
        "INSERT INTO stat_replies (org_id, week, group_id, minutes, answered) "
        f"SELECT org_id, week, {HOURS}, (minutes / 60) * 60, SUM(answered) FROM stat_replies "
        f"WHERE group_id = {SCHOOL} GROUP BY org_id, week, (minutes / 60) * 60")
    op.execute(
        "INSERT INTO stat_messages (org_id, group_id, week, role, author_id, messages) "
        f"SELECT org_id, {SCHOOL}, week, 'staff', {NO_PERSON}, SUM(messages) FROM stat_messages "
        f"WHERE group_id = {SCHOOL} AND role = 'staff' AND author_id != {NO_PERSON} "
        "GROUP BY org_id, week")


def downgrade() -> None:
    op.execute(f"DELETE FROM stat_replies WHERE group_id = {HOURS}")
    op.execute(f"DELETE FROM stat_messages WHERE group_id = {SCHOOL} AND role = 'staff' "
               f"AND author_id = {NO_PERSON}")
