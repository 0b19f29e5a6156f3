"""The administration's oversight of lessons and meetings (R40).

Calls in the school's group chats — lessons, meetings, consultations — running now and held
this week: who started each, in which chat and class, which scheduled lesson it was for, how
long it ran and how many people were in it. One-to-one calls are private conversations and
are not listed; nothing here reaches the media (Janus) or the chat's messages.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.db import utcnow
from parta.models import Call, CallParticipant, Chat, Group, Lesson
from parta.models.chat import ChatKind
from parta.queries.lessons import day_bounds
from parta.queries.people import persons
from parta.queries.scope import OrgScope
from parta.schemas.common import Ref
from parta.schemas.oversight import OverseenCall, OverseenLesson, OversightOut

__all__ = ["HELD_LISTED", "LESSON_EARLY", "oversight", "week_bounds"]

HELD_LISTED = 200
# A call counts as a scheduled lesson's when it started at most this long before the lesson's
# start (the teacher opens the room early) and before the lesson's end.
LESSON_EARLY = timedelta(minutes=30)


def week_bounds(now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """This week's Monday 00:00 and next Monday's, in ``zone``, as instants."""
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    start, _ = day_bounds(monday, zone)
    end, _ = day_bounds(monday + timedelta(days=7), zone)
    return start, end


def _lesson_for(call: Call, lessons: list[Lesson]) -> Lesson | None:
    fitting = [lesson for lesson in lessons if lesson.chat_id == call.chat_id
               and lesson.starts_at - LESSON_EARLY <= call.started_at < lesson.ends_at]
    return min(fitting, key=lambda lesson: abs(lesson.starts_at - call.started_at),
               default=None)


async def oversight(db: AsyncSession, scope: OrgScope, zone: ZoneInfo,
                    now: datetime | None = None) -> OversightOut:
    """What runs now and what was held this week in ``scope``'s organization's group chats."""
    now = now or utcnow()
    start, end = week_bounds(now, zone)
    org_id = scope.org.id
    base = select(Call, Chat).join(Chat, Chat.id == Call.chat_id).where(
        Call.org_id == org_id, Chat.org_id == org_id, Chat.kind != ChatKind.direct)
    running = (await db.execute(base.where(Call.ended_at.is_(None)).order_by(
        Call.started_at, Call.id))).all()
    held_q = base.where(Call.ended_at.is_not(None), Call.started_at >= start,
                        Call.started_at < end)
    held_total = int((await db.execute(
        select(func.count()).select_from(held_q.subquery()))).scalar_one())
    held = (await db.execute(held_q.order_by(Call.started_at.desc(), Call.id.desc())
                             .limit(HELD_LISTED))).all()
    rows = [*running, *held]
    call_ids = [call.id for call, _chat in rows]
    attended: dict[int, int] = {}
    present: dict[int, int] = {}
    if call_ids:
        attended = {cid: int(n) for cid, n in (await db.execute(
            select(CallParticipant.call_id, func.count(func.distinct(CallParticipant.user_id)))
            .where(CallParticipant.call_id.in_(call_ids))
            .group_by(CallParticipant.call_id))).all()}
        present = {cid: int(n) for cid, n in (await db.execute(
            select(CallParticipant.call_id, func.count(func.distinct(CallParticipant.user_id)))
            .where(CallParticipant.call_id.in_(call_ids), CallParticipant.left_at.is_(None))
            .group_by(CallParticipant.call_id))).all()}
    chat_ids = {chat.id for _call, chat in rows}
    earliest = min((call.started_at for call, _chat in rows), default=now)
    lessons = list((await db.execute(select(Lesson).where(
        Lesson.chat_id.in_(chat_ids), Lesson.cancelled_at.is_(None),
        Lesson.ends_at > earliest))).scalars()) if chat_ids else []
    group_ids = {chat.group_id for _call, chat in rows if chat.group_id is not None}
    groups = {g.id: g.name for g in (await db.execute(select(Group).where(
        Group.id.in_(group_ids), Group.org_id == org_id))).scalars()} if group_ids else {}
    people = await persons(db, org_id, list({
        call.started_by for call, _chat in rows if call.started_by is not None}))

    def out(call: Call, chat: Chat) -> OverseenCall:
        lesson = _lesson_for(call, lessons)
        ran = (call.ended_at or now) - call.started_at
        return OverseenCall(
            id=call.id, chat=Ref(id=chat.id, name=chat.title),
            group=Ref(id=chat.group_id, name=groups[chat.group_id])
            if chat.group_id in groups else None,
            kind=call.kind,
            lesson=OverseenLesson(id=lesson.id, title=lesson.title, kind=lesson.kind,
                                  starts_at=lesson.starts_at, ends_at=lesson.ends_at)
            if lesson else None,
            started_by=people.get(call.started_by) if call.started_by else None,
            started_at=call.started_at, ended_at=call.ended_at,
            seconds=max(0, int(ran.total_seconds())), attended=attended.get(call.id, 0),
            present=present.get(call.id, 0) if call.ended_at is None else 0)

    return OversightOut(time_zone=zone.key, week_start=start, week_end=end,
                        running=[out(c, ch) for c, ch in running],
                        held=[out(c, ch) for c, ch in held], held_total=held_total,
                        limit=HELD_LISTED)
