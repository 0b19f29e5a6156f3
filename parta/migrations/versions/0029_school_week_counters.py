"""school week counters: reply times per school, calls and lessons counted as they happen

Revision ID: 0029_school_week_counters
Revises: 0028_instruction_files
Create Date: 2026-12-07 21:05:00

A municipality's statistics read per-school rows, not every class's: ``stat_replies`` gets its
school rows (``group_id = -1``, the classes' counts added up), and ``stat_held`` counts calls
that ended and lessons not cancelled per day, class and school — backfilled here from the
``call`` and ``lesson`` rows, their days in the statistics' time zone
(``PARTA_STATS_TIME_ZONE``, Europe/Moscow unless set), as ``parta stats rebuild`` would.
"""
import os
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

import parta.db

revision = '0029_school_week_counters'
down_revision = '0028_instruction_files'
branch_labels = None
depends_on = None

SCHOOL, NO_CLASS = -1, 0


def _backfill_held() -> None:
    zone = ZoneInfo(os.environ.get("PARTA_STATS_TIME_ZONE") or "Europe/Moscow")
    at = parta.db.UTCDateTime(timezone=True)
    chat = sa.table("chat", sa.column("id", sa.Integer), sa.column("group_id", sa.Integer))
    call = sa.table("call", sa.column("org_id", sa.Integer), sa.column("chat_id", sa.Integer),
                    sa.column("started_at", at), sa.column("ended_at", at))
    lesson = sa.table("lesson", sa.column("org_id", sa.Integer), sa.column("chat_id", sa.Integer),
                      sa.column("starts_at", at), sa.column("ends_at", at),
                      sa.column("cancelled_at", at))
    held = sa.table("stat_held", sa.column("org_id", sa.Integer), sa.column("what", sa.String),
                    sa.column("group_id", sa.Integer), sa.column("day", sa.Date),
                    sa.column("week", sa.Date), sa.column("held", sa.Integer),
                    sa.column("micros", sa.BigInteger))
    bind = op.get_bind()
    counts: dict[tuple[int, str, int, date], list[int]] = {}
    for what, stmt in (
            ("call", sa.select(call.c.org_id, chat.c.group_id, call.c.started_at, call.c.ended_at)
             .join(chat, chat.c.id == call.c.chat_id).where(call.c.ended_at.is_not(None))),
            ("lesson", sa.select(lesson.c.org_id, chat.c.group_id, lesson.c.starts_at,
                                 lesson.c.ends_at)
             .join(chat, chat.c.id == lesson.c.chat_id).where(lesson.c.cancelled_at.is_(None)))):
        for org_id, group_id, began, ended in bind.execute(stmt):
            day = began.astimezone(zone).date()
            micros = (ended - began) // timedelta(microseconds=1)
            for group in (NO_CLASS if group_id is None else group_id, SCHOOL):
                slot = counts.setdefault((org_id, what, group, day), [0, 0])
                slot[0] += 1
                slot[1] += micros
    rows = [{"org_id": o, "what": w, "group_id": g, "day": d,
             "week": d - timedelta(days=d.weekday()), "held": n, "micros": m}
            for (o, w, g, d), (n, m) in counts.items()]
    for n in range(0, len(rows), 5000):
        bind.execute(held.insert(), rows[n:n + 5000])


def upgrade() -> None:
    op.create_table('stat_held',
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('what', sa.String(length=8), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('held', sa.Integer(), nullable=False),
    sa.Column('micros', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'],
                            name=op.f('fk_stat_held_org_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('org_id', 'what', 'group_id', 'day', name=op.f('pk_stat_held'))
    )
    with op.batch_alter_table('lesson', schema=None) as batch_op:
        batch_op.create_index('ix_lesson_org_id_ends_at', ['org_id', 'ends_at'], unique=False)
    with op.batch_alter_table('stat_replies', schema=None) as batch_op:
        batch_op.create_index('ix_stat_replies_org_id_group_id_week',
                              ['org_id', 'group_id', 'week', 'minutes', 'answered'], unique=False)
    op.execute(
        "INSERT INTO stat_replies (org_id, week, group_id, minutes, answered) "
        f"SELECT org_id, week, {SCHOOL}, minutes, SUM(answered) FROM stat_replies "
        f"WHERE group_id <> {SCHOOL} GROUP BY org_id, week, minutes")
    _backfill_held()


def downgrade() -> None:
    op.execute(f"DELETE FROM stat_replies WHERE group_id = {SCHOOL}")
    with op.batch_alter_table('stat_replies', schema=None) as batch_op:
        batch_op.drop_index('ix_stat_replies_org_id_group_id_week')
    with op.batch_alter_table('lesson', schema=None) as batch_op:
        batch_op.drop_index('ix_lesson_org_id_ends_at')
    op.drop_table('stat_held')
