"""Calls in a chat, and the browser's way to Janus through Parta (same origin, API secret added
here, only for people Parta admitted, only their own Janus session, only their call's room).
The proxy's requests only read (no writer waits while Janus answers); the two that remember
something (the session made, the streams published) write in a unit of work of their own."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict

from parta.actions import calls as call_actions
from parta.api.deps import AuthCtx, AuthReadingCtx, PathId
from parta.api.responses import errors
from parta.errors import Forbidden, Unavailable, ValidationFailed
from parta.models import Call
from parta.schemas.calls import (
    CallIn,
    CallJoined,
    CallOut,
    CohostIn,
    HandIn,
    LockIn,
    MuteAllIn,
    MuteIn,
    ScreenIn,
    WaitingRoomIn,
)
from parta.services.janus import VIDEOROOM, JanusUnavailable

router = APIRouter(tags=["calls"])
JanusId = Annotated[int, Path(ge=1, le=2**63 - 1)]

# 404 not_found / no_call: no such chat or call, or not the caller's; not_in_call (the person
# a host names is not in the call), not_waiting. 503 calls_unavailable: Janus does not answer.
# 403 forbidden (not a host), blocked, call_not_here, not_in_call, removed_from_call,
# entry_denied, muted_by_host, screen_not_allowed, one_video_stream, janus_request_refused.
# 409 chat_archived, call_over, call_answered, call_locked, call_full, cannot_remove_self,
# cannot_cohost_self.
COMMON = errors(401, 404, 503)
REFUSALS = errors(401, 403, 404, 409, 413, 422, 503)


class JanusAnswer(BaseModel):
    """Janus's own answer, passed through as it came (see Janus's HTTP API)."""

    model_config = ConfigDict(extra="allow")
    janus: str


@router.get("/chats/{chat_id}/call", response_model=CallOut, responses=COMMON)
async def live_call(chat_id: PathId, ctx: AuthCtx) -> CallOut:
    return await call_actions.live_call_in_chat(ctx, chat_id)


@router.post("/chats/{chat_id}/call", response_model=CallJoined, responses=REFUSALS)
async def start_or_join(chat_id: PathId, ctx: AuthReadingCtx,
                        body: CallIn | None = None) -> CallJoined:
    """Join the chat's live call, starting one when there is none; with the waiting room on,
    ``waiting`` (no ``janus``) until the host admits — then the same request goes in."""
    return await call_actions.start_or_join(ctx, chat_id, (body or CallIn()).kind)


@router.post("/calls/{call_id}/accept", response_model=CallJoined, responses=REFUSALS)
async def accept_call(call_id: PathId, ctx: AuthReadingCtx) -> CallJoined:
    """Answer a ringing call (join exactly this call; 409 ``call_over`` once it ended)."""
    return await call_actions.accept_call(ctx, call_id)


@router.post("/calls/{call_id}/decline", response_model=CallOut, responses=REFUSALS)
async def decline_call(call_id: PathId, ctx: AuthCtx) -> CallOut:
    """Decline a ringing call: it ends as a missed call (409 ``call_answered`` once answered)."""
    return await call_actions.decline_call(ctx, call_id)


@router.post("/calls/{call_id}/leave", response_model=CallOut, responses=REFUSALS)
async def leave_call(call_id: PathId, ctx: AuthCtx) -> CallOut:
    return await call_actions.leave_call(ctx, call_id)


@router.post("/calls/{call_id}/end", response_model=CallOut, responses=REFUSALS)
async def end_call(call_id: PathId, ctx: AuthCtx) -> CallOut:
    return await call_actions.end_call(ctx, call_id)


@router.post("/calls/{call_id}/participants/{user_id}/mute", response_model=CallOut,
             responses=REFUSALS)
async def mute_participant(call_id: PathId, user_id: PathId, body: MuteIn, ctx: AuthCtx) -> CallOut:
    return await call_actions.mute_participant(ctx, call_id, user_id, audio=body.audio,
                                               video=body.video)


@router.post("/calls/{call_id}/participants/{user_id}/remove", response_model=CallOut,
             responses=REFUSALS)
async def remove_participant(call_id: PathId, user_id: PathId, ctx: AuthCtx) -> CallOut:
    return await call_actions.remove_participant(ctx, call_id, user_id)


@router.post("/calls/{call_id}/mute-all", response_model=CallOut, responses=REFUSALS)
async def mute_all(call_id: PathId, body: MuteAllIn, ctx: AuthCtx) -> CallOut:
    """Hold every microphone but the hosts' (Janus mutes them; nobody held unmutes themselves)
    or lift the hold for all. Hosts and co-hosts only."""
    return await call_actions.mute_all(ctx, call_id, audio=body.audio)


@router.post("/calls/{call_id}/lock", response_model=CallOut, responses=REFUSALS)
async def lock_call(call_id: PathId, body: LockIn, ctx: AuthCtx) -> CallOut:
    """Lock (nobody new is admitted: 409 ``call_locked``) or unlock. Hosts and co-hosts only."""
    return await call_actions.lock_call(ctx, call_id, locked=body.locked)


@router.post("/calls/{call_id}/hand", response_model=CallOut, responses=REFUSALS)
async def raise_hand(call_id: PathId, body: HandIn, ctx: AuthCtx) -> CallOut:
    """Raise or lower the caller's own hand (403 ``not_in_call`` when not in the call)."""
    return await call_actions.raise_hand(ctx, call_id, raised=body.raised)


