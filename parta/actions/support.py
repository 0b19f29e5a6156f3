"""The technical-support inbox (R42): anyone signed in writes. A ticket that names a school goes
to that school's administrators first (the school line); they answer it or pass it on to the
platform's support (the platform line), which also takes tickets that name no school."""

from __future__ import annotations

from sqlalchemy import select

from parta.actions.base import Ctx
from parta.actions.roles import org_admin_ids
from parta.db import utcnow
from parta.errors import Conflict, NotFound, ValidationFailed
from parta.models import Organization, SupportReply, SupportTicket, User
from parta.policy import Action, Actor, PlatformAction, can, can_platform, sees_org
from parta.realtime.events import SupportChanged

__all__ = ["answers_as", "close_ticket", "escalate_ticket", "open_ticket", "reply_ticket",
           "ticket_for"]


async def answers_as(ctx: Ctx, actor: Actor, ticket: SupportTicket) -> str | None:
    """The line the caller answers this ticket on, if any: its school's administrators while the
    school holds it, the operator once it is on the platform line."""
    if ticket.line == "platform":
        return "platform" if can_platform(actor, PlatformAction.support_answer) else None
    org = await ctx.db.get(Organization, ticket.org_id)
    if org is not None and can(actor, Action.support_answer, org):
        return "school"
    return None


async def ticket_for(ctx: Ctx, ticket_id: int) -> SupportTicket:
    """The author's own ticket, or one the caller answers; others' do not exist. A school's
    administrators keep seeing a ticket they passed on."""
    actor = ctx.require_actor()
    ticket = await ctx.db.get(SupportTicket, ticket_id)
    if ticket is None:
        raise NotFound()
    if ticket.user_id == actor.user_id or await answers_as(ctx, actor, ticket) is not None:
        return ticket
    if ticket.org_id is not None:
        org = await ctx.db.get(Organization, ticket.org_id)
        if org is not None and can(actor, Action.support_answer, org):
            return ticket
    raise NotFound()


async def _answerers(ctx: Ctx, ticket: SupportTicket) -> set[int]:
    """Who hears of the ticket on its current line."""
    if ticket.line == "school":
        assert ticket.org_id is not None
        return await org_admin_ids(ctx, ticket.org_id)
    return set((await ctx.db.execute(select(User.id).where(User.is_operator.is_(True)))).scalars())


async def _changed(ctx: Ctx, ticket: SupportTicket, audience: set[int]) -> None:
    ctx.emit(SupportChanged(ticket_id=ticket.id, status=ticket.status, line=ticket.line), audience)


async def open_ticket(ctx: Ctx, subject: str, body: str, org_id: int | None) -> SupportTicket:
    actor = ctx.require_actor()
    if org_id is not None:
        org = await ctx.db.get(Organization, org_id)
        if org is None or not sees_org(actor, org) or not actor.roles_in(org.id):
            raise ValidationFailed(fields={"org_id": "invalid"})
    ticket = SupportTicket(user_id=actor.user_id, org_id=org_id, subject=subject)
    ctx.db.add(ticket)
    await ctx.db.flush()
    if org_id is not None and await answers_as(ctx, actor, ticket) == "school":
        # An administrator's own question goes past the school, to the platform.
        ticket.escalated_at = utcnow()
    ctx.db.add(SupportReply(ticket_id=ticket.id, author_id=actor.user_id, body=body))
    ctx.audit("support.opened", org_id, "support_ticket", ticket.id)
    await _changed(ctx, ticket, await _answerers(ctx, ticket) - {actor.user_id})
    return ticket


async def reply_ticket(ctx: Ctx, ticket_id: int, body: str) -> SupportTicket:
    actor = ctx.require_actor()
    ticket = await ticket_for(ctx, ticket_id)
    if ticket.status == "closed":
        raise Conflict("ticket_closed")
    line = None if ticket.user_id == actor.user_id else await answers_as(ctx, actor, ticket)
    if ticket.user_id != actor.user_id and line is None:
        raise Conflict("ticket_passed_on")  # the school passed it on: the platform answers now
    ctx.db.add(SupportReply(ticket_id=ticket.id, author_id=actor.user_id, body=body,
                            from_support=line is not None, line=line))
    ticket.status = "answered" if line is not None else "open"
    ticket.updated_at = utcnow()
    # The author hears of an answer; the line hears of the author's reply.
    audience = {ticket.user_id} if line is not None else await _answerers(ctx, ticket)
    await _changed(ctx, ticket, audience - {actor.user_id})
    return ticket


async def escalate_ticket(ctx: Ctx, ticket_id: int) -> SupportTicket:
    """The school passes its ticket on to the platform's support (its author may ask it too)."""
    actor = ctx.require_actor()
    ticket = await ticket_for(ctx, ticket_id)
    if ticket.status == "closed":
        raise Conflict("ticket_closed")
    if ticket.line == "platform":
        raise Conflict("ticket_passed_on")
    school = await _answerers(ctx, ticket)
    ticket.escalated_at = ticket.updated_at = utcnow()
    ticket.status = "open"
    ctx.audit("support.escalated", ticket.org_id, "support_ticket", ticket.id)
    await _changed(ctx, ticket, (await _answerers(ctx, ticket) | school | {ticket.user_id})
                   - {actor.user_id})
    return ticket


async def close_ticket(ctx: Ctx, ticket_id: int) -> SupportTicket:
    actor = ctx.require_actor()
    ticket = await ticket_for(ctx, ticket_id)
    if ticket.status == "closed":
        raise Conflict("ticket_closed")
    if ticket.user_id != actor.user_id and await answers_as(ctx, actor, ticket) is None:
        raise Conflict("ticket_passed_on")
    ticket.status = "closed"
    ticket.updated_at = utcnow()
    ctx.audit("support.closed", ticket.org_id, "support_ticket", ticket.id)
    await _changed(ctx, ticket, ({ticket.user_id} | await _answerers(ctx, ticket)) - {actor.user_id})
    return ticket
