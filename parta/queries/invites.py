"""Reads of invites, join requests, parent links, the audit log and support tickets."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.actions.invites import invite_state
from parta.db import utcnow
from parta.models import (
    AuditEntry,
    Group,
    Invite,
    JoinRequest,
    Organization,
    ParentLink,
    SupportReply,
    SupportTicket,
)
from parta.policy import Action, Actor, PlatformAction, can, can_platform
from parta.queries.people import persons
from parta.schemas.common import AuditOut, Person, Ref
from parta.schemas.invites import InviteOut, JoinRequestOut, ParentLinkOut
from parta.schemas.support import ReplyOut, TicketOut

__all__ = [
    "audit_page",
    "invite_url",
    "invites",
    "join_requests",
    "parent_links",
    "ticket_out",
    "tickets",
]


async def _group_refs(db: AsyncSession, ids: list[int | None]) -> dict[int, Ref]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {g.id: Ref(id=g.id, name=g.name)
            for g in (await db.execute(select(Group).where(Group.id.in_(wanted)))).scalars()}


def invite_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/join/{token}"


async def invites(db: AsyncSession, actor: Actor, org: Organization, base_url: str,
                  state: str = "active", only_id: int | None = None) -> list[InviteOut]:
    """Administrators see every link; a teacher sees the links they made."""
    stmt = select(Invite).where(Invite.org_id == org.id)
    if not can(actor, Action.invite_annul, org):  # not an administrator
        stmt = stmt.where(Invite.created_by == actor.user_id)
    if only_id is not None:
        stmt = stmt.where(Invite.id == only_id)
    now = utcnow()
    if state == "active":
        stmt = stmt.where(Invite.annulled_at.is_(None), Invite.expires_at > now,
                          or_(Invite.max_uses.is_(None), Invite.uses < Invite.max_uses))
    rows = list((await db.execute(stmt.order_by(Invite.id.desc()).limit(500))).scalars())
    groups = await _group_refs(db, [i.group_id for i in rows])
    people = await persons(db, org.id, [i.created_by for i in rows])
    return [InviteOut(
        id=i.id, url=invite_url(base_url, i.token), token=i.token, role=i.role.value,
        group=groups.get(i.group_id) if i.group_id else None, label=i.label,
        requires_approval=i.requires_approval, max_uses=i.max_uses, uses=i.uses,
        expires_at=i.expires_at, created_at=i.created_at,
        created_by=people.get(i.created_by) if i.created_by else None, state=invite_state(i, now),
    ) for i in rows]


async def join_requests(db: AsyncSession, actor: Actor, org: Organization,
                        status: str | None = "pending",
                        only_id: int | None = None) -> list[JoinRequestOut]:
    """Administrators see all; a class teacher sees the requests for the class they lead."""
    stmt = select(JoinRequest).where(JoinRequest.org_id == org.id)
    if only_id is not None:
        stmt = stmt.where(JoinRequest.id == only_id)
    if not can(actor, Action.join_request_decide, org):
        stmt = stmt.where(JoinRequest.group_id.in_(list(actor.leads)))
    if status:
        stmt = stmt.where(JoinRequest.status == status)
    rows = list((await db.execute(stmt.order_by(JoinRequest.id.desc()).limit(500))).scalars())
    groups = await _group_refs(db, [r.group_id for r in rows])
    people = await persons(db, org.id, [r.user_id for r in rows])
    return [JoinRequestOut(
        id=r.id, user=people.get(r.user_id) or Person(id=r.user_id, name=""), role=r.role.value,
        group=groups.get(r.group_id) if r.group_id else None, child_name=r.child_name,
        message=r.message, status=r.status.value, created_at=r.created_at,
        decision_note=r.decision_note,
    ) for r in rows]


async def parent_links(db: AsyncSession, actor: Actor, org: Organization,
                       status: str | None = "pending",
                       only_id: int | None = None) -> list[ParentLinkOut]:
    stmt = select(ParentLink).where(ParentLink.org_id == org.id)
    if only_id is not None:
        stmt = stmt.where(ParentLink.id == only_id)
    if not can(actor, Action.parent_link_decide, org):
        stmt = stmt.where(ParentLink.group_id.in_(list(actor.leads)))
    if status:
        stmt = stmt.where(ParentLink.status == status)
    rows = list((await db.execute(stmt.order_by(ParentLink.id.desc()).limit(500))).scalars())
    groups = await _group_refs(db, [r.group_id for r in rows])
    people = await persons(db, org.id, [r.parent_id for r in rows] + [r.child_id for r in rows])
    return [ParentLinkOut(
        id=r.id, parent=people.get(r.parent_id) or Person(id=r.parent_id, name=""),
        child=people.get(r.child_id) if r.child_id else None,
        child_name_claimed=r.child_name_claimed,
        group=groups.get(r.group_id) if r.group_id else None, status=r.status.value,
        created_at=r.created_at,
    ) for r in rows]


async def audit_page(db: AsyncSession, org_id: int, before_id: int | None,
                     limit: int) -> list[AuditOut]:
    stmt = select(AuditEntry).where(AuditEntry.org_id == org_id)
    if before_id is not None:
        stmt = stmt.where(AuditEntry.id < before_id)
    rows = list((await db.execute(stmt.order_by(AuditEntry.id.desc()).limit(limit))).scalars())
    people = await persons(db, org_id, [r.actor_id for r in rows])
    return [AuditOut(id=r.id, actor=people.get(r.actor_id) if r.actor_id else None,
                     action=r.action, target_type=r.target_type, target_id=r.target_id,
                     details=r.details or {}, created_at=r.created_at) for r in rows]


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