@router.post("/calls/{call_id}/participants/{user_id}/lower-hand", response_model=CallOut,
             responses=REFUSALS)
async def lower_hand(call_id: PathId, user_id: PathId, ctx: AuthCtx) -> CallOut:
    """The host answers someone's raised hand."""
    return await call_actions.lower_hand(ctx, call_id, user_id)


@router.post("/calls/{call_id}/participants/{user_id}/cohost", response_model=CallOut,
             responses=REFUSALS)
async def set_cohost(call_id: PathId, user_id: PathId, body: CohostIn, ctx: AuthCtx) -> CallOut:
    """The host (not a co-host) gives or takes back host controls."""
    return await call_actions.set_cohost(ctx, call_id, user_id, cohost=body.cohost)


@router.post("/calls/{call_id}/participants/{user_id}/screen", response_model=CallOut,
             responses=REFUSALS)
async def set_screen(call_id: PathId, user_id: PathId, body: ScreenIn, ctx: AuthCtx) -> CallOut:
    """The host lets someone share a screen, or stops it (Janus sends the screen feed away)."""
    return await call_actions.set_screen(ctx, call_id, user_id, allowed=body.allowed)


@router.post("/calls/{call_id}/waiting-room", response_model=CallOut, responses=REFUSALS)
async def set_waiting_room(call_id: PathId, body: WaitingRoomIn, ctx: AuthCtx) -> CallOut:
    """Turn the waiting room on or off (off admits everyone waiting). Hosts and co-hosts only."""
    return await call_actions.set_waiting_room(ctx, call_id, enabled=body.enabled)


@router.post("/calls/{call_id}/waiting/{user_id}/admit", response_model=CallOut,
             responses=REFUSALS)
async def admit_waiter(call_id: PathId, user_id: PathId, ctx: AuthCtx) -> CallOut:
    """Let someone in from the waiting room (404 ``not_waiting`` when they are not there)."""
    return await call_actions.admit_waiter(ctx, call_id, user_id, admit=True)


@router.post("/calls/{call_id}/waiting/{user_id}/deny", response_model=CallOut,
             responses=REFUSALS)
async def deny_waiter(call_id: PathId, user_id: PathId, ctx: AuthCtx) -> CallOut:
    """Do not let someone in: their joins to this call are refused (403 ``entry_denied``)."""
    return await call_actions.admit_waiter(ctx, call_id, user_id, admit=False)


# The proxy to Janus ----------------------------------------------------------------------------

# What a browser may ask of the VideoRoom plugin: its own media, never rooms' settings.
BROWSER_REQUESTS = frozenset({"join", "configure", "publish", "unpublish", "start", "pause",
                              "switch", "leave", "subscribe", "unsubscribe", "update"})
SESSION_VERBS = frozenset({"attach", "keepalive", "destroy"})
HANDLE_VERBS = frozenset({"message", "trickle", "hangup", "detach"})


async def _forward(ctx: AuthReadingCtx, path: str, body: dict[str, Any]) -> dict[str, Any]:
    try:
        answer = await ctx.services.janus.forward("POST", path, body)
    except JanusUnavailable as exc:
        raise Unavailable("calls_unavailable") from exc
    if not isinstance(answer, dict):
        raise Unavailable("calls_unavailable")
    return answer


