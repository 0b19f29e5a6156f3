"""Reads about people, always inside one organization the caller may see."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.models import (
    Group,
    GroupKind,
    GroupMember,
    Membership,
    MembershipRole,
    MunicipalAdmin,
    Municipality,
    Organization,
    ParentLink,
    ParentLinkStatus,
    Role,
    User,
    VerificationStatus,
)
from parta.policy import sees_contacts
from parta.queries.scope import OrgScope
from parta.schemas.auth import MembershipOut, MeOut, OrgBrief
from parta.schemas.common import Person, Ref
from parta.schemas.orgs import MemberOut

__all__ = ["me", "members", "persons"]


async def persons(db: AsyncSession, badge_org: int | None, ids: Iterable[int | None]
                  ) -> dict[int, Person]:
    """Name and teacher badge for each id; the badge is the one earned in ``badge_org``.
    Not a tenancy gate: the ids come from rows the caller already reads through one."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    users = (await db.execute(select(User.id, User.name).where(User.id.in_(wanted)))).all()
    verified: set[int] = set()
    if badge_org is not None:
        verified = set((await db.execute(select(Membership.user_id).where(
            Membership.org_id == badge_org, Membership.user_id.in_(wanted),
            Membership.verification == VerificationStatus.verified))).scalars())
    return {uid: Person(id=uid, name=name, verified_teacher=uid in verified) for uid, name in users}


async def me(db: AsyncSession, user: User) -> MeOut:
    rows = (await db.execute(
        select(Membership, Organization)
        .join(Organization, Organization.id == Membership.org_id)
        .where(Membership.user_id == user.id, Membership.left_at.is_(None))
        .order_by(Organization.name)
    )).all()
    roles: dict[int, list[str]] = defaultdict(list)
    if rows:
        for mid, role in (await db.execute(select(MembershipRole.membership_id, MembershipRole.role)
                                           .where(MembershipRole.membership_id.in_([m.id for m, _ in rows])))).all():
            roles[mid].append(role.value)
    munis = (await db.execute(
        select(Municipality.id, Municipality.name)
        .join(MunicipalAdmin, MunicipalAdmin.municipality_id == Municipality.id)
        .where(MunicipalAdmin.user_id == user.id))).all()
    return MeOut(
        id=user.id, name=user.name, phone=user.phone, email=user.email,
        email_confirmed=bool(user.email) and user.email_confirmed_at is not None,
        language=user.language,
        is_operator=user.is_operator, needs_name=not user.name.strip(),
        memberships=[MembershipOut(org=OrgBrief(id=o.id, name=o.name, kind=o.kind.value),
                                   roles=sorted(roles[m.id]), verification=m.verification.value,
                                   position=m.position) for m, o in rows],
        municipalities=[Ref(id=i, name=n) for i, n in munis],
    )


async def members(db: AsyncSession, scope: OrgScope, *, role: Role | None = None,
                  group_id: int | None = None, q: str = "",
                  verification: str | None = None, user_id: int | None = None,
                  limit: int = 500) -> list[MemberOut]:
    """The organization's members; phone numbers and e-mails only for those who may see them
    (``policy.sees_contacts``)."""
    org_id = scope.org.id
    with_contacts = sees_contacts(scope.actor, scope.org)
    stmt = (select(Membership, User).join(User, User.id == Membership.user_id)
            .where(Membership.org_id == org_id, Membership.left_at.is_(None)))
    if user_id is not None:
        stmt = stmt.where(Membership.user_id == user_id)
    if role is not None:
        stmt = stmt.where(Membership.id.in_(select(MembershipRole.membership_id)
                                            .where(MembershipRole.role == role)))
    if group_id is not None:
        in_group = select(GroupMember.user_id).where(GroupMember.group_id == group_id)
        leads = select(Group.class_teacher_id).where(Group.id == group_id)
        stmt = stmt.where(or_(Membership.user_id.in_(in_group), Membership.user_id.in_(leads)))
    if verification:
        stmt = stmt.where(Membership.verification == verification)
    if q:
        stmt = stmt.where(User.name.ilike(f"%{q.strip()}%"))
    rows = (await db.execute(stmt.order_by(User.name, User.id).limit(limit))).all()
    if not rows:
        return []
    mids = [m.id for m, _ in rows]
    uids = [u.id for _, u in rows]
    roles: dict[int, list[str]] = defaultdict(list)
    for mid, r in (await db.execute(select(MembershipRole.membership_id, MembershipRole.role)
                                    .where(MembershipRole.membership_id.in_(mids)))).all():
        roles[mid].append(r.value)
    groups: dict[int, list[Ref]] = defaultdict(list)
    for uid, gid, gname in (await db.execute(
        select(GroupMember.user_id, Group.id, Group.name).join(Group, Group.id == GroupMember.group_id)
        .where(GroupMember.user_id.in_(uids), Group.org_id == org_id, Group.archived_at.is_(None),
               Group.kind == GroupKind.class_))).all():
        groups[uid].append(Ref(id=gid, name=gname))
    links = (await db.execute(select(ParentLink.parent_id, ParentLink.child_id).where(
        ParentLink.org_id == org_id, ParentLink.parent_id.in_(uids),
        ParentLink.status == ParentLinkStatus.confirmed))).all()
    kids = await persons(db, org_id, [c for _, c in links])
    children: dict[int, list[Person]] = defaultdict(list)
    for pid, cid in links:
        if cid in kids:
            children[pid].append(kids[cid])
    return [MemberOut(
        user_id=u.id, name=u.name, roles=sorted(roles[m.id]),
        verified_teacher=m.verification == VerificationStatus.verified,
        verification=m.verification.value, position=m.position, groups=groups[u.id],
        children=children[u.id],
        phone=u.phone if with_contacts else None, email=u.email if with_contacts else None,
    ) for m, u in rows]
