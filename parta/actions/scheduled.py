"""Messages sent later (issue 15): schedule, change, cancel, and the scheduler that sends them.

A scheduled item is its author's alone until it is sent: nobody else sees it, and the author
may change or cancel it while it waits. ``kind`` says what it makes when due (``post``;
``announcement`` — a post that needs an acknowledgement; ``poll``); ``payload`` holds that
kind's fields (``body``, ``ack``; ``poll``: the poll as it was asked for).

When an item is due, the timer of every server process looks; one claims it by moving its
``status`` from ``pending`` in a conditional UPDATE and, in the same transaction, sends it as
its author through the very send path a person uses (membership, blocks, consent, slow mode,
flood limits, the conduct filter), with a client id of its own, so a send is never made twice.
What that path refuses at its time is written on the item (``failed`` with the refusal's code)
and told to the author; a post the conduct filter holds for a moderator is ``held``.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update

from parta.actions.acks import check_deadline, do_mark, require_ack_chat
from parta.actions.base import Ctx, Services, unit_of_work
from parta.actions.chats import require_chat
from parta.actions.messages import clean_body
from parta.actions.polls import check_poll, create_poll
from parta.actions.sending import Outgoing, send_messages
from parta.db import utcnow
from parta.errors import Conflict, NotFound, PartaError, ValidationFailed
from parta.models import (
    Message,
    ScheduledKind,
    ScheduledMessage,
    ScheduledStatus,
    User,
)
from parta.policy import ChatAction
from parta.queries.acks import scheduled_out
from parta.queries.actors import load_caller
from parta.queries.scope import chat_for
from parta.realtime.events import ScheduledChanged
from parta.schemas.acks import AckIn, ScheduledChange, ScheduledIn, ScheduledOut
from parta.schemas.polls import PollIn

__all__ = ["cancel_scheduled", "change_scheduled", "schedule_forever", "schedule_message",
           "send_due_scheduled"]

log = logging.getLogger("parta.scheduled")
PAST_GRACE = timedelta(minutes=1)
HORIZON = timedelta(days=366)
PER_PASS = 100


def _check_send_at(send_at: datetime, now: datetime) -> None:
    if send_at.tzinfo is None:
        raise ValidationFailed(fields={"send_at": "invalid"})
    if send_at < now - PAST_GRACE:
        raise ValidationFailed(fields={"send_at": "in_the_past"})
    if send_at > now + HORIZON:
        raise ValidationFailed(fields={"send_at": "too_far"})


def _check_ack(ack: AckIn, send_at: datetime, now: datetime) -> None:
    check_deadline(ack.deadline, now, "ack.deadline")
    if ack.deadline is not None and ack.deadline <= send_at:
        raise ValidationFailed(fields={"ack.deadline": "before_send"})


def _check_poll(poll: PollIn, send_at: datetime) -> dict[str, Any]:
    """The poll's fields as they will be posted; it may not close before it is posted."""
    question, options = check_poll(poll)
    if poll.closes_at is not None and poll.closes_at <= send_at:
        raise ValidationFailed(fields={"poll.closes_at": "before_send"})
    return poll.model_copy(update={"question": question, "options": options, "client_id": None}
                           ).model_dump(mode="json")


def _told(ctx: Ctx, item: ScheduledMessage) -> None:
    ctx.emit(ScheduledChanged(org_id=item.org_id, chat_id=item.chat_id, scheduled_id=item.id,
                              status=item.status.value), {item.author_id})


