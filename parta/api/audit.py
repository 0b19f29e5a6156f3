"""An organization's audit log."""

from __future__ import annotations

from fastapi import APIRouter

from parta.api.deps import AuthCtx, PathId, QueryId
from parta.api.responses import errors
from parta.policy import Action
from parta.queries import audit as audit_queries
from parta.queries.scope import org_for
from parta.schemas.audit import AuditPage

router = APIRouter(tags=["audit"])


@router.get("/orgs/{org_id}/audit", response_model=AuditPage, responses=errors(401, 403, 404, 422))
async def audit_log(org_id: PathId, ctx: AuthCtx, before_id: QueryId = None,
                    limit: int = 50) -> AuditPage:
    scope = await org_for(ctx.db, ctx.require_actor(), org_id, Action.audit_read)
    limit = max(1, min(limit, 200))
    entries = await audit_queries.audit_page(ctx.db, scope, before_id, limit)
    return AuditPage(entries=entries,
                     next_before_id=entries[-1].id if len(entries) == limit else None)
