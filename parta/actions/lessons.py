"""Scheduled lessons and meetings in a chat (R37): schedule, change, cancel, remind.

A lesson belongs to a chat (a class group's lessons to its class chat, its parents' meetings to
its parents' chat). The chat is told each time, by a notice in its timeline that carries the
lesson (the web client draws it with a «join» button: the chat's call), and the members' clients
by ``lesson.changed``. Shortly before the start each lesson gets one reminder: the timer of
every server process looks, and the one whose conditional UPDATE marks it reminded sends it.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, func, select, update

from parta.actions.base import Ctx, Services, unit_of_work
from parta.actions.chats import active_member_ids
from parta.actions.messages import publish_message
from parta.actions.stats import count_held, org_zone
from parta.db import utcnow
from parta.errors import Conflict, Forbidden, NotFound, ValidationFailed
from parta.i18n import t
from parta.models import LESSONS, Chat, ChatKind, ChatMember, Lesson, LessonKind, Message
from parta.models.chat import CHANNEL_KINDS
from parta.policy import Action, can_change_lesson, can_schedule
from parta.queries.lessons import day_bounds, lesson_in, lesson_outs
from parta.queries.scope import chat_for, group_in, org_for
from parta.realtime.events import LessonChanged, LessonReminder
from parta.schemas.lessons import LessonChange, LessonIn, LessonOut

__all__ = ["cancel_lesson", "change_lesson", "remind_forever", "schedule_for_class",
           "schedule_lesson", "send_due_reminders"]

log = logging.getLogger("parta.lessons")
Stage = Literal["scheduled", "changed", "cancelled", "reminder"]
# A start a minute ago is «now» (the form was filled in while the minute turned), not the past.
PAST_GRACE = timedelta(minutes=1)
HORIZON = timedelta(days=366)


# Who may, where ------------------------------------------------------------------------------

def _lesson_chat(chat: Chat) -> None:
    """Lessons are held in a chat's call: not in a channel or a one-to-one chat, not in last
    year's archive."""
    if chat.kind in CHANNEL_KINDS or chat.kind == ChatKind.direct:
        raise Forbidden("lessons_not_here")
    if chat.archived_at is not None:
        raise Conflict("chat_archived")


async def _schedulable(ctx: Ctx, chat_id: int) -> tuple[Chat, ChatMember]:
    actor = ctx.require_actor()
    scope = await chat_for(ctx.db, actor, chat_id)
    chat, me = scope.chat, scope.member
    if me is None:
        raise NotFound()
    _lesson_chat(chat)
    if not can_schedule(me.role.value, actor.roles_in(chat.org_id)):
        raise Forbidden("may_not_schedule")
    return chat, me


async def _changeable(ctx: Ctx, lesson_id: int) -> tuple[Lesson, Chat, ChatMember]:
    actor = ctx.require_actor()
    lesson, scope = await lesson_in(ctx.db, actor, lesson_id)
    chat, me = scope.chat, scope.member
    assert me is not None
    if not can_change_lesson(me.role.value, actor.roles_in(chat.org_id),
                             lesson.created_by == actor.user_id):
        raise Forbidden("may_not_schedule")
    _lesson_chat(chat)
    if lesson.cancelled_at is not None:
        raise Conflict("lesson_cancelled")
    if lesson.ends_at <= utcnow():
        raise Conflict("lesson_over")
    return lesson, chat, me


# When ----------------------------------------------------------------------------------------

def _zone(ctx: Ctx) -> ZoneInfo:
    return ZoneInfo(ctx.settings.lessons_time_zone)


async def _check_times(ctx: Ctx, chat: Chat, starts_at: datetime, ends_at: datetime,
                       lesson_id: int | None = None) -> None:
    """Both with a time zone; from now on (and within a year); ends after it starts and lasts
    at most ``lesson_max_minutes``; at most ``lessons_per_chat_per_day`` in the chat that day."""
    for name, moment in (("starts_at", starts_at), ("ends_at", ends_at)):
        if moment.tzinfo is None:
            raise ValidationFailed(fields={name: "invalid"})
    now = utcnow()
    if starts_at < now - PAST_GRACE:
        raise ValidationFailed(fields={"starts_at": "in_the_past"})
    if starts_at > now + HORIZON:
        raise ValidationFailed(fields={"starts_at": "too_far"})
    if ends_at <= starts_at:
        raise ValidationFailed(fields={"ends_at": "before_start"})
    if ends_at - starts_at > timedelta(minutes=ctx.settings.lesson_max_minutes):
        raise ValidationFailed(fields={"ends_at": "too_long"})
    day_start, day_end = day_bounds(starts_at.astimezone(_zone(ctx)).date(), _zone(ctx))
    q = select(func.count()).select_from(Lesson).where(
        Lesson.chat_id == chat.id, Lesson.cancelled_at.is_(None),
        Lesson.starts_at >= day_start, Lesson.starts_at < day_end)
    if lesson_id is not None:
        q = q.where(Lesson.id != lesson_id)
    if (await ctx.db.execute(q)).scalar_one() >= ctx.settings.lessons_per_chat_per_day:
        raise ValidationFailed("too_many_lessons", fields={"starts_at": "too_many"},
                               params={"count": ctx.settings.lessons_per_chat_per_day})


