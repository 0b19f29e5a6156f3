"""Chats, channels and messages."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Response, UploadFile
from fastapi.responses import StreamingResponse

from parta.actions import attachments as attachment_actions
from parta.actions import chats as chat_actions
from parta.actions import messages as message_actions
from parta.actions import sending
from parta.api.deps import AuthCtx, AuthReadingCtx, PathId
from parta.errors import NotFound
from parta.queries import chats as chat_queries
from parta.queries.moderation import held_payload
from parta.queries.scope import chat_for, org_seen
from parta.schemas.chats import (
    ChatIn,
    ChatPatch,
    ChatRoleIn,
    DirectIn,
    InviteUsersIn,
    JoinChatIn,
    MessageIn,
    MessagePatch,
    PinIn,
    ReadIn,
    ViewsIn,
)
from parta.schemas.common import Ok, PlainText
from parta.services import media
from parta.services.storage import ObjectNotFound

router = APIRouter(tags=["chats"])
MessageId = Annotated[int, Path(ge=1, le=2**62)]
Cursor = Annotated[int | None, Query(ge=0, le=2**62)]


async def _detail(ctx: AuthCtx, chat_id: int) -> dict[str, Any]:
    scope = await chat_for(ctx.db, ctx.require_actor(), chat_id, invited_ok=True)
    return await chat_queries.chat_detail(ctx.db, scope)


@router.get("/chats")
async def my_chats(ctx: AuthCtx, org_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None
                   ) -> dict[str, Any]:
    assert ctx.user is not None
    within = await org_seen(ctx.db, ctx.require_actor(), org_id) if org_id else None
    return {"chats": await chat_queries.chat_list(ctx.db, ctx.user.id, within),
            "invitations": await chat_queries.invitations(ctx.db, ctx.user.id)}


@router.get("/search")
async def search_messages(ctx: AuthCtx, q: Annotated[PlainText, Query(min_length=1, max_length=200)],
                          chat_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
                          ) -> dict[str, Any]:
    assert ctx.user is not None
    within = await chat_for(ctx.db, ctx.require_actor(), chat_id) if chat_id else None
    return {"results": await chat_queries.search(ctx.db, ctx.user.id, q, within)}


@router.post("/orgs/{org_id}/chats", status_code=201)
async def create_chat(org_id: PathId, body: ChatIn, ctx: AuthCtx) -> dict[str, Any]:
    chat = await chat_actions.create_chat(ctx, org_id, **body.model_dump())
    return await _detail(ctx, chat.id)


@router.post("/orgs/{org_id}/direct")
async def start_direct(org_id: PathId, body: DirectIn, ctx: AuthCtx) -> dict[str, Any]:
    chat = await chat_actions.start_direct(ctx, org_id, body.user_id)
    return await _detail(ctx, chat.id)


@router.get("/chats/{chat_id}")
async def get_chat(chat_id: PathId, ctx: AuthCtx) -> dict[str, Any]:
    return await _detail(ctx, chat_id)


@router.patch("/chats/{chat_id}")
async def patch_chat(chat_id: PathId, body: ChatPatch, ctx: AuthCtx) -> dict[str, Any]:
    # A null is a setting left as it is, like one not sent (the columns are never empty).
    await chat_actions.update_chat(ctx, chat_id,
                                   body.model_dump(exclude_unset=True, exclude_none=True))
    return await _detail(ctx, chat_id)


@router.get("/chats/{chat_id}/members")
async def chat_members(chat_id: PathId, ctx: AuthCtx) -> dict[str, Any]:
    scope = await chat_for(ctx.db, ctx.require_actor(), chat_id)
    return {"members": await chat_queries.chat_members(ctx.db, scope)}


@router.post("/chats/{chat_id}/invitations")
async def invite(chat_id: PathId, body: InviteUsersIn, ctx: AuthCtx) -> dict[str, Any]:
    return {"invited": await chat_actions.invite_to_chat(ctx, chat_id, body.user_ids,
                                                         body.invite_group)}


@router.post("/chats/{chat_id}/join")
async def join(chat_id: PathId, body: JoinChatIn, ctx: AuthCtx) -> dict[str, Any]:
    await chat_actions.join_chat(ctx, chat_id, body.accept_rules)
    return await _detail(ctx, chat_id)


@router.post("/chats/{chat_id}/accept-rules")
async def accept_rules(chat_id: PathId, ctx: AuthCtx) -> dict[str, Any]:
    """Accept the chat's current rules after they changed."""
    await chat_actions.accept_rules(ctx, chat_id)
    return await _detail(ctx, chat_id)


@router.post("/chats/{chat_id}/decline", response_model=Ok)
async def decline(chat_id: PathId, ctx: AuthCtx) -> Ok:
    await chat_actions.decline_invitation(ctx, chat_id)
    return Ok()


@router.post("/chats/{chat_id}/leave", response_model=Ok)
async def leave(chat_id: PathId, ctx: AuthCtx) -> Ok:
    await chat_actions.leave_chat(ctx, chat_id)
    return Ok()


@router.put("/chats/{chat_id}/members/{user_id}/role")
async def set_role(chat_id: PathId, user_id: PathId, body: ChatRoleIn, ctx: AuthCtx) -> Ok:
    await chat_actions.set_chat_role(ctx, chat_id, user_id, body.role)
    return Ok()


