"""Broadcasts (R38): planned by the school's administration for an audience; watched by it;
viewers' questions to a moderated list."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi.responses import StreamingResponse

from parta.actions import broadcast_air as air
from parta.actions import broadcast_video as video
from parta.actions import broadcasts as actions
from parta.api.calls import (
    BROWSER_REQUESTS,
    HANDLE_VERBS,
    SESSION_VERBS,
    JanusAnswer,
    JanusId,
    _forward,
)
from parta.api.deps import AuthCtx, AuthReadingCtx, PathId
from parta.api.responses import errors
from parta.errors import Forbidden, ValidationFailed
from parta.models import Broadcast
from parta.queries import broadcasts as q
from parta.queries.scope import org_seen
from parta.schemas.broadcasts import (
    BroadcastIn,
    BroadcastJoined,
    BroadcastOut,
    BroadcastsOut,
    BroadcastVideoIn,
    QuestionDecision,
    QuestionIn,
    QuestionOut,
    QuestionsOut,
)
from parta.services.janus import STREAMING, VIDEOROOM, JanusUnavailable

router = APIRouter(tags=["broadcasts"])

# 403 forbidden (planning is the administration's), not_in_audience, not_presenter,
# may_not_plan_broadcasts; 404 not_found (no such broadcast, class or question, or another
# school's); 409 broadcast_cancelled, broadcast_over, too_many_questions; 422 in_the_past,
# before_start, too_long, too_far, too_many_presenters, presenter_not_staff, no_audience_chat.
WRITES = errors(401, 403, 404, 409, 413, 422)
READS = errors(401, 403, 404)


@router.get("/orgs/{org_id}/broadcasts", response_model=BroadcastsOut,
            responses=errors(401, 404))
async def my_broadcasts(org_id: PathId, ctx: AuthCtx) -> BroadcastsOut:
    """The school's broadcasts (from a day back on) the caller may watch or presents."""
    scope = await org_seen(ctx.db, ctx.require_actor(), org_id)
    return await q.my_broadcasts(ctx.db, scope)


@router.post("/orgs/{org_id}/broadcasts", response_model=BroadcastOut, status_code=201,
             responses=WRITES)
async def plan_broadcast(org_id: PathId, body: BroadcastIn, ctx: AuthCtx) -> BroadcastOut:
    """The school's administration plans a broadcast; its audience is told in its chats."""
    return await actions.plan_broadcast(ctx, org_id, body)


@router.get("/broadcasts/{broadcast_id}", response_model=BroadcastOut, responses=READS)
async def get_broadcast(broadcast_id: PathId, ctx: AuthCtx) -> BroadcastOut:
    view = await q.broadcast_in(ctx.db, ctx.require_actor(), broadcast_id)
    return await q.broadcast_answer(ctx.db, view)


@router.post("/broadcasts/{broadcast_id}/cancel", response_model=BroadcastOut,
             responses=WRITES)
async def cancel_broadcast(broadcast_id: PathId, ctx: AuthCtx) -> BroadcastOut:
    return await actions.cancel_broadcast(ctx, broadcast_id)


@router.get("/broadcasts/{broadcast_id}/questions", response_model=QuestionsOut,
            responses=READS)
async def questions(broadcast_id: PathId, ctx: AuthCtx) -> QuestionsOut:
    """To presenters and the administration every question; to a viewer the approved and
    answered ones and their own."""
    view = await q.broadcast_in(ctx.db, ctx.require_actor(), broadcast_id)
    return await q.questions(ctx.db, view)


@router.post("/broadcasts/{broadcast_id}/questions", response_model=QuestionOut,
             status_code=201, responses=WRITES)
async def ask(broadcast_id: PathId, body: QuestionIn, ctx: AuthCtx) -> QuestionOut:
    return await actions.ask_question(ctx, broadcast_id, body)


@router.post("/broadcasts/{broadcast_id}/questions/{question_id}", response_model=QuestionOut,
             responses=WRITES)
async def decide(broadcast_id: PathId, question_id: PathId, body: QuestionDecision,
                 ctx: AuthCtx) -> QuestionOut:
    """Approve, answer or dismiss a question (presenters and the administration)."""
    return await actions.decide_question(ctx, broadcast_id, question_id, body)


# On the air ----------------------------------------------------------------------------------

