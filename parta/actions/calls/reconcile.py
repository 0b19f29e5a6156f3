"""Who is really there: the server's round that lets out whoever Janus has not seen and ends
calls whose room Janus lost, and ends unanswered ringing calls. It asks Janus, not the server
process that admitted anyone, so a call outlives the crash of that process only as long as its
people are really in its room."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy import select

from parta.actions.base import Ctx, Services, unit_of_work
from parta.actions.calls.common import _announce, _participants
from parta.actions.calls.ending import _finish
from parta.actions.calls.ringing import end_unanswered
from parta.actions.calls.rooms import _janus_forget
from parta.db import utcnow
from parta.models import Call, Chat
from parta.services.janus import NO_SUCH_ROOM, JanusError, JanusUnavailable

log = logging.getLogger("parta.calls")


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
    ``call_reconcile_seconds``; in it, video broadcasts whose server process is gone go off
    the air (``actions.broadcast_video.end_silent_videos``)."""
    from parta.actions.broadcast_video import end_silent_videos

    settings = services.settings
    while True:
        await asyncio.sleep(settings.call_reconcile_seconds)
        try:
            await end_unanswered(services)
            await reconcile_calls(services, settings.call_presence_grace_seconds)
        except Exception:
            log.exception("reconciling calls with Janus failed")
        try:
            await end_silent_videos(services, settings.broadcast_silent_seconds)
        except Exception:
            log.exception("ending broadcasts nothing plays any more failed")
