"""Join requests (R14) and parent ↔ child links (R17), decided by the school."""

from __future__ import annotations

from fastapi import APIRouter

from parta.actions import requests as request_actions
from parta.api.deps import AuthCtx, PathId
from parta.api.responses import errors
from parta.errors import NotFound
from parta.policy import Action
from parta.queries import requests as request_queries
from parta.queries.scope import org_for
from parta.schemas.requests import (
    DecisionIn,
    JoinRequestOut,
    JoinRequestsOut,
    ParentLinkConfirmIn,
    ParentLinkOut,
    ParentLinksOut,
)

router = APIRouter(tags=["requests"])


@router.get("/orgs/{org_id}/join-requests", response_model=JoinRequestsOut,
            responses=errors(401, 403, 404, 422))
async def list_join_requests(org_id: PathId, ctx: AuthCtx, status: str = "pending") -> JoinRequestsOut:
    scope = await org_for(ctx.db, ctx.require_actor(), org_id, Action.join_request_list)
    return JoinRequestsOut(requests=await request_queries.join_requests(
        ctx.db, scope, None if status == "all" else status[:20]))


async def _request_out(ctx: AuthCtx, org_id: PathId, request_id: PathId) -> JoinRequestOut:
    scope = await org_for(ctx.db, ctx.require_actor(), org_id, Action.org_view)
    rows = await request_queries.join_requests(ctx.db, scope, None,
                                              only_id=request_id)
    if not rows:
        raise NotFound()
    return rows[0]


@router.post("/orgs/{org_id}/join-requests/{request_id}/accept", response_model=JoinRequestOut,
             responses=errors(401, 403, 404, 409, 413, 422))
async def accept_request(org_id: PathId, request_id: PathId, body: DecisionIn,
                         ctx: AuthCtx) -> JoinRequestOut:
    await request_actions.decide_join_request(ctx, org_id, request_id, True, body.note)
    return await _request_out(ctx, org_id, request_id)


@router.post("/orgs/{org_id}/join-requests/{request_id}/refuse", response_model=JoinRequestOut,
             responses=errors(401, 403, 404, 409, 413, 422))
async def refuse_request(org_id: PathId, request_id: PathId, body: DecisionIn,
                        ctx: AuthCtx) -> JoinRequestOut:
    await request_actions.decide_join_request(ctx, org_id, request_id, False, body.note)
    return await _request_out(ctx, org_id, request_id)


@router.get("/orgs/{org_id}/parent-links", response_model=ParentLinksOut,
            responses=errors(401, 403, 404, 422))
async def list_parent_links(org_id: PathId, ctx: AuthCtx, status: str = "pending") -> ParentLinksOut:
    scope = await org_for(ctx.db, ctx.require_actor(), org_id, Action.parent_link_list)
    return ParentLinksOut(links=await request_queries.parent_links(
        ctx.db, scope, None if status == "all" else status[:20]))


async def _link_out(ctx: AuthCtx, org_id: PathId, link_id: PathId) -> ParentLinkOut:
    scope = await org_for(ctx.db, ctx.require_actor(), org_id, Action.org_view)
    rows = await request_queries.parent_links(ctx.db, scope, None,
                                             only_id=link_id)
    if not rows:
        raise NotFound()
    return rows[0]


@router.post("/orgs/{org_id}/parent-links/{link_id}/confirm", response_model=ParentLinkOut,
             responses=errors(401, 403, 404, 409, 413, 422))
async def confirm_link(org_id: PathId, link_id: PathId, body: ParentLinkConfirmIn,
                       ctx: AuthCtx) -> ParentLinkOut:
    await request_actions.decide_parent_link(ctx, org_id, link_id, True, body.child_user_id)
    return await _link_out(ctx, org_id, link_id)


@router.post("/orgs/{org_id}/parent-links/{link_id}/refuse", response_model=ParentLinkOut,
             responses=errors(401, 403, 404, 409, 422))
async def refuse_link(org_id: PathId, link_id: PathId, ctx: AuthCtx) -> ParentLinkOut:
    await request_actions.decide_parent_link(ctx, org_id, link_id, False)
    return await _link_out(ctx, org_id, link_id)
