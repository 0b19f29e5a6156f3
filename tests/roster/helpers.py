"""Steps the roster tests share: an administrator's context, a preview, an apply, and reading
what the school now looks like."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import select

from parta.actions import roster as roster_actions
from parta.actions.base import Ctx, unit_of_work
from parta.models import (
    AuditEntry,
    Chat,
    ChatInvitation,
    ChatMember,
    Group,
    GroupKind,
    GroupMember,
    GroupTeacher,
    Membership,
    MembershipRole,
    ParentLink,
    ParentLinkStatus,
    RosterImport,
    User,
)
from parta.queries.actors import load_actor
from tests.conftest import PHONES, World


@asynccontextmanager
async def acting(world: World, key: str = "admin") -> AsyncIterator[Ctx]:
    """One transaction as a demo person (the administrator by default)."""
    async with unit_of_work(world.services) as ctx:
        user = (await ctx.db.execute(select(User).where(User.phone == PHONES[key]))).scalar_one()
        ctx.user, ctx.actor = user, await load_actor(ctx.db, user)
        yield ctx


async def preview(world: World, source: bytes | Path, file_name: str = "licey7.zip",
                  org_id: int | None = None, key: str = "admin") -> RosterImport:
    async with acting(world, key) as ctx:
        return await roster_actions.preview_import(ctx, org_id or world.org_id, file_name, source)


async def apply(world: World, import_id: int, valid_rows_only: bool = False,
                org_id: int | None = None, key: str = "admin") -> RosterImport:
    async with acting(world, key) as ctx:
        await roster_actions.start_apply(ctx, org_id or world.org_id, import_id, valid_rows_only)
        actor, user_id = ctx.actor, ctx.user.id if ctx.user else None
    assert actor is not None
    return await roster_actions.run_apply(world.services, import_id, actor=actor, user_id=user_id)


async def import_file(world: World, source: bytes | Path, **kw: Any) -> RosterImport:
    row = await preview(world, source, **{k: v for k, v in kw.items() if k != "valid_rows_only"})
    return await apply(world, row.id, valid_rows_only=kw.get("valid_rows_only", False),
                       org_id=kw.get("org_id"))


async def school(world: World, org_id: int | None = None) -> dict[str, Any]:
    """The organization as plain data: active people with roles and classes, class teachers,
    subject teachers, confirmed parents, chats with their members and invitations."""
    oid = org_id or world.org_id
    async with world.services.sessionmaker() as db:
        groups = {g.id: g for g in (await db.execute(select(Group).where(
            Group.org_id == oid, Group.archived_at.is_(None)))).scalars()}
        names = {u.id: u.name for u in (await db.execute(select(User))).scalars()}
        people: dict[str, dict[str, Any]] = {}
        # By name; namesakes exist (the lyceum's Ирина Петровна Смирнова and the demo's): the
        # later membership (the file's person) is the one under the name, whatever order the
        # database returns rows in (PostgreSQL reuses freed space after a DELETE).
        for m in (await db.execute(select(Membership).where(
                Membership.org_id == oid, Membership.left_at.is_(None))
                .order_by(Membership.id))).scalars():
            roles = sorted(r.value for r in (await db.execute(select(MembershipRole.role).where(
                MembershipRole.membership_id == m.id))).scalars())
            people[names[m.user_id]] = {"id": m.user_id, "roles": roles, "classes": []}
        by_id = {p["id"]: n for n, p in people.items()}
        for gm in (await db.execute(select(GroupMember).where(
                GroupMember.group_id.in_(list(groups))))).scalars():
            if gm.user_id in by_id and groups[gm.group_id].kind == GroupKind.class_:
                people[by_id[gm.user_id]]["classes"].append(groups[gm.group_id].name)
        class_teachers = {g.name: names.get(g.class_teacher_id or 0) for g in groups.values()
                          if g.kind == GroupKind.class_}
        subjects = sorted((groups[s.group_id].name, s.subject, names[s.user_id]) for s in (
            await db.execute(select(GroupTeacher).where(
                GroupTeacher.group_id.in_(list(groups))))).scalars())
        parents = sorted((names[pl.parent_id], names[pl.child_id or 0]) for pl in (
            await db.execute(select(ParentLink).where(
                ParentLink.org_id == oid,
                ParentLink.status == ParentLinkStatus.confirmed))).scalars())
        chats: dict[str, dict[str, Any]] = {}
        for c in (await db.execute(select(Chat).where(Chat.org_id == oid,
                                                      Chat.group_id.is_not(None)))).scalars():
            members = {names[cm.user_id]: cm.role.value for cm in (await db.execute(select(
                ChatMember).where(ChatMember.chat_id == c.id,
                                  ChatMember.left_at.is_(None)))).scalars()}
            invited = sorted(names[i.user_id] for i in (await db.execute(select(
                ChatInvitation).where(ChatInvitation.chat_id == c.id,
                                      ChatInvitation.declined_at.is_(None)))).scalars())
            chats[c.title] = {"id": c.id, "kind": c.kind.value, "members": members,
                              "invited": invited}
    return {"people": people, "class_teachers": class_teachers, "subjects": subjects,
            "parents": parents, "chats": chats}


async def audit(world: World, action: str, org_id: int | None = None) -> list[AuditEntry]:
    async with world.services.sessionmaker() as db:
        return list((await db.execute(select(AuditEntry).where(
            AuditEntry.org_id == (org_id or world.org_id), AuditEntry.action == action)
            .order_by(AuditEntry.id))).scalars())
