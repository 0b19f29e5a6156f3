"""The tenancy gate: every read or write of an organization's things starts here."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.errors import NotFound
from parta.models import Group, Organization
from parta.policy import Action, Actor, require, sees_org

__all__ = ["group_in", "org_for"]


async def org_for(db: AsyncSession, actor: Actor, org_id: int, action: Action,
                  group_id: int | None = None) -> Organization:
    """The organization if ``actor`` may do ``action`` in it; outsiders get ``NotFound``."""
    org = await db.get(Organization, org_id)
    if org is None:
        raise NotFound()
    require(actor, action, org, group_id)
    return org


async def org_seen(db: AsyncSession, actor: Actor, org_id: int) -> Organization:
    """The organization if the actor has any relation to it (the action checks the rest)."""
    org = await db.get(Organization, org_id)
    if org is None or not sees_org(actor, org):
        raise NotFound()
    return org


async def group_in(db: AsyncSession, org_id: int, group_id: int,
                   include_archived: bool = False) -> Group:
    """A group of this organization; another organization's group does not exist here."""
    q = select(Group).where(Group.id == group_id, Group.org_id == org_id)
    if not include_archived:
        q = q.where(Group.archived_at.is_(None))
    group = (await db.execute(q)).scalar_one_or_none()
    if group is None:
        raise NotFound()
    return group
