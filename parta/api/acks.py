"""Announcements every family acknowledges, and messages sent later (issue 15)."""

from __future__ import annotations

from fastapi import APIRouter

from parta.actions import acks as ack_actions
from parta.actions import scheduled as scheduled_actions
from parta.api.deps import AuthCtx, AuthReadingCtx, PathId
from parta.api.responses import errors
from parta.queries import acks as q
from parta.queries.scope import chat_for
from parta.schemas.acks import (
    AckIn,
    AckOut,
    AcksOut,
    ScheduledChange,
    ScheduledIn,
    ScheduledListOut,
    ScheduledOut,
)

router = APIRouter(tags=["acks"])

# 403 acks_not_here (not a parents' chat or channel), may_not_require_ack (not staff),
# chat_read_only, not_own_message; 404 not_found; 409 already_needs_ack, chat_archived;
# 422 deadline in_the_past / too_far / invalid.
MARK = errors(401, 403, 404, 409, 413, 422)
# 403 chat_read_only, acks_not_here, may_not_require_ack; 404 not_found (a chat one is not in,
# someone else's scheduled message); 409 scheduled_done (sent, cancelled), chat_archived;
# 422 in_the_past, too_far, before_send, too_many_scheduled, body required / too_long.
SCHEDULE = errors(401, 403, 404, 409, 413, 422)


@router.get("/chats/{chat_id}/acks", response_model=AcksOut, responses=errors(401, 404))
async def chat_acks(chat_id: PathId, ctx: AuthReadingCtx) -> AcksOut:
    """The chat's announcements that need an acknowledgement: counts, and the caller's own
    families' state."""
    scope = await chat_for(ctx.db, ctx.require_actor(), chat_id)
    return await q.chat_acks(ctx.db, scope)


@router.post("/messages/{message_id}/ack", response_model=AckOut, status_code=201,
             responses=MARK)
async def mark_ack(message_id: PathId, body: AckIn, ctx: AuthCtx) -> AckOut:
    """Mark one's own post «Требует подтверждения»."""
    return await ack_actions.mark_ack(ctx, message_id, body)


@router.get("/acks/{ack_id}", response_model=AckOut, responses=errors(401, 404))
async def ack(ack_id: PathId, ctx: AuthReadingCtx) -> AckOut:
    """One announcement; with the families (who has not confirmed) for those who see them."""
    actor = ctx.require_actor()
    return await q.ack_answer(ctx.db, actor, await q.ack_view(ctx.db, actor, ack_id))


@router.post("/acks/{ack_id}/confirm", response_model=AckOut, responses=errors(401, 403, 404))
async def confirm_ack(ack_id: PathId, ctx: AuthCtx) -> AckOut:
    """«Ознакомлен(а)» for the caller's children's families (403 not_a_guardian)."""
    return await ack_actions.confirm_ack(ctx, ack_id)


@router.get("/chats/{chat_id}/scheduled", response_model=ScheduledListOut,
            responses=errors(401, 404))
async def my_scheduled(chat_id: PathId, ctx: AuthReadingCtx) -> ScheduledListOut:
    """The caller's own scheduled messages in the chat (no one else's)."""
    scope = await chat_for(ctx.db, ctx.require_actor(), chat_id)
    return await q.my_scheduled(ctx.db, scope, ctx.lang)


@router.post("/chats/{chat_id}/scheduled", response_model=ScheduledOut, status_code=201,
             responses=SCHEDULE)
async def schedule_message(chat_id: PathId, body: ScheduledIn, ctx: AuthCtx) -> ScheduledOut:
    return await scheduled_actions.schedule_message(ctx, chat_id, body)


@router.patch("/scheduled/{scheduled_id}", response_model=ScheduledOut, responses=SCHEDULE)
async def change_scheduled(scheduled_id: PathId, body: ScheduledChange,
                           ctx: AuthCtx) -> ScheduledOut:
    return await scheduled_actions.change_scheduled(ctx, scheduled_id, body)


@router.post("/scheduled/{scheduled_id}/cancel", response_model=ScheduledOut,
             responses=errors(401, 403, 404, 409))
async def cancel_scheduled(scheduled_id: PathId, ctx: AuthCtx) -> ScheduledOut:
    return await scheduled_actions.cancel_scheduled(ctx, scheduled_id)


__all__ = ["router"]
