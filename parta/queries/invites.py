"""Reads of invite links."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.db import utcnow
from parta.models import (
    Group,
    Invite,
)
from parta.policy import Action, can
from parta.queries.people import persons
from parta.queries.scope import OrgScope
from parta.schemas.common import Ref
from parta.schemas.invites import InviteOut

__all__ = ["group_refs", "invite_url", "invites"]


async def group_refs(db: AsyncSession, ids: list[int | None]) -> dict[int, Ref]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {g.id: Ref(id=g.id, name=g.name)
            for g in (await db.execute(select(Group).where(Group.id.in_(wanted)))).scalars()}


def invite_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/join/{token}"


async def invites(db: AsyncSession, scope: OrgScope, base_url: str,
                  state: str = "active", only_id: int | None = None) -> list[InviteOut]:
    """Administrators see every link; a teacher sees the links they made."""
    actor, org = scope.actor, scope.org
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
    groups = await group_refs(db, [i.group_id for i in rows])
    people = await persons(db, org.id, [i.created_by for i in rows])
    return [InviteOut(
        id=i.id, url=invite_url(base_url, i.token), token=i.token, role=i.role.value,
        group=groups.get(i.group_id) if i.group_id else None, label=i.label,
        requires_approval=i.requires_approval, max_uses=i.max_uses, uses=i.uses,
        expires_at=i.expires_at, created_at=i.created_at,
        created_by=people.get(i.created_by) if i.created_by else None, state=i.state(now),
    ) for i in rows]
