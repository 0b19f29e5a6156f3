"""Calls in a chat (R37): start or join, leave, end — Parta admits, Janus carries the media.

A call is a private VideoRoom in Janus with a secret only Parta holds and an allowed-token list
that starts empty; Parta adds a fresh token for each person it admits and takes it away when
they leave. Parta's database is the truth about who may be in a call.

Janus is spoken to outside the database transaction (on SQLite a write transaction holds the
one writer lock, and nobody should wait on another server's answer for it): the room and the
token are made first, then one short transaction records the call and the person; if that fails,
what was made in Janus is undone. Two people starting a call in one chat at the same moment make
one call: the unique ``live_chat_id`` refuses the second row, and the second person joins the
first call (their spare room is destroyed).

A one-to-one call rings the other person (``call.ringing``) until they answer (``accept``, or
simply joining), decline, or ``call_ring_seconds`` pass: declined or unanswered, it ends as a
missed call with its notice in the chat. A timer started after the call was recorded ends it
on time; the reconcile round is the fallback (a restarted server).

Host controls (the host: whoever started the call, the chat's owner and moderators, and the
co-hosts they name) are decided here and enforced by Janus or by the proxy that is the browser's
only way to Janus:

* «mute all» moderates every non-host's audio streams in Janus (the media stops at the SFU)
  and holds the microphone of whoever joins later; a held person's own unmute through the
  proxy (``configure`` asking to send audio, or a new offer publishing audio) is refused with
  ``muted_by_host`` until the host allows them (or lifts the hold for all).
* a locked call admits nobody new (``call_locked``); who is in stays.
* a raised hand is a time on the person's stay; ``hands`` in the call is the queue.
* screen sharing: a screen is published as a *separate publisher feed* in the room, with the
  id ``SCREEN_FEED_BASE + person's id``. The proxy sets every publisher's feed id itself, so
  only someone the host allowed (or a host) can join as a screen feed, and only with video;
  a camera feed's offers carry at most one video stream (a second one would be a screen
  smuggled past the grant). Nothing in an SDP tells a screen track from a camera track, so the
  grant is enforced where Janus can hold it: the feed. Revoking the grant kicks the screen
  feed out of the room (Janus's ``kick``, with the room's secret only Parta has).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from parta.actions.base import Ctx, Services, unit_of_work
from parta.actions.chats import active_member_ids, require_direct_allowed
from parta.actions.messages import publish_message
from parta.db import utcnow
from parta.errors import Conflict, Forbidden, NotFound, Unavailable
from parta.i18n import t
from parta.models import (
    Call,
    CallKind,
    CallParticipant,
    CallWaiter,
    Chat,
    ChatMember,
    Message,
)
from parta.models.chat import CHANNEL_KINDS, ChatKind
from parta.policy import can_host_call
from parta.queries.blocks import require_not_blocked
from parta.queries.people import persons
from parta.queries.scope import chat_for
from parta.realtime.events import CallAdmitted, CallEnded, CallRinging, CallStarted, CallUpdated
from parta.schemas.calls import CallJoined, CallOut, IceServer, JanusAccess, Participant
from parta.services.janus import (
    NO_SUCH_FEED,
    NO_SUCH_ROOM,
    JanusError,
    JanusUnavailable,
    VideoRoom,
)
from parta.services.turn import turn_credentials

__all__ = [
    "SCREEN_FEED_BASE",
    "accept_call",
    "bind_janus_session",
    "call_out",
    "decline_call",
    "end_call",
    "end_unanswered",
    "janus_session_allowed",
    "leave_call",
    "live_call",
    "live_call_in_chat",
    "lock_call",
    "lower_hand",
    "mute_all",
    "mute_participant",
    "proxy_access",
    "raise_hand",
    "reconcile_calls",
    "reconcile_forever",
    "record_media",
    "remove_participant",
    "screen_feed",
    "set_cohost",
    "set_screen",
    "start_or_join",
    "vet_media_request",
]

log = logging.getLogger("parta.calls")
PROXY_PATH = "/api/v1/calls/{call_id}/janus"
# A person's screen is a feed of its own in the room: this plus their id (below 2**53).
SCREEN_FEED_BASE = 2**40
# Timers that end unanswered one-to-one calls on time, by call id (held so they are not
# collected; cancelled once the call is answered or over).
_ring_timers: dict[int, asyncio.Task[None]] = {}


def screen_feed(user_id: int) -> int:
    return SCREEN_FEED_BASE + user_id


def _unavailable(exc: Exception) -> Unavailable:
    log.warning("janus refused or did not answer: %s", exc)
    return Unavailable("calls_unavailable")


# Reads ---------------------------------------------------------------------------------------

async def live_call(ctx: Ctx, chat_id: int, *, lock: bool = False) -> Call | None:
    """The chat's live call; ``lock``: its row locked until commit (PostgreSQL; SQLite's write
    transactions are serial already), so a join and a host's «mute all» or «lock» are ordered."""
    q = select(Call).where(Call.live_chat_id == chat_id)
    if lock:
        q = q.with_for_update().execution_options(populate_existing=True)
    return (await ctx.db.execute(q)).scalar_one_or_none()


async def _participants(ctx: Ctx, call: Call) -> list[CallParticipant]:
    return list((await ctx.db.execute(select(CallParticipant).where(
        CallParticipant.call_id == call.id, CallParticipant.left_at.is_(None)
    ).order_by(CallParticipant.joined_at, CallParticipant.id))).scalars())


