"""Reads of support tickets and their replies (R42): one's own, the school's, the platform's."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.models import Organization, SupportReply, SupportTicket
from parta.policy import RULES, Action, Actor, PlatformAction, can_platform
from parta.queries.people import persons
from parta.schemas.common import Person
from parta.schemas.support import ReplyOut, TicketOut

__all__ = ["Box", "answered_orgs", "ticket_out", "tickets"]

Box = Literal["mine", "school", "platform"]


def answered_orgs(actor: Actor) -> list[int]:
    """The schools whose tickets the caller answers (the school line): by their roles there."""
    answering = RULES[Action.support_answer].roles
    return sorted(org_id for org_id, roles in actor.roles.items() if roles & answering)


def _answers(actor: Actor, ticket: SupportTicket) -> bool:
    if ticket.line == "platform":
        return can_platform(actor, PlatformAction.support_answer)
    return ticket.org_id in answered_orgs(actor)


async def ticket_out(db: AsyncSession, actor: Actor, ticket: SupportTicket,
                     with_replies: bool) -> TicketOut:
    replies = list((await db.execute(select(SupportReply).where(
        SupportReply.ticket_id == ticket.id).order_by(SupportReply.id))).scalars()) if with_replies else []
    people = await persons(db, ticket.org_id, [ticket.user_id] + [r.author_id for r in replies])
    org_name = (await db.execute(select(Organization.short_name, Organization.name).where(
        Organization.id == ticket.org_id))).first() if ticket.org_id is not None else None
    answers = ticket.user_id != actor.user_id and _answers(actor, ticket)
    return TicketOut(
        id=ticket.id, subject=ticket.subject, status=ticket.status, org_id=ticket.org_id,
        org_name=(org_name[0] or org_name[1]) if org_name else None,
        line="school" if ticket.line == "school" else "platform", escalated_at=ticket.escalated_at,
        can_answer=answers and ticket.status != "closed",
        can_escalate=ticket.line == "school" and ticket.status != "closed" and (
            answers or ticket.user_id == actor.user_id),
        author=people.get(ticket.user_id) or Person(id=ticket.user_id, name=""),
        created_at=ticket.created_at, updated_at=ticket.updated_at,
        replies=[ReplyOut(id=r.id, author=people.get(r.author_id) if r.author_id else None,
                          from_support=r.from_support,
                          line="school" if r.line == "school" else "platform" if r.from_support else None,
                          body=r.body, created_at=r.created_at)
                 for r in replies],
    )


async def tickets(db: AsyncSession, actor: Actor, box: Box = "mine") -> list[TicketOut]:
    """``mine``: the caller's own; ``school``: the tickets of the schools the caller answers for
    (passed-on ones too, to follow them); ``platform``: the operator's line."""
    stmt = select(SupportTicket)
    if box == "school":
        orgs = answered_orgs(actor)
        if not orgs:
            return []
        stmt = stmt.where(SupportTicket.org_id.in_(orgs), SupportTicket.user_id != actor.user_id)
    elif box == "platform":
        if not can_platform(actor, PlatformAction.support_answer):
            return []
        stmt = stmt.where(or_(SupportTicket.org_id.is_(None), SupportTicket.escalated_at.is_not(None)))
    else:
        stmt = stmt.where(SupportTicket.user_id == actor.user_id)
    rows = (await db.execute(stmt.order_by(SupportTicket.updated_at.desc()).limit(200))).scalars()
    return [await ticket_out(db, actor, t, False) for t in rows]