async def schedule_message(ctx: Ctx, chat_id: int, body: ScheduledIn) -> ScheduledOut:
    """A member who may post in the chat schedules a message (staff: an announcement)."""
    actor = ctx.require_actor()
    scope = await chat_for(ctx.db, actor, chat_id)
    chat, me = scope.chat, scope.member
    if me is None:
        raise NotFound()
    require_chat(chat, me, ChatAction.post)
    now = utcnow()
    if (body.body is None) == (body.poll is None):
        raise ValidationFailed(fields={"body": "required"})  # a text or a poll, not both
    if body.poll is not None and body.ack is not None:
        raise ValidationFailed(fields={"ack": "not_for_poll"})
    if body.ack is not None:
        require_ack_chat(chat, me, actor.roles_in(chat.org_id))
    _check_send_at(body.send_at, now)
    if body.ack is not None:
        _check_ack(body.ack, body.send_at, now)
    payload: dict[str, Any]
    if body.poll is not None:
        payload = {"poll": _check_poll(body.poll, body.send_at)}
    else:
        payload = {"body": clean_body(body.body or "")}
    waiting = (await ctx.db.execute(select(func.count()).select_from(ScheduledMessage).where(
        ScheduledMessage.author_id == actor.user_id,
        ScheduledMessage.status == ScheduledStatus.pending))).scalar_one()
    if waiting >= ctx.settings.scheduled_per_author:
        raise ValidationFailed("too_many_scheduled", fields={"send_at": "too_many_scheduled"},
                               params={"count": ctx.settings.scheduled_per_author})
    if body.ack is not None:
        payload["ack"] = body.ack.model_dump(mode="json")
    kind = (ScheduledKind.poll if body.poll is not None else
            ScheduledKind.announcement if body.ack is not None else ScheduledKind.post)
    item = ScheduledMessage(
        org_id=chat.org_id, chat_id=chat.id, author_id=actor.user_id, kind=kind,
        payload=payload, send_at=body.send_at, status=ScheduledStatus.pending,
        created_at=now, updated_at=now)
    ctx.db.add(item)
    await ctx.db.flush()
    _told(ctx, item)
    return scheduled_out(item, ctx.lang)


async def _own(ctx: Ctx, scheduled_id: int) -> ScheduledMessage:
    """The caller's own scheduled item, in a chat they are still in; nobody else's exists."""
    actor = ctx.require_actor()
    item = await ctx.db.get(ScheduledMessage, scheduled_id)
    if item is None or item.author_id != actor.user_id:
        raise NotFound()
    scope = await chat_for(ctx.db, actor, item.chat_id)
    if scope.member is None:
        raise NotFound()
    return item


async def change_scheduled(ctx: Ctx, scheduled_id: int, body: ScheduledChange) -> ScheduledOut:
    item = await _own(ctx, scheduled_id)
    if item.status != ScheduledStatus.pending:
        raise Conflict("scheduled_done")
    now = utcnow()
    payload = dict(item.payload)
    send_at = body.send_at or item.send_at
    if body.send_at is not None:
        _check_send_at(body.send_at, now)
    if item.kind == ScheduledKind.poll:
        poll = PollIn.model_validate(payload["poll"])
        if body.body is not None:
            poll = poll.model_copy(update={"question": body.body})
        payload["poll"] = _check_poll(poll, send_at)
    elif body.body is not None:
        payload["body"] = clean_body(body.body)
    if item.kind == ScheduledKind.announcement and payload.get("ack"):
        _check_ack(AckIn.model_validate(payload["ack"]), send_at, now)
    # Only if it still waits: the scheduler may have claimed it meanwhile.
    won = await ctx.db.execute(update(ScheduledMessage).where(
        ScheduledMessage.id == item.id, ScheduledMessage.status == ScheduledStatus.pending)
        .values(payload=payload, send_at=send_at, updated_at=now)
        .execution_options(synchronize_session=False))
    if cast(CursorResult[Any], won).rowcount != 1:
        raise Conflict("scheduled_done")
    await ctx.db.refresh(item)
    _told(ctx, item)
    return scheduled_out(item, ctx.lang)


async def cancel_scheduled(ctx: Ctx, scheduled_id: int) -> ScheduledOut:
    """Cancel one that waits, or put away one that its time refused."""
    item = await _own(ctx, scheduled_id)
    now = utcnow()
    won = await ctx.db.execute(update(ScheduledMessage).where(
        ScheduledMessage.id == item.id,
        ScheduledMessage.status.in_([ScheduledStatus.pending, ScheduledStatus.failed]))
        .values(status=ScheduledStatus.cancelled, updated_at=now, done_at=now)
        .execution_options(synchronize_session=False))
    if cast(CursorResult[Any], won).rowcount != 1:
        raise Conflict("scheduled_done")
    await ctx.db.refresh(item)
    _told(ctx, item)
    return scheduled_out(item, ctx.lang)


