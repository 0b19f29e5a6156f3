"""Chats, channels and messages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, UploadFile
from fastapi.responses import StreamingResponse

from parta.actions import attachments as attachment_actions
from parta.actions import chats as chat_actions
from parta.actions import messages as message_actions
from parta.actions import sending
from parta.api.deps import AuthCtx, AuthReadingCtx, PathId
from parta.api.responses import errors, file_answer, stored_file
from parta.errors import NotFound
from parta.queries import chats as chat_queries
from parta.queries.scope import chat_for, org_seen
from parta.realtime import eventlog
from parta.schemas.chats import (
    ChatDetail,
    ChatIn,
    ChatList,
    ChatMembers,
    ChatPatch,
    ChatRoleIn,
    DirectIn,
    HeldAnswer,
    Invited,
    InviteUsersIn,
    JoinChatIn,
    MessageIn,
    MessagePatch,
    PinIn,
    ReadIn,
    ViewsIn,
)
from parta.schemas.common import Ok, PlainText
from parta.schemas.messages import (
    AttachmentOut,
    MessageOut,
    MessagePage,
    Pins,
    Reactions,
    ReadPosition,
    Recorded,
    SearchResults,
    SentMessage,
)
from parta.schemas.moderation import HeldOut
from parta.services import media

router = APIRouter(tags=["chats"])
MessageId = Annotated[int, Path(ge=1, le=2**62)]
Cursor = Annotated[int | None, Query(ge=0, le=2**62)]


async def _detail(ctx: AuthCtx, chat_id: int) -> ChatDetail:
    scope = await chat_for(ctx.db, ctx.require_actor(), chat_id, invited_ok=True)
    return await chat_queries.chat_detail(ctx.db, scope)


@router.get("/chats", response_model=ChatList, responses=errors(401, 404, 422))
async def my_chats(ctx: AuthCtx, org_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None
                   ) -> ChatList:
    assert ctx.user is not None
    within = await org_seen(ctx.db, ctx.require_actor(), org_id) if org_id else None
    # The stream's head before the list, in the same transaction: the list holds at least
    # every event up to it, so a client whose event socket says hello at or below it need not
    # fetch the list again.
    head, _ = await eventlog.head_id(ctx.db)
    return ChatList.model_construct(
        chats=await chat_queries.chat_list(ctx.db, ctx.user.id, within),
        invitations=await chat_queries.invitations(ctx.db, ctx.user.id), event_id=head)


@router.get("/search", response_model=SearchResults, responses=errors(401, 404, 422))
async def search_messages(ctx: AuthCtx, q: Annotated[PlainText, Query(min_length=1, max_length=200)],
                          chat_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
                          ) -> SearchResults:
    assert ctx.user is not None
    within = await chat_for(ctx.db, ctx.require_actor(), chat_id) if chat_id else None
    return SearchResults.model_construct(
        results=await chat_queries.search(ctx.db, ctx.user.id, q, within))


@router.post("/orgs/{org_id}/chats", status_code=201, response_model=ChatDetail,
             responses=errors(401, 403, 404, 409, 413, 422))
async def create_chat(org_id: PathId, body: ChatIn, ctx: AuthCtx) -> ChatDetail:
    chat = await chat_actions.create_chat(ctx, org_id, **body.model_dump())
    return await _detail(ctx, chat.id)


@router.post("/orgs/{org_id}/direct", response_model=ChatDetail,
             responses=errors(401, 403, 404, 409, 413, 422))
async def start_direct(org_id: PathId, body: DirectIn, ctx: AuthCtx) -> ChatDetail:
    chat = await chat_actions.start_direct(ctx, org_id, body.user_id)
    return await _detail(ctx, chat.id)


@router.get("/chats/{chat_id}", response_model=ChatDetail, responses=errors(401, 404))
async def get_chat(chat_id: PathId, ctx: AuthCtx) -> ChatDetail:
    return await _detail(ctx, chat_id)


@router.patch("/chats/{chat_id}", response_model=ChatDetail,
              responses=errors(401, 403, 404, 409, 413, 422))
async def patch_chat(chat_id: PathId, body: ChatPatch, ctx: AuthCtx) -> ChatDetail:
    # A null is a setting left as it is, like one not sent (the columns are never empty).
    await chat_actions.update_chat(ctx, chat_id,
                                   body.model_dump(exclude_unset=True, exclude_none=True))
    return await _detail(ctx, chat_id)


@router.get("/chats/{chat_id}/members", response_model=ChatMembers, responses=errors(401, 404))
async def chat_members(chat_id: PathId, ctx: AuthCtx) -> ChatMembers:
    scope = await chat_for(ctx.db, ctx.require_actor(), chat_id)
    return ChatMembers.model_construct(members=await chat_queries.chat_members(ctx.db, scope))


@router.post("/chats/{chat_id}/invitations", response_model=Invited,
             responses=errors(401, 403, 404, 409, 413, 422))
async def invite(chat_id: PathId, body: InviteUsersIn, ctx: AuthCtx) -> Invited:
    return Invited(invited=await chat_actions.invite_to_chat(ctx, chat_id, body.user_ids,
                                                             body.invite_group))


@router.post("/chats/{chat_id}/join", response_model=ChatDetail,
             responses=errors(401, 403, 404, 409, 413, 422))
async def join(chat_id: PathId, body: JoinChatIn, ctx: AuthCtx) -> ChatDetail:
    await chat_actions.join_chat(ctx, chat_id, body.accept_rules)
    return await _detail(ctx, chat_id)


@router.post("/chats/{chat_id}/accept-rules", response_model=ChatDetail,
             responses=errors(401, 403, 404, 409))
async def accept_rules(chat_id: PathId, ctx: AuthCtx) -> ChatDetail:
    """Accept the chat's current rules after they changed."""
    await chat_actions.accept_rules(ctx, chat_id)
    return await _detail(ctx, chat_id)