@router.get("/chats/{chat_id}/messages")
async def messages(chat_id: PathId, ctx: AuthCtx, before_id: Cursor = None,
                   after_id: Cursor = None, around_id: Cursor = None,
                   limit: Annotated[int, Query(ge=1, le=100)] = 50) -> dict[str, Any]:
    scope = await chat_for(ctx.db, ctx.require_actor(), chat_id)
    return await chat_queries.message_page(ctx.db, scope, before_id=before_id,
                                           after_id=after_id, around_id=around_id,
                                           limit=limit)


@router.post("/chats/{chat_id}/messages")
async def send(chat_id: PathId, body: MessageIn, ctx: AuthCtx,
               response: Response) -> dict[str, Any]:
    sent = await sending.send_message(
        ctx, chat_id, body.body, body.client_id, body.reply_to_id, body.attachment_ids,
        body.forward_of, confirm_conduct=body.confirm_conduct)
    response.status_code, answer = sent_answer(sent)
    return answer


def sent_answer(sent: sending.Sent) -> tuple[int, dict[str, Any]]:
    """A send's HTTP status and body; the event socket answers a send with the same."""
    if sent.held is not None:  # waits for a moderator (R33): 202, not yet a message
        return 202, {"held": held_payload(sent.held), "created": sent.created}
    assert sent.message is not None
    return 200, {**message_actions.message_payload(sent.message, sent.files),
                 "created": sent.created}


@router.post("/chats/{chat_id}/views")
async def views(chat_id: PathId, body: ViewsIn, ctx: AuthCtx) -> dict[str, int]:
    return {"recorded": await message_actions.record_views(ctx, chat_id, body.message_ids)}


@router.post("/chats/{chat_id}/typing", response_model=Ok)
async def typing(chat_id: PathId, ctx: AuthCtx) -> Ok:
    await message_actions.typing(ctx, chat_id)
    return Ok()


# Reading: the action writes in a short transaction of its own, after the slow media work.
@router.post("/chats/{chat_id}/attachments", status_code=201)
async def upload(chat_id: PathId, ctx: AuthReadingCtx, file: UploadFile) -> dict[str, Any]:
    data = await attachment_actions.receive(ctx, file)
    att = await attachment_actions.upload(ctx, chat_id, file.filename or "", data)
    return attachment_actions.attachment_payload(att)


async def _serve(ctx: AuthCtx, attachment_id: int, thumb: bool) -> StreamingResponse:
    att = await attachment_actions.attachment_for(ctx, attachment_id)
    key = att.thumb_key if thumb else att.storage_key
    if key is None:
        raise NotFound()
    try:
        chunks = await ctx.services.storage.open(key)
    except ObjectNotFound:
        raise NotFound() from None
    inline = att.kind in ("photo", "audio", "video") and not thumb or thumb
    disposition = "inline" if inline else "attachment"
    return StreamingResponse(chunks, media_type=media.THUMBNAIL_MIME if thumb else att.mime, headers={
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(att.name)}",
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=86400",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    })


@router.get("/attachments/{attachment_id}")
async def download(attachment_id: PathId, ctx: AuthCtx) -> StreamingResponse:
    return await _serve(ctx, attachment_id, thumb=False)


@router.get("/attachments/{attachment_id}/thumb")
async def thumbnail(attachment_id: PathId, ctx: AuthCtx) -> StreamingResponse:
    return await _serve(ctx, attachment_id, thumb=True)


@router.patch("/chats/{chat_id}/messages/{message_id}")
async def edit(chat_id: PathId, message_id: MessageId, body: MessagePatch,
               ctx: AuthCtx) -> dict[str, Any]:
    msg = await message_actions.edit_message(ctx, chat_id, message_id, body.body,
                                             confirm_conduct=body.confirm_conduct)
    return message_actions.message_payload(msg)


@router.delete("/chats/{chat_id}/messages/{message_id}")
async def delete(chat_id: PathId, message_id: MessageId, ctx: AuthCtx) -> dict[str, Any]:
    msg = await message_actions.delete_message(ctx, chat_id, message_id)
    return message_actions.message_payload(msg)


@router.post("/chats/{chat_id}/read")
async def read(chat_id: PathId, body: ReadIn, ctx: AuthCtx) -> dict[str, int]:
    return {"last_read_message_id": await message_actions.mark_read(ctx, chat_id, body.message_id)}


@router.put("/chats/{chat_id}/messages/{message_id}/reactions/{emoji}")
async def add_reaction(chat_id: PathId, message_id: MessageId, emoji: str,
                       ctx: AuthCtx) -> dict[str, Any]:
    return {"reactions": await message_actions.react(ctx, chat_id, message_id, emoji, True)}


@router.delete("/chats/{chat_id}/messages/{message_id}/reactions/{emoji}")
async def remove_reaction(chat_id: PathId, message_id: MessageId, emoji: str,
                          ctx: AuthCtx) -> dict[str, Any]:
    return {"reactions": await message_actions.react(ctx, chat_id, message_id, emoji, False)}


@router.post("/chats/{chat_id}/pins")
async def pin(chat_id: PathId, body: PinIn, ctx: AuthCtx) -> dict[str, Any]:
    return {"pinned": await message_actions.pin_message(ctx, chat_id, body.message_id)}


@router.delete("/chats/{chat_id}/pins/{message_id}")
async def unpin(chat_id: PathId, message_id: MessageId, ctx: AuthCtx) -> dict[str, Any]:
    return {"pinned": await message_actions.unpin_message(ctx, chat_id, message_id)}
