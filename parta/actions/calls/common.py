"""What the parts of calls share: reading a call and who is in it, the call as the API shows it,
the caller's stay, and the registry of ringing timers (so ending a call can stop its ringing)."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import select

from parta.actions.base import Ctx
from parta.actions.chats import active_member_ids
from parta.errors import Conflict, Forbidden, NotFound, Unavailable
from parta.models import Call, CallParticipant, CallWaiter, Chat, ChatMember
from parta.policy import can_host_call
from parta.queries.people import persons
from parta.queries.scope import chat_for
from parta.realtime.events import CallUpdated
from parta.schemas.calls import CallOut, Participant

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


async def _waiter(ctx: Ctx, call: Call, user_id: int) -> CallWaiter | None:
    return (await ctx.db.execute(select(CallWaiter).where(
        CallWaiter.call_id == call.id, CallWaiter.user_id == user_id))).scalar_one_or_none()


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


async def _announce(ctx: Ctx, call: Call, chat: Chat) -> CallOut:
    out = await call_out(ctx, call)
    ctx.emit(CallUpdated(org_id=chat.org_id, chat_id=chat.id, call=out.model_dump(mode="json")),
             await active_member_ids(ctx, chat.id))
    return out


def _stop_ringing(ctx: Ctx, call_id: int) -> None:
    """After commit: the call was answered or is over, its timer has nothing left to do."""
    async def stop() -> None:
        task = _ring_timers.pop(call_id, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    ctx.after_commit.append(stop)