def _reminded_at(ctx: Ctx, starts_at: datetime, now: datetime) -> datetime | None:
    """A lesson that begins within the reminder's lead needs none: its notice just went out."""
    lead = timedelta(minutes=ctx.settings.lesson_reminder_minutes)
    return now if starts_at <= now + lead else None


# The chat is told ----------------------------------------------------------------------------

def _span(ctx: Ctx, lesson: Lesson) -> str:
    zone = _zone(ctx)
    start, end = lesson.starts_at.astimezone(zone), lesson.ends_at.astimezone(zone)
    return f"{start:%d.%m} {start:%H:%M}–{end:%H:%M}"


async def _notice(ctx: Ctx, chat: Chat, me: ChatMember | None, lesson: Lesson, stage: Stage,
                  author_id: int | None) -> None:
    """The lesson's line in the chat's timeline. The web client words it from ``meta`` in the
    reader's language; ``body`` is for the chat list's preview and search."""
    lang = ctx.settings.default_language
    body = t(lang, f"lessons.notice.{stage}", title=lesson.title, when=_span(ctx, lesson))
    notice = Message(chat_id=chat.id, author_id=author_id, kind="lesson", body=body,
                     meta={"lesson_id": lesson.id, "stage": stage, "title": lesson.title,
                           "lesson_kind": lesson.kind.value,
                           "starts_at": lesson.starts_at.isoformat(),
                           "ends_at": lesson.ends_at.isoformat()},
                     created_at=utcnow())
    ctx.db.add(notice)
    await ctx.db.flush()
    await publish_message(ctx, chat, me, notice, [])


async def _answer(ctx: Ctx, lesson: Lesson, chat: Chat, me: ChatMember) -> LessonOut:
    [out] = await lesson_outs(ctx.db, ctx.require_actor(), [(lesson, chat, me.role.value)])
    return out


# Schedule, change, cancel --------------------------------------------------------------------

async def schedule_lesson(ctx: Ctx, chat_id: int, body: LessonIn) -> LessonOut:
    """A staff owner or moderator of the chat schedules a lesson or meeting in it."""
    chat, me = await _schedulable(ctx, chat_id)
    await _check_times(ctx, chat, body.starts_at, body.ends_at)
    now = utcnow()
    lesson = Lesson(org_id=chat.org_id, chat_id=chat.id, created_by=me.user_id, title=body.title,
                    kind=body.kind, starts_at=body.starts_at, ends_at=body.ends_at,
                    created_at=now, updated_at=now,
                    reminded_at=_reminded_at(ctx, body.starts_at, now))
    ctx.db.add(lesson)
    await ctx.db.flush()
    await count_held(ctx.db, LESSONS, lesson.org_id, chat, lesson.starts_at, lesson.ends_at,
                     await org_zone(ctx.db, lesson.org_id))
    await _notice(ctx, chat, me, lesson, "scheduled", me.user_id)
    ctx.audit("lesson.scheduled", chat.org_id, "lesson", lesson.id, chat_id=chat.id,
              kind=lesson.kind.value, starts_at=lesson.starts_at.isoformat())
    ctx.emit(LessonChanged(org_id=chat.org_id, chat_id=chat.id, lesson_id=lesson.id,
                           change="scheduled"), await active_member_ids(ctx, chat.id))
    return await _answer(ctx, lesson, chat, me)


async def schedule_for_class(ctx: Ctx, org_id: int, group_id: int, body: LessonIn) -> LessonOut:
    """A class's lesson goes to its class chat, a parents' meeting to its parents' chat."""
    actor = ctx.require_actor()
    scope = await org_for(ctx.db, actor, org_id, Action.group_view)
    group = await group_in(ctx.db, scope, group_id)
    kind = ChatKind.parents if body.kind == LessonKind.parents_meeting else ChatKind.class_
    chat_id = (await ctx.db.execute(select(Chat.id).where(
        Chat.org_id == scope.org.id, Chat.group_id == group.id, Chat.kind == kind,
        Chat.archived_at.is_(None)).order_by(Chat.id).limit(1))).scalar_one_or_none()
    if chat_id is None:
        raise NotFound("no_class_chat")
    return await schedule_lesson(ctx, chat_id, body)


