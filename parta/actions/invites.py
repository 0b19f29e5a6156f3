"""Invite links (R13, R15, R16, R17) and joining by them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select, update

from parta.actions.base import Ctx
from parta.actions.chats import invite_to_group_chats
from parta.actions.members import add_member
from parta.actions.roles import membership_of, org_admin_ids, roles_of
from parta.db import utcnow
from parta.errors import Conflict, Forbidden, InviteRefused, NotFound, ValidationFailed
from parta.models import (
    ADMIN_ROLES,
    Group,
    GroupKind,
    Invite,
    JoinRequest,
    JoinRequestStatus,
    Organization,
    ParentLink,
    ParentLinkStatus,
    Role,
)
from parta.policy import Action, can, require
from parta.queries.scope import group_in, org_for, org_seen
from parta.realtime.events import InviteChanged, JoinRequested
from parta.security import new_token

__all__ = [
    "INVITABLE",
    "JoinOutcome",
    "annul_invite",
    "annul_unclaimed",
    "create_invite",
    "invite_by_token",
    "join_by_invite",
]

INVITABLE = {Role.administration, Role.teacher, Role.student, Role.parent}
CLASS_ROLES = {Role.student, Role.parent}


async def create_invite(ctx: Ctx, org_id: int, *, role: Role, group_id: int | None,
                        label: str = "", requires_approval: bool = False,
                        max_uses: int | None = None, ttl_days: int | None = None) -> Invite:
    actor = ctx.require_actor()
    s = ctx.settings
    allowed = await org_for(ctx.db, actor, org_id, Action.invite_create, group_id)
    org = allowed.org
    if role not in INVITABLE:
        raise ValidationFailed("role_not_allowed", fields={"role": "role_not_allowed"})
    is_admin = bool(actor.roles_in(org.id) & ADMIN_ROLES) or actor.is_operator
    if not is_admin and role not in CLASS_ROLES:
        raise Forbidden()  # a teacher invites the students and parents of their class (R16)
    if role in CLASS_ROLES:
        if group_id is None:
            raise ValidationFailed(fields={"group_id": "required"})
        group = await group_in(ctx.db, allowed, group_id)
        if group.kind != GroupKind.class_:
            raise ValidationFailed(fields={"group_id": "invalid"})
    else:  # staff join the staff room
        staff_room = (await ctx.db.execute(select(Group).where(
            Group.org_id == org.id, Group.kind == GroupKind.staff_room))).scalar_one()
        group_id = staff_room.id
    ttl = ttl_days if ttl_days is not None else s.invite_default_ttl_days
    if not 1 <= ttl <= s.invite_max_ttl_days:
        raise ValidationFailed(fields={"ttl_days": "out_of_range"})
    inv = Invite(org_id=org.id, group_id=group_id, role=role, token=new_token(32), label=label,
                 requires_approval=requires_approval, max_uses=max_uses,
                 expires_at=utcnow() + timedelta(days=ttl), created_by=actor.user_id)
    ctx.db.add(inv)
    await ctx.db.flush()
    ctx.audit("invite.created", org.id, "invite", inv.id, role=role.value, group_id=group_id,
              max_uses=max_uses, ttl_days=ttl, requires_approval=requires_approval)
    ctx.emit(InviteChanged(org_id=org.id, invite_id=inv.id, state="active"),
             await org_admin_ids(ctx, org.id) | {actor.user_id})
    return inv


async def annul_invite(ctx: Ctx, org_id: int, invite_id: int) -> Invite:
    """Administrators annul any link; a teacher annuls the links they made for their class."""
    actor = ctx.require_actor()
    allowed = await org_seen(ctx.db, actor, org_id)
    org = allowed.org
    inv = await ctx.db.get(Invite, invite_id)
    if inv is None or inv.org_id != org.id:
        raise NotFound()
    require(actor, Action.invite_annul, org, inv.group_id)
    if not can(actor, Action.invite_annul, org) and inv.created_by != actor.user_id:
        raise Forbidden()
    if inv.annulled_at is not None:
        raise Conflict("invite_not_active")
    inv.annulled_at = utcnow()
    inv.annulled_by = actor.user_id
    ctx.audit("invite.annulled", org.id, "invite", inv.id)
    ctx.emit(InviteChanged(org_id=org.id, invite_id=inv.id, state="annulled"),
             await org_admin_ids(ctx, org.id) | {actor.user_id})
    return inv


async def annul_unclaimed(ctx: Ctx, org_id: int) -> int:
    """Annul every link nobody used yet, and every expired one, at once (R15)."""
    actor = ctx.require_actor()
    allowed = await org_for(ctx.db, actor, org_id, Action.invite_annul_unclaimed)
    org = allowed.org
    now = utcnow()
    ids = list((await ctx.db.execute(
        select(Invite.id).where(Invite.org_id == org.id, Invite.annulled_at.is_(None),
                                or_(Invite.uses == 0, Invite.expires_at <= now))
    )).scalars())
    if ids:
        await ctx.db.execute(update(Invite).where(Invite.id.in_(ids))
                             .values(annulled_at=now, annulled_by=actor.user_id))
    ctx.audit("invite.annulled_unclaimed", org.id, "organization", org.id, count=len(ids),
              invite_ids=ids)
    audience = await org_admin_ids(ctx, org.id)
    for i in ids:
        ctx.emit(InviteChanged(org_id=org.id, invite_id=i, state="annulled"), audience)
    return len(ids)


async def invite_by_token(ctx: Ctx, token: str) -> tuple[Invite, Organization, Group | None]:
    """The invite behind a link, refused plainly when it no longer works. Signed out too: the
    link's holder may see where it leads (joining needs a signed-in person)."""
    inv = (await ctx.db.execute(select(Invite).where(Invite.token == token))).scalar_one_or_none()
    if inv is None:
        raise NotFound()
    state = inv.state()
    if state != "active":
        raise InviteRefused(f"invite_{state}")
    org = await ctx.db.get(Organization, inv.org_id)
    assert org is not None
    group = await ctx.db.get(Group, inv.group_id) if inv.group_id else None
    return inv, org, group