# The scheduler -------------------------------------------------------------------------------

async def send_due_scheduled(services: Services, now: datetime | None = None) -> int:
    """Send every scheduled item due at ``now``; how many this process sent (refusals too)."""
    now = now or utcnow()
    async with unit_of_work(services, read_only=True) as ctx:
        due = list((await ctx.db.execute(select(ScheduledMessage.id).where(
            ScheduledMessage.status == ScheduledStatus.pending,
            ScheduledMessage.send_at <= now).order_by(
            ScheduledMessage.send_at, ScheduledMessage.id).limit(PER_PASS))).scalars())
    done = 0
    for item_id in due:
        try:
            done += await _send_one(services, item_id, now)
        except Exception:
            log.exception("a scheduled message could not be sent; it is tried again")
    return done


async def _send_one(services: Services, item_id: int, now: datetime) -> int:
    async with unit_of_work(services) as ctx:
        # The claim and the send are one transaction: a crash in between sends nothing and
        # leaves the item waiting; of two processes, the second finds it no longer pending.
        won = await ctx.db.execute(update(ScheduledMessage).where(
            ScheduledMessage.id == item_id, ScheduledMessage.status == ScheduledStatus.pending,
            ScheduledMessage.send_at <= now)
            .values(status=ScheduledStatus.sent, done_at=now, updated_at=now)
            .execution_options(synchronize_session=False))
        if cast(CursorResult[Any], won).rowcount != 1:
            return 0
        item = await ctx.db.get(ScheduledMessage, item_id)
        assert item is not None
        await ctx.db.refresh(item)
        user = await ctx.db.get(User, item.author_id)
        try:
            if user is None or user.deleted_at is not None:
                raise NotFound()
            caller = await load_caller(ctx.db, user)
            ctx.user, ctx.actor, ctx.verified_in = user, caller.actor, caller.verified_in
            ctx.lang = user.language or ctx.lang
            await _send(ctx, item)
        except PartaError as refusal:
            item.status, item.refusal = ScheduledStatus.failed, refusal.code
            log.info("scheduled message %s refused at its time: %s", item.id, refusal.code)
        await ctx.db.flush()
        _told(ctx, item)
        return 1


async def _send(ctx: Ctx, item: ScheduledMessage) -> None:
    """Send ``item`` as its author (``ctx`` is theirs); a refusal raises and changes nothing."""
    actor = ctx.require_actor()
    if item.kind == ScheduledKind.poll:
        # As the author would post it: the chat's rights and the conduct filter, now; the
        # client id makes a retry find the poll instead of posting it twice.
        poll = await create_poll(ctx, item.chat_id, PollIn.model_validate(
            {**item.payload["poll"], "client_id": f"scheduled-{item.id}"}))
        item.message_id = poll.id
        return
    ack = None
    if item.kind == ScheduledKind.announcement:
        scope = await chat_for(ctx.db, actor, item.chat_id)
        require_ack_chat(scope.chat, scope.member, actor.roles_in(scope.chat.org_id))
        ack = AckIn.model_validate(item.payload.get("ack") or {})
    [result] = await send_messages(ctx, [Outgoing(
        ctx, item.chat_id, str(item.payload.get("body", "")), client_id=f"scheduled-{item.id}")])
    if isinstance(result, PartaError):
        raise result
    if result.message is None:
        item.status = ScheduledStatus.held
        return
    item.message_id = result.message.id
    if ack is not None:
        message = await ctx.db.get(Message, result.message.id)
        assert message is not None
        await do_mark(ctx, scope.chat, message, ack)


async def schedule_forever(services: Services) -> None:
    """The server's timer for scheduled messages (started in the app's lifespan)."""
    while True:
        try:
            await send_due_scheduled(services)
        except Exception:
            log.exception("the scheduled messages' pass failed")
        await asyncio.sleep(services.settings.scheduled_check_seconds)
