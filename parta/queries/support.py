"""Reads of support tickets and their replies."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.models import (
    SupportReply,
    SupportTicket,
)
from parta.policy import Actor, PlatformAction, can_platform
from parta.queries.people import persons
from parta.schemas.common import Person
from parta.schemas.support import ReplyOut, TicketOut

__all__ = ["ticket_out", "tickets"]


async def ticket_out(db: AsyncSession, ticket: SupportTicket, with_replies: bool) -> TicketOut:
    replies = list((await db.execute(select(SupportReply).where(
        SupportReply.ticket_id == ticket.id).order_by(SupportReply.id))).scalars()) if with_replies else []
    people = await persons(db, ticket.org_id, [ticket.user_id] + [r.author_id for r in replies])
    return TicketOut(
        id=ticket.id, subject=ticket.subject, status=ticket.status, org_id=ticket.org_id,
        author=people.get(ticket.user_id) or Person(id=ticket.user_id, name=""),
        created_at=ticket.created_at, updated_at=ticket.updated_at,
        replies=[ReplyOut(id=r.id, author=people.get(r.author_id) if r.author_id else None,
                          from_support=r.from_support, body=r.body, created_at=r.created_at)
                 for r in replies],
    )


async def tickets(db: AsyncSession, actor: Actor) -> list[TicketOut]:
    stmt = select(SupportTicket)
    if not can_platform(actor, PlatformAction.support_answer):
        stmt = stmt.where(SupportTicket.user_id == actor.user_id)
    rows = (await db.execute(stmt.order_by(SupportTicket.updated_at.desc()).limit(200))).scalars()
    return [await ticket_out(db, t, False) for t in rows]