@router.post("/chats/{chat_id}/decline", response_model=Ok, responses=errors(401, 403, 404, 409))
async def decline(chat_id: PathId, ctx: AuthCtx) -> Ok:
    await chat_actions.decline_invitation(ctx, chat_id)
    return Ok()


@router.post("/chats/{chat_id}/leave", response_model=Ok, responses=errors(401, 403, 404, 409))
async def leave(chat_id: PathId, ctx: AuthCtx) -> Ok:
    await chat_actions.leave_chat(ctx, chat_id)
    return Ok()


@router.put("/chats/{chat_id}/members/{user_id}/role", response_model=Ok,
            responses=errors(401, 403, 404, 409, 413, 422))
async def set_role(chat_id: PathId, user_id: PathId, body: ChatRoleIn, ctx: AuthCtx) -> Ok:
    await chat_actions.set_chat_role(ctx, chat_id, user_id, body.role)
    return Ok()


# A page leaves out what does not apply to a message (views outside channels, «read by» on
# others' messages): those fields are never set on it.
@router.get("/chats/{chat_id}/messages", response_model=MessagePage,
            response_model_exclude_unset=True, responses=errors(401, 403, 404, 422))
async def messages(chat_id: PathId, ctx: AuthCtx, before_id: Cursor = None,
                   after_id: Cursor = None, around_id: Cursor = None,
                   limit: Annotated[int, Query(ge=1, le=100)] = 50) -> MessagePage:
    scope = await chat_for(ctx.db, ctx.require_actor(), chat_id)
    return await chat_queries.message_page(ctx.db, scope, before_id=before_id,
                                           after_id=after_id, around_id=around_id,
                                           limit=limit)


# Two answers of two shapes: each is written here, once, as its own model's JSON.
@router.post("/chats/{chat_id}/messages", response_model=None, responses={
    200: {"model": SentMessage, "description": "Sent (or its client_id's first send)"},
    202: {"model": HeldAnswer, "description": "Held for a moderator (R33)"},
    **errors(401, 403, 404, 409, 413, 422, 429)})
async def send(chat_id: PathId, body: MessageIn, ctx: AuthCtx) -> Response:
    sent = await sending.send_message(
        ctx, chat_id, body.body, body.client_id, body.reply_to_id, body.attachment_ids,
        body.forward_of, confirm_conduct=body.confirm_conduct)
    status, answer = sent_out(sent)
    return Response(answer.model_dump_json(), status_code=status, media_type="application/json")


def sent_out(sent: sending.Sent) -> tuple[int, SentMessage | HeldAnswer]:
    """A send's HTTP status and answer."""
    if sent.held is not None:  # waits for a moderator (R33): 202, not yet a message
        return 202, HeldAnswer.model_construct(held=HeldOut.from_row(sent.held),
                                               created=sent.created)
    assert sent.message is not None
    return 200, SentMessage.from_row(sent.message, sent.files, created=sent.created)


def sent_answer(sent: sending.Sent) -> tuple[int, dict[str, object]]:
    """A send's status and body as JSON values: the event socket answers a send with these."""
    status, answer = sent_out(sent)
    return status, answer.model_dump(mode="json")


@router.post("/chats/{chat_id}/views", response_model=Recorded,
             responses=errors(401, 403, 404, 413, 422))
async def views(chat_id: PathId, body: ViewsIn, ctx: AuthCtx) -> Recorded:
    return Recorded(recorded=await message_actions.record_views(ctx, chat_id, body.message_ids))


@router.post("/chats/{chat_id}/typing", response_model=Ok,
             responses=errors(401, 403, 404, 409, 429))
