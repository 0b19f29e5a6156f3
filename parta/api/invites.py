"""Invite links, joining, join requests, parent links and the audit log."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel

from parta.actions import invites as invite_actions
from parta.actions import requests as request_actions
from parta.api.deps import AuthCtx, PathId, QueryId
from parta.errors import NotFound
from parta.models import Role
from parta.policy import Action
from parta.queries import invites as invite_queries
from parta.queries.scope import org_for
from parta.schemas.common import AuditOut, PlainText, Ref
from parta.schemas.invites import (
    AnnulledOut,
    DecisionIn,
    InviteIn,
    InviteOut,
    InvitePreview,
    InvitesOut,
    JoinIn,
    JoinOut,
    JoinRequestOut,
    JoinRequestsOut,
    OrgBrief,
    ParentLinkConfirmIn,
    ParentLinkOut,
    ParentLinksOut,
)

router = APIRouter(tags=["invites"])


async def _invite_out(ctx: AuthCtx, org_id: PathId, invite_id: PathId) -> InviteOut:
    actor = ctx.require_actor()
    org = await org_for(ctx.db, actor, org_id, Action.org_view)
    found = await invite_queries.invites(ctx.db, actor, org, ctx.settings.base_url, state="all",
                                         only_id=invite_id)
    if not found:
        raise NotFound()
    return found[0]


@router.get("/orgs/{org_id}/invites", response_model=InvitesOut)
async def list_invites(org_id: PathId, ctx: AuthCtx, state: str = "active") -> InvitesOut:
    actor = ctx.require_actor()
    org = await org_for(ctx.db, actor, org_id, Action.invite_list)
    return InvitesOut(invites=await invite_queries.invites(
        ctx.db, actor, org, ctx.settings.base_url, state="all" if state == "all" else "active"))


@router.post("/orgs/{org_id}/invites", response_model=InviteOut, status_code=201)
async def create_invite(org_id: PathId, body: InviteIn, ctx: AuthCtx) -> InviteOut:
    inv = await invite_actions.create_invite(ctx, org_id, **body.model_dump())
    return await _invite_out(ctx, org_id, inv.id)


@router.post("/orgs/{org_id}/invites/annul-unclaimed", response_model=AnnulledOut)
async def annul_unclaimed(org_id: PathId, ctx: AuthCtx) -> AnnulledOut:
    return AnnulledOut(annulled=await invite_actions.annul_unclaimed(ctx, org_id))


@router.post("/orgs/{org_id}/invites/{invite_id}/annul", response_model=InviteOut)
async def annul_invite(org_id: PathId, invite_id: PathId, ctx: AuthCtx) -> InviteOut:
    await invite_actions.annul_invite(ctx, org_id, invite_id)
    return await _invite_out(ctx, org_id, invite_id)


@router.get("/orgs/{org_id}/invites/{invite_id}/qr.svg")
async def invite_qr(org_id: PathId, invite_id: PathId, ctx: AuthCtx) -> Response:
    inv = await _invite_out(ctx, org_id, invite_id)
    img = qrcode.make(inv.url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buf = io.BytesIO()
    img.save(buf)
    return Response(buf.getvalue(), media_type="image/svg+xml",
                    headers={"Cache-Control": "private, max-age=300",
                             "X-Content-Type-Options": "nosniff"})


@router.get("/invites/{token}", response_model=InvitePreview)
async def preview_invite(token: PlainText, ctx: AuthCtx) -> InvitePreview:
    inv, org, group = await invite_actions.invite_by_token(ctx, token[:100])
    return InvitePreview(
        org=OrgBrief(id=org.id, name=org.name, kind=org.kind.value),
        group=Ref(id=group.id, name=group.name) if group else None, role=inv.role.value,
        requires_approval=inv.requires_approval, needs_child_name=inv.role == Role.parent)


@router.post("/invites/{token}/join", response_model=JoinOut)
async def join(token: PlainText, body: JoinIn, ctx: AuthCtx) -> JoinOut:
    out = await invite_actions.join_by_invite(ctx, token[:100], body.child_name, body.message)
    return JoinOut(status=out.status, org_id=out.org_id, join_request_id=out.join_request_id)


@router.get("/orgs/{org_id}/join-requests", response_model=JoinRequestsOut)
async def list_join_requests(org_id: PathId, ctx: AuthCtx, status: str = "pending") -> JoinRequestsOut:
    actor = ctx.require_actor()
    org = await org_for(ctx.db, actor, org_id, Action.join_request_list)
    return JoinRequestsOut(requests=await invite_queries.join_requests(
        ctx.db, actor, org, None if status == "all" else status[:20]))


async def _request_out(ctx: AuthCtx, org_id: PathId, request_id: PathId) -> JoinRequestOut:
    org = await org_for(ctx.db, ctx.require_actor(), org_id, Action.org_view)
    rows = await invite_queries.join_requests(ctx.db, ctx.require_actor(), org, None,
                                              only_id=request_id)
    if not rows:
        raise NotFound()
    return rows[0]


@router.post("/orgs/{org_id}/join-requests/{request_id}/accept", response_model=JoinRequestOut)
async def accept_request(org_id: PathId, request_id: PathId, body: DecisionIn,
                         ctx: AuthCtx) -> JoinRequestOut:
    await request_actions.decide_join_request(ctx, org_id, request_id, True, body.note)
    return await _request_out(ctx, org_id, request_id)


@router.post("/orgs/{org_id}/join-requests/{request_id}/refuse", response_model=JoinRequestOut)
async def refuse_request(org_id: PathId, request_id: PathId, body: DecisionIn,
                        ctx: AuthCtx) -> JoinRequestOut:
    await request_actions.decide_join_request(ctx, org_id, request_id, False, body.note)
    return await _request_out(ctx, org_id, request_id)


@router.get("/orgs/{org_id}/parent-links", response_model=ParentLinksOut)
async def list_parent_links(org_id: PathId, ctx: AuthCtx, status: str = "pending") -> ParentLinksOut:
    actor = ctx.require_actor()
    org = await org_for(ctx.db, actor, org_id, Action.parent_link_list)
    return ParentLinksOut(links=await invite_queries.parent_links(
        ctx.db, actor, org, None if status == "all" else status[:20]))


async def _link_out(ctx: AuthCtx, org_id: PathId, link_id: PathId) -> ParentLinkOut:
    org = await org_for(ctx.db, ctx.require_actor(), org_id, Action.org_view)
    rows = await invite_queries.parent_links(ctx.db, ctx.require_actor(), org, None,
                                             only_id=link_id)
    if not rows:
        raise NotFound()
    return rows[0]


@router.post("/orgs/{org_id}/parent-links/{link_id}/confirm", response_model=ParentLinkOut)
async def confirm_link(org_id: PathId, link_id: PathId, body: ParentLinkConfirmIn,
                       ctx: AuthCtx) -> ParentLinkOut:
    await request_actions.decide_parent_link(ctx, org_id, link_id, True, body.child_user_id)
    return await _link_out(ctx, org_id, link_id)


@router.post("/orgs/{org_id}/parent-links/{link_id}/refuse", response_model=ParentLinkOut)
async def refuse_link(org_id: PathId, link_id: PathId, ctx: AuthCtx) -> ParentLinkOut:
    await request_actions.decide_parent_link(ctx, org_id, link_id, False)
    return await _link_out(ctx, org_id, link_id)


class AuditPage(BaseModel):
    entries: list[AuditOut]
    next_before_id: PathId | None


@router.get("/orgs/{org_id}/audit", response_model=AuditPage)
async def audit_log(org_id: PathId, ctx: AuthCtx, before_id: QueryId = None,
                    limit: int = 50) -> AuditPage:
    org = await org_for(ctx.db, ctx.require_actor(), org_id, Action.audit_read)
    limit = max(1, min(limit, 200))
    entries = await invite_queries.audit_page(ctx.db, org.id, before_id, limit)
    return AuditPage(entries=entries,
                     next_before_id=entries[-1].id if len(entries) == limit else None)
