"""The school's structure (R4, R5): classes and study groups, class and subject teachers."""

from __future__ import annotations

from sqlalchemy import select, update

from parta.actions.base import Ctx
from parta.actions.chats import invite_to_group_chats
from parta.actions.roles import membership_of, org_admin_ids, roles_of
from parta.db import utcnow
from parta.errors import Conflict, NotFound, ValidationFailed
from parta.models import Group, GroupKind, GroupTeacher, Invite, Role
from parta.policy import Action
from parta.queries.scope import group_in, org_for
from parta.realtime.events import GroupChanged, InviteChanged

__all__ = [
    "add_subject_teacher",
    "archive_group",
    "create_group",
    "edit_group",
    "remove_subject_teacher",
    "set_class_teacher",
]


async def _unique_name(ctx: Ctx, org_id: int, name: str, except_id: int | None = None) -> None:
    q = select(Group.id).where(Group.org_id == org_id, Group.name == name,
                               Group.archived_at.is_(None))
    if except_id is not None:
        q = q.where(Group.id != except_id)
    if (await ctx.db.execute(q)).first():
        raise Conflict("group_exists", fields={"name": "group_exists"})


async def _changed(ctx: Ctx, group: Group) -> None:
    ctx.emit(GroupChanged(org_id=group.org_id, group_id=group.id), await org_admin_ids(ctx, group.org_id))


async def create_group(ctx: Ctx, org_id: int, *, grade: int | None, letter: str = "",
                       name: str | None = None) -> Group:
    actor = ctx.require_actor()
    allowed = await org_for(ctx.db, actor, org_id, Action.group_manage)
    org = allowed.org
    full = Group.class_name(grade, letter, name)
    await _unique_name(ctx, org.id, full)
    group = Group(org_id=org.id, kind=GroupKind.class_, name=full, grade=grade,
                  letter=letter.strip().upper())
    ctx.db.add(group)
    await ctx.db.flush()
    ctx.audit("group.created", org.id, "group", group.id, name=full)
    await _changed(ctx, group)
    return group


async def edit_group(ctx: Ctx, org_id: int, group_id: int, *, grade: int | None,
                     letter: str | None, name: str | None) -> Group:
    actor = ctx.require_actor()
    allowed = await org_for(ctx.db, actor, org_id, Action.group_manage)
    org = allowed.org
    group = await group_in(ctx.db, allowed, group_id)
    if group.kind == GroupKind.staff_room:
        raise Conflict("staff_room_protected")
    new_grade = grade if grade is not None else group.grade
    new_letter = letter if letter is not None else group.letter
    full = Group.class_name(new_grade, new_letter, name)
    await _unique_name(ctx, org.id, full, except_id=group.id)
    before = group.name
    group.grade, group.letter, group.name = new_grade, new_letter.strip().upper(), full
    ctx.audit("group.edited", org.id, "group", group.id, before=before, after=full)
    await _changed(ctx, group)
    return group


async def archive_group(ctx: Ctx, org_id: int, group_id: int) -> None:
    actor = ctx.require_actor()
    allowed = await org_for(ctx.db, actor, org_id, Action.group_manage)
    org = allowed.org
    group = await group_in(ctx.db, allowed, group_id)
    if group.kind == GroupKind.staff_room:
        raise Conflict("staff_room_protected")
    group.archived_at = now = utcnow()
    # A link into a class that is gone must admit nobody: its links are annulled with it.
    links = list((await ctx.db.execute(select(Invite.id).where(
        Invite.group_id == group.id, Invite.annulled_at.is_(None)))).scalars())
    if links:
        await ctx.db.execute(update(Invite).where(Invite.id.in_(links))
                             .values(annulled_at=now, annulled_by=actor.user_id))
    ctx.audit("group.archived", org.id, "group", group.id, name=group.name,
              annulled_invites=links)
    await _changed(ctx, group)
    admins = await org_admin_ids(ctx, org.id)
    for i in links:
        ctx.emit(InviteChanged(org_id=org.id, invite_id=i, state="annulled"), admins)


async def _require_teacher(ctx: Ctx, org_id: int, user_id: int) -> None:
    m = await membership_of(ctx, org_id, user_id)
    if m is None:
        raise ValidationFailed("not_a_teacher", fields={"user_id": "not_a_teacher"})
    if Role.teacher not in await roles_of(ctx, m.id):
        raise ValidationFailed("not_a_teacher", fields={"user_id": "not_a_teacher"})


async def set_class_teacher(ctx: Ctx, org_id: int, group_id: int, user_id: int | None) -> Group:
    actor = ctx.require_actor()
    allowed = await org_for(ctx.db, actor, org_id, Action.group_assign_teachers)
    org = allowed.org
    group = await group_in(ctx.db, allowed, group_id)
    if group.kind != GroupKind.class_:
        raise Conflict("staff_room_protected")
    if user_id is not None:
        await _require_teacher(ctx, org.id, user_id)
    before = group.class_teacher_id
    group.class_teacher_id = user_id
    ctx.audit("group.class_teacher_set", org.id, "group", group.id, before=before, after=user_id)
    if user_id is not None:
        # The class's chats are hers to run: she is asked in (the chats made before her).
        await ctx.db.flush()
        await invite_to_group_chats(ctx, group.id, only={user_id})
    await _changed(ctx, group)
    return group


async def add_subject_teacher(ctx: Ctx, org_id: int, group_id: int, user_id: int,
                              subject: str) -> Group:
    actor = ctx.require_actor()
    allowed = await org_for(ctx.db, actor, org_id, Action.group_assign_teachers)
    org = allowed.org
    group = await group_in(ctx.db, allowed, group_id)
    if group.kind != GroupKind.class_:
        raise Conflict("staff_room_protected")
    await _require_teacher(ctx, org.id, user_id)
    subject = subject.strip()
    dup = await ctx.db.execute(select(GroupTeacher.id).where(
        GroupTeacher.group_id == group.id, GroupTeacher.user_id == user_id,
        GroupTeacher.subject == subject))
    if dup.first():
        raise Conflict(fields={"subject": "duplicate"})
    row = GroupTeacher(group_id=group.id, user_id=user_id, subject=subject)
    ctx.db.add(row)
    await ctx.db.flush()
    ctx.audit("group.subject_teacher_added", org.id, "group", group.id, user_id=user_id,
              subject=subject)
    await invite_to_group_chats(ctx, group.id, only={user_id})
    await _changed(ctx, group)
    return group


async def remove_subject_teacher(ctx: Ctx, org_id: int, group_id: int, assignment_id: int) -> Group:
    actor = ctx.require_actor()
    allowed = await org_for(ctx.db, actor, org_id, Action.group_assign_teachers)
    org = allowed.org
    group = await group_in(ctx.db, allowed, group_id)
    row = await ctx.db.get(GroupTeacher, assignment_id)
    if row is None or row.group_id != group.id:
        raise NotFound()
    await ctx.db.delete(row)
    ctx.audit("group.subject_teacher_removed", org.id, "group", group.id, user_id=row.user_id,
              subject=row.subject)
    await _changed(ctx, group)
    return group