# 403 not_presenter, not_in_audience, not_watching, viewers_do_not_send, janus_request_refused;
# 404 not_found; 409 broadcast_cancelled, broadcast_over, broadcast_not_on_air,
# broadcast_not_yet, broadcast_full; 503 calls_unavailable (Janus does not answer).
AIR = errors(401, 403, 404, 409, 413, 422, 503)


@router.post("/broadcasts/{broadcast_id}/on-air", response_model=BroadcastJoined, responses=AIR)
async def go_on_air(broadcast_id: PathId, ctx: AuthReadingCtx) -> BroadcastJoined:
    """A presenter goes on the air (from 30 minutes before the start) and gets their token."""
    return await air.go_on_air(ctx, broadcast_id)


@router.post("/broadcasts/{broadcast_id}/off-air", response_model=BroadcastOut, responses=AIR)
async def go_off_air(broadcast_id: PathId, ctx: AuthCtx) -> BroadcastOut:
    """The broadcast ends for everyone (a presenter or the administration)."""
    return await air.go_off_air(ctx, broadcast_id)


@router.post("/broadcasts/{broadcast_id}/video", response_model=BroadcastOut, responses=AIR)
async def choose_video(broadcast_id: PathId, body: BroadcastVideoIn,
                       ctx: AuthCtx) -> BroadcastOut:
    """The administration makes a verified video of the school's library the broadcast's
    source (422 ``not_a_video``, ``material_not_verified``; 404 another school's)."""
    return await video.choose_video(ctx, broadcast_id, body)


@router.post("/broadcasts/{broadcast_id}/video/start", response_model=BroadcastOut,
             responses=AIR)
async def start_video(broadcast_id: PathId, ctx: AuthReadingCtx) -> BroadcastOut:
    """A presenter starts the broadcast's video: the server plays it into Janus for everyone
    until it ends or ``off-air`` (409 ``broadcast_on_air``, ``broadcast_has_no_video``; 503
    ``stream_failed`` when ffmpeg cannot play it)."""
    return await video.start_video(ctx, broadcast_id)


@router.post("/broadcasts/{broadcast_id}/watch", response_model=BroadcastJoined, responses=AIR)
async def watch(broadcast_id: PathId, ctx: AuthCtx) -> BroadcastJoined:
    """Start watching: no token — viewers receive and send nothing (Janus refuses them)."""
    return await air.watch(ctx, broadcast_id)


@router.post("/broadcasts/{broadcast_id}/leave", response_model=BroadcastOut, responses=AIR)
async def leave(broadcast_id: PathId, ctx: AuthCtx) -> BroadcastOut:
    return await air.leave_broadcast(ctx, broadcast_id)


# What a viewer's browser may ask of the VideoRoom plugin: to subscribe (and to see who
# publishes: the presenters), never to send. A presenter may do what a call's person may.
VIEWER_REQUESTS = frozenset({"join", "start", "pause", "configure", "switch", "leave",
                             "subscribe", "unsubscribe", "update", "listparticipants"})
PRESENTER_REQUESTS = BROWSER_REQUESTS | {"listparticipants"}


def _checked_body(b: Broadcast, presenter: bool, user_id: int, display: str, body: Any,
                  jsep: Any) -> dict[str, Any]:
    """A VideoRoom request: the broadcast's room only; a presenter publishes as themselves; a
    viewer only subscribes (403 ``viewers_do_not_send`` for anything that would send)."""
    allowed = PRESENTER_REQUESTS if presenter else VIEWER_REQUESTS
    if not isinstance(body, dict) or body.get("request") not in allowed:
        if isinstance(body, dict) and body.get("request") in BROWSER_REQUESTS:
            raise Forbidden("viewers_do_not_send")
        raise Forbidden("janus_request_refused")
    if "room" in body and body["room"] != b.janus_room:
        raise Forbidden("janus_request_refused")
    if jsep is not None and not isinstance(jsep, dict):
        raise ValidationFailed(fields={"jsep": "invalid"})
    hidden = ("secret", "admin_key", "pin") if presenter else ("secret", "admin_key", "pin", "token")
    clean = {k: v for k, v in body.items() if k not in hidden}
    if not presenter:
        sends = (clean.get("request") == "join" and clean.get("ptype") != "subscriber") or (
            jsep is not None and jsep.get("type") == "offer")
        if sends:
            raise Forbidden("viewers_do_not_send")
    elif clean.get("request") == "join" and clean.get("ptype") == "publisher":
        clean["id"], clean["display"] = user_id, display
    return clean