async def typing(chat_id: PathId, ctx: AuthCtx) -> Ok:
    await message_actions.typing(ctx, chat_id)
    return Ok()


# Reading: the action writes in a short transaction of its own, after the slow media work.
@router.post("/chats/{chat_id}/attachments", status_code=201, response_model=AttachmentOut,
             responses=errors(401, 403, 404, 409, 413, 422, 429))
async def upload(chat_id: PathId, ctx: AuthReadingCtx, file: UploadFile) -> AttachmentOut:
    data = await attachment_actions.receive(ctx, file)
    att = await attachment_actions.upload(ctx, chat_id, file.filename or "", data)
    return AttachmentOut.from_row(att)


async def _serve(ctx: AuthCtx, attachment_id: int, thumb: bool) -> StreamingResponse:
    att = await attachment_actions.attachment_for(ctx, attachment_id)
    key = att.thumb_key if thumb else att.storage_key
    if key is None:
        raise NotFound()
    inline = att.kind in ("photo", "audio", "video") and not thumb or thumb
    return await stored_file(ctx.services.storage, key,
                             mime=media.THUMBNAIL_MIME if thumb else att.mime, name=att.name,
                             inline=inline)


# A file is sent with the type found in its bytes when it was stored (``services.media``):
# a photo, a recording, a video, or a document (PDF, office formats, plain text).
@router.get("/attachments/{attachment_id}", response_class=StreamingResponse,
            responses={**file_answer("image/*", "audio/*", "video/*", "application/*", "text/plain",
                                     description="The file, of its own media type"),
                       **errors(401, 404)})
async def download(attachment_id: PathId, ctx: AuthCtx) -> StreamingResponse:
    return await _serve(ctx, attachment_id, thumb=False)


@router.get("/attachments/{attachment_id}/thumb", response_class=StreamingResponse,
            responses={**file_answer(media.THUMBNAIL_MIME, description="The thumbnail"),
                       **errors(401, 404)})
async def thumbnail(attachment_id: PathId, ctx: AuthCtx) -> StreamingResponse:
    return await _serve(ctx, attachment_id, thumb=True)


@router.patch("/chats/{chat_id}/messages/{message_id}", response_model=MessageOut,
              responses=errors(401, 403, 404, 409, 413, 422))
async def edit(chat_id: PathId, message_id: MessageId, body: MessagePatch,
               ctx: AuthCtx) -> MessageOut:
    msg = await message_actions.edit_message(ctx, chat_id, message_id, body.body,
                                             confirm_conduct=body.confirm_conduct)
    return MessageOut.from_row(msg, await message_actions.attachments_of(ctx, msg.id))


@router.delete("/chats/{chat_id}/messages/{message_id}", response_model=MessageOut,
               responses=errors(401, 403, 404, 409))
async def delete(chat_id: PathId, message_id: MessageId, ctx: AuthCtx) -> MessageOut:
    msg = await message_actions.delete_message(ctx, chat_id, message_id)
    return MessageOut.from_row(msg)


@router.post("/chats/{chat_id}/read", response_model=ReadPosition,
             responses=errors(401, 403, 404, 413, 422))
async def read(chat_id: PathId, body: ReadIn, ctx: AuthCtx) -> ReadPosition:
    return ReadPosition(
        last_read_message_id=await message_actions.mark_read(ctx, chat_id, body.message_id))


@router.put("/chats/{chat_id}/messages/{message_id}/reactions/{emoji}", response_model=Reactions,
            responses=errors(401, 403, 404, 409, 422, 429))
async def add_reaction(chat_id: PathId, message_id: MessageId, emoji: str,
                       ctx: AuthCtx) -> Reactions:
    return Reactions(reactions=await message_actions.react(ctx, chat_id, message_id, emoji, True))


@router.delete("/chats/{chat_id}/messages/{message_id}/reactions/{emoji}",
               response_model=Reactions, responses=errors(401, 403, 404, 409, 422, 429))
async def remove_reaction(chat_id: PathId, message_id: MessageId, emoji: str,
                          ctx: AuthCtx) -> Reactions:
    return Reactions(reactions=await message_actions.react(ctx, chat_id, message_id, emoji, False))


@router.post("/chats/{chat_id}/pins", response_model=Pins,
             responses=errors(401, 403, 404, 409, 413, 422))
async def pin(chat_id: PathId, body: PinIn, ctx: AuthCtx) -> Pins:
    return Pins(pinned=await message_actions.pin_message(ctx, chat_id, body.message_id))


@router.delete("/chats/{chat_id}/pins/{message_id}", response_model=Pins,
               responses=errors(401, 403, 404, 409))
async def unpin(chat_id: PathId, message_id: MessageId, ctx: AuthCtx) -> Pins:
    return Pins(pinned=await message_actions.unpin_message(ctx, chat_id, message_id))