async def change_lesson(ctx: Ctx, lesson_id: int, body: LessonChange) -> LessonOut:
    """Its author or a scheduler of the chat changes a lesson that is neither over nor cancelled."""
    lesson, chat, me = await _changeable(ctx, lesson_id)
    starts_at = body.starts_at or lesson.starts_at
    ends_at = body.ends_at or lesson.ends_at
    moved = (starts_at, ends_at) != (lesson.starts_at, lesson.ends_at)
    if moved:
        await _check_times(ctx, chat, starts_at, ends_at, lesson.id)
    changed = moved or (body.title is not None and body.title != lesson.title) or (
        body.kind is not None and body.kind != lesson.kind)
    if not changed:
        return await _answer(ctx, lesson, chat, me)
    now = utcnow()
    if body.title is not None:
        lesson.title = body.title
    if body.kind is not None:
        lesson.kind = body.kind
    if starts_at != lesson.starts_at:
        lesson.reminded_at = _reminded_at(ctx, starts_at, now)  # the new start is reminded of
    if moved:
        zone = await org_zone(ctx.db, lesson.org_id)
        await count_held(ctx.db, LESSONS, lesson.org_id, chat, lesson.starts_at, lesson.ends_at,
                         zone, sign=-1)
        await count_held(ctx.db, LESSONS, lesson.org_id, chat, starts_at, ends_at, zone)
    lesson.starts_at, lesson.ends_at, lesson.updated_at = starts_at, ends_at, now
    await ctx.db.flush()
    await _notice(ctx, chat, me, lesson, "changed", me.user_id)
    ctx.audit("lesson.changed", chat.org_id, "lesson", lesson.id, chat_id=chat.id,
              starts_at=lesson.starts_at.isoformat())
    ctx.emit(LessonChanged(org_id=chat.org_id, chat_id=chat.id, lesson_id=lesson.id,
                           change="changed"), await active_member_ids(ctx, chat.id))
    return await _answer(ctx, lesson, chat, me)


async def cancel_lesson(ctx: Ctx, lesson_id: int) -> LessonOut:
    lesson, chat, me = await _changeable(ctx, lesson_id)
    await count_held(ctx.db, LESSONS, lesson.org_id, chat, lesson.starts_at, lesson.ends_at,
                     await org_zone(ctx.db, lesson.org_id), sign=-1)
    lesson.cancelled_at, lesson.cancelled_by = utcnow(), me.user_id
    lesson.updated_at = lesson.cancelled_at
    await ctx.db.flush()
    await _notice(ctx, chat, me, lesson, "cancelled", me.user_id)
    ctx.audit("lesson.cancelled", chat.org_id, "lesson", lesson.id, chat_id=chat.id)
    ctx.emit(LessonChanged(org_id=chat.org_id, chat_id=chat.id, lesson_id=lesson.id,
                           change="cancelled"), await active_member_ids(ctx, chat.id))
    return await _answer(ctx, lesson, chat, me)


# Reminders -----------------------------------------------------------------------------------

async def send_due_reminders(services: Services, now: datetime | None = None) -> int:
    """Remind each chat of its lessons that begin within ``lesson_reminder_minutes`` of ``now``
    (and have not ended): a notice in the chat and ``lesson.reminder`` to its members. The
    reminder is written only where no one wrote it yet, so two timers (two server processes)
    that see the same lesson send it once. Returns how many went out."""
    sent = 0
    async with unit_of_work(services) as ctx:
        now = now or utcnow()
        lead = timedelta(minutes=services.settings.lesson_reminder_minutes)
        due = list((await ctx.db.execute(select(Lesson).where(
            Lesson.reminded_at.is_(None), Lesson.cancelled_at.is_(None),
            Lesson.starts_at <= now + lead, Lesson.ends_at > now).order_by(
            Lesson.starts_at, Lesson.id))).scalars())
        for lesson in due:
            won = await ctx.db.execute(
                update(Lesson).where(Lesson.id == lesson.id, Lesson.reminded_at.is_(None),
                                     Lesson.cancelled_at.is_(None))
                .values(reminded_at=now).execution_options(synchronize_session=False))
            if cast(CursorResult[Any], won).rowcount != 1:
                continue  # another timer sent it, or it was cancelled meanwhile
            chat = await ctx.db.get(Chat, lesson.chat_id)
            if chat is None or chat.archived_at is not None:
                continue
            await _notice(ctx, chat, None, lesson, "reminder", lesson.created_by)
            ctx.emit(LessonReminder(org_id=chat.org_id, chat_id=chat.id, lesson_id=lesson.id,
                                    title=lesson.title, starts_at=lesson.starts_at.isoformat()),
                     await active_member_ids(ctx, chat.id))
            sent += 1
    return sent


async def remind_forever(services: Services) -> None:
    """The server's timer for lesson reminders (started in the app's lifespan)."""
    while True:
        try:
            await send_due_reminders(services)
        except Exception:
            log.exception("sending lesson reminders failed")
        await asyncio.sleep(services.settings.lesson_reminder_seconds)
