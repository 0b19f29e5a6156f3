"""Admission: who may call in a chat, starting or joining a call (Janus first, then one short
transaction), answering a ringing call, and the checks a join passes (removed, locked, waiting)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from parta.actions.base import Ctx, unit_of_work
from parta.actions.calls.common import (
    PROXY_PATH,
    SCREEN_FEED_BASE,
    _announce,
    _call_for,
    _stop_ringing,
    _unavailable,
    _waiter,
    call_out,
    live_call,
)
from parta.actions.calls.ringing import _ring_timer
from parta.actions.calls.rooms import (
    AUDIO_BITRATE,
    _janus_admit,
    _janus_forget,
    _make_room,
    _Room,
)
from parta.actions.chats import active_member_ids, require_direct_allowed
from parta.db import utcnow
from parta.errors import Conflict, Forbidden, Unavailable
from parta.models import Call, CallKind, CallParticipant, CallWaiter, Chat, ChatMember
from parta.models.chat import CHANNEL_KINDS, ChatKind
from parta.policy import can_host_call
from parta.queries.blocks import require_not_blocked
from parta.queries.scope import chat_for
from parta.realtime.events import CallRinging, CallStarted, CallUpdated
from parta.schemas.calls import CallJoined, CallMedia, IceServer, JanusAccess
from parta.services.janus import NO_SUCH_ROOM, JanusError
from parta.services.turn import turn_credentials


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
                await _refuse_full(r, found, me.user_id)
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
        await _refuse_full(w, call, me.user_id)
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
        ice_servers=ice, turn_expires_at=creds.expires_at, media=call_media(w, call))


def call_media(ctx: Ctx, call: Call) -> CallMedia:
    """How this call's video is sent and received, from the settings (an audio call: none)."""
    s = ctx.settings
    if call.kind == CallKind.audio:
        return CallMedia(videocodec=s.call_videocodec, max_bitrate=AUDIO_BITRATE)
    return CallMedia(videocodec=s.call_videocodec, max_bitrate=s.call_video_bitrate,
                     simulcast=s.call_simulcast, layers=s.call_video_layers if s.call_simulcast
                     else 1, low_layer_from=s.call_low_layer_from if s.call_simulcast else 0)


async def _refuse_locked(ctx: Ctx, call: Call, me: ChatMember) -> None:
    """A locked call admits nobody new; who was in it comes back (another tab, a reload, a
    dropped connection even after the presence grace let them out, or leaving and returning),
    and hosts may. The lock keeps newcomers out; the host's «remove» keeps a person out
    (``_refuse_removed``, checked before this)."""
    if not call.locked or can_host_call(me.role.value, me.user_id == call.started_by):
        return
    stayed = (await ctx.db.execute(select(CallParticipant.id).where(
        CallParticipant.call_id == call.id, CallParticipant.user_id == me.user_id,
        CallParticipant.removed_at.is_(None)).limit(1))).first()
    if stayed is not None:
        return
    waiter = await _waiter(ctx, call, me.user_id)
    if waiter is not None and waiter.decision == "admitted":
        return  # the host let them in from the waiting room
    raise Conflict("call_locked")


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


async def _refuse_full(ctx: Ctx, call: Call, user_id: int) -> None:
    """A call holds ``call_max_participants`` people (409 ``call_full``); who is in already (a
    reload, another tab) keeps their place."""
    inside = set((await ctx.db.execute(select(CallParticipant.user_id).where(
        CallParticipant.call_id == call.id, CallParticipant.left_at.is_(None)))).scalars())
    if user_id not in inside and len(inside) >= ctx.settings.call_max_participants:
        raise Conflict("call_full", params={"max": ctx.settings.call_max_participants})


async def _refuse_removed(ctx: Ctx, call: Call, user_id: int) -> None:
    removed = (await ctx.db.execute(select(CallParticipant.id).where(
        CallParticipant.call_id == call.id, CallParticipant.user_id == user_id,
        CallParticipant.removed_at.is_not(None)))).first()
    if removed is not None:
        raise Forbidden("removed_from_call")
