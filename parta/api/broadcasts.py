"""Broadcasts (R38): planned by the school's administration for an audience; watched by it;
viewers' questions to a moderated list."""

from __future__ import annotations

from fastapi import APIRouter

from parta.actions import broadcasts as actions
from parta.api.deps import AuthCtx, PathId
from parta.api.responses import errors
from parta.queries import broadcasts as q
from parta.queries.scope import org_seen
from parta.schemas.broadcasts import (
    BroadcastIn,
    BroadcastOut,
    BroadcastsOut,
    QuestionDecision,
    QuestionIn,
    QuestionOut,
    QuestionsOut,
)

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
