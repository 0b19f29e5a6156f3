"""Deciding join requests (R14) and confirming parent ↔ child links (R17)."""

from __future__ import annotations

from sqlalchemy import select

from parta.actions.base import Ctx
from parta.actions.chats import invite_to_group_chats
from parta.actions.invites import admit
from parta.actions.roles import membership_of, org_admin_ids, roles_of
from parta.db import utcnow
from parta.errors import Conflict, NotFound, ValidationFailed
from parta.models import (
    Group,
    GroupKind,
    GroupMember,
    JoinRequest,
    JoinRequestStatus,
    ParentLink,
    ParentLinkStatus,
    Role,
)
from parta.policy import Action, can, require
from parta.queries.scope import org_seen
from parta.realtime.events import JoinRequestDecided, ParentLinkDecided

__all__ = ["decide_join_request", "decide_parent_link"]


async def decide_join_request(ctx: Ctx, org_id: int, request_id: int, accept: bool,
                              note: str = "") -> JoinRequest:
    actor = ctx.require_actor()
    allowed = await org_seen(ctx.db, actor, org_id)
    org = allowed.org
    req = await ctx.db.get(JoinRequest, request_id)
    if req is None or req.org_id != org.id:
        raise NotFound()
    require(actor, Action.join_request_decide, org, req.group_id)
    if req.status != JoinRequestStatus.pending:
        raise Conflict("already_decided")
    if accept and req.group_id is not None:
        group = await ctx.db.get(Group, req.group_id)
        if group is None or group.archived_at is not None:
            raise Conflict("group_archived")  # the class is gone; refuse the request instead
    req.status = JoinRequestStatus.accepted if accept else JoinRequestStatus.refused
    req.decided_by = actor.user_id
    req.decided_at = utcnow()
    req.decision_note = note
    if accept:
        await admit(ctx, org, req.role, req.group_id, req.child_name, user_id=req.user_id)
    ctx.audit("join_request.accepted" if accept else "join_request.refused", org.id,
              "join_request", req.id, user_id=req.user_id, role=req.role.value, note=note)
    ctx.emit(JoinRequestDecided(org_id=org.id, request_id=req.id, status=req.status.value),
             await org_admin_ids(ctx, org.id) | {req.user_id})
    return req


async def decide_parent_link(ctx: Ctx, org_id: int, link_id: int, confirm: bool,
                             child_user_id: int | None = None) -> ParentLink:
    """Staff confirm whose parent someone is by choosing the child among the school's students."""
    actor = ctx.require_actor()
    allowed = await org_seen(ctx.db, actor, org_id)
    org = allowed.org
    link = await ctx.db.get(ParentLink, link_id)
    if link is None or link.org_id != org.id:
        raise NotFound()
    require(actor, Action.parent_link_decide, org, link.group_id)
    if link.status != ParentLinkStatus.pending:
        raise Conflict("already_decided")
    if confirm:
        if child_user_id is None:
            raise ValidationFailed(fields={"child_user_id": "required"})
        m = await membership_of(ctx, org.id, child_user_id)
        if m is None or Role.student not in await roles_of(ctx, m.id):
            raise ValidationFailed("not_a_student", fields={"child_user_id": "not_a_student"})
        if not can(actor, Action.parent_link_decide, org) and not await _in_group(
                ctx, link.group_id, child_user_id):
            # A class teacher vouches only for the children of the class the link came from.
            raise ValidationFailed("not_in_class", fields={"child_user_id": "not_in_class"})
        dup = await ctx.db.execute(select(ParentLink.id).where(
            ParentLink.parent_id == link.parent_id, ParentLink.child_id == child_user_id,
            ParentLink.status == ParentLinkStatus.confirmed))
        if dup.first():
            raise Conflict("already_decided")
        link.child_id = child_user_id
    link.status = ParentLinkStatus.confirmed if confirm else ParentLinkStatus.refused
    link.decided_by = actor.user_id
    link.decided_at = utcnow()
    if confirm:
        # The child's class makes the parent's place: its parents' chat asks them in (R17, R23).
        await ctx.db.flush()
        for gid in await _classes_of(ctx, org.id, link.child_id):
            await invite_to_group_chats(ctx, gid, only={link.parent_id})
    ctx.audit("parent_link.confirmed" if confirm else "parent_link.refused", org.id,
              "parent_link", link.id, parent_id=link.parent_id, child_id=link.child_id)
    ctx.emit(ParentLinkDecided(org_id=org.id, link_id=link.id, status=link.status.value),
             await org_admin_ids(ctx, org.id) | {link.parent_id, actor.user_id})
    return link


async def _classes_of(ctx: Ctx, org_id: int, child_id: int | None) -> list[int]:
    if child_id is None:
        return []
    return list((await ctx.db.execute(select(Group.id).join(
        GroupMember, GroupMember.group_id == Group.id).where(
        GroupMember.user_id == child_id, Group.org_id == org_id,
        Group.kind == GroupKind.class_, Group.archived_at.is_(None)).order_by(Group.id))).scalars())


async def _in_group(ctx: Ctx, group_id: int | None, user_id: int) -> bool:
    if group_id is None:
        return False
    found = await ctx.db.execute(select(GroupMember.id).where(
        GroupMember.group_id == group_id, GroupMember.user_id == user_id))
    return found.first() is not None
