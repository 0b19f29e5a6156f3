"""The support inbox (R42)."""

from __future__ import annotations

from fastapi import APIRouter

from parta.actions import support as support_actions
from parta.api.deps import AuthCtx, PathId
from parta.api.responses import errors
from parta.queries import support as q
from parta.queries.support import Box
from parta.schemas.support import ReplyIn, TicketIn, TicketOut, TicketsOut

router = APIRouter(tags=["support"])


@router.post("/support/tickets", response_model=TicketOut, status_code=201,
             responses=errors(401, 403, 413, 422))
async def open_ticket(body: TicketIn, ctx: AuthCtx) -> TicketOut:
    ticket = await support_actions.open_ticket(ctx, body.subject, body.body, body.org_id)
    return await q.ticket_out(ctx.db, ctx.require_actor(), ticket, True)


@router.get("/support/tickets", response_model=TicketsOut, responses=errors(401, 422))
async def list_tickets(ctx: AuthCtx, box: Box = "mine") -> TicketsOut:
    """``box``: ``mine`` (one's own), ``school`` (the schools one answers for), ``platform``
    (the operator's line: tickets naming no school and those passed on)."""
    return TicketsOut(tickets=await q.tickets(ctx.db, ctx.require_actor(), box))


@router.get("/support/tickets/{ticket_id}", response_model=TicketOut, responses=errors(401, 404))
async def get_ticket(ticket_id: PathId, ctx: AuthCtx) -> TicketOut:
    return await q.ticket_out(ctx.db, ctx.require_actor(),
                              await support_actions.ticket_for(ctx, ticket_id), True)


@router.post("/support/tickets/{ticket_id}/replies", response_model=TicketOut,
             responses=errors(401, 403, 404, 409, 413, 422))
async def reply(ticket_id: PathId, body: ReplyIn, ctx: AuthCtx) -> TicketOut:
    ticket = await support_actions.reply_ticket(ctx, ticket_id, body.body)
    await ctx.db.flush()
    return await q.ticket_out(ctx.db, ctx.require_actor(), ticket, True)


@router.post("/support/tickets/{ticket_id}/close", response_model=TicketOut,
             responses=errors(401, 403, 404, 409))
async def close(ticket_id: PathId, ctx: AuthCtx) -> TicketOut:
    ticket = await support_actions.close_ticket(ctx, ticket_id)
    return await q.ticket_out(ctx.db, ctx.require_actor(), ticket, True)


@router.post("/support/tickets/{ticket_id}/escalate", response_model=TicketOut,
             responses=errors(401, 403, 404, 409))
async def escalate(ticket_id: PathId, ctx: AuthCtx) -> TicketOut:
    """The school passes the ticket on to the platform's support."""
    ticket = await support_actions.escalate_ticket(ctx, ticket_id)
    return await q.ticket_out(ctx.db, ctx.require_actor(), ticket, True)