@router.post("/calls/{call_id}/janus", response_model=JanusAnswer, responses=REFUSALS)
async def janus_create(call_id: PathId, ctx: AuthReadingCtx,
                       body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    if body.get("janus") != "create":
        raise Forbidden("janus_request_refused")
    clean = {"janus": "create", "transaction": str(body.get("transaction", ""))[:64]}
    answer: dict[str, Any] = await call_actions.bind_janus_session(
        ctx, call_id, lambda: _forward(ctx, "", clean))
    return answer


@router.post("/calls/{call_id}/janus/{session_id}", response_model=JanusAnswer,
             responses=REFUSALS)
async def janus_session(call_id: PathId, session_id: JanusId, ctx: AuthReadingCtx,
                        body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    await call_actions.janus_session_allowed(ctx, call_id, session_id)
    verb = body.get("janus")
    if verb not in SESSION_VERBS or verb == "attach" and body.get("plugin") != VIDEOROOM:
        raise Forbidden("janus_request_refused")
    clean: dict[str, Any] = {k: body[k] for k in ("janus", "plugin", "transaction", "opaque_id")
                             if k in body}
    return await _forward(ctx, f"/{session_id}", clean)


def _checked_message(call: Call, user_id: int, display: str, body: Any) -> dict[str, Any]:
    """A VideoRoom request from the browser: its call's room only, and as itself (the feed id
    and the name shown are Parta's, whatever the page says)."""
    if not isinstance(body, dict) or body.get("request") not in BROWSER_REQUESTS:
        raise Forbidden("janus_request_refused")
    if "room" in body and body["room"] != call.janus_room:
        raise Forbidden("janus_request_refused")
    clean = {k: v for k, v in body.items() if k not in ("secret", "admin_key", "pin")}
    if clean.get("request") == "join" and clean.get("ptype") == "publisher":
        clean["id"], clean["display"] = user_id, display
    if clean.get("request") == "configure" and "display" in clean:
        clean["display"] = display
    return clean


@router.post("/calls/{call_id}/janus/{session_id}/{handle_id}", response_model=JanusAnswer,
             responses=REFUSALS)
async def janus_handle(call_id: PathId, session_id: JanusId, handle_id: JanusId, ctx: AuthReadingCtx,
                       body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    call, row, host = await call_actions.proxy_access(ctx, call_id, session_id)
    verb = body.get("janus")
    if verb not in HANDLE_VERBS:
        raise Forbidden("janus_request_refused")
    clean: dict[str, Any] = {k: body[k] for k in ("janus", "transaction", "jsep", "candidate",
                                                  "candidates") if k in body}
    if verb == "message":
        assert ctx.user is not None
        clean["body"] = _checked_message(call, ctx.user.id, ctx.user.name, body.get("body"))
        jsep = clean.get("jsep")
        if jsep is not None and not isinstance(jsep, dict):
            raise ValidationFailed(fields={"jsep": "invalid"})
        # The host's decisions (held microphone, screen grant), then what is published.
        await call_actions.vet_media_request(ctx, call, row, host, handle_id, clean["body"], jsep)
    elif "jsep" in clean:
        raise Forbidden("janus_request_refused")
    return await _forward(ctx, f"/{session_id}/{handle_id}", clean)


@router.get("/calls/{call_id}/janus/{session_id}", response_class=StreamingResponse,
            responses={200: {"model": JanusAnswer,
                             "description": "Janus's events for the session, as Janus sent them"},
                       **errors(401, 403, 404, 503)})
async def janus_poll(call_id: PathId, session_id: JanusId, ctx: AuthCtx) -> StreamingResponse:
    """Janus's long poll (up to 30 s). The caller is checked first; the wait itself holds no
    transaction (the answer streams after the request's unit of work ended)."""
    await call_actions.janus_session_allowed(ctx, call_id, session_id)
    janus = ctx.services.janus

    async def wait() -> AsyncIterator[bytes]:
        try:
            answer = await janus.forward("GET", f"/{session_id}", params={"maxev": "5"})
        except JanusUnavailable:
            answer = {"janus": "error", "error": {"code": 503, "reason": "calls_unavailable"}}
        yield json.dumps(answer).encode()

    return StreamingResponse(wait(), media_type="application/json",
                             headers={"Cache-Control": "no-store"})
