"""The demo school moves to the next school year: 1А → 2А, 5А → 6А, 5Б → 6Б, 9А → 10А; last
year's chats of 5А stay as a read-only archive and 6А gets new chats by invitation; a class
marked to graduate leaves the school with its students (and the parents whose last child it
was); names that need a decision, a new class teacher, and every refusal."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select
from typer.testing import CliRunner

from parta.actions.chats import add_chat_member
from parta.actions.members import add_member
from parta.db import utcnow
from parta.models import (
    Chat,
    ChatInvitation,
    ChatKind,
    ChatMember,
    ChatRemoval,
    ChatRole,
    Group,
    ImportStatus,
    Invite,
    Membership,
    Message,
    Organization,
    Role,
    RosterImport,
    User,
    YearRollover,
)
from tests.conftest import PHONES, World, error_code
from tests.helpers import API, groups_of, my_id, register_gymnasium
from tests.roster.helpers import acting, audit, school

DEMO_CLASSES = ["1А", "5А", "5Б", "9А"]


async def as_(world: World, key: str) -> httpx.AsyncClient:
    """A demo person signed in once per test (sign-in codes are rate-limited per phone)."""
    cache: dict[str, httpx.AsyncClient] = world.__dict__.setdefault("signed_in", {})
    if key not in cache:
        cache[key] = await world.as_(key)
    return cache[key]


async def preview(client: httpx.AsyncClient, org_id: int, **body: Any) -> httpx.Response:
    return await client.post(f"{API}/orgs/{org_id}/rollover/preview", json=body)


async def previewed(world: World, **body: Any) -> dict[str, Any]:
    admin = await as_(world, "admin")
    r = await preview(admin, world.org_id, **body)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def applied(world: World, rollover_id: int) -> dict[str, Any]:
    admin = await as_(world, "admin")
    r = await admin.post(f"{API}/orgs/{world.org_id}/rollover/{rollover_id}/apply")
    assert r.status_code == 200, r.text
    return dict(r.json())


async def class_names(world: World) -> list[str]:
    admin = await as_(world, "admin")
    return [n for n in await groups_of(admin, world.org_id) if n != "Учительская"]


async def group_id(world: World, name: str) -> int:
    async with world.services.sessionmaker() as db:
        return (await db.execute(select(Group.id).where(
            Group.org_id == world.org_id, Group.name == name,
            Group.archived_at.is_(None)))).scalar_one()


async def chat_by_title(world: World, title: str, archived: bool) -> Chat:
    async with world.services.sessionmaker() as db:
        q = select(Chat).where(Chat.org_id == world.org_id, Chat.title == title)
        q = q.where(Chat.archived_at.is_not(None) if archived else Chat.archived_at.is_(None))
        return (await db.execute(q)).scalar_one()


async def membership_left(world: World, key: str) -> bool:
    async with world.services.sessionmaker() as db:
        m = (await db.execute(select(Membership).where(
            Membership.org_id == world.org_id,
            Membership.user_id == await world.user_id(key)))).scalar_one()
        return m.left_at is not None


# The preview ---------------------------------------------------------------------------------

async def test_the_preview_shows_the_new_year_and_changes_nothing(world: World) -> None:
    before = await school(world)
    plan = await previewed(world)
    assert plan["status"] == "preview" and plan["final_grade"] == 11 and plan["ready"] is True
    moves = [(c["name"], c["op"], c["new_name"]) for c in plan["classes"]]
    assert moves == [("1А", "promote", "2А"), ("5А", "promote", "6А"), ("5Б", "promote", "6Б"),
                     ("9А", "promote", "10А")]
    five_a = plan["classes"][1]
    assert five_a["class_teacher"]["name"] == five_a["new_class_teacher"]["name"] == \
        "Анна Сергеевна Волкова"  # the class teacher carries over
    assert five_a["students"] == 2
    assert sorted(c["title"] for c in plan["archive_chats"]) == ["5А — класс", "5А — родители"]
    six_a = {c["title"]: c for c in plan["new_chats"] if c["class"] == "6А"}
    assert sorted(six_a) == ["6А — Математика", "6А — класс", "6А — родители", "6А — учителя"]
    assert six_a["6А — класс"]["teacher"]["name"] == "Анна Сергеевна Волкова"
    assert six_a["6А — класс"]["invited"] == 2 and six_a["6А — родители"]["invited"] == 1
    assert six_a["6А — Математика"]["teacher"]["name"] == "Олег Викторович Лебедев"
    assert six_a["6А — учителя"]["invited"] == 1  # the mathematics teacher
    assert sorted(w["class"] for w in plan["warnings"]) == ["10А", "6Б"]  # no class teacher
    assert plan["graduates"] == [] and plan["parents"] == []
    assert plan["counts"]["promote"] == 4 and plan["counts"]["chats_archived"] == 2
    assert await school(world) == before
    assert await class_names(world) == DEMO_CLASSES
    [entry] = await audit(world, "year.rollover_previewed")
    assert entry.details["counts"]["chats_created"] == 7  # 6А: 4, 2А: 3 (its leader is the admin)
    r = await (await as_(world, "admin")).get(f"{API}/orgs/{world.org_id}/rollover/{plan['id']}")
    assert r.status_code == 200 and r.json()["classes"] == plan["classes"]


async def test_a_basic_school_graduates_its_ninth_grade(world: World) -> None:
    plan = await previewed(world, final_grade=9)
    assert [(c["name"], c["op"]) for c in plan["classes"]][-1] == ("9А", "graduate")


# Applying ------------------------------------------------------------------------------------

async def test_applying_promotes_archives_and_invites(world: World) -> None:
    await as_(world, "student")  # Маша has signed in; Петя never has
    plan = await previewed(world)
    world.events.clear()
    done = await applied(world, plan["id"])
    assert done["status"] == "applied" and done["applied_at"] is not None
    assert await class_names(world) == ["2А", "6А", "6Б", "10А"]
    s = await school(world)
    assert s["people"]["Маша Иванова"]["classes"] == ["6А"]  # the same class, a year older
    assert s["class_teachers"]["6А"] == "Анна Сергеевна Волкова"
    assert ("6А", "Математика", "Олег Викторович Лебедев") in s["subjects"]
    chats = s["chats"]
    # Last year's chats keep their members and their history, read-only.
    old = chats["5А — класс"]
    assert old["members"] == {"Анна Сергеевна Волкова": "owner", "Маша Иванова": "member",
                              "Петя Соколов": "member"}
    assert (await chat_by_title(world, "5А — класс", archived=True)).archived_at is not None
    # The new ones: the class teacher runs them, everyone else is asked (R23).
    new = chats["6А — класс"]
    assert new["members"] == {"Анна Сергеевна Волкова": "owner"}
    assert new["invited"] == ["Маша Иванова", "Петя Соколов"]
    assert chats["6А — родители"]["invited"] == ["Елена Иванова"]
    assert chats["6А — учителя"]["invited"] == ["Олег Викторович Лебедев"]
    assert chats["6А — Математика"]["members"] == {"Олег Викторович Лебедев": "owner"}
    assert chats["2А — родители"]["invited"] == ["Елена Иванова"]
    assert "6Б — класс" not in chats  # no class teacher, no class chats (the preview warned)
    # Events: the archive's members hear it changed, the invited are asked, the class moved.
    masha, petya = await world.user_id("student"), await world.user_id("student2")
    teacher, admin = await world.user_id("teacher"), await world.user_id("admin")
    archived = {e.event.model_dump()["chat_id"]: e.audience for e in world.events_of("chat.changed")}
    assert archived[old["id"]] == frozenset({teacher, masha, petya})
    invited = {e.event.model_dump()["chat_id"]: set() for e in world.events_of("chat.invited")}
    for e in world.events_of("chat.invited"):
        invited[e.event.model_dump()["chat_id"]] |= e.audience
    assert invited[new["id"]] == {masha}  # Петя sees his on first sign-in
    six_a = await group_id(world, "6А")
    moved = [e for e in world.events_of("group.changed") if e.event.model_dump()["group_id"] == six_a]
    assert moved and {masha, petya, teacher, admin, await world.user_id("parent")} <= moved[-1].audience
    [entry] = await audit(world, "year.rollover_applied")
    assert entry.details["counts"]["promote"] == 4 and len(entry.details["created_chats"]) == 7
    assert {e.details["after"] for e in await audit(world, "group.promoted")} == {
        "2А", "6А", "6Б", "10А"}


async def test_last_years_chat_is_read_only(world: World) -> None:
    masha, teacher = await as_(world, "student"), await as_(world, "teacher")
    old = (await school(world))["chats"]["5А — класс"]["id"]
    page = (await masha.get(f"{API}/chats/{old}/messages")).json()
    mine = next(m for m in page["messages"] if m["body"] == "А форма парадная?")
    await applied(world, (await previewed(world))["id"])
    r = await masha.get(f"{API}/chats/{old}/messages")
    assert r.status_code == 200 and len(r.json()["messages"]) == 3  # still readable
    for who, r in (
        ("student", await masha.post(f"{API}/chats/{old}/messages", json={"body": "Привет"})),
        ("teacher", await teacher.post(f"{API}/chats/{old}/messages", json={"body": "Итоги"})),
        ("edit", await masha.patch(f"{API}/chats/{old}/messages/{mine['id']}",
                                   json={"body": "А форма обычная?"})),
        ("react", await masha.put(f"{API}/chats/{old}/messages/{mine['id']}/reactions/👍")),
        ("settings", await teacher.patch(f"{API}/chats/{old}", json={"title": "Новое"})),
        ("typing", await masha.post(f"{API}/chats/{old}/typing")),
    ):
        assert (r.status_code, error_code(r)) == (409, "chat_archived"), who
    async with world.services.sessionmaker() as db:
        assert (await db.get(Message, mine["id"])).body == "А форма парадная?"  # type: ignore[union-attr]
    listed = {c["id"]: c for c in (await masha.get(f"{API}/chats")).json()["chats"]}
    assert listed[old]["archived"] is True
    # The moderator may still take down what breaks the rules; anyone may leave.
    r = await teacher.delete(f"{API}/chats/{old}/messages/{mine['id']}")
    assert r.status_code == 200, r.text
    assert (await masha.post(f"{API}/chats/{old}/leave")).status_code == 200


async def test_graduation_ends_the_school_for_students_and_their_last_parents(world: World) -> None:
    five_a = await group_id(world, "5А")
    async with acting(world) as ctx:  # a pending invitation and a link into 5А
        ctx.db.add(Invite(org_id=world.org_id, group_id=five_a, role=Role.student, token="t" * 43,
                          expires_at=utcnow() + timedelta(days=7)))
    plan = await previewed(world, classes=[{"group_id": five_a, "action": "graduate"}])
    assert [(g["name"], g["class"], g["ends"]) for g in plan["graduates"]] == [
        ("Маша Иванова", "5А", "membership"), ("Петя Соколов", "5А", "membership")]
    assert plan["parents"] == []  # Елена Иванова still has Ваня in 1А
    assert plan["archive_chats"] and not any(c["class"] == "5А" for c in plan["new_chats"])
    await applied(world, plan["id"])
    assert await class_names(world) == ["2А", "6Б", "10А"]
    assert await membership_left(world, "student") and await membership_left(world, "student2")
    assert not await membership_left(world, "parent")
    s = await school(world)
    assert "Маша Иванова" not in s["people"]
    assert s["people"]["Елена Иванова"]["roles"] == ["parent"]
    chats = s["chats"]
    assert chats["5А — класс"]["members"] == {"Анна Сергеевна Волкова": "owner"}
    assert chats["5А — родители"]["members"] == {"Анна Сергеевна Волкова": "owner"}
    reasons = {(e.target_id, e.details["reason"]) for e in await audit(world, "chat.member_removed")}
    masha, elena = await world.user_id("student"), await world.user_id("parent")
    assert (masha, "Выпуск: окончание обучения") in reasons
    assert (elena, "Ребёнок окончил обучение") in reasons  # out of 5А's parents' chat (R32)
    async with world.services.sessionmaker() as db:
        graduated = await db.get(Group, five_a)
        assert graduated is not None and graduated.archived_at is not None
        assert (await db.execute(select(Invite.annulled_at).where(
            Invite.group_id == five_a))).scalar_one() is not None
        left = (await db.execute(select(ChatMember.id).where(
            ChatMember.user_id == masha, ChatMember.left_at.is_(None)))).all()
        assert left == []  # not even the school-wide channel
    departed = {e.target_id: e.details["reason"] for e in await audit(world, "member.departed")}
    assert departed == {masha: "graduation", await world.user_id("student2"): "graduation"}
    roles = [e for e in world.events_of("roles.changed") if e.event.model_dump()["user_id"] == masha]
    assert roles and masha in roles[-1].audience
    # A graduate no longer sees last year's chats.
    r = await (await as_(world, "student")).get(f"{API}/chats/{chats['5А — класс']['id']}/messages")
    assert r.status_code == 404


async def test_a_parent_whose_last_child_graduates_leaves_too(world: World) -> None:
    one_a, five_a = await group_id(world, "1А"), await group_id(world, "5А")
    plan = await previewed(world, classes=[{"group_id": one_a, "action": "graduate"},
                                           {"group_id": five_a, "action": "graduate"}])
    assert [(p["name"], p["children"], p["ends"]) for p in plan["parents"]] == [
        ("Елена Иванова", ["Ваня Иванов", "Маша Иванова"], "membership")]
    await applied(world, plan["id"])
    assert await membership_left(world, "parent")
    departed = {e.target_id: e.details["reason"] for e in await audit(world, "member.departed")}
    assert departed[await world.user_id("parent")] == "graduation_of_child"


async def test_someone_with_another_role_keeps_their_membership(world: World) -> None:
    async with acting(world) as ctx:  # Петя helps in the lab; Елена teaches music
        org = await ctx.db.get(Organization, world.org_id)
        assert org is not None
        for key in ("student2", "parent"):
            user = (await ctx.db.execute(select(User).where(User.phone == PHONES[key]))).scalar_one()
            await add_member(ctx, org, user, {Role.teacher})
    one_a, five_a = await group_id(world, "1А"), await group_id(world, "5А")
    plan = await previewed(world, classes=[{"group_id": one_a, "action": "graduate"},
                                           {"group_id": five_a, "action": "graduate"}])
    ends = {g["name"]: g["ends"] for g in plan["graduates"]}
    assert ends == {"Маша Иванова": "membership", "Петя Соколов": "student_role",
                    "Ваня Иванов": "membership"}
    assert [(p["name"], p["ends"]) for p in plan["parents"]] == [("Елена Иванова", "parent_role")]
    await applied(world, plan["id"])
    people = (await school(world))["people"]
    assert people["Петя Соколов"]["roles"] == ["teacher"] and people["Петя Соколов"]["classes"] == []
    assert people["Елена Иванова"]["roles"] == ["teacher"]
    assert await membership_left(world, "student")
    assert {e.target_id for e in await audit(world, "role.ended")} == {
        await world.user_id("student2"), await world.user_id("parent")}


async def test_classes_move_up_a_chain_and_the_final_grade_makes_room(world: World) -> None:
    admin = await as_(world, "admin")
    made = {}
    for grade, letter in ((6, "А"), (10, "Б"), (11, "Б")):
        r = await admin.post(f"{API}/orgs/{world.org_id}/groups",
                             json={"grade": grade, "letter": letter})
        made[f"{grade}{letter}"] = r.json()["id"]
    five_a = await group_id(world, "5А")
    plan = await previewed(world)
    assert {c["name"]: c["op"] for c in plan["classes"]}["11Б"] == "graduate"
    await applied(world, plan["id"])
    # The same groups under their new names: 5А is 6А, 6А is 7А, 10Б took 11Б's name.
    assert await group_id(world, "6А") == five_a and await group_id(world, "7А") == made["6А"]
    assert await group_id(world, "11Б") == made["10Б"]
    async with world.services.sessionmaker() as db:
        old = await db.get(Group, made["11Б"])
        assert old is not None and old.name == "11Б" and old.archived_at is not None


# Decisions -----------------------------------------------------------------------------------

async def test_a_name_off_the_pattern_waits_for_a_decision(world: World) -> None:
    admin = await as_(world, "admin")
    r = await admin.post(f"{API}/orgs/{world.org_id}/groups",
                         json={"grade": 7, "letter": "К", "name": "7 кадетский"})
    assert r.status_code == 201, r.text
    cadets = r.json()["id"]
    r = await admin.post(f"{API}/orgs/{world.org_id}/groups", json={"name": "Хор"})
    choir = r.json()["id"]
    plan = await previewed(world)
    rows = {c["name"]: c for c in plan["classes"]}
    assert (rows["7 кадетский"]["op"], rows["7 кадетский"]["reason"]) == ("undecided", "name_pattern")
    assert rows["Хор"]["op"] == "keep"  # no grade: stays as it is
    assert plan["ready"] is False
    r = await admin.post(f"{API}/orgs/{world.org_id}/rollover/{plan['id']}/apply")
    assert (r.status_code, error_code(r)) == (422, "rollover_undecided")
    assert await class_names(world) == ["1А", "5А", "5Б", "7 кадетский", "9А", "Хор"]
    plan = await previewed(world, classes=[{"group_id": cadets, "name": "8 кадетский"},
                                           {"group_id": choir, "action": "graduate"}])
    rows = {c["name"]: c for c in plan["classes"]}
    assert (rows["7 кадетский"]["op"], rows["7 кадетский"]["new_name"]) == ("promote", "8 кадетский")
    assert rows["7 кадетский"]["new_grade"] == 8 and rows["Хор"]["op"] == "graduate"
    await applied(world, plan["id"])
    assert sorted(await class_names(world)) == sorted(["2А", "6А", "6Б", "8 кадетский", "10А"])


async def test_a_taken_name_waits_for_a_decision(world: World) -> None:
    admin = await as_(world, "admin")
    r = await admin.post(f"{API}/orgs/{world.org_id}/groups", json={"name": "6А"})
    six_a = r.json()["id"]  # made by name only: no grade, so it stays — and 5А cannot move
    plan = await previewed(world)
    rows = {c["name"]: c for c in plan["classes"]}
    assert (rows["5А"]["op"], rows["5А"]["reason"]) == ("undecided", "name_taken")
    plan = await previewed(world, classes=[{"group_id": six_a, "name": "7А"}])
    assert plan["ready"] is True
    await applied(world, plan["id"])
    assert sorted(await class_names(world)) == sorted(["2А", "6А", "6Б", "7А", "10А"])


async def test_a_new_class_teacher_takes_over(world: World) -> None:
    five_a = await group_id(world, "5А")
    math = await world.user_id("math_teacher")
    plan = await previewed(world, classes=[{"group_id": five_a, "class_teacher_id": math}])
    row = next(c for c in plan["classes"] if c["name"] == "5А")
    assert row["class_teacher"]["name"] == "Анна Сергеевна Волкова"
    assert row["new_class_teacher"]["name"] == "Олег Викторович Лебедев"
    assert plan["counts"]["class_teachers_changed"] == 1
    await applied(world, plan["id"])
    s = await school(world)
    assert s["class_teachers"]["6А"] == "Олег Викторович Лебедев"
    assert s["chats"]["6А — класс"]["members"] == {"Олег Викторович Лебедев": "owner"}
    assert "Анна Сергеевна Волкова" in s["chats"]["5А — класс"]["members"]  # the archive stays
    [handover] = [e for e in await audit(world, "group.class_teacher_set") if e.target_id == five_a]
    assert handover.details == {"before": await world.user_id("teacher"), "after": math}


# Refusals ------------------------------------------------------------------------------------

async def test_only_the_organization_administrator_rolls_over(world: World) -> None:
    plan = await previewed(world)
    for key in ("teacher", "student", "parent"):
        c = await as_(world, key)
        r = await preview(c, world.org_id)
        assert (r.status_code, error_code(r)) == (403, "forbidden"), key
        r = await c.post(f"{API}/orgs/{world.org_id}/rollover/{plan['id']}/apply")
        assert r.status_code == 403, key
        r = await c.get(f"{API}/orgs/{world.org_id}/rollover/{plan['id']}")
        assert r.status_code == 403, key
    gym_id, gym_admin = await register_gymnasium(world)
    for r in (await preview(gym_admin, world.org_id),
              await gym_admin.post(f"{API}/orgs/{world.org_id}/rollover/{plan['id']}/apply"),
              await gym_admin.get(f"{API}/orgs/{world.org_id}/rollover/{plan['id']}"),
              await gym_admin.get(f"{API}/orgs/{gym_id}/rollover/{plan['id']}"),
              await gym_admin.post(f"{API}/orgs/{gym_id}/rollover/{plan['id']}/apply")):
        assert (r.status_code, error_code(r)) == (404, "not_found")
    r = await world.client().post(f"{API}/orgs/{world.org_id}/rollover/preview", json={})
    assert r.status_code == 401
    assert await class_names(world) == DEMO_CLASSES


async def test_applying_twice_or_an_old_preview_is_refused(world: World) -> None:
    admin = await as_(world, "admin")
    first = await previewed(world)
    second = await previewed(world)
    r = await admin.post(f"{API}/orgs/{world.org_id}/rollover/{first['id']}/apply")
    assert (r.status_code, error_code(r)) == (409, "rollover_not_preview")
    await applied(world, second["id"])
    r = await admin.post(f"{API}/orgs/{world.org_id}/rollover/{second['id']}/apply")
    assert (r.status_code, error_code(r)) == (409, "rollover_not_preview")
    assert await class_names(world) == ["2А", "6А", "6Б", "10А"]  # promoted once, not twice
    # Another rollover so soon is almost surely a mistake: it must be asked for.
    r = await preview(admin, world.org_id)
    assert (r.status_code, error_code(r)) == (409, "rollover_recent")
    assert r.json()["error"]["field_codes"] == {"repeat": "required"}
    assert (await preview(admin, world.org_id, repeat=True)).status_code == 201


async def test_a_stale_preview_is_refused_and_changes_nothing(world: World) -> None:
    admin = await as_(world, "admin")
    plan = await previewed(world)
    five_b = await group_id(world, "5Б")
    r = await admin.put(f"{API}/orgs/{world.org_id}/groups/{five_b}/class-teacher",
                        json={"user_id": await world.user_id("math_teacher")})
    assert r.status_code == 200, r.text
    before = await school(world)
    world.events.clear()
    r = await admin.post(f"{API}/orgs/{world.org_id}/rollover/{plan['id']}/apply")
    assert (r.status_code, error_code(r)) == (409, "rollover_changed")
    assert await school(world) == before and world.events == []
    assert await class_names(world) == DEMO_CLASSES
    async with world.services.sessionmaker() as db:
        row = await db.get(YearRollover, plan["id"])
        assert row is not None and row.status.value == "preview"  # previewing again is the way
    again = await previewed(world)
    assert {w["class"] for w in again["warnings"]} == {"10А"}  # 6Б has a class teacher now
    await applied(world, again["id"])


async def test_a_stale_preview_after_a_new_student_or_chat(world: World) -> None:
    plan = await previewed(world)
    five_a, teacher = await group_id(world, "5А"), await world.user_id("teacher")
    async with acting(world) as ctx:  # a chat for 5А made after the preview
        chat = Chat(org_id=world.org_id, kind=ChatKind.subject, title="5А — Музыка",
                    subject="Музыка", group_id=five_a)
        ctx.db.add(chat)
        await ctx.db.flush()
        await add_chat_member(ctx, chat, teacher, ChatRole.owner, rules_accepted=True)
    r = await (await as_(world, "admin")).post(
        f"{API}/orgs/{world.org_id}/rollover/{plan['id']}/apply")
    assert (r.status_code, error_code(r)) == (409, "rollover_changed")


async def test_not_while_a_roster_import_is_being_applied(world: World) -> None:
    plan = await previewed(world)
    async with world.services.sessionmaker() as db:
        db.add(RosterImport(org_id=world.org_id, kind="xlsx", status=ImportStatus.applying))
        await db.commit()
    r = await (await as_(world, "admin")).post(
        f"{API}/orgs/{world.org_id}/rollover/{plan['id']}/apply")
    assert (r.status_code, error_code(r)) == (409, "roster_busy")
    assert await class_names(world) == DEMO_CLASSES


async def test_a_bad_new_class_teacher_is_refused(world: World) -> None:
    admin = await as_(world, "admin")
    five_a = await group_id(world, "5А")
    _, gym_admin = await register_gymnasium(world)
    elsewhere = await my_id(gym_admin)  # another school's staff
    for teacher in (await world.user_id("student"), await world.user_id("parent"), elsewhere,
                    999_999):
        r = await preview(admin, world.org_id,
                          classes=[{"group_id": five_a, "class_teacher_id": teacher}])
        assert (r.status_code, error_code(r)) == (422, "not_a_teacher"), teacher
        assert r.json()["error"]["field_codes"] == {"classes.0.class_teacher_id": "not_a_teacher"}
    async with world.services.sessionmaker() as db:
        assert (await db.execute(select(YearRollover.id))).all() == []


async def test_malformed_input_is_refused(world: World) -> None:
    admin = await as_(world, "admin")
    five_a = await group_id(world, "5А")
    async with world.services.sessionmaker() as db:
        staff_room = (await db.execute(select(Group.id).where(
            Group.org_id == world.org_id, Group.kind == "staff_room"))).scalar_one()
    gym_id, gym_admin = await register_gymnasium(world)
    r = await gym_admin.post(f"{API}/orgs/{gym_id}/groups", json={"grade": 5, "letter": "А"})
    their_class = r.json()["id"]
    cases: list[tuple[dict[str, Any], dict[str, str]]] = [
        ({"final_grade": 10}, {"final_grade": "out_of_range"}),  # a school ends with 9 or 11
        ({"final_grade": 0}, {"final_grade": "out_of_range"}),
        ({"final_grade": "одиннадцатый"}, {"final_grade": "invalid"}),
        ({"classes": [{"group_id": their_class, "action": "graduate"}]},
         {"classes.0.group_id": "invalid"}),  # another school's class does not exist here
        ({"classes": [{"group_id": staff_room, "action": "graduate"}]},
         {"classes.0.group_id": "invalid"}),
        ({"classes": [{"group_id": five_a}, {"group_id": five_a}]},
         {"classes.1.group_id": "duplicate"}),
        ({"classes": [{"group_id": five_a, "action": "graduate", "name": "6А"}]},
         {"classes.0.name": "invalid"}),
        ({"classes": [{"group_id": five_a, "action": "graduate",
                       "class_teacher_id": await world.user_id("teacher")}]},
         {"classes.0.class_teacher_id": "invalid"}),
        ({"classes": [{"group_id": five_a, "action": "skip"}]}, {"classes.0.action": "invalid"}),
        ({"classes": [{"group_id": five_a, "name": "  "}]}, {"classes.0.name": "too_short"}),
        ({"classes": [{"group_id": five_a, "name": "Ы" * 101}]}, {"classes.0.name": "too_long"}),
        ({"classes": [{"group_id": 0}]}, {"classes.0.group_id": "out_of_range"}),
        ({"classes": {"5А": "graduate"}}, {"classes": "invalid"}),
        ({"years": 2}, {"years": "invalid"}),
    ]
    for body, fields in cases:
        r = await preview(admin, world.org_id, **body)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["error"]["field_codes"] == fields, body
    r = await admin.post(f"{API}/orgs/{world.org_id}/rollover/preview", content=b"{oops",
                         headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    r = await admin.post(f"{API}/orgs/{world.org_id}/rollover/abc/apply")
    assert r.status_code == 404
    async with world.services.sessionmaker() as db:
        assert (await db.execute(select(YearRollover.id))).all() == []
        assert (await db.execute(select(ChatRemoval.id))).all() == []


async def test_a_kindergarten_names_its_final_grade(world: World) -> None:
    async with world.services.sessionmaker() as db:
        org = await db.get(Organization, world.org_id)
        assert org is not None
        org.kind = "kindergarten"  # type: ignore[assignment]
        await db.commit()
    admin = await as_(world, "admin")
    r = await preview(admin, world.org_id)
    assert (r.status_code, r.json()["error"]["field_codes"]) == (422, {"final_grade": "required"})
    plan = await previewed(world, final_grade=5)
    assert [(c["name"], c["op"]) for c in plan["classes"]][:3] == [
        ("1А", "promote"), ("5А", "graduate"), ("5Б", "graduate")]


# The command line ------------------------------------------------------------------------------

def test_the_command_shows_then_applies(tmp_path: Any, monkeypatch: Any) -> None:
    import sqlite3

    from parta.cli import app

    path = tmp_path / "cli.db"
    monkeypatch.setenv("PARTA_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    runner = CliRunner()
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    assert runner.invoke(app, ["demo"]).exit_code == 0
    with sqlite3.connect(path) as db:
        org = db.execute("select id from organization").fetchone()[0]
    shown = runner.invoke(app, ["year", "rollover", "--org", str(org)])
    assert shown.exit_code == 0, shown.output
    assert "6А" in shown.output and "Ирина Петровна Смирнова" in shown.output
    with sqlite3.connect(path) as db:
        assert db.execute("select count(*) from org_group where name = '6А'").fetchone()[0] == 0
    done = runner.invoke(app, ["year", "rollover", "--org", str(org), "--apply"])
    assert done.exit_code == 0, done.output
    with sqlite3.connect(path) as db:
        names = {n for (n,) in db.execute(
            "select name from org_group where archived_at is null and kind != 'staff_room'")}
        assert names == {"2А", "6А", "6Б", "10А"}
    again = runner.invoke(app, ["year", "rollover", "--org", str(org), "--apply"])
    assert again.exit_code == 2 and "rollover_recent" in again.output
    bad = runner.invoke(app, ["year", "rollover", "--org", str(org), "--as", "+79000000002"])
    assert bad.exit_code == 2  # a teacher is not the organization's administrator


async def test_invitations_into_the_archive_are_withdrawn(world: World) -> None:
    five_a = await group_id(world, "5А")
    chat = await chat_by_title(world, "5А — родители", archived=False)
    petya = await world.user_id("student2")
    async with acting(world) as ctx:  # Петя was asked into the parents' chat by mistake
        ctx.db.add(ChatInvitation(chat_id=chat.id, user_id=petya))
    await applied(world, (await previewed(world))["id"])
    async with world.services.sessionmaker() as db:
        assert (await db.execute(select(ChatInvitation.id).where(
            ChatInvitation.chat_id == chat.id))).all() == []
        assert (await db.get(Group, five_a)).name == "6А"  # type: ignore[union-attr]
