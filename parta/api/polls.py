"""Polls in chats (R26): ask, vote, take a vote back, close, who has not answered, remind,
export the results."""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Query, Request, Response

from parta.actions import polls as poll_actions
from parta.actions.base import Ctx
from parta.actions.poll_votes import VoteQueue
from parta.api.deps import AuthCtx, AuthReadingCtx, PathId
from parta.api.responses import errors, file_answer
from parta.errors import Forbidden, ValidationFailed
from parta.queries import polls as q
from parta.schemas.polls import PollIn, PollOut, PollRemindOut, PollVotersOut, VoteIn

router = APIRouter(tags=["polls"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
# Refusals of a vote: 403 chat_read_only, blocked, consent_required; 404 not_found (not a
# member of its chat, another school's, a removed poll); 409 poll_closed, chat_archived;
# 422 poll_no_such_option, poll_single_choice, required, not_allowed, conduct_rejected.
# A second vote by the same person is no refusal: it replaces the first.
VOTES = errors(401, 403, 404, 409, 413, 422)


@router.post("/chats/{chat_id}/polls", response_model=PollOut, status_code=201,
             responses=errors(401, 403, 404, 409, 413, 422))
async def create_poll(chat_id: PathId, body: PollIn, ctx: AuthCtx) -> PollOut:
    """Post a poll where the caller may post (403 chat_read_only, blocked; 422 required,
    poll_too_few_options, poll_too_many_options, duplicate, in_the_past, conduct_rejected)."""
    return await poll_actions.create_poll(ctx, chat_id, body)


@router.get("/polls/{poll_id}", response_model=PollOut, responses=errors(401, 404))
async def poll(poll_id: PathId, ctx: AuthCtx) -> PollOut:
    """The poll as the caller sees it: counts only when its results are visible to them."""
    return await q.poll_answer(ctx.db, ctx.require_actor(), poll_id)


async def _queued(request: Request, ctx: Ctx, poll_id: int, body: VoteIn | None) -> PollOut:
    """The caller was read in a transaction that only reads; it ends here (holding nothing
    while the vote waits), and the vote is written with the others of its batch."""
    await ctx.db.commit()
    queue: VoteQueue = request.app.state.vote_queue
    return await queue.vote(ctx, poll_id, body)


@router.post("/polls/{poll_id}/vote", response_model=PollOut, responses=VOTES)
async def vote(poll_id: PathId, body: VoteIn, request: Request, ctx: AuthReadingCtx) -> PollOut:
    """Votes are written in batches (``actions.poll_votes``): the answer comes once committed."""
    return await _queued(request, ctx, poll_id, body)


@router.delete("/polls/{poll_id}/vote", response_model=PollOut,
               responses=errors(401, 403, 404, 409))
async def retract_vote(poll_id: PathId, request: Request, ctx: AuthReadingCtx) -> PollOut:
    return await _queued(request, ctx, poll_id, None)


@router.post("/polls/{poll_id}/close", response_model=PollOut,
             responses=errors(401, 403, 404, 409))
async def close_poll(poll_id: PathId, ctx: AuthCtx) -> PollOut:
    """By its author or a moderator of the chat (403 may_not_close_poll; 409 poll_closed)."""
    return await poll_actions.close_poll(ctx, poll_id)


@router.get("/polls/{poll_id}/voters", response_model=PollVotersOut, responses=errors(401, 403, 404))
async def voters(poll_id: PathId, ctx: AuthCtx) -> PollVotersOut:
    """A named poll's answers by name and who has not answered yet, for its staff author and
    the chat's staff moderators (403 poll_anonymous: an anonymous poll's names are nobody's;
    403 may_not_see_voters)."""
    poll, scope = await q.poll_in(ctx.db, ctx.require_actor(), poll_id)
    return await q.poll_voters(ctx.db, scope, poll)


@router.post("/polls/{poll_id}/remind", response_model=PollRemindOut,
             responses=errors(401, 403, 404, 409, 429))
async def remind(poll_id: PathId, ctx: AuthCtx) -> PollRemindOut:
    """Remind who has not answered (403 poll_anonymous, may_not_remind; 409 poll_closed;
    429 poll_reminded: once an hour per poll)."""
    return await poll_actions.remind_poll(ctx, poll_id)


@router.get("/polls/{poll_id}/export", response_class=Response,
            responses={**file_answer(XLSX, CSV, description="The poll's results as a file"),
                       **errors(401, 403, 404, 422)})
async def export(poll_id: PathId, ctx: AuthCtx,
                 format: Literal["xlsx", "csv"] = Query("xlsx"),
                 by: Literal["counts", "name"] = Query("counts"),
                 tz: str | None = Query(None, max_length=64)) -> Response:
    """The counts (any member who sees the results) or, for a named poll, the answers by name
    and who has not answered (``by=name``: as ``/voters``; an anonymous poll: 403
    poll_anonymous). Times in ``tz``."""
    try:
        zone = ZoneInfo(tz or ctx.settings.lessons_time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(fields={"tz": "invalid"}) from None
    poll, scope = await q.poll_in(ctx.db, ctx.require_actor(), poll_id)
    if by == "counts":
        [seen] = await q.poll_outs(ctx.db, scope, [poll])
        if not seen.results_visible:
            raise Forbidden("poll_results_hidden")
    by_name = by == "name"
    name = f"poll-{poll.message_id}-{by}.{format}"
    if format == "xlsx":
        body, media = await q.to_xlsx(ctx.db, scope, poll, by_name, ctx.lang, zone), XLSX
    else:
        body, media = (await q.to_csv(ctx.db, scope, poll, by_name, ctx.lang, zone),
                       f"{CSV}; charset=utf-8")
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


__all__ = ["router"]
