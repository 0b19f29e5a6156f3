"""Leaving and ending a call: the last one out ends it; ending writes the notice in the chat and
destroys the room in Janus after commit."""

from __future__ import annotations

from sqlalchemy import select

from parta.actions.base import Ctx
from parta.actions.calls.common import (
    _announce,
    _call_for,
    _participants,
    _stop_ringing,
    _waiter,
    call_out,
    screen_feed,
)
from parta.actions.calls.rooms import _janus_forget
from parta.actions.chats import active_member_ids
from parta.actions.messages import publish_message
from parta.actions.stats import count_held, org_zone
from parta.db import utcnow
from parta.errors import Conflict, Forbidden
from parta.i18n import t
from parta.models import CALLS, Call, CallParticipant, Chat, Message
from parta.policy import can_host_call
from parta.realtime.events import CallEnded, CallUpdated
from parta.schemas.calls import CallOut


async def _finish(ctx: Ctx, call: Call, chat: Chat, rows: list[CallParticipant],
                  reason: str | None = None) -> None:
    """End ``call`` in this transaction: everyone out, the notice in the chat, the event; the
    room is destroyed in Janus after commit."""
    now = utcnow()
    for r in rows:
        r.left_at = now
    if call.ring_until is not None:
        _stop_ringing(ctx, call.id)
    call.ended_at, call.live_chat_id, call.ring_until = now, None, None
    call.ended_by = ctx.user.id if ctx.user else None
    await count_held(ctx.db, CALLS, call.org_id, chat, call.started_at, now,
                     await org_zone(ctx.db, call.org_id))
    joined = set((await ctx.db.execute(select(CallParticipant.user_id).where(
        CallParticipant.call_id == call.id))).scalars())
    missed = joined <= {call.started_by}
    lang = ctx.settings.default_language  # the web client words it from ``meta`` itself
    minutes = max(1, round((now - call.started_at).total_seconds() / 60))
    body = t(lang, "calls.missed_notice") if missed else t(lang, "calls.ended_notice",
                                                            minutes=minutes)
    notice = Message(chat_id=chat.id, author_id=call.started_by, kind="call", body=body,
                     meta={"call_id": call.id, "missed": missed, "kind": call.kind.value,
                           "seconds": int((now - call.started_at).total_seconds()),
                           "people": len(joined), "reason": reason}, created_at=now)
    ctx.db.add(notice)
    await ctx.db.flush()
    await publish_message(ctx, chat, None, notice, [])
    ctx.audit("call.ended", chat.org_id, "call", call.id, chat_id=chat.id, missed=missed,
              people=len(joined), reason=reason)
    ctx.emit(CallEnded(org_id=chat.org_id, chat_id=chat.id, call_id=call.id, reason=reason),
             await active_member_ids(ctx, chat.id))
    room, secret = call.janus_room, call.room_secret
    ctx.after_commit.append(lambda: _janus_forget(ctx.services, room, secret, tokens=[],
                                                  feed_ids=[], destroy=True))


async def leave_call(ctx: Ctx, call_id: int) -> CallOut:
    """The caller leaves; the last one out ends the call."""
    actor = ctx.require_actor()
    call, chat, _me = await _call_for(ctx, call_id)
    if call.ended_at is not None:
        return await call_out(ctx, call)  # already over: leaving it again changes nothing
    rows = await _participants(ctx, call)
    mine = [r for r in rows if r.user_id == actor.user_id]
    if not mine:
        waiter = await _waiter(ctx, call, actor.user_id)
        if waiter is not None and waiter.decision is None:  # gave up waiting
            await ctx.db.delete(waiter)
            await ctx.db.flush()
            return await _announce(ctx, call, chat)
        return await call_out(ctx, call)
    others = [r for r in rows if r.user_id != actor.user_id]
    if not others:
        await _finish(ctx, call, chat, mine)
        return await call_out(ctx, call)
    now = utcnow()
    for r in mine:
        r.left_at = now
    ctx.audit("call.left", chat.org_id, "call", call.id)
    out = await call_out(ctx, call)
    ctx.emit(CallUpdated(org_id=chat.org_id, chat_id=chat.id, call=out.model_dump(mode="json")),
             await active_member_ids(ctx, chat.id))
    room, secret, tokens = call.janus_room, call.room_secret, [r.token for r in mine]
    feeds = [actor.user_id, screen_feed(actor.user_id)]
    ctx.after_commit.append(lambda: _janus_forget(ctx.services, room, secret, tokens=tokens,
                                                  feed_ids=feeds, destroy=False))
    return out


async def end_call(ctx: Ctx, call_id: int) -> CallOut:
    """For everyone: by whoever started it, or a moderator or owner of the chat."""
    call, chat, me = await _call_for(ctx, call_id)
    if call.ended_at is not None:
        raise Conflict("call_over")
    if not can_host_call(me.role.value, me.user_id == call.started_by):
        raise Forbidden()
    await _finish(ctx, call, chat, await _participants(ctx, call))
    return await call_out(ctx, call)
