"""Reads of scheduled lessons and meetings (R37): a chat's, one lesson, a person's day.

A lesson is seen by the members of its chat only (its gate is the chat's); a person's day is
the lessons of the chats they are in — a parent sees their child's class lessons when they are
in that chat, and no other way.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.db import utcnow
from parta.errors import NotFound
from parta.models import Call, Chat, ChatMember, Lesson
from parta.policy import Actor, can_change_lesson, can_schedule
from parta.queries.people import persons
from parta.queries.scope import ChatScope, chat_for
from parta.schemas.common import Person, Ref
from parta.schemas.lessons import LessonOut, LessonsOut, MyLessonsOut

__all__ = ["chat_lessons", "day_bounds", "lesson_answer", "lesson_in", "lesson_outs", "my_lessons"]

MAX_LISTED = 200


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The day's first moment and the next day's, as instants (a day is not always 24 hours)."""
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return start, end


async def lesson_in(db: AsyncSession, actor: Actor, lesson_id: int) -> tuple[Lesson, ChatScope]:
    """A lesson and its chat's scope, for the chat's members; to anyone else it does not exist."""
    lesson = await db.get(Lesson, lesson_id)
    if lesson is None:
        raise NotFound()
    scope = await chat_for(db, actor, lesson.chat_id)
    if scope.member is None:
        raise NotFound()
    return lesson, scope


async def lesson_outs(db: AsyncSession, actor: Actor, rows: Sequence[tuple[Lesson, Chat, str]],
                      now: datetime | None = None) -> list[LessonOut]:
    """Answers for lessons the caller reads through their chats (``rows``: the lesson, its
    chat and the caller's role there)."""
    if not rows:
        return []
    now = now or utcnow()
    chat_ids = {chat.id for _l, chat, _r in rows}
    live = {chat_id: call_id for chat_id, call_id in (await db.execute(
        select(Call.live_chat_id, Call.id).where(Call.live_chat_id.in_(chat_ids)))).all()}
    people: dict[int, dict[int, Person]] = {}
    for org_id in {chat.org_id for _l, chat, _r in rows}:
        people[org_id] = await persons(db, org_id, [
            lesson.created_by for lesson, chat, _r in rows if chat.org_id == org_id])
    out = []
    for lesson, chat, role in rows:
        author = people[chat.org_id].get(lesson.created_by) if lesson.created_by else None
        open_ = lesson.cancelled_at is None and lesson.ends_at > now and chat.archived_at is None
        out.append(LessonOut(
            id=lesson.id, chat=Ref(id=chat.id, name=chat.title), title=lesson.title,
            kind=lesson.kind, starts_at=lesson.starts_at, ends_at=lesson.ends_at,
            created_by=author, cancelled_at=lesson.cancelled_at,
            live_call_id=live.get(chat.id) if lesson.cancelled_at is None else None,
            can_change=open_ and can_change_lesson(role, actor.roles_in(chat.org_id),
                                                   lesson.created_by == actor.user_id)))
    return out


async def lesson_answer(db: AsyncSession, actor: Actor, lesson_id: int) -> LessonOut:
    """One lesson, for the members of its chat."""
    lesson, scope = await lesson_in(db, actor, lesson_id)
    assert scope.member is not None
    [out] = await lesson_outs(db, actor, [(lesson, scope.chat, scope.member.role.value)])
    return out


async def chat_lessons(db: AsyncSession, scope: ChatScope, zone: ZoneInfo) -> LessonsOut:
    """The chat's lessons from the start of today (in ``zone``) on, in order of start."""
    chat, me, actor = scope.chat, scope.member, scope.actor
    if me is None:
        raise NotFound()
    since, _end = day_bounds(utcnow().astimezone(zone).date(), zone)
    found = (await db.execute(select(Lesson).where(
        Lesson.chat_id == chat.id, Lesson.ends_at > since).order_by(
        Lesson.starts_at, Lesson.id).limit(MAX_LISTED))).scalars().all()
    rows = [(lesson, chat, me.role.value) for lesson in found]
    return LessonsOut(lessons=await lesson_outs(db, actor, rows),
                      can_schedule=chat.archived_at is None and can_schedule(
                          me.role.value, actor.roles_in(chat.org_id)))


async def my_lessons(db: AsyncSession, actor: Actor, day: date, zone: ZoneInfo) -> MyLessonsOut:
    """``day``'s lessons (counted in ``zone``) in every chat the caller is in now."""
    start, end = day_bounds(day, zone)
    found = (await db.execute(
        select(Lesson, Chat, ChatMember.role).join(Chat, Chat.id == Lesson.chat_id).join(
            ChatMember, (ChatMember.chat_id == Chat.id) & (ChatMember.user_id == actor.user_id)
            & ChatMember.left_at.is_(None)).where(
            Lesson.starts_at >= start, Lesson.starts_at < end, Chat.archived_at.is_(None))
        .order_by(Lesson.starts_at, Lesson.id).limit(MAX_LISTED))).all()
    rows = [(lesson, chat, role.value) for lesson, chat, role in found]
    return MyLessonsOut(date=day, time_zone=zone.key, lessons=await lesson_outs(db, actor, rows))
