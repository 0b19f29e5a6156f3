"""Invite links to one chat, requests to join a chat, and the school's directory of staff
chats (R22, R23, R24)."""

from __future__ import annotations

import io
from typing import Literal

import qrcode
import qrcode.image.svg
from fastapi import APIRouter
from fastapi.responses import Response

from parta.actions import chat_links as link_actions
from parta.actions.chat_links import ChatJoinOutcome
from parta.api.deps import AnyCtx, AuthCtx, PathId
from parta.api.responses import errors, file_answer
from parta.errors import NotFound
from parta.policy import Action
from parta.queries import chat_links as link_queries
from parta.queries.scope import chat_by_link, chat_inviting, chat_moderated, org_for
from parta.schemas.chat_links import (
    ChatJoinOut,
    ChatJoinRequestOut,
    ChatJoinRequestsOut,
    ChatLinkIn,
    ChatLinkOut,
    ChatLinkPreview,
    ChatLinksOut,
    DirectoryOut,
    JoinWithRulesIn,
)
from parta.schemas.common import PlainText

router = APIRouter(tags=["chat links"])


async def _link_out(ctx: AuthCtx, chat_id: int, link_id: int) -> ChatLinkOut:
    scope = await chat_inviting(ctx.db, ctx.require_actor(), chat_id)
    found = await link_queries.links(ctx.db, scope, ctx.settings.base_url, only_id=link_id)
    if not found:
        raise NotFound()
    return found[0]


def _join_out(out: ChatJoinOutcome) -> ChatJoinOut:
    return ChatJoinOut(status="joined" if out.status == "joined" else "requested",
                       chat_id=out.chat_id, request_id=out.request_id)


@router.get("/chats/{chat_id}/links", response_model=ChatLinksOut,
            responses=errors(401, 403, 404, 422))
async def list_links(chat_id: PathId, ctx: AuthCtx,
                     state: Literal["active", "all"] = "active") -> ChatLinksOut:
    """A chat's invite links: every one for its moderators, their own for a member who may
    invite; anyone else may not look."""
    scope = await chat_inviting(ctx.db, ctx.require_actor(), chat_id)
    return ChatLinksOut(links=await link_queries.links(ctx.db, scope, ctx.settings.base_url,
                                                       state=state))


@router.post("/chats/{chat_id}/links", response_model=ChatLinkOut, status_code=201,
             responses=errors(401, 403, 404, 409, 413, 422))
async def create_link(chat_id: PathId, body: ChatLinkIn, ctx: AuthCtx) -> ChatLinkOut:
    link = await link_actions.create_link(ctx, chat_id, **body.model_dump())
    return await _link_out(ctx, chat_id, link.id)


@router.post("/chats/{chat_id}/links/{link_id}/annul", response_model=ChatLinkOut,
             responses=errors(401, 403, 404, 409))
async def annul_link(chat_id: PathId, link_id: PathId, ctx: AuthCtx) -> ChatLinkOut:
    await link_actions.annul_link(ctx, chat_id, link_id)
    return await _link_out(ctx, chat_id, link_id)


@router.get("/chats/{chat_id}/links/{link_id}/qr.svg", response_class=Response,
            responses={**file_answer("image/svg+xml", description="The QR code of the link"),
                       **errors(401, 403, 404)})
async def link_qr(chat_id: PathId, link_id: PathId, ctx: AuthCtx) -> Response:
    link = await _link_out(ctx, chat_id, link_id)
    img = qrcode.make(link.url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buf = io.BytesIO()
    img.save(buf)
    return Response(buf.getvalue(), media_type="image/svg+xml",
                    headers={"Cache-Control": "private, max-age=300",
                             "X-Content-Type-Options": "nosniff"})


@router.get("/chat-links/{token}", response_model=ChatLinkPreview, responses=errors(404, 410))
async def preview_link(token: PlainText, ctx: AnyCtx) -> ChatLinkPreview:
    """Where a chat's link leads, before sign-in too: the school and the chat's title. Its
    description and rules only for a signed-in person of the school the chat is for."""
    scope = await chat_by_link(ctx.db, ctx.actor, token[:100])
    return await link_queries.link_preview(ctx.db, scope)


@router.post("/chat-links/{token}/join", response_model=ChatJoinOut,
             responses=errors(401, 403, 404, 410, 413, 422))
async def join_by_link(token: PlainText, body: JoinWithRulesIn, ctx: AuthCtx) -> ChatJoinOut:
    """Join (or, when the link needs approval, ask to join) after accepting the rules; done
    twice it answers as the first time."""
    return _join_out(await link_actions.join_by_link(ctx, token[:100], body.accept_rules))


@router.get("/chats/{chat_id}/join-requests", response_model=ChatJoinRequestsOut,
            responses=errors(401, 403, 404))
async def join_requests(chat_id: PathId, ctx: AuthCtx) -> ChatJoinRequestsOut:
    """The requests waiting for the chat's moderators."""
    scope = await chat_moderated(ctx.db, ctx.require_actor(), chat_id)
    return ChatJoinRequestsOut(requests=await link_queries.join_requests(ctx.db, scope))


async def _decided(ctx: AuthCtx, chat_id: int, request_id: int) -> ChatJoinRequestOut:
    scope = await chat_moderated(ctx.db, ctx.require_actor(), chat_id)
    [row] = await link_queries.join_requests(ctx.db, scope, only_id=request_id, status=None)
    return row


@router.post("/chats/{chat_id}/join-requests/{request_id}/approve",
             response_model=ChatJoinRequestOut, responses=errors(401, 403, 404, 409))
async def approve(chat_id: PathId, request_id: PathId, ctx: AuthCtx) -> ChatJoinRequestOut:
    await link_actions.decide_join_request(ctx, chat_id, request_id, approve=True)
    return await _decided(ctx, chat_id, request_id)


@router.post("/chats/{chat_id}/join-requests/{request_id}/deny",
             response_model=ChatJoinRequestOut, responses=errors(401, 403, 404, 409))
async def deny(chat_id: PathId, request_id: PathId, ctx: AuthCtx) -> ChatJoinRequestOut:
    await link_actions.decide_join_request(ctx, chat_id, request_id, approve=False)
    return await _decided(ctx, chat_id, request_id)


@router.get("/orgs/{org_id}/chats/directory", response_model=DirectoryOut,
            responses=errors(401, 403, 404))
async def directory(org_id: PathId, ctx: AuthCtx) -> DirectoryOut:
    """The school's staff chats, for its staff to find and ask to join (R22)."""
    scope = await org_for(ctx.db, ctx.require_actor(), org_id, Action.chat_directory)
    return await link_queries.directory(ctx.db, scope)


@router.post("/orgs/{org_id}/chats/directory/{chat_id}/join", response_model=ChatJoinOut,
             responses=errors(401, 403, 404, 413, 422))
async def ask_to_join(org_id: PathId, chat_id: PathId, body: JoinWithRulesIn,
                      ctx: AuthCtx) -> ChatJoinOut:
    """Ask the chat's moderators to be let in, having accepted its rules."""
    return _join_out(await link_actions.request_from_directory(ctx, org_id, chat_id,
                                                               body.accept_rules))

