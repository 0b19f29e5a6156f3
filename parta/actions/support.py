"""The technical-support inbox (R42): anyone signed in writes; the operator answers."""

from __future__ import annotations

from parta.actions.base import Ctx
from parta.db import utcnow
from parta.errors import Conflict, NotFound, ValidationFailed
from parta.models import Organization, SupportReply, SupportTicket
from parta.policy import PlatformAction, can_platform, sees_org

__all__ = ["close_ticket", "open_ticket", "reply_ticket", "ticket_for"]


async def ticket_for(ctx: Ctx, ticket_id: int) -> SupportTicket:
    """The author's own ticket, or any ticket for the operator; others' do not exist."""
    actor = ctx.require_actor()
    ticket = await ctx.db.get(SupportTicket, ticket_id)
    support = can_platform(actor, PlatformAction.support_answer)
    if ticket is None or not (support or ticket.user_id == actor.user_id):
        raise NotFound()
    return ticket


async def open_ticket(ctx: Ctx, subject: str, body: str, org_id: int | None) -> SupportTicket:
    actor = ctx.require_actor()
    if org_id is not None:
        org = await ctx.db.get(Organization, org_id)
        if org is None or not sees_org(actor, org):
            raise ValidationFailed(fields={"org_id": "invalid"})
    ticket = SupportTicket(user_id=actor.user_id, org_id=org_id, subject=subject)
    ctx.db.add(ticket)
    await ctx.db.flush()
    ctx.db.add(SupportReply(ticket_id=ticket.id, author_id=actor.user_id, body=body))
    ctx.audit("support.opened", org_id, "support_ticket", ticket.id)
    return ticket


async def reply_ticket(ctx: Ctx, ticket_id: int, body: str) -> SupportTicket:
    actor = ctx.require_actor()
    ticket = await ticket_for(ctx, ticket_id)
    if ticket.status == "closed":
        raise Conflict("ticket_closed")
    from_support = (can_platform(actor, PlatformAction.support_answer)
                    and ticket.user_id != actor.user_id)
    ctx.db.add(SupportReply(ticket_id=ticket.id, author_id=actor.user_id, body=body,
                            from_support=from_support))
    ticket.status = "answered" if from_support else "open"
    ticket.updated_at = utcnow()
    return ticket


async def close_ticket(ctx: Ctx, ticket_id: int) -> SupportTicket:
    ticket = await ticket_for(ctx, ticket_id)
    if ticket.status == "closed":
        raise Conflict("ticket_closed")
    ticket.status = "closed"
    ticket.updated_at = utcnow()
    ctx.audit("support.closed", ticket.org_id, "support_ticket", ticket.id)
    return ticket
