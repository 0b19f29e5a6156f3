"""The administration's oversight of lessons and meetings (R40): what runs now and what was
held this week, never the media."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import APIRouter

from parta.api.deps import AuthCtx, PathId
from parta.api.responses import errors
from parta.policy import Action
from parta.queries import oversight as q
from parta.queries.scope import org_for
from parta.schemas.oversight import OversightOut

router = APIRouter(tags=["oversight"])


@router.get("/orgs/{org_id}/oversight/calls", response_model=OversightOut,
            responses=errors(401, 403, 404))
async def overseen_calls(org_id: PathId, ctx: AuthCtx) -> OversightOut:
    """Lessons and meetings held as calls in the school's group chats: running now and held
    this week (in the school's time zone). The school's administrators only (403 to teachers,
    students and parents; another school's answers 404 like nothing)."""
    scope = await org_for(ctx.db, ctx.require_actor(), org_id, Action.calls_oversee)
    return await q.oversight(ctx.db, scope, ZoneInfo(ctx.settings.lessons_time_zone))
