"""Host controls, decided by Parta and enforced by Janus: mute, «mute all», remove, lock, hands,
co-hosts, screen grants, and the waiting room's decisions."""

from __future__ import annotations

from sqlalchemy import select

from parta.actions.base import Ctx
from parta.actions.calls.common import (
    _announce,
    _call_for,
    _chat_roles,
    _my_row,
    _participants,
    _row_hosts,
    _unavailable,
    _waiter,
    screen_feed,
)
from parta.actions.calls.rooms import _kick
from parta.db import utcnow
from parta.errors import Conflict, Forbidden, NotFound
from parta.models import Call, CallParticipant, CallWaiter, Chat
from parta.policy import can_host_call
from parta.realtime.events import CallAdmitted
from parta.schemas.calls import CallOut
from parta.services.janus import NO_SUCH_FEED, JanusError, JanusUnavailable


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
