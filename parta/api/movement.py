"""Movement of students and staff (R7, R32): recorded by an administrator, or proposed by a
class teacher and confirmed by an administrator."""

from __future__ import annotations

from fastapi import APIRouter

from parta.actions import movement as movement_actions
from parta.api.deps import AuthCtx, PathId
from parta.api.responses import errors
from parta.errors import NotFound
from parta.models import MovementStatus
from parta.queries import movement as movement_queries
from parta.queries.scope import org_seen
from parta.schemas.movement import DecisionIn, MovementIn, MovementOut, MovementsOut

router = APIRouter(tags=["movement"])


def _newcomer(body: MovementIn) -> movement_actions.Newcomer | None:
    return movement_actions.Newcomer(**body.person.model_dump()) if body.person else None


async def _out(ctx: AuthCtx, org_id: int, movement_id: int) -> MovementOut:
    scope = await org_seen(ctx.db, ctx.require_actor(), org_id)
    found = await movement_queries.movements(ctx.db, scope, only=movement_id)
    if not found:
        raise NotFound()
    return found[0]


@router.get("/orgs/{org_id}/movements", response_model=MovementsOut,
            responses=errors(401, 403, 404, 422))
async def list_movements(org_id: PathId, ctx: AuthCtx,
                         status: MovementStatus | None = None) -> MovementsOut:
    scope = await org_seen(ctx.db, ctx.require_actor(), org_id)
    movement_queries.require_view(scope)
    return MovementsOut(movements=await movement_queries.movements(
        ctx.db, scope, status.value if status else None))


@router.post("/orgs/{org_id}/movements", response_model=MovementOut, status_code=201,
             responses=errors(401, 403, 404, 409, 413, 422))
async def record(org_id: PathId, body: MovementIn, ctx: AuthCtx) -> MovementOut:
    """An administrator records it; it takes effect at once."""
    mv = await movement_actions.record_movement(
        ctx, org_id, body.kind, user_id=body.user_id, to_group_id=body.to_group_id,
        person=_newcomer(body), reason=body.reason)
    return await _out(ctx, org_id, mv.id)


@router.post("/orgs/{org_id}/movements/proposals", response_model=MovementOut, status_code=201,
             responses=errors(401, 403, 404, 409, 413, 422))
async def propose(org_id: PathId, body: MovementIn, ctx: AuthCtx) -> MovementOut:
    """A class teacher reports an arrival, departure or transfer in their class."""
    mv = await movement_actions.propose_movement(
        ctx, org_id, body.kind, user_id=body.user_id, to_group_id=body.to_group_id,
        person=_newcomer(body), reason=body.reason)
    return await _out(ctx, org_id, mv.id)


@router.post("/orgs/{org_id}/movements/{movement_id}/decision", response_model=MovementOut,
             responses=errors(401, 403, 404, 409, 413, 422))
async def decide(org_id: PathId, movement_id: PathId, body: DecisionIn,
                 ctx: AuthCtx) -> MovementOut:
    mv = await movement_actions.decide_movement(ctx, org_id, movement_id, body.confirm,
                                                body.note)
    return await _out(ctx, org_id, mv.id)
