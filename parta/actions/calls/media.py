"""The browser's way to Janus: the proxy's checks (an admitted person, through the Janus session
their browser made through Parta) and the vetting of what their browser asks the VideoRoom
plugin against what the host allows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from parta.actions.base import Ctx, unit_of_work
from parta.actions.calls.common import _call_for, _my_row, screen_feed
from parta.errors import Forbidden, NotFound
from parta.models import Call, CallParticipant
from parta.policy import can_host_call


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
