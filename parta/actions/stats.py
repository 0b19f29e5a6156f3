"""Keeping the statistics' counters (R34, R39, R2's figures) as messages are posted, and
recomputing them from the tables (``parta stats rebuild``).

What is counted, precisely:

* **A message** is a person's text message (kind ``text``, with an author): what the send path
  writes, and a held message a moderator let through. Notices (lessons, calls, rules) are not.
  It counts in the week of its sending (weeks start on Monday, in the school's own zone,
  ``organization.time_zone``: every day, week and working hour below is the school's), for the
  class whose chat it was posted in (``NO_CLASS`` for chats of no class), under the author's
  role in the school at that moment: ``staff`` (any staff role), else ``student``, else
  ``parent``. Staff members' messages are also kept per person, for R34.
* **A parent's question** opens when a parent posts in a class's parents' chat, or in a
  one-to-one chat with a staff member of the school, and no question is open in that chat yet.
  It is **answered** by the next message of a staff member in that chat; the reply time is the
  working time in between (``working_minutes``: Monday to Friday, 09:00–18:00). Messages'
  words are never read for this: only who posted where and when.

* **A call** counts when it ends, **a lesson** when it is scheduled (moved when it is changed
  or cancelled), by the day it began and its chat's class (``count_held``); the dashboards show
  a lesson once it has ended.

The send path pays one statement for the message counters (an UPSERT adding the batch's
counts); a send in a parents' chat or a one-to-one chat pays one more (opening a question, or
closing it), and an answer one more again (the reply-time counter: the class's row, the
school's and the school's hour, in one statement).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, delete, exists, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.db import insert_adding, insert_ignoring_duplicates
from parta.models import (
    CALLS,
    HOUR,
    HOURS,
    LESSONS,
    NO_CLASS,
    NO_PERSON,
    SCHOOL,
    STAFF_ROLES,
    Call,
    Chat,
    ChatKind,
    ChatMember,
    Lesson,
    Membership,
    MembershipRole,
    Message,
    OpenQuestion,
    Organization,
    Role,
    StatHeld,
    StatMessages,
    StatReplies,
)
from parta.queries.stats import (
    role_bucket,
    week_of,
    working_minutes,
    zone_named,
)

__all__ = ["QUESTION_CHATS", "Posted", "count_held", "count_posted", "org_zone", "org_zones",
           "rebuild", "rebuild_held", "role_bucket", "week_of", "working_minutes", "zone_named"]

Zones = Mapping[int, ZoneInfo]  # organization → its zone


async def org_zone(db: AsyncSession, org_id: int) -> ZoneInfo:
    """The zone of one school (from the session's identity map when it is loaded)."""
    org = await db.get(Organization, org_id)
    return zone_named(org.time_zone if org is not None else None)


async def org_zones(db: AsyncSession, org_ids: Iterable[int]) -> dict[int, ZoneInfo]:
    wanted = list(set(org_ids))
    if not wanted:
        return {}
    return {i: zone_named(z) for i, z in (await db.execute(
        select(Organization.id, Organization.time_zone).where(Organization.id.in_(wanted)))).all()}


QUESTION_CHATS = frozenset({ChatKind.parents, ChatKind.direct})

_MESSAGES = cast(Table, StatMessages.__table__)
_REPLIES = cast(Table, StatReplies.__table__)
_OPEN = cast(Table, OpenQuestion.__table__)
_HELD = cast(Table, StatHeld.__table__)
_MESSAGE_KEYS = ["org_id", "group_id", "week", "role", "author_id"]
_REPLY_KEYS = ["org_id", "week", "group_id", "minutes"]
_HELD_KEYS = ["org_id", "what", "group_id", "day"]
_MICRO = timedelta(microseconds=1)


@dataclass(frozen=True)
class Posted:
    """One message just written: where, by whom (their role bucket), when."""

    chat: Chat
    author_id: int
    role: str | None
    at: datetime


def _group(chat: Chat) -> int:
    return chat.group_id if chat.group_id is not None else NO_CLASS


def _message_rows(posted: Iterable[Posted], zones: Zones) -> list[dict[str, Any]]:
    """Each message counts twice: in its class's row, and in the school's — a staff member's
    three times: the school's row of the staff is kept per person too (R34)."""
    counts: Counter[tuple[int, int, date, str, int]] = Counter()
    for p in posted:
        if p.role is None:
            continue
        week = week_of(p.at, zones[p.chat.org_id])
        counts[(p.chat.org_id, _group(p.chat), week, p.role, NO_PERSON)] += 1
        counts[(p.chat.org_id, SCHOOL, week, p.role, NO_PERSON)] += 1
        if p.role == "staff":
            counts[(p.chat.org_id, SCHOOL, week, p.role, p.author_id)] += 1
    return [dict(zip(_MESSAGE_KEYS, key, strict=True), messages=n) for key, n in counts.items()]


def _has_staff_beside(chat: Chat, author_id: int) -> Any:
    """A staff member of the chat's school, other than the author, is in the chat."""
    return exists(select(ChatMember.id)
                  .join(Membership, Membership.user_id == ChatMember.user_id)
                  .join(MembershipRole, MembershipRole.membership_id == Membership.id)
                  .where(ChatMember.chat_id == chat.id, ChatMember.user_id != author_id,
                         ChatMember.left_at.is_(None), Membership.org_id == chat.org_id,
                         Membership.left_at.is_(None), MembershipRole.role.in_(STAFF_ROLES)))


def _reply_keys(group: int, minutes: int) -> list[tuple[int, int]]:
    """An answer's rows: its class's, its school's, and its school's hour."""
    return [(group, minutes), (SCHOOL, minutes), (HOURS, minutes // HOUR * HOUR)]


async def _question(db: AsyncSession, p: Posted, zone: ZoneInfo) -> None:
    """``zone``: the school's."""
    chat = p.chat
    if p.role == "parent":
        asked = select(literal(chat.id), literal(chat.org_id), literal(_group(chat)),
                       literal(p.at, OpenQuestion.asked_at.type))
        if chat.kind == ChatKind.direct:
            asked = asked.where(_has_staff_beside(chat, p.author_id))
        else:
            asked = asked.where(literal(True))  # SQLite reads «SELECT … ON CONFLICT» so only
        await db.execute(insert_ignoring_duplicates(db, _OPEN).from_select(
            ["chat_id", "org_id", "group_id", "asked_at"], asked))
    elif p.role == "staff":
        asked_at = (await db.execute(delete(_OPEN).where(_OPEN.c.chat_id == chat.id)
                                     .returning(_OPEN.c.asked_at))).scalar_one_or_none()
        if asked_at is not None:
            week, minutes = week_of(p.at, zone), working_minutes(asked_at, p.at, zone)
            await db.execute(insert_adding(db, _REPLIES, _REPLY_KEYS, ["answered"]), [
                {"org_id": chat.org_id, "week": week, "group_id": group, "minutes": m,
                 "answered": 1}
                for group, m in _reply_keys(_group(chat), minutes)])


async def count_posted(db: AsyncSession, posted: list[Posted], zones: Zones) -> None:
    """Move the counters for messages just written, in the same unit of work. ``zones``: the
    zone of each of their chats' schools."""
    rows = _message_rows(posted, zones)
    if rows:
        await db.execute(insert_adding(db, _MESSAGES, _MESSAGE_KEYS, ["messages"]), rows)
    for p in posted:
        if p.chat.kind in QUESTION_CHATS and p.role is not None:
            await _question(db, p, zones[p.chat.org_id])


def _held_rows(org_id: int, what: str, group_id: int | None, began: datetime, ended: datetime,
               zone: ZoneInfo, sign: int) -> list[dict[str, Any]]:
    day = began.astimezone(zone).date()
    micros = sign * ((ended - began) // _MICRO)
    return [{"org_id": org_id, "what": what, "group_id": group, "day": day,
             "week": week_of(day, zone), "held": sign, "micros": micros}
            for group in (NO_CLASS if group_id is None else group_id, SCHOOL)]


async def count_held(db: AsyncSession, what: str, org_id: int, chat: Chat, began: datetime,
                     ended: datetime, zone: ZoneInfo, sign: int = 1) -> None:
    """Count a call that ended, or a lesson scheduled (``sign=-1``: take a lesson's old times
    off when it is moved or cancelled): its class's row and its school's, in one statement.
    ``zone``: the school's (``org_zone``)."""
    await db.execute(insert_adding(db, _HELD, _HELD_KEYS, ["held", "micros"]),
                     _held_rows(org_id, what, chat.group_id, began, ended, zone, sign))


async def rebuild_held(db: AsyncSession) -> None:
    """Calls that ended and lessons not cancelled, counted again from their rows, each by its
    school's calendar."""
    zones = await _all_zones(db)
    for what, stmt in (
            (CALLS, select(Call.org_id, Chat.group_id, Call.started_at, Call.ended_at)
             .join(Chat, Chat.id == Call.chat_id).where(Call.ended_at.is_not(None))),
            (LESSONS, select(Lesson.org_id, Chat.group_id, Lesson.starts_at, Lesson.ends_at)
             .join(Chat, Chat.id == Lesson.chat_id).where(Lesson.cancelled_at.is_(None)))):
        counts: dict[tuple[int, str, int, date], list[Any]] = {}
        for org_id, group_id, began, ended in (await db.execute(stmt)).all():
            assert ended is not None  # the statements ask for ended calls; lessons always end
            for row in _held_rows(org_id, what, group_id, began, ended, zones[org_id], 1):
                key = (row["org_id"], what, row["group_id"], row["day"])
                slot = counts.setdefault(key, [row["week"], 0, 0])
                slot[1] += 1
                slot[2] += row["micros"]
        if counts:
            await db.execute(_HELD.insert(), [
                {**dict(zip(_HELD_KEYS, key, strict=True)), "week": week, "held": n, "micros": m}
                for key, (week, n, m) in counts.items()])


# Recomputing from the tables -------------------------------------------------------------------

async def _all_zones(db: AsyncSession) -> dict[int, ZoneInfo]:
    return {i: zone_named(z) for i, z in (await db.execute(
        select(Organization.id, Organization.time_zone))).all()}


async def _roles_now(db: AsyncSession) -> dict[tuple[int, int], str | None]:
    """(org, person) → the role bucket their messages count under, from today's roster."""
    held: dict[tuple[int, int], set[Role]] = {}
    for org_id, user_id, role in (await db.execute(
            select(Membership.org_id, Membership.user_id, MembershipRole.role)
            .join(MembershipRole, MembershipRole.membership_id == Membership.id)
            .where(Membership.left_at.is_(None)))).all():
        held.setdefault((org_id, user_id), set()).add(role)
    return {k: role_bucket(v) for k, v in held.items()}


async def rebuild(db: AsyncSession, batch: int = 20000) -> int:
    """Recompute every counter from the messages and chats, in ``db``'s transaction (the
    caller commits), each school's by its own calendar (``organization.time_zone``: after a
    school changes its zone, this moves its counters to the new one). People are counted
    under the roles they hold today. Returns how many messages were counted."""
    for table in (_MESSAGES, _REPLIES, _OPEN, _HELD):
        await db.execute(delete(table))
    await rebuild_held(db)
    zones = await _all_zones(db)
    roles = await _roles_now(db)
    chats = {c.id: c for c in (await db.execute(select(Chat))).scalars()}
    staffed: dict[int, set[int]] = {}  # question chats → their present staff members
    for chat_id, user_id in (await db.execute(
            select(ChatMember.chat_id, ChatMember.user_id).join(Chat, Chat.id == ChatMember.chat_id)
            .where(Chat.kind.in_(QUESTION_CHATS), ChatMember.left_at.is_(None)))).all():
        if roles.get((chats[chat_id].org_id, user_id)) == "staff":
            staffed.setdefault(chat_id, set()).add(user_id)
    counted = 0
    posted: list[Posted] = []
    open_: dict[int, datetime] = {}
    replies: Counter[tuple[int, date, int, int]] = Counter()
    stream = await db.stream(select(Message.chat_id, Message.author_id, Message.created_at)
                             .where(Message.kind == "text", Message.author_id.is_not(None))
                             .order_by(Message.created_at, Message.id)
                             .execution_options(yield_per=batch))
    async for chat_id, author_id, at in stream:
        assert author_id is not None  # the statement asks for authored messages only
        chat = chats[chat_id]
        p = Posted(chat, author_id, roles.get((chat.org_id, author_id)), at)
        posted.append(p)
        counted += 1
        if chat.kind in QUESTION_CHATS:
            if p.role == "parent" and chat_id not in open_ and (
                    chat.kind == ChatKind.parents or staffed.get(chat_id, set()) - {author_id}):
                open_[chat_id] = at
            elif p.role == "staff" and chat_id in open_:
                asked = open_.pop(chat_id)
                zone = zones[chat.org_id]
                week, minutes = week_of(at, zone), working_minutes(asked, at, zone)
                for group, m in _reply_keys(_group(chat), minutes):
                    replies[(chat.org_id, week, group, m)] += 1
        if len(posted) >= batch:
            await _add_messages(db, _message_rows(posted, zones))
            posted = []
    await _add_messages(db, _message_rows(posted, zones))
    if replies:
        await db.execute(insert_adding(db, _REPLIES, _REPLY_KEYS, ["answered"]), [
            dict(zip(_REPLY_KEYS, key, strict=True), answered=n) for key, n in replies.items()])
    if open_:
        await db.execute(_OPEN.insert(), [
            {"chat_id": c, "org_id": chats[c].org_id, "group_id": _group(chats[c]), "asked_at": at}
            for c, at in open_.items()])
    return counted


async def _add_messages(db: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        await db.execute(insert_adding(db, _MESSAGES, _MESSAGE_KEYS, ["messages"]), rows)
