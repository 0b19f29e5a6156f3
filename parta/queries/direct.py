"""Who the caller may start a one-to-one chat with: the relations the policy's ``DIRECT_RULES``
need (``policy.Kin``), read set-wise for many people at once (a class chat's member list asks
about thirty people in a handful of statements, not thirty times five)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.models import (
    Chat,
    Group,
    GroupKind,
    GroupMember,
    GroupTeacher,
    Membership,
    MembershipRole,
    ParentLink,
    ParentLinkStatus,
    Role,
)
from parta.policy import Actor, Kin, direct_refusal
from parta.queries.scope import ChatScope, OrgScope

__all__ = ["direct_refusal_in", "direct_refusals"]


async def _roles(db: AsyncSession, org_id: int, ids: list[int]) -> dict[int, frozenset[Role]]:
    found: dict[int, set[Role]] = defaultdict(set)
    for uid, role in (await db.execute(select(Membership.user_id, MembershipRole.role).join(
            MembershipRole, MembershipRole.membership_id == Membership.id).where(
            Membership.org_id == org_id, Membership.left_at.is_(None),
            Membership.user_id.in_(ids)))).all():
        found[uid].add(role)
    return {uid: frozenset(r) for uid, r in found.items()}


async def _kinship(db: AsyncSession, org_id: int, me: int, others: Iterable[int]
                  ) -> dict[int, frozenset[Kin]]:
    """For each of ``others``: how ``me`` stands to them in ``org_id``'s current classes."""
    others = sorted(set(others) - {me})
    if not others:
        return {}
    links = list((await db.execute(select(ParentLink.parent_id, ParentLink.child_id).where(
        ParentLink.org_id == org_id, ParentLink.status == ParentLinkStatus.confirmed,
        ParentLink.child_id.is_not(None),
        or_(ParentLink.parent_id.in_([me, *others]),
            ParentLink.child_id.in_([me, *others]))))).all())
    my_children: set[int] = {c for p, c in links if p == me and c is not None}
    my_parents: set[int] = {p for p, c in links if c == me}
    everyone = sorted({me, *others} | my_children)
    active = (Group.org_id == org_id, Group.kind == GroupKind.class_, Group.archived_at.is_(None))
    studies: dict[int, set[int]] = defaultdict(set)  # user → classes they are a student of
    for gid, uid in (await db.execute(select(GroupMember.group_id, GroupMember.user_id).join(
            Group, Group.id == GroupMember.group_id).where(
            *active, GroupMember.user_id.in_(everyone)))).all():
        studies[uid].add(gid)
    teaches: dict[int, set[int]] = defaultdict(set)  # user → classes they lead or teach in
    for gid, leader in (await db.execute(select(Group.id, Group.class_teacher_id).where(
            *active, Group.class_teacher_id.in_(everyone)))).all():
        if leader is not None:
            teaches[leader].add(gid)
    for gid, uid in (await db.execute(select(GroupTeacher.group_id, GroupTeacher.user_id).join(
            Group, Group.id == GroupTeacher.group_id).where(
            *active, GroupTeacher.user_id.in_(everyone)))).all():
        teaches[uid].add(gid)
    children_classes: set[int] = set()
    for child in my_children:
        children_classes |= studies[child]
    out: dict[int, frozenset[Kin]] = {}
    for uid in others:
        kin: set[Kin] = set()
        if studies[uid] & teaches[me]:
            kin.add(Kin.teaches_them)
        if studies[me] & teaches[uid]:
            kin.add(Kin.taught_by_them)
        if studies[me] & studies[uid]:
            kin.add(Kin.classmates)
        if uid in my_children:
            kin.add(Kin.parent_of)
        if uid in my_parents:
            kin.add(Kin.child_of)
        if children_classes & teaches[uid]:
            kin.add(Kin.teaches_my_child)
        out[uid] = frozenset(kin)
    return out


async def direct_refusals(db: AsyncSession, scope: OrgScope | ChatScope, others: Iterable[int]
                          ) -> dict[int, str | None]:
    """For each of ``others`` who is a member of the scope's organization: None if the
    caller may start a one-to-one chat with them, else the policy's refusal code. Non-members
    are left out."""
    org_id = scope.org.id if isinstance(scope, OrgScope) else scope.chat.org_id
    return await _refusals(db, org_id, scope.actor, others)


async def direct_refusal_in(db: AsyncSession, chat: Chat, actor: Actor, other: int) -> str | None:
    """Whether ``actor`` may still write to ``other`` in the one-to-one ``chat``: the send
    path asks it for a chat it authorized in its batch (it holds no scope)."""
    return (await _refusals(db, chat.org_id, actor, [other])).get(other)


async def _refusals(db: AsyncSession, org_id: int, actor: Actor, others: Iterable[int]
                    ) -> dict[int, str | None]:
    me, my_roles = actor.user_id, actor.roles_in(org_id)
    ids = sorted(set(others) - {me})
    if not ids:
        return {}
    roles = await _roles(db, org_id, ids)
    kin = await _kinship(db, org_id, me, list(roles))
    return {uid: direct_refusal(my_roles, their, kin.get(uid, frozenset()))
            for uid, their in roles.items()}
