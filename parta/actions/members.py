"""Membership: adding people to an organization, roles (R6, R11) and teacher verification (R12)."""

from __future__ import annotations

from sqlalchemy import func, select

from parta.actions.base import Ctx
from parta.actions.chats import subscribe_to_channels
from parta.actions.roles import membership_of, org_admin_ids, roles_of
from parta.db import utcnow
from parta.errors import Conflict, NotFound, ValidationFailed
from parta.models import (
    STAFF_ROLES,
    Group,
    GroupKind,
    GroupMember,
    Membership,
    MembershipRole,
    Organization,
    Role,
    User,
    VerificationStatus,
)
from parta.policy import Action
from parta.queries.scope import org_for
from parta.realtime.events import MemberJoined, RolesChanged, VerificationChanged

__all__ = [
    "add_member",
    "decide_verification",
    "grant_role",
    "request_verification",
    "revoke_role",
]


async def _staff_room(ctx: Ctx, org_id: int) -> Group:
    return (await ctx.db.execute(
        select(Group).where(Group.org_id == org_id, Group.kind == GroupKind.staff_room)
    )).scalar_one()


async def _join_group(ctx: Ctx, group_id: int, user_id: int) -> None:
    exists = (await ctx.db.execute(
        select(GroupMember.id).where(GroupMember.group_id == group_id, GroupMember.user_id == user_id)
    )).scalar_one_or_none()
    if exists is None:
        ctx.db.add(GroupMember(group_id=group_id, user_id=user_id))


async def add_member(ctx: Ctx, org: Organization, user: User, roles: set[Role],
                     group_id: int | None = None, position: str = "") -> Membership:
    """Admit ``user`` with ``roles`` (merged with any they hold). Staff join the staff room;
    a student joins their class. Preconditions: the caller was authorized by the action."""
    m = (await ctx.db.execute(
        select(Membership).where(Membership.org_id == org.id, Membership.user_id == user.id)
    )).scalar_one_or_none()
    if m is None:
        m = Membership(org_id=org.id, user_id=user.id, position=position)
        ctx.db.add(m)
        await ctx.db.flush()
    elif m.left_at is not None:  # coming back after leaving
        m.left_at = None
        m.joined_at = utcnow()
    held = await roles_of(ctx, m.id)
    for role in roles - held:
        ctx.db.add(MembershipRole(membership_id=m.id, role=role))
    if (roles | held) & STAFF_ROLES:
        await _join_group(ctx, (await _staff_room(ctx, org.id)).id, user.id)
    if group_id is not None and Role.student in roles:
        await _join_group(ctx, group_id, user.id)
    await ctx.db.flush()
    await subscribe_to_channels(ctx, org, user.id)
    audience = await org_admin_ids(ctx, org.id) | {user.id}
    ctx.emit(MemberJoined(org_id=org.id, user_id=user.id, roles=sorted(roles | held)), audience)
    return m


GRANTABLE = {Role.org_admin, Role.administration, Role.teacher}


async def _role_change_target(ctx: Ctx, org_id: int, user_id: int,
                              role: Role) -> tuple[Organization, Membership, set[Role]]:
    actor = ctx.require_actor()
    allowed = await org_for(ctx.db, actor, org_id, Action.role_grant)
    org = allowed.org
    if role not in GRANTABLE:
        raise ValidationFailed("role_not_allowed", fields={"role": "invalid"})
    m = await membership_of(ctx, org.id, user_id)
    if m is None:
        raise NotFound()
    return org, m, await roles_of(ctx, m.id)


async def grant_role(ctx: Ctx, org_id: int, user_id: int, role: Role) -> Membership:
    """Appoint from staff who have joined (R6): only a staff member may become an administrator."""
    org, m, held = await _role_change_target(ctx, org_id, user_id, role)
    if not held & STAFF_ROLES:
        raise Conflict("not_staff")
    if role not in held:
        ctx.db.add(MembershipRole(membership_id=m.id, role=role))
        await ctx.db.flush()
        ctx.audit("role.granted", org.id, "user", user_id, role=role.value)
        await subscribe_to_channels(ctx, org, user_id)  # an administrator posts in the channels
        ctx.emit(RolesChanged(org_id=org.id, user_id=user_id, roles=sorted(held | {role})),
                 await org_admin_ids(ctx, org.id) | {user_id})
    return m


async def revoke_role(ctx: Ctx, org_id: int, user_id: int, role: Role) -> Membership:
    org, m, held = await _role_change_target(ctx, org_id, user_id, role)
    if role not in held:
        return m
    if role == Role.org_admin:
        admins = (await ctx.db.execute(
            select(func.count()).select_from(MembershipRole)
            .join(Membership, Membership.id == MembershipRole.membership_id)
            .where(Membership.org_id == org.id, Membership.left_at.is_(None),
                   MembershipRole.role == Role.org_admin)
        )).scalar_one()
        if admins <= 1:
            raise Conflict("last_admin")
    if held == {role}:
        raise Conflict("role_not_allowed")  # would leave a member with no role at all
    row = (await ctx.db.execute(
        select(MembershipRole).where(MembershipRole.membership_id == m.id, MembershipRole.role == role)
    )).scalar_one()
    await ctx.db.delete(row)
    await ctx.db.flush()
    await subscribe_to_channels(ctx, org, user_id)  # a former administrator no longer posts there
    ctx.audit("role.revoked", org.id, "user", user_id, role=role.value)
    ctx.emit(RolesChanged(org_id=org.id, user_id=user_id, roles=sorted(held - {role})),
             await org_admin_ids(ctx, org.id) | {user_id})
    return m


async def request_verification(ctx: Ctx, org_id: int, position: str = "") -> Membership:
    """A teacher completes registration in the role «teacher» and asks to be verified (R12)."""
    actor = ctx.require_actor()
    allowed = await org_for(ctx.db, actor, org_id, Action.verification_request)
    org = allowed.org
    m = await membership_of(ctx, org.id, actor.user_id)
    assert m is not None  # the policy admits only teachers of this organization
    if m.verification == VerificationStatus.verified:
        raise Conflict("already_decided")
    if position:
        m.position = position
    m.verification = VerificationStatus.requested
    m.verification_note = ""
    ctx.audit("verification.requested", org.id, "user", actor.user_id)
    ctx.emit(VerificationChanged(org_id=org.id, user_id=actor.user_id, status=m.verification.value),
             await org_admin_ids(ctx, org.id, frozenset({Role.org_admin})) | {actor.user_id})
    return m


async def decide_verification(ctx: Ctx, org_id: int, user_id: int, confirm: bool,
                              note: str = "") -> Membership:
    actor = ctx.require_actor()
    allowed = await org_for(ctx.db, actor, org_id, Action.verification_decide)
    org = allowed.org
    m = await membership_of(ctx, org.id, user_id)
    if m is None:
        raise NotFound()
    if Role.teacher not in await roles_of(ctx, m.id):
        raise Conflict("not_a_teacher")
    m.verification = VerificationStatus.verified if confirm else VerificationStatus.refused
    m.verification_note = note
    ctx.audit("verification.confirmed" if confirm else "verification.refused", org.id, "user",
              user_id, note=note)
    ctx.emit(VerificationChanged(org_id=org.id, user_id=user_id, status=m.verification.value),
             await org_admin_ids(ctx, org.id) | {user_id})
    return m
