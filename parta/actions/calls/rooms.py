"""Janus rooms: making a call's private VideoRoom, putting a person's token on its allowed list,
sending feeds away, and undoing in Janus what Parta no longer stands behind."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from parta.actions.base import Ctx, Services
from parta.models import Call, CallKind
from parta.services.janus import NO_SUCH_FEED, NO_SUCH_ROOM, JanusError, JanusUnavailable, VideoRoom

log = logging.getLogger("parta.calls")

# What an audio call's room lets one publisher send (bits per second).
AUDIO_BITRATE = 128_000


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


async def _make_room(ctx: Ctx, chat_id: int, kind: CallKind, secret: str) -> int:
    from parta.services.janus import new_room_id

    room_id = new_room_id()
    s = ctx.settings
    audio_only = kind == CallKind.audio
    async with ctx.services.janus.videoroom() as vr:
        # Each person may have a camera feed and a screen feed: twice the people as publishers
        # (Parta itself counts the people, ``call_full``).
        await vr.create_room(room_id, secret, description=f"parta chat {chat_id}",
                             publishers=2 * s.call_max_participants,
                             bitrate=AUDIO_BITRATE if audio_only else s.call_video_bitrate,
                             videocodec=s.call_videocodec)
    return room_id


async def _kick(vr: VideoRoom, call: Call, feed: int) -> None:
    try:
        await vr.kick(call.janus_room, call.room_secret, feed)
    except JanusError as exc:
        if isinstance(exc, JanusUnavailable) or exc.code != NO_SUCH_FEED:
            raise
