"""Who holds which role in an organization: the lookups every action shares (beneath both
members and chats, so neither imports the other to ask)."""

from __future__ import annotations

from sqlalchemy import select

from parta.actions.base import Ctx
from parta.models import Membership, MembershipRole, Role

__all__ = ["membership_of", "org_admin_ids", "roles_of"]


async def membership_of(ctx: Ctx, org_id: int, user_id: int) -> Membership | None:
    return (await ctx.db.execute(
        select(Membership).where(Membership.org_id == org_id, Membership.user_id == user_id,
                                 Membership.left_at.is_(None))
    )).scalar_one_or_none()


async def roles_of(ctx: Ctx, membership_id: int) -> set[Role]:
    return set((await ctx.db.execute(
        select(MembershipRole.role).where(MembershipRole.membership_id == membership_id)
    )).scalars())


async def org_admin_ids(ctx: Ctx, org_id: int, roles: frozenset[Role] = frozenset({Role.org_admin, Role.administration})) -> set[int]:
    return set((await ctx.db.execute(
        select(Membership.user_id).join(MembershipRole, MembershipRole.membership_id == Membership.id)
        .where(Membership.org_id == org_id, Membership.left_at.is_(None),
               MembershipRole.role.in_(roles))
    )).scalars())
