"""Reads of join requests (R14) and parent ↔ child links (R17)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.models import (
    JoinRequest,
    ParentLink,
)
from parta.policy import Action, can
from parta.queries.invites import group_refs
from parta.queries.people import persons
from parta.queries.scope import OrgScope
from parta.schemas.common import Person
from parta.schemas.requests import JoinRequestOut, ParentLinkOut

__all__ = ["join_requests", "parent_links"]


async def join_requests(db: AsyncSession, scope: OrgScope,
                        status: str | None = "pending",
                        only_id: int | None = None) -> list[JoinRequestOut]:
    """Administrators see all; a class teacher sees the requests for the class they lead."""
    actor, org = scope.actor, scope.org
    stmt = select(JoinRequest).where(JoinRequest.org_id == org.id)
    if only_id is not None:
        stmt = stmt.where(JoinRequest.id == only_id)
    if not can(actor, Action.join_request_decide, org):
        stmt = stmt.where(JoinRequest.group_id.in_(list(actor.leads)))
    if status:
        stmt = stmt.where(JoinRequest.status == status)
    rows = list((await db.execute(stmt.order_by(JoinRequest.id.desc()).limit(500))).scalars())
    groups = await group_refs(db, [r.group_id for r in rows])
    people = await persons(db, org.id, [r.user_id for r in rows])
    return [JoinRequestOut(
        id=r.id, user=people.get(r.user_id) or Person(id=r.user_id, name=""), role=r.role.value,
        group=groups.get(r.group_id) if r.group_id else None, child_name=r.child_name,
        message=r.message, status=r.status.value, created_at=r.created_at,
        decision_note=r.decision_note,
    ) for r in rows]


async def parent_links(db: AsyncSession, scope: OrgScope,
                       status: str | None = "pending",
                       only_id: int | None = None) -> list[ParentLinkOut]:
    actor, org = scope.actor, scope.org
    stmt = select(ParentLink).where(ParentLink.org_id == org.id)
    if only_id is not None:
        stmt = stmt.where(ParentLink.id == only_id)
    if not can(actor, Action.parent_link_decide, org):
        stmt = stmt.where(ParentLink.group_id.in_(list(actor.leads)))
    if status:
        stmt = stmt.where(ParentLink.status == status)
    rows = list((await db.execute(stmt.order_by(ParentLink.id.desc()).limit(500))).scalars())
    groups = await group_refs(db, [r.group_id for r in rows])
    people = await persons(db, org.id, [r.parent_id for r in rows] + [r.child_id for r in rows])
    return [ParentLinkOut(
        id=r.id, parent=people.get(r.parent_id) or Person(id=r.parent_id, name=""),
        child=people.get(r.child_id) if r.child_id else None,
        child_name_claimed=r.child_name_claimed,
        group=groups.get(r.group_id) if r.group_id else None, status=r.status.value,
        created_at=r.created_at,
    ) for r in rows]
