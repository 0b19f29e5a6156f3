"""Invite links (R9) and joining by them."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from fastapi import APIRouter
from fastapi.responses import Response

from parta.actions import invites as invite_actions
from parta.api.deps import AnyCtx, AuthCtx, PathId
from parta.api.responses import errors, file_answer
from parta.errors import NotFound
from parta.models import Role
from parta.policy import Action
from parta.queries import invites as invite_queries
from parta.queries.scope import org_for
from parta.schemas.common import PlainText, Ref
from parta.schemas.invites import (
    AnnulledOut,
    InviteIn,
    InviteOut,
    InvitePreview,
    InvitesOut,
    JoinIn,
    JoinOut,
    OrgBrief,
)

router = APIRouter(tags=["invites"])


async def _invite_out(ctx: AuthCtx, org_id: PathId, invite_id: PathId) -> InviteOut:
    scope = await org_for(ctx.db, ctx.require_actor(), org_id, Action.org_view)
    found = await invite_queries.invites(ctx.db, scope, ctx.settings.base_url, state="all",
                                         only_id=invite_id)
    if not found:
        raise NotFound()
    return found[0]


@router.get("/orgs/{org_id}/invites", response_model=InvitesOut,
            responses=errors(401, 403, 404, 422))
async def list_invites(org_id: PathId, ctx: AuthCtx, state: str = "active") -> InvitesOut:
    scope = await org_for(ctx.db, ctx.require_actor(), org_id, Action.invite_list)
    return InvitesOut(invites=await invite_queries.invites(
        ctx.db, scope, ctx.settings.base_url, state="all" if state == "all" else "active"))


@router.post("/orgs/{org_id}/invites", response_model=InviteOut, status_code=201,
             responses=errors(401, 403, 404, 413, 422))
async def create_invite(org_id: PathId, body: InviteIn, ctx: AuthCtx) -> InviteOut:
    inv = await invite_actions.create_invite(ctx, org_id, **body.model_dump())
    return await _invite_out(ctx, org_id, inv.id)


@router.post("/orgs/{org_id}/invites/annul-unclaimed", response_model=AnnulledOut,
             responses=errors(401, 403, 404))
async def annul_unclaimed(org_id: PathId, ctx: AuthCtx) -> AnnulledOut:
    return AnnulledOut(annulled=await invite_actions.annul_unclaimed(ctx, org_id))


@router.post("/orgs/{org_id}/invites/{invite_id}/annul", response_model=InviteOut,
             responses=errors(401, 403, 404, 409))
async def annul_invite(org_id: PathId, invite_id: PathId, ctx: AuthCtx) -> InviteOut:
    await invite_actions.annul_invite(ctx, org_id, invite_id)
    return await _invite_out(ctx, org_id, invite_id)


@router.get("/orgs/{org_id}/invites/{invite_id}/qr.svg", response_class=Response,
            responses={**file_answer("image/svg+xml", description="The QR code of the link"),
                       **errors(401, 403, 404)})
async def invite_qr(org_id: PathId, invite_id: PathId, ctx: AuthCtx) -> Response:
    inv = await _invite_out(ctx, org_id, invite_id)
    img = qrcode.make(inv.url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buf = io.BytesIO()
    img.save(buf)
    return Response(buf.getvalue(), media_type="image/svg+xml",
                    headers={"Cache-Control": "private, max-age=300",
                             "X-Content-Type-Options": "nosniff"})


@router.get("/invites/{token}", response_model=InvitePreview, responses=errors(404, 410))
async def preview_invite(token: PlainText, ctx: AnyCtx) -> InvitePreview:
    """What a link is for, shown before sign-in too: whoever holds the link may know where it
    leads (the token is unguessable), so a parent sees the school and class before giving a phone."""
    inv, org, group = await invite_actions.invite_by_token(ctx, token[:100])
    return InvitePreview(
        org=OrgBrief(id=org.id, name=org.name, kind=org.kind.value),
        group=Ref(id=group.id, name=group.name) if group else None, role=inv.role.value,
        requires_approval=inv.requires_approval, needs_child_name=inv.role == Role.parent)


@router.post("/invites/{token}/join", response_model=JoinOut,
             responses=errors(401, 403, 404, 409, 410, 413, 422))
async def join(token: PlainText, body: JoinIn, ctx: AuthCtx) -> JoinOut:
    out = await invite_actions.join_by_invite(ctx, token[:100], body.child_name, body.message)
    return JoinOut(status=out.status, org_id=out.org_id, join_request_id=out.join_request_id)