# What a browser may ask of the Streaming plugin about a broadcast's video: to watch its
# mountpoint (Parta adds the pin), to answer Janus's offer, to pause and to stop — no more.
WATCH_REQUESTS = frozenset({"watch", "start", "pause", "stop"})


def _checked_watch(b: Broadcast, body: Any, jsep: Any) -> dict[str, Any]:
    if not isinstance(body, dict) or body.get("request") not in WATCH_REQUESTS:
        raise Forbidden("janus_request_refused")
    if body.get("id", b.stream_id) != b.stream_id:
        raise Forbidden("janus_request_refused")
    if jsep is not None and (not isinstance(jsep, dict) or jsep.get("type") != "answer"):
        raise Forbidden("viewers_do_not_send")
    clean: dict[str, Any] = {"request": body["request"]}
    if body["request"] == "watch":
        clean.update(id=b.stream_id, pin=b.stream_pin, offer_audio=True, offer_video=True)
    return clean


@router.post("/broadcasts/{broadcast_id}/janus", response_model=JanusAnswer, responses=AIR)
async def janus_create(broadcast_id: PathId, ctx: AuthReadingCtx,
                       body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    if body.get("janus") != "create":
        raise Forbidden("janus_request_refused")
    clean = {"janus": "create", "transaction": str(body.get("transaction", ""))[:64]}
    answer: dict[str, Any] = await air.bind_janus_session(
        ctx, broadcast_id, lambda: _forward(ctx, "", clean))
    return answer


@router.post("/broadcasts/{broadcast_id}/janus/{session_id}", response_model=JanusAnswer,
             responses=AIR)
async def janus_session(broadcast_id: PathId, session_id: JanusId, ctx: AuthReadingCtx,
                        body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    b, _ = await air.proxy_access(ctx, broadcast_id, session_id)
    plugin = STREAMING if b.stream_id is not None else VIDEOROOM
    verb = body.get("janus")
    if verb not in SESSION_VERBS or verb == "attach" and body.get("plugin") != plugin:
        raise Forbidden("janus_request_refused")
    clean: dict[str, Any] = {k: body[k] for k in ("janus", "plugin", "transaction", "opaque_id")
                             if k in body}
    return await _forward(ctx, f"/{session_id}", clean)


@router.post("/broadcasts/{broadcast_id}/janus/{session_id}/{handle_id}",
             response_model=JanusAnswer, responses=AIR)
async def janus_handle(broadcast_id: PathId, session_id: JanusId, handle_id: JanusId,
                       ctx: AuthReadingCtx,
                       body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    b, presenter = await air.proxy_access(ctx, broadcast_id, session_id)
    verb = body.get("janus")
    if verb not in HANDLE_VERBS:
        raise Forbidden("janus_request_refused")
    clean: dict[str, Any] = {k: body[k] for k in ("janus", "transaction", "jsep", "candidate",
                                                  "candidates") if k in body}
    if verb == "message" and b.stream_id is not None:
        clean["body"] = _checked_watch(b, body.get("body"), clean.get("jsep"))
    elif verb == "message":
        assert ctx.user is not None
        clean["body"] = _checked_body(b, presenter, ctx.user.id, ctx.user.name,
                                      body.get("body"), clean.get("jsep"))
    elif "jsep" in clean:
        raise Forbidden("janus_request_refused")
    return await _forward(ctx, f"/{session_id}/{handle_id}", clean)


@router.get("/broadcasts/{broadcast_id}/janus/{session_id}", response_class=StreamingResponse,
            responses={200: {"model": JanusAnswer,
                             "description": "Janus's events for the session, as Janus sent them"},
                       **errors(401, 403, 404, 409, 503)})
async def janus_poll(broadcast_id: PathId, session_id: JanusId,
                     ctx: AuthCtx) -> StreamingResponse:
    """Janus's long poll (up to 30 s), for the caller's own session."""
    await air.proxy_access(ctx, broadcast_id, session_id)
    janus = ctx.services.janus

    async def wait() -> AsyncIterator[bytes]:
        try:
            answer = await janus.forward("GET", f"/{session_id}", params={"maxev": "5"})
        except JanusUnavailable:
            answer = {"janus": "error", "error": {"code": 503, "reason": "calls_unavailable"}}
        yield json.dumps(answer).encode()

    return StreamingResponse(wait(), media_type="application/json",
                             headers={"Cache-Control": "no-store"})