@dataclass
class JoinOutcome:
    status: str  # joined | requested
    org_id: int
    join_request_id: int | None = None


async def _claim_use(ctx: Ctx, inv: Invite) -> None:
    """Count one use atomically, so two people racing for the last use cannot both win."""
    res = await ctx.db.execute(
        update(Invite).where(Invite.id == inv.id, Invite.annulled_at.is_(None),
                             or_(Invite.max_uses.is_(None), Invite.uses < Invite.max_uses))
        .values(uses=Invite.uses + 1).execution_options(synchronize_session=False)
    )
    if res.rowcount != 1:  # type: ignore[attr-defined]
        raise InviteRefused("invite_used_up")
    await ctx.db.refresh(inv)


async def join_by_invite(ctx: Ctx, token: str, child_name: str = "",
                         message: str = "") -> JoinOutcome:
    actor = ctx.require_actor()
    assert ctx.user is not None
    inv, org, group = await invite_by_token(ctx, token)
    child_name = child_name.strip()
    if inv.role == Role.parent and not child_name:
        raise ValidationFailed("child_name_required", fields={"child_name": "required"})
    m = await membership_of(ctx, org.id, actor.user_id)
    held = await roles_of(ctx, m.id) if m else set()
    if inv.role == Role.parent:
        # A parent may come by several children's links; the same class twice is a repeat.
        dup = await ctx.db.execute(select(ParentLink.id).where(
            ParentLink.org_id == org.id, ParentLink.parent_id == actor.user_id,
            ParentLink.group_id == inv.group_id, ParentLink.status != ParentLinkStatus.refused))
        if dup.first():
            raise Conflict("already_member")
    elif inv.role in held:
        raise Conflict("already_member")
    pending = await ctx.db.execute(select(JoinRequest.id).where(
        JoinRequest.org_id == org.id, JoinRequest.user_id == actor.user_id,
        JoinRequest.role == inv.role, JoinRequest.group_id == inv.group_id,
        JoinRequest.status == JoinRequestStatus.pending))
    if pending.first():
        raise Conflict("already_member")
    await _claim_use(ctx, inv)
    if inv.requires_approval:
        req = JoinRequest(org_id=org.id, user_id=actor.user_id, invite_id=inv.id,
                          group_id=inv.group_id, role=inv.role, child_name=child_name,
                          message=message.strip())
        ctx.db.add(req)
        await ctx.db.flush()
        ctx.audit("join_request.created", org.id, "join_request", req.id, role=inv.role.value,
                  invite_id=inv.id)
        audience = await org_admin_ids(ctx, org.id)
        if group is not None and group.class_teacher_id:
            audience.add(group.class_teacher_id)
        ctx.emit(JoinRequested(org_id=org.id, request_id=req.id), audience)
        return JoinOutcome("requested", org.id, req.id)
    await admit(ctx, org, inv.role, inv.group_id, child_name, inviter=inv.created_by)
    ctx.audit("member.joined_by_invite", org.id, "user", actor.user_id, invite_id=inv.id,
              role=inv.role.value, group_id=inv.group_id)
    return JoinOutcome("joined", org.id)


async def admit(ctx: Ctx, org: Organization, role: Role, group_id: int | None,
                child_name: str, user_id: int | None = None, inviter: int | None = None) -> None:
    """Add the person (the caller, or ``user_id``) with ``role``; a parent gets a link to confirm.
    ``inviter``: who the chats' invitations name (the link's author when someone joins by it)."""
    from parta.models import User

    uid = user_id if user_id is not None else ctx.require_actor().user_id
    user = await ctx.db.get(User, uid)
    assert user is not None
    await add_member(ctx, org, user, {role}, group_id=group_id)
    if role == Role.student and group_id is not None:
        # A place in a class is a place in its chats: asked, not put in (R23).
        await invite_to_group_chats(ctx, group_id, only={uid}, invited_by=inviter)
    if role == Role.parent:
        ctx.db.add(ParentLink(org_id=org.id, parent_id=uid, group_id=group_id,
                              child_name_claimed=child_name))
        await ctx.db.flush()
