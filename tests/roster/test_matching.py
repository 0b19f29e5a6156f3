"""How an import recognizes people and keeps to the school's other rules: the set-wise
admission does what ``add_member`` does; invitations reach exactly whom the chat is for; members
who joined by links are recognized; a delta departs only whom it names; who declined is not
asked again; a parent with another child in the class stays; a failed apply resumes."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select

from parta.actions import roster_apply
from parta.actions.chats import decline_invitation, eligible_for_group_chat
from parta.actions.members import add_member
from parta.models import (
    Chat,
    ChatInvitation,
    ChatMember,
    Group,
    GroupMember,
    ImportStatus,
    Membership,
    MembershipRole,
    Organization,
    RosterPerson,
    User,
)
from parta.queries.actors import load_actor
from tests.conftest import World
from tests.roster.fixtures import SCHOOL, Person, oneroster, xlsx
from tests.roster.helpers import acting, apply, import_file, preview, school

NAMES = {p.sid: p.name for p in SCHOOL}


async def snapshot(world: World) -> dict[str, Any]:
    async with world.services.sessionmaker() as db:
        return {
            "members": sorted((m.org_id, m.user_id, m.left_at is None) for m in (
                await db.execute(select(Membership))).scalars()),
            "roles": sorted((r.membership_id, r.role.value) for r in (
                await db.execute(select(MembershipRole))).scalars()),
            "groups": sorted((g.group_id, g.user_id) for g in (
                await db.execute(select(GroupMember))).scalars()),
            "chat_members": sorted((c.chat_id, c.user_id, c.role.value, c.left_at is None) for c in (
                await db.execute(select(ChatMember))).scalars()),
        }


async def test_the_setwise_admission_is_what_add_member_does(world: World) -> None:
    await import_file(world, oneroster().zip_bytes())
    after_import = await snapshot(world)
    # Admitting every imported person again the one-by-one way changes nothing at all.
    async with acting(world) as ctx:
        org = await ctx.db.get(Organization, world.org_id)
        assert org is not None
        rows = (await ctx.db.execute(select(RosterPerson).where(
            RosterPerson.org_id == world.org_id))).scalars().all()
        for row in rows:
            user = await ctx.db.get(User, row.user_id)
            assert user is not None
            m = (await ctx.db.execute(select(Membership).where(
                Membership.org_id == org.id, Membership.user_id == user.id))).scalar_one()
            roles = set((await ctx.db.execute(select(MembershipRole.role).where(
                MembershipRole.membership_id == m.id))).scalars())
            group = (await ctx.db.execute(select(GroupMember.group_id).join(
                Group, Group.id == GroupMember.group_id).where(
                GroupMember.user_id == user.id, Group.kind == "class"))).scalar_one_or_none()
            await add_member(ctx, org, user, roles, group_id=group)
    assert await snapshot(world) == after_import


async def test_invitations_reach_exactly_whom_each_chat_is_for(world: World) -> None:
    await import_file(world, oneroster().zip_bytes())
    async with acting(world) as ctx:
        chats = (await ctx.db.execute(select(Chat).where(
            Chat.org_id == world.org_id, Chat.group_id.is_not(None)))).scalars().all()
        assert len(chats) > 10
        for chat in chats:
            members = set((await ctx.db.execute(select(ChatMember.user_id).where(
                ChatMember.chat_id == chat.id, ChatMember.left_at.is_(None)))).scalars())
            invited = set((await ctx.db.execute(select(ChatInvitation.user_id).where(
                ChatInvitation.chat_id == chat.id))).scalars())
            eligible = await eligible_for_group_chat(ctx, chat)
            assert invited <= eligible, chat.title
            assert eligible <= members | invited, chat.title
            assert not members & invited, chat.title


async def test_members_who_joined_by_links_are_recognized(world: World) -> None:
    # The demo's Елена Иванова (a parent who came by a link) is in the file with her phone;
    # the demo's Петя Соколов by his full name, with no phone on either side.
    people = SCHOOL + (
        Person("dem-1", "parent", "Иванова", "Елена", phone="+79000000021", children=("stu-1",)),
        Person("dem-2", "student", "Соколов", "Петя", cls="5А"),
        # The same name as the demo's class teacher, another phone: a different person.
        Person("dem-3", "teacher", "Волкова", "Анна", "Сергеевна", phone="+79105550099"),
    )
    row = await preview(world, oneroster(people).zip_bytes())
    by_key = {p["key"]: p for p in row.plan["people"]}
    assert (by_key["dem-1"]["matched_by"], by_key["dem-1"]["op"]) == ("phone", "change")
    assert by_key["dem-1"]["user_id"] == await world.user_id("parent")
    assert by_key["dem-2"]["matched_by"] == "name"
    assert by_key["dem-2"]["user_id"] == await world.user_id("student2")
    assert (by_key["dem-3"]["matched_by"], by_key["dem-3"]["op"]) == (None, "create")
    await apply(world, row.id)
    s = await school(world)
    assert s["people"]["Елена Иванова"]["id"] == await world.user_id("parent")  # same account
    assert ("Елена Иванова", NAMES["stu-1"]) in s["parents"]
    again = await preview(world, oneroster(people).zip_bytes())
    assert again.counts["create"] == again.counts["change"] == 0  # now known by their ids


async def test_a_delta_departs_only_whom_it_names(world: World) -> None:
    await import_file(world, oneroster().zip_bytes())
    delta = oneroster(tuple(p for p in SCHOOL if p.sid in ("stu-6", "stu-1")))
    delta.files["manifest"] = [r if r[0] != "file.users" else ["file.users", "delta"]
                               for r in delta.files["manifest"]]
    next(r for r in delta.files["users"] if r[0] == "stu-6")[1] = "tobedeleted"
    row = await preview(world, delta.zip_bytes())
    assert row.plan["complete"] is False
    assert [d["name"] for d in row.plan["departures"]] == [NAMES["stu-6"]]


async def test_who_declined_is_not_asked_again(world: World) -> None:
    await import_file(world, oneroster().zip_bytes())
    s = await school(world)
    maria = s["people"][NAMES["stu-1"]]["id"]
    chat_id = s["chats"]["5А — Математика"]["id"]
    async with acting(world) as ctx:
        ctx.user = await ctx.db.get(User, maria)
        assert ctx.user is not None
        ctx.actor = await load_actor(ctx.db, ctx.user)
        await decline_invitation(ctx, chat_id)
    # A new subject teacher arrives for 5А: the class's chats are looked at again.
    people = SCHOOL + (Person("tch-9", "teacher", "Орлова", "Вера", "Ивановна",
                              teaches=(("5А", "Музыка"),)),)
    await import_file(world, oneroster(people).zip_bytes())
    async with world.services.sessionmaker() as db:
        inv = (await db.execute(select(ChatInvitation).where(
            ChatInvitation.chat_id == chat_id, ChatInvitation.user_id == maria))).scalar_one()
    assert inv.declined_at is not None
    assert NAMES["stu-1"] in (await school(world))["chats"]["5А — Музыка"]["invited"]


async def test_a_parent_with_another_child_in_the_class_stays_in_its_chat(world: World) -> None:
    twin = Person("stu-8", "student", "Иванова", "Анна", "Петровна", "2014-03-14", cls="5А")
    people = tuple(replace(p, children=p.children + ("stu-8",)) if p.sid == "par-1" else p
                   for p in SCHOOL) + (twin,)
    await import_file(world, oneroster(people).zip_bytes())
    mother = (await school(world))["people"][NAMES["par-1"]]["id"]
    chat_id = (await school(world))["chats"]["5А — родители"]["id"]
    async with acting(world) as ctx:
        from parta.actions.chats import join_chat

        ctx.user = await ctx.db.get(User, mother)
        assert ctx.user is not None
        ctx.actor = await load_actor(ctx.db, ctx.user)
        await join_chat(ctx, chat_id, accept_rules=True)
    moved = tuple(replace(p, cls="5Б") if p.sid == "stu-1" else p for p in people)
    await import_file(world, oneroster(moved).zip_bytes())
    s = await school(world)
    assert NAMES["par-1"] in s["chats"]["5А — родители"]["members"]  # Анна is still in 5А
    assert NAMES["stu-1"] not in s["chats"]["5А — класс"]["members"]


async def test_a_failed_apply_resumes_without_doing_anything_twice(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    row = await preview(world, xlsx(), file_name="licey7.xlsx")
    real = roster_apply.chats

    async def broken(*args: Any, **kw: Any) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(roster_apply, "chats", broken)
    with pytest.raises(RuntimeError):
        await apply(world, row.id)
    async with world.services.sessionmaker() as db:
        from parta.models import RosterImport

        failed = await db.get(RosterImport, row.id)
        assert failed is not None and failed.status == ImportStatus.failed
        assert failed.failure == "RuntimeError: the disk is full"
        assert 0 < failed.progress_done < failed.progress_total
    monkeypatch.setattr(roster_apply, "chats", real)
    done = await apply(world, row.id)
    assert done.status == ImportStatus.applied
    s = await school(world)
    assert len([n for n in s["people"] if n == NAMES["stu-1"]]) == 1
    async with world.services.sessionmaker() as db:
        users = (await db.execute(select(User).where(User.name == NAMES["stu-1"]))).scalars().all()
    assert len(users) == 1
    assert s["chats"]["6А — класс"]["invited"] == [NAMES["stu-6"]]
