"""Ringing (one-to-one calls): declining, and ending unanswered calls on time as missed calls
(a timer after commit; the reconcile round is the fallback)."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import select

from parta.actions.base import Ctx, Services, unit_of_work
from parta.actions.calls.common import _call_for, _participants, _ring_timers, call_out
from parta.actions.calls.ending import _finish
from parta.db import utcnow
from parta.errors import Conflict
from parta.models import Call, Chat
from parta.schemas.calls import CallOut

log = logging.getLogger("parta.calls")


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