async def _chat_roles(ctx: Ctx, call: Call, user_ids: list[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    return {uid: role.value for uid, role in (await ctx.db.execute(
        select(ChatMember.user_id, ChatMember.role).where(
            ChatMember.chat_id == call.chat_id, ChatMember.user_id.in_(user_ids),
            ChatMember.left_at.is_(None)))).all()}


def _row_hosts(call: Call, row: CallParticipant, role: str | None) -> bool:
    return row.cohost or can_host_call(role, row.user_id == call.started_by)


async def call_out(ctx: Ctx, call: Call) -> CallOut:
    rows = await _participants(ctx, call)
    people = await persons(ctx.db, call.org_id, [r.user_id for r in rows]) if rows else {}
    roles = await _chat_roles(ctx, call, [r.user_id for r in rows])
    parts = []
    for r in rows:
        if r.user_id not in people:
            continue
        host = _row_hosts(call, r, roles.get(r.user_id))
        parts.append(Participant(person=people[r.user_id], joined_at=r.joined_at,
                                 muted_audio=r.muted_audio, muted_video=r.muted_video, host=host,
                                 cohost=r.cohost, may_share_screen=host or r.may_share_screen,
                                 hand_raised_at=r.hand_raised_at))
    hands = [p.person.id for p in sorted((p for p in parts if p.hand_raised_at is not None),
                                         key=lambda p: (p.hand_raised_at, p.person.id))]
    waiters = list((await ctx.db.execute(select(CallWaiter.user_id).where(
        CallWaiter.call_id == call.id, CallWaiter.decision.is_(None)).order_by(
        CallWaiter.since, CallWaiter.id))).scalars()) if call.ended_at is None else []
    waiting_people = await persons(ctx.db, call.org_id, waiters) if waiters else {}
    return CallOut(id=call.id, chat_id=call.chat_id, kind=call.kind, started_by=call.started_by,
                   started_at=call.started_at, ended_at=call.ended_at, participants=parts,
                   ringing=call.ring_until is not None and call.ended_at is None,
                   locked=call.locked, audio_held=call.audio_held, hands=hands,
                   waiting_room=call.waiting_room,
                   waiting=[waiting_people[u] for u in waiters if u in waiting_people])


async def live_call_in_chat(ctx: Ctx, chat_id: int) -> CallOut:
    """The chat's live call, for its members; ``NotFound`` when there is none (or no chat)."""
    scope = await chat_for(ctx.db, ctx.require_actor(), chat_id)
    chat, _me = scope.chat, scope.member
    call = await live_call(ctx, chat.id)
    if call is None:
        raise NotFound("no_call")
    return await call_out(ctx, call)


async def _call_for(ctx: Ctx, call_id: int) -> tuple[Call, Chat, ChatMember]:
    """A call and the caller's membership of its chat; to anyone else it does not exist."""
    call = await ctx.db.get(Call, call_id)
    if call is None:
        raise NotFound()
    scope = await chat_for(ctx.db, ctx.require_actor(), call.chat_id)
    chat, me = scope.chat, scope.member
    assert me is not None
    return call, chat, me


# Who may call --------------------------------------------------------------------------------

async def _callable_chat(ctx: Ctx, chat_id: int) -> tuple[Chat, ChatMember]:
    """Members of a group or one-to-one chat that is not archived, not blocked there, and (one-
    to-one) still allowed to write to each other."""
    actor = ctx.require_actor()
    scope = await chat_for(ctx.db, ctx.require_actor(), chat_id)
    chat, me = scope.chat, scope.member
    assert me is not None
    if chat.kind in CHANNEL_KINDS:
        raise Forbidden("call_not_here")
    if chat.archived_at is not None:
        raise Conflict("chat_archived")
    await require_not_blocked(ctx.db, chat, actor.user_id)
    await require_direct_allowed(ctx, chat, actor.user_id)
    return chat, me


# Start or join -------------------------------------------------------------------------------

@dataclass
class _Room:
    id: int
    secret: str
    made_here: bool  # this request created it (and destroys it if it is not used)


async def _janus_admit(services: Services, room: _Room, token: str, feed_id: int) -> None:
    """Put ``token`` on the room's allowed list; a feed of the same person left behind by a
    closed tab is sent away first (one presence per person)."""
    async with services.janus.videoroom() as vr:
        try:
            await vr.kick(room.id, room.secret, feed_id)
        except JanusError as exc:
            if isinstance(exc, JanusUnavailable) or exc.code not in (NO_SUCH_FEED,):
                raise
        await vr.allow(room.id, room.secret, [token])


async def _janus_forget(services: Services, room_id: int, secret: str, *, tokens: list[str],
                        feed_ids: list[int], destroy: bool) -> None:
    """Undo in Janus what Parta no longer stands behind; failures are logged, not raised (the
    tokens are already worthless to Parta, and a room without them admits nobody)."""
    try:
        async with services.janus.videoroom() as vr:
            if destroy:
                await vr.destroy_room(room_id, secret)
                return
            if tokens:
                await vr.allow(room_id, secret, tokens, add=False)
            for feed in feed_ids:
                try:
                    await vr.kick(room_id, secret, feed)
                except JanusError as exc:
                    if exc.code != NO_SUCH_FEED:
                        raise
    except JanusError as exc:
        if exc.code != NO_SUCH_ROOM:
            log.warning("janus clean-up of room %s failed: %s", room_id, exc)


async def start_or_join(ctx: Ctx, chat_id: int, kind: CallKind) -> CallJoined:
    """The caller joins the chat's live call, starting one when there is none.

    ``ctx`` only reads (``AuthReadingCtx``): the write is a unit of work of its own, after
    Janus has the room and the person's token."""
    return await _join(ctx, chat_id, kind, None)


async def accept_call(ctx: Ctx, call_id: int) -> CallJoined:
    """Answer a ringing call (or join this very call): never starts another one. A call that
    is over answers 409 ``call_over``; a second accept (another tab) takes the place over."""
    async with unit_of_work(ctx.services, read_only=True, **ctx.caller()) as r:
        call, _chat, _me = await _call_for(r, call_id)
        if call.ended_at is not None:
            raise Conflict("call_over")
        chat_id, kind = call.chat_id, call.kind
    return await _join(ctx, chat_id, kind, call_id)


async def _join(ctx: Ctx, chat_id: int, kind: CallKind, want: int | None) -> CallJoined:
    """Join the chat's live call (``want``: exactly that one, or 409 ``call_over``), starting
    one when there is none and nothing particular is wanted."""
    services = ctx.services
    if not ctx.settings.calls_enabled:
        raise Unavailable("calls_unavailable")
    for _attempt in range(3):
        # Each attempt reads afresh (a reading transaction on SQLite keeps its first snapshot).
        async with unit_of_work(services, read_only=True, **ctx.caller()) as r:
            chat, me = await _callable_chat(r, chat_id)
            found = await live_call(r, chat.id)
            if want is not None and (found is None or found.id != want):
                raise Conflict("call_over")
            wait = False
            if found is not None:
                await _refuse_removed(r, found, me.user_id)
                await _refuse_locked(r, found, me)
                wait = await _must_wait(r, found, me)
            feed_id = me.user_id
        if found is not None and wait:
            async with unit_of_work(services, **ctx.caller()) as w:
                waiting = await _record_wait(w, chat_id, found)
            if waiting is not None:
                return waiting
            continue  # the host decided or the call changed meanwhile: again
        token = secrets.token_urlsafe(24)
        if found is not None:
            room = _Room(found.janus_room, found.room_secret, made_here=False)
        else:
            room = _Room(0, secrets.token_urlsafe(24), made_here=True)
            try:
                room.id = await _make_room(ctx, chat_id, kind, room.secret)
            except JanusError as exc:
                raise _unavailable(exc) from exc
        try:
            await _janus_admit(services, room, token, feed_id)
        except JanusError as exc:
            if room.made_here:
                await _janus_forget(services, room.id, room.secret, tokens=[], feed_ids=[],
                                    destroy=True)
            elif exc.code == NO_SUCH_ROOM:
                continue  # the call ended meanwhile and its room with it: read it again (409)
            raise _unavailable(exc) from exc
        try:
            async with unit_of_work(services, **ctx.caller()) as w:
                joined = await _record_join(w, chat_id, kind, room, found, token)
        except BaseException:
            await _janus_forget(services, room.id, room.secret, tokens=[token], feed_ids=[],
                                destroy=room.made_here)
            raise
        if joined is not None:
            return joined
        # The chat's call changed under us (another start won, or the call ended): again.
        await _janus_forget(services, room.id, room.secret, tokens=[token], feed_ids=[],
                            destroy=room.made_here)
        if want is not None:
            raise Conflict("call_over")
    raise Unavailable("calls_unavailable")


async def _make_room(ctx: Ctx, chat_id: int, kind: CallKind, secret: str) -> int:
    from parta.services.janus import new_room_id

    room_id = new_room_id()
    async with ctx.services.janus.videoroom() as vr:
        await vr.create_room(room_id, secret, description=f"parta chat {chat_id}",
                             publishers=ctx.settings.call_max_participants,
                             audio_only=kind == CallKind.audio)
    return room_id


async def _record_join(w: Ctx, chat_id: int, kind: CallKind, room: _Room, found: Call | None,
                       token: str) -> CallJoined | None:
    """In one transaction: the call (when this request made its room) and the person in it.
    None when the chat's live call is no longer the one Janus was prepared for."""
    chat, me = await _callable_chat(w, chat_id)  # still true, now, in this transaction
    current = await live_call(w, chat.id, lock=True)
    started = False
    if room.made_here:
        if current is not None:
            return None
        call = Call(org_id=chat.org_id, chat_id=chat.id, live_chat_id=chat.id,
                    started_by=me.user_id, kind=kind, janus_room=room.id,
                    room_secret=room.secret, started_at=utcnow())
        try:
            async with w.db.begin_nested():
                w.db.add(call)
                await w.db.flush()
        except IntegrityError:
            return None  # another start in this chat committed first
        started = True
        w.audit("call.started", chat.org_id, "call", call.id, chat_id=chat.id, kind=kind.value)
        if chat.kind == ChatKind.direct:
            call.ring_until = utcnow() + timedelta(seconds=w.settings.call_ring_seconds)
    else:
        if current is None or found is None or current.id != found.id:
            return None
        call = current
        await _refuse_removed(w, call, me.user_id)
        await _refuse_locked(w, call, me)
        if await _must_wait(w, call, me):
            return None  # the waiting room was turned on meanwhile
        if call.ring_until is not None and me.user_id != call.started_by:
            call.ring_until = None  # answered
            w.audit("call.answered", chat.org_id, "call", call.id)
            _stop_ringing(w, call.id)
    now = utcnow()
    row = (await w.db.execute(select(CallParticipant).where(
        CallParticipant.call_id == call.id, CallParticipant.user_id == me.user_id,
        CallParticipant.left_at.is_(None)))).scalar_one_or_none()
    earlier = None if row is not None else (await w.db.execute(
        select(CallParticipant).where(CallParticipant.call_id == call.id,
                                      CallParticipant.user_id == me.user_id)
        .order_by(CallParticipant.id.desc()).limit(1))).scalar_one_or_none()
    host = can_host_call(me.role.value, me.user_id == call.started_by) \
        or (row.cohost if row is not None else earlier is not None and earlier.cohost)
    if row is not None:  # another tab or a reload: the newest one holds the place
        stale = row.token
        row.token, row.janus_session, row.admitted_at = token, None, now
        w.after_commit.append(lambda: _janus_forget(
            w.services, call.janus_room, call.room_secret, tokens=[stale], feed_ids=[],
            destroy=False))
    else:
        # A rejoin keeps what the host gave and held (co-host, screen, a held microphone).
        row = CallParticipant(
            call_id=call.id, user_id=me.user_id, token=token, joined_at=now, admitted_at=now,
            cohost=bool(earlier and earlier.cohost),
            may_share_screen=bool(earlier and earlier.may_share_screen),
            muted_audio=not host and (call.audio_held or bool(earlier and earlier.muted_audio)),
            muted_video=not host and bool(earlier and earlier.muted_video))
        w.db.add(row)
    await w.db.flush()
    out = await call_out(w, call)
    audience = await active_member_ids(w, chat.id)
    payload = out.model_dump(mode="json")
    if started:
        w.emit(CallStarted(org_id=chat.org_id, chat_id=chat.id, call=payload), audience)
        if call.ring_until is not None:
            caller = await w.caller_person(chat.org_id)
            w.emit(CallRinging(org_id=chat.org_id, chat_id=chat.id, call=payload,
                               caller=caller.model_dump(mode="json")), audience - {me.user_id})
            _ring_timer(w, call.id)
    else:
        w.emit(CallUpdated(org_id=chat.org_id, chat_id=chat.id, call=payload), audience)
    user = w.user
    assert user is not None
    creds = turn_credentials(w.settings.turn_secret, me.user_id, w.settings.turn_url_list,
                             w.settings.turn_ttl_seconds)
    ice = [IceServer(urls=creds.urls, username=creds.username, credential=creds.password)] \
        if creds.urls else []
    return CallJoined(
        call=out,
        janus=JanusAccess(url=PROXY_PATH.format(call_id=call.id), room=call.janus_room,
                          token=token, feed_id=me.user_id, display=user.name,
                          screen_feed_base=SCREEN_FEED_BASE),
        ice_servers=ice, turn_expires_at=creds.expires_at)


async def _refuse_locked(ctx: Ctx, call: Call, me: ChatMember) -> None:
    """A locked call admits nobody new: who is in (another tab, a reload) and hosts may."""
    if not call.locked or can_host_call(me.role.value, me.user_id == call.started_by):
        return
    stays = list((await ctx.db.execute(select(CallParticipant).where(
        CallParticipant.call_id == call.id, CallParticipant.user_id == me.user_id))).scalars())
    if any(r.left_at is None or r.cohost for r in stays):
        return
    waiter = await _waiter(ctx, call, me.user_id)
    if waiter is not None and waiter.decision == "admitted":
        return  # the host let them in from the waiting room
    raise Conflict("call_locked")


async def _waiter(ctx: Ctx, call: Call, user_id: int) -> CallWaiter | None:
    return (await ctx.db.execute(select(CallWaiter).where(
        CallWaiter.call_id == call.id, CallWaiter.user_id == user_id))).scalar_one_or_none()


async def _must_wait(ctx: Ctx, call: Call, me: ChatMember) -> bool:
    """With the waiting room on, does the caller wait? Not a host, not someone already in (or
    in before: a dropped connection comes back), not someone the host admitted; someone the
    host denied is refused (403 ``entry_denied``)."""
    if not call.waiting_room or can_host_call(me.role.value, me.user_id == call.started_by):
        return False
    stay = (await ctx.db.execute(select(CallParticipant.id).where(
        CallParticipant.call_id == call.id, CallParticipant.user_id == me.user_id))).first()
    if stay is not None:
        return False
    waiter = await _waiter(ctx, call, me.user_id)
    if waiter is not None and waiter.decision == "denied":
        raise Forbidden("entry_denied")
    return waiter is None or waiter.decision != "admitted"


async def _record_wait(w: Ctx, chat_id: int, found: Call) -> CallJoined | None:
    """The caller waits in the call's waiting room (once: waiting again keeps their place).
    None when that is no longer so (the call changed, or the host decided meanwhile)."""
    chat, me = await _callable_chat(w, chat_id)
    call = await live_call(w, chat.id, lock=True)
    if call is None or call.id != found.id:
        return None
    await _refuse_removed(w, call, me.user_id)
    await _refuse_locked(w, call, me)
    if not await _must_wait(w, call, me):
        return None
    if await _waiter(w, call, me.user_id) is None:
        w.db.add(CallWaiter(call_id=call.id, user_id=me.user_id, since=utcnow()))
        await w.db.flush()
        w.audit("call.waiting", chat.org_id, "call", call.id)
        out = await _announce(w, call, chat)
    else:
        out = await call_out(w, call)
    return CallJoined(call=out, janus=None, ice_servers=[], turn_expires_at=0, waiting=True)


async def _refuse_removed(ctx: Ctx, call: Call, user_id: int) -> None:
    removed = (await ctx.db.execute(select(CallParticipant.id).where(
        CallParticipant.call_id == call.id, CallParticipant.user_id == user_id,
        CallParticipant.removed_at.is_not(None)))).first()
    if removed is not None:
        raise Forbidden("removed_from_call")


# Leave and end -------------------------------------------------------------------------------

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


# Ringing (one-to-one calls) ---------------------------------------------------------------------

async def decline_call(ctx: Ctx, call_id: int) -> CallOut:
    """The other person declines a ringing call (or the caller gives up before an answer): it
    ends as a missed call. 409 ``call_over`` when it is over, ``call_answered`` once answered."""
    call, chat, _me = await _call_for(ctx, call_id)
    if call.ended_at is not None:
        raise Conflict("call_over")
    if call.ring_until is None:
        raise Conflict("call_answered")
    await _finish(ctx, call, chat, await _participants(ctx, call), reason="declined")
    return await call_out(ctx, call)


async def end_unanswered(services: Services, call_id: int | None = None) -> int:
    """End the one-to-one calls (or just ``call_id``) that rang past their time unanswered, as
    missed calls. Returns how many ended."""
    now = utcnow()
    ended = 0
    async with unit_of_work(services) as w:
        q = select(Call).where(Call.ring_until.is_not(None), Call.ring_until <= now,
                               Call.ended_at.is_(None))
        if call_id is not None:
            q = q.where(Call.id == call_id)
        for call in (await w.db.execute(q)).scalars().all():
            chat = await w.db.get(Chat, call.chat_id)
            assert chat is not None
            await _finish(w, call, chat, await _participants(w, call), reason="unanswered")
            ended += 1
    return ended


def _ring_timer(ctx: Ctx, call_id: int) -> None:
    """After commit: end the call when its ringing time is up and nobody answered."""
    services, seconds = ctx.services, ctx.settings.call_ring_seconds

    async def ring_out() -> None:
        await asyncio.sleep(seconds + 0.2)
        try:
            await end_unanswered(services, call_id)
        except Exception:
            log.exception("ending unanswered call %s failed", call_id)

    async def start() -> None:
        task = asyncio.create_task(ring_out(), name=f"parta-call-ring-{call_id}")
        _ring_timers[call_id] = task
        task.add_done_callback(lambda _t: _ring_timers.pop(call_id, None))

    ctx.after_commit.append(start)


def _stop_ringing(ctx: Ctx, call_id: int) -> None:
    """After commit: the call was answered or is over, its timer has nothing left to do."""
    async def stop() -> None:
        task = _ring_timers.pop(call_id, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    ctx.after_commit.append(stop)


# The browser's way to Janus ------------------------------------------------------------------

async def _my_row(ctx: Ctx, call_id: int) -> CallParticipant:
    actor = ctx.require_actor()
    call, _chat, _me = await _call_for(ctx, call_id)
    if call.ended_at is not None:
        raise Conflict("call_over")
    row = (await ctx.db.execute(select(CallParticipant).where(
        CallParticipant.call_id == call.id, CallParticipant.user_id == actor.user_id,
        CallParticipant.left_at.is_(None)))).scalar_one_or_none()
    if row is None:
        raise Forbidden("not_in_call")
    return row


async def janus_session_allowed(ctx: Ctx, call_id: int, session_id: int | None) -> Call:
    """The caller is admitted to the live call and (``session_id``) the Janus session is the
    one their browser made through Parta; else the request does not reach Janus."""
    row = await _my_row(ctx, call_id)
    if session_id is not None and row.janus_session != session_id:
        raise NotFound()
    call = await ctx.db.get(Call, call_id)
    assert call is not None
    return call


async def bind_janus_session(ctx: Ctx, call_id: int,
                             create: Callable[[], Awaitable[Any]]) -> Any:
    """Make a Janus session for the admitted caller (``create`` asks Janus) and remember it as
    theirs: only it may be used through the proxy. ``ctx`` only reads; the write is its own
    short unit of work, after Janus answered."""
    await _my_row(ctx, call_id)
    answer = await create()
    if isinstance(answer, dict) and answer.get("janus") == "success":
        async with unit_of_work(ctx.services, **ctx.caller()) as w:
            row = await _my_row(w, call_id)
            row.janus_session = int(answer["data"]["id"])
            row.screen_handle = None  # a new page: its screen, if any, is a new handle
    return answer

def _mids(sdp: str) -> tuple[list[str], list[str]]:
    """The mids of the audio and of the video sections an offer sends (not «inactive» or
    «recvonly» ones)."""
    audio: list[str] = []
    video: list[str] = []
    for section in sdp.split("\nm=")[1:]:
        kind = section.split(" ", 1)[0]
        lines = [line.strip() for line in section.splitlines()]
        mid = next((line[6:] for line in lines if line.startswith("a=mid:")), None)
        if mid is None or "a=inactive" in lines or "a=recvonly" in lines:
            continue
        if kind == "audio":
            audio.append(mid[:8])
        elif kind == "video":
            video.append(mid[:8])
    return audio[:4], video[:4]


async def record_media(ctx: Ctx, call_id: int, sdp: str) -> None:
    """The caller publishes: remember which streams are theirs (what the host's mute names).
    ``ctx`` only reads; the write is its own unit of work."""
    audio, video = _mids(sdp)
    async with unit_of_work(ctx.services, **ctx.caller()) as w:
        row = await _my_row(w, call_id)
        row.audio_mids, row.video_mids = ",".join(audio), ",".join(video)


async def proxy_access(ctx: Ctx, call_id: int, session_id: int
                       ) -> tuple[Call, CallParticipant, bool]:
    """The caller's call, their stay in it, and whether they host it — for the proxy: only an
    admitted person, only through the Janus session their browser made through Parta."""
    row = await _my_row(ctx, call_id)
    if row.janus_session != session_id:
        raise NotFound()
    call, _chat, me = await _call_for(ctx, call_id)
    return call, row, row.cohost or can_host_call(me.role.value, me.user_id == call.started_by)


def _sends_audio(body: dict[str, Any], row: CallParticipant) -> bool:
    """Does a ``configure`` ask Janus to relay the person's audio again (their own unmute)?"""
    if body.get("audio") is True:
        return True
    video = set(filter(None, row.video_mids.split(",")))
    streams = body.get("streams")
    return isinstance(streams, list) and any(
        isinstance(st, dict) and st.get("send") is True and str(st.get("mid")) not in video
        for st in streams)


async def vet_media_request(ctx: Ctx, call: Call, row: CallParticipant, host: bool,
                            handle_id: int, body: dict[str, Any], jsep: dict[str, Any] | None
                            ) -> None:
    """What a person's browser asks the VideoRoom plugin, against what the host allows.

    * joining as the publisher of a screen (``"screen": true``, Parta's own key, never sent on)
      makes the feed ``SCREEN_FEED_BASE + id`` — only for a host or someone the host allowed
      (403 ``screen_not_allowed``); that handle is remembered as the person's screen handle;
    * a screen handle publishes one video stream and no audio; a camera handle at most one
      video stream (403 ``one_video_stream``: a second one would be a screen without a grant);
    * while the host holds the person's microphone: a ``publish`` with audio, a ``configure``
      whose new offer adds an audio stream, or a ``configure`` asking Janus to send audio are
      refused (403 ``muted_by_host``) — the moderated streams stay muted in Janus regardless.

    ``ctx`` only reads; what is remembered is written in a unit of work of its own."""
    request = body.get("request")
    screen = bool(body.pop("screen", False))
    if request == "join" and body.get("ptype") == "publisher" and screen:
        if not (host or row.may_share_screen):
            raise Forbidden("screen_not_allowed")
        body["id"] = screen_feed(row.user_id)
        async with unit_of_work(ctx.services, **ctx.caller()) as w:
            mine = await _my_row(w, call.id)
            mine.screen_handle = handle_id
        return
    is_screen = row.screen_handle is not None and row.screen_handle == handle_id
    offer = jsep is not None and jsep.get("type") == "offer"
    if offer and request not in ("publish", "configure"):
        raise Forbidden("janus_request_refused")
    if request not in ("publish", "configure"):
        return
    if is_screen and not (host or row.may_share_screen):
        raise Forbidden("screen_not_allowed")
    held = row.muted_audio and not host
    if not offer:
        if held and not is_screen and _sends_audio(body, row):
            raise Forbidden("muted_by_host")
        return
    assert jsep is not None
    audio, video = _mids(str(jsep.get("sdp", "")))
    if is_screen:
        if audio or len(video) > 1:
            raise Forbidden("one_video_stream")
        return
    if len(video) > 1:
        raise Forbidden("one_video_stream")
    if held and audio and (request == "publish" or
                           set(audio) - set(filter(None, row.audio_mids.split(",")))):
        raise Forbidden("muted_by_host")
    await record_media(ctx, call.id, str(jsep.get("sdp", "")))


# Host controls: enforced by Janus, decided by Parta ---------------------------------------------

async def _running(ctx: Ctx, call_id: int, *, cohosts: bool = True) -> tuple[Call, Chat]:
    """A live call the caller hosts (``cohosts``: a co-host counts). To anyone else in the chat
    403; to anyone outside it 404; once over 409 ``call_over``."""
    call, chat, me = await _call_for(ctx, call_id)
    if not can_host_call(me.role.value, me.user_id == call.started_by):
        cohost = cohosts and (await ctx.db.execute(select(CallParticipant.id).where(
            CallParticipant.call_id == call.id, CallParticipant.user_id == me.user_id,
            CallParticipant.left_at.is_(None), CallParticipant.cohost.is_(True)))).first()
        if not cohost:
            raise Forbidden()
    if call.ended_at is not None:
        raise Conflict("call_over")
    # Ordered with joins (see ``live_call``): who joins after «mute all» joins held.
    await ctx.db.execute(select(Call.id).where(Call.id == call.id).with_for_update())
    return call, chat


async def _hosting(ctx: Ctx, call_id: int, user_id: int, *, cohosts: bool = True
                   ) -> tuple[Call, Chat, CallParticipant]:
    call, chat = await _running(ctx, call_id, cohosts=cohosts)
    target = (await ctx.db.execute(select(CallParticipant).where(
        CallParticipant.call_id == call.id, CallParticipant.user_id == user_id,
        CallParticipant.left_at.is_(None)))).scalar_one_or_none()
    if target is None:
        raise NotFound("not_in_call")
    return call, chat, target


async def _announce(ctx: Ctx, call: Call, chat: Chat) -> CallOut:
    out = await call_out(ctx, call)
    ctx.emit(CallUpdated(org_id=chat.org_id, chat_id=chat.id, call=out.model_dump(mode="json")),
             await active_member_ids(ctx, chat.id))
    return out


async def mute_participant(ctx: Ctx, call_id: int, user_id: int, *, audio: bool | None,
                           video: bool | None) -> CallOut:
    """The host mutes someone's microphone or camera in Janus itself (the media stops at the
    server, whatever their page does), or allows it again."""
    call, chat, target = await _hosting(ctx, call_id, user_id)
    await _moderate(ctx, call, target, audio=audio, video=video)
    ctx.audit("call.muted", chat.org_id, "call", call.id, user_id=user_id, audio=audio,
              video=video)
    return await _announce(ctx, call, chat)


async def _moderate(ctx: Ctx, call: Call, target: CallParticipant, *, audio: bool | None,
                    video: bool | None) -> None:
    """Mute (true) or allow (false) the person's published streams in Janus, and remember it."""
    wanted = [(on, mids) for on, mids in (
        (audio, target.audio_mids), (video, target.video_mids)) if on is not None]
    try:
        async with ctx.services.janus.videoroom() as vr:
            for mute, mids in wanted:
                for mid in filter(None, mids.split(",")):
                    await vr.moderate(call.janus_room, call.room_secret, target.user_id, mid=mid,
                                      mute=bool(mute))
    except JanusError as exc:
        if isinstance(exc, JanusUnavailable):
            raise _unavailable(exc) from exc
        if exc.code != NO_SUCH_FEED:  # not publishing (yet): the flag still holds
            raise _unavailable(exc) from exc
    if audio is not None:
        target.muted_audio = audio
    if video is not None:
        target.muted_video = video


async def remove_participant(ctx: Ctx, call_id: int, user_id: int) -> CallOut:
    """The host removes someone: their token is taken off the room's list, Janus sends them
    away, and they are not let back into this call."""
    actor = ctx.require_actor()
    if user_id == actor.user_id:
        raise Conflict("cannot_remove_self")
    call, chat, target = await _hosting(ctx, call_id, user_id)
    try:
        async with ctx.services.janus.videoroom() as vr:
            await vr.allow(call.janus_room, call.room_secret, [target.token], add=False)
            for feed in (target.user_id, screen_feed(target.user_id)):
                await _kick(vr, call, feed)
    except JanusError as exc:
        raise _unavailable(exc) from exc
    target.left_at = target.removed_at = utcnow()
    ctx.audit("call.removed", chat.org_id, "call", call.id, user_id=user_id)
    return await _announce(ctx, call, chat)


async def _kick(vr: VideoRoom, call: Call, feed: int) -> None:
    try:
        await vr.kick(call.janus_room, call.room_secret, feed)
    except JanusError as exc:
        if isinstance(exc, JanusUnavailable) or exc.code != NO_SUCH_FEED:
            raise


async def mute_all(ctx: Ctx, call_id: int, *, audio: bool) -> CallOut:
    """«Mute all»: every microphone but the hosts' is muted in Janus and held — who joins later
    joins held, and nobody held can unmute themselves (see ``vet_media_request``) until the host
    allows them one by one (``mute_participant``) or lifts it for all (``audio=False``)."""
    call, chat = await _running(ctx, call_id)
    rows = await _participants(ctx, call)
    roles = await _chat_roles(ctx, call, [r.user_id for r in rows])
    for row in rows:
        if not _row_hosts(call, row, roles.get(row.user_id)) and row.muted_audio != audio:
            await _moderate(ctx, call, row, audio=audio, video=None)
    call.audio_held = audio
    ctx.audit("call.muted_all", chat.org_id, "call", call.id, audio=audio)
    return await _announce(ctx, call, chat)


async def lock_call(ctx: Ctx, call_id: int, *, locked: bool) -> CallOut:
    """A locked call admits nobody new (409 ``call_locked``); who is in stays."""
    call, chat = await _running(ctx, call_id)
    call.locked = locked
    ctx.audit("call.locked", chat.org_id, "call", call.id, locked=locked)
    return await _announce(ctx, call, chat)


async def raise_hand(ctx: Ctx, call_id: int, *, raised: bool) -> CallOut:
    """The caller raises (joins the queue's end) or lowers their hand; raising it again keeps
    the place."""
    row = await _my_row(ctx, call_id)
    call, chat, _me = await _call_for(ctx, call_id)
    if not raised:
        row.hand_raised_at = None
    elif row.hand_raised_at is None:
        row.hand_raised_at = utcnow()
    return await _announce(ctx, call, chat)


async def lower_hand(ctx: Ctx, call_id: int, user_id: int) -> CallOut:
    """The host answers (lowers) someone's raised hand."""
    call, chat, target = await _hosting(ctx, call_id, user_id)
    target.hand_raised_at = None
    return await _announce(ctx, call, chat)


async def set_cohost(ctx: Ctx, call_id: int, user_id: int, *, cohost: bool) -> CallOut:
    """The host (not a co-host) gives someone host controls, or takes them back. A co-host is
    never held: their microphone and camera are allowed in Janus."""
    actor = ctx.require_actor()
    if user_id == actor.user_id:
        raise Conflict("cannot_cohost_self")
    call, chat, target = await _hosting(ctx, call_id, user_id, cohosts=False)
    if cohost and (target.muted_audio or target.muted_video):
        await _moderate(ctx, call, target, audio=False if target.muted_audio else None,
                        video=False if target.muted_video else None)
    target.cohost = cohost
    ctx.audit("call.cohost", chat.org_id, "call", call.id, user_id=user_id, cohost=cohost)
    return await _announce(ctx, call, chat)


async def set_waiting_room(ctx: Ctx, call_id: int, *, enabled: bool) -> CallOut:
    """Turn the waiting room on (who is not a host waits to be admitted) or off (everyone
    waiting is admitted)."""
    call, chat = await _running(ctx, call_id)
    call.waiting_room = enabled
    if not enabled:
        for waiter in (await ctx.db.execute(select(CallWaiter).where(
                CallWaiter.call_id == call.id, CallWaiter.decision.is_(None)))).scalars().all():
            _decide(ctx, call, chat, waiter, admit=True)
    ctx.audit("call.waiting_room", chat.org_id, "call", call.id, enabled=enabled)
    return await _announce(ctx, call, chat)


def _decide(ctx: Ctx, call: Call, chat: Chat, waiter: CallWaiter, *, admit: bool) -> None:
    waiter.decision = "admitted" if admit else "denied"
    waiter.decided_by = ctx.user.id if ctx.user else None
    waiter.decided_at = utcnow()
    ctx.emit(CallAdmitted(org_id=chat.org_id, chat_id=chat.id, call_id=call.id, admitted=admit),
             {waiter.user_id})


async def admit_waiter(ctx: Ctx, call_id: int, user_id: int, *, admit: bool) -> CallOut:
    """The host admits (their join now goes in) or denies (it is refused) someone who waits;
    the last decision holds. 404 ``not_waiting`` when they are not in the waiting room."""
    call, chat = await _running(ctx, call_id)
    waiter = await _waiter(ctx, call, user_id)
    if waiter is None:
        raise NotFound("not_waiting")
    _decide(ctx, call, chat, waiter, admit=admit)
    ctx.audit("call.admitted" if admit else "call.denied", chat.org_id, "call", call.id,
              user_id=user_id)
    return await _announce(ctx, call, chat)


async def set_screen(ctx: Ctx, call_id: int, user_id: int, *, allowed: bool) -> CallOut:
    """The host lets someone share their screen, or stops it: Janus sends the screen feed away."""
    call, chat, target = await _hosting(ctx, call_id, user_id)
    if not allowed:
        try:
            async with ctx.services.janus.videoroom() as vr:
                await _kick(vr, call, screen_feed(target.user_id))
        except JanusError as exc:
            raise _unavailable(exc) from exc
        target.screen_handle = None
    target.may_share_screen = allowed
    ctx.audit("call.screen", chat.org_id, "call", call.id, user_id=user_id, allowed=allowed)
    return await _announce(ctx, call, chat)


# Who is really there ---------------------------------------------------------------------------

async def reconcile_calls(services: Services, grace_seconds: int) -> int:
    """Let out everyone Janus has not seen in their call's room ``grace_seconds`` after Parta
    admitted them (they went without leaving: a closed laptop, a lost network); a call whose
    room Janus lost (a restart) ends. Returns how many stays ended. Janus not answering tells
    nothing: nobody is let out then."""
    async with unit_of_work(services, read_only=True) as r:
        live = [(c.id, c.janus_room) for c in (await r.db.execute(
            select(Call).where(Call.ended_at.is_(None)))).scalars()]
    ended = 0
    for call_id, room in live:
        try:
            async with services.janus.videoroom() as vr:
                present = {int(p["id"]) for p in await vr.participants(room)}
        except JanusUnavailable:
            return ended
        except JanusError as exc:
            if exc.code != NO_SUCH_ROOM:
                continue
            present = set()
        async with unit_of_work(services) as w:
            ended += await _let_out_the_absent(w, call_id, present, grace_seconds)
    return ended


async def _let_out_the_absent(ctx: Ctx, call_id: int, present: set[int], grace_seconds: int
                              ) -> int:
    call = await ctx.db.get(Call, call_id)
    if call is None or call.ended_at is not None:
        return 0
    chat = await ctx.db.get(Chat, call.chat_id)
    assert chat is not None
    rows = await _participants(ctx, call)
    cutoff = utcnow() - timedelta(seconds=grace_seconds)
    absent = [r for r in rows if r.user_id not in present and r.admitted_at <= cutoff]
    if not absent:
        return 0
    if len(absent) == len(rows):
        await _finish(ctx, call, chat, rows)
        return len(rows)
    now = utcnow()
    for r in absent:
        r.left_at = now
    ctx.audit("call.absent_left", chat.org_id, "call", call.id, user_ids=[r.user_id for r in absent])
    await _announce(ctx, call, chat)
    room, secret, tokens = call.janus_room, call.room_secret, [r.token for r in absent]
    ctx.after_commit.append(lambda: _janus_forget(ctx.services, room, secret, tokens=tokens,
                                                  feed_ids=[], destroy=False))
    return len(absent)


async def reconcile_forever(services: Services) -> None:
    """The server's own round (see ``reconcile_calls``, ``end_unanswered``), every
    ``call_reconcile_seconds``."""
    settings = services.settings
    while True:
        await asyncio.sleep(settings.call_reconcile_seconds)
        try:
            await end_unanswered(services)
            await reconcile_calls(services, settings.call_presence_grace_seconds)
        except Exception:
            log.exception("reconciling calls with Janus failed")
