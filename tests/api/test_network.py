"""A network of schools (R41): Анна Сергеевна of Школа № 1 starts a joint chat with Гимназия
№ 5; its administrator Наталья Павловна accepts for her school and invites her math teacher
Сергей Ильич; they talk; each school moderates its own people; the gymnasium leaves. And the
municipality's methodical association of mathematics teachers.

Tenancy is checked as a matrix over the app's own route table: whoever takes part in a joint
chat from one school reads that chat and nothing else of the other school."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
from sqlalchemy import select

from parta.actions.base import unit_of_work
from parta.actions.members import add_member
from parta.models import (
    Chat,
    ChatKind,
    Group,
    GroupKind,
    GroupTeacher,
    Municipality,
    Organization,
    OrgKind,
    Region,
    Role,
    User,
)
from tests.conftest import World, error_code
from tests.helpers import register_gymnasium

API = "/api/v1"
SERGEY = "+79161230001"  # the gymnasium's math teacher
LIDIA = "+79161230002"  # the gymnasium's history teacher
FAR_ADMIN = "+79161239001"  # the administrator of a school of another municipality
MUNI_ADMIN = "+79005550001"


async def _person(ctx: Any, org: Organization, phone: str, name: str, roles: set[Role]) -> User:
    user = User(phone=phone, name=name)
    ctx.db.add(user)
    await ctx.db.flush()
    await add_member(ctx, org, user, roles)
    return user


async def gymnasium(world: World) -> tuple[int, httpx.AsyncClient]:
    """Гимназия № 5 of the same municipality, its administrator, a math teacher of its 7А and a
    history teacher."""
    org_id, natalia = await register_gymnasium(world)
    async with unit_of_work(world.services) as ctx:
        org = await ctx.db.get(Organization, org_id)
        assert org is not None
        group = Group(org_id=org.id, kind=GroupKind.class_, name="7А", grade=7, letter="А")
        ctx.db.add(group)
        sergey = await _person(ctx, org, SERGEY, "Сергей Ильич Орехов", {Role.teacher})
        await _person(ctx, org, LIDIA, "Лидия Марковна Зайцева", {Role.teacher})
        await ctx.db.flush()
        ctx.db.add(GroupTeacher(group_id=group.id, user_id=sergey.id, subject="математика"))
        ctx.events.clear()
    return org_id, natalia


async def far_school(world: World) -> tuple[int, httpx.AsyncClient]:
    """A school of another municipality, and its administrator."""
    async with unit_of_work(world.services) as ctx:
        region = (await ctx.db.execute(select(Region))).scalars().first()
        assert region is not None
        muni = Municipality(region_id=region.id, name="Дальний район")
        ctx.db.add(muni)
        await ctx.db.flush()
        org = Organization(name="Школа села Дальнее", kind=OrgKind.school,
                           municipality_id=muni.id)
        ctx.db.add(org)
        await ctx.db.flush()
        ctx.db.add(Group(org_id=org.id, kind=GroupKind.staff_room, name="Учительская"))
        await _person(ctx, org, FAR_ADMIN, "Пётр Андреевич Далёкий", {Role.org_admin})
        ctx.events.clear()
        org_id = org.id
    return org_id, await world.sign_in(FAR_ADMIN)


async def start_joint_chat(world: World, gym_id: int) -> tuple[httpx.AsyncClient, int]:
    anna = await world.as_("teacher")
    r = await anna.post(f"{API}/orgs/{world.org_id}/joint-chats", json={
        "title": "Олимпиада по математике: две школы", "rules": "Только об олимпиаде.",
        "org_ids": [gym_id]})
    assert r.status_code == 201, r.text
    return anna, r.json()["chat_id"]


async def accepted(world: World) -> dict[str, Any]:
    """The gymnasium took part: Наталья accepted, Сергей joined and said hello."""
    gym_id, natalia = await gymnasium(world)
    anna, chat_id = await start_joint_chat(world, gym_id)
    r = await natalia.post(f"{API}/orgs/{gym_id}/joint-chats/{chat_id}/decision",
                           json={"accept": True, "accept_rules": True})
    assert r.status_code == 200, r.text
    sergey = await world.sign_in(SERGEY)
    sergey_id = int((await sergey.get(f"{API}/me")).json()["id"])
    r = await natalia.post(f"{API}/orgs/{gym_id}/joint-chats/{chat_id}/staff",
                           json={"user_ids": [sergey_id]})
    assert r.status_code == 200 and r.json()["invited"] == [sergey_id], r.text
    r = await sergey.post(f"{API}/chats/{chat_id}/join", json={"accept_rules": True})
    assert r.status_code == 200, r.text
    r = await sergey.post(f"{API}/chats/{chat_id}/messages",
                          json={"body": "Здравствуйте, коллеги из первой школы!"})
    assert r.status_code in (200, 201), r.text
    return {"gym_id": gym_id, "natalia": natalia, "anna": anna, "chat_id": chat_id,
            "sergey": sergey, "sergey_id": sergey_id}


async def test_two_schools_talk_in_a_joint_chat(world: World) -> None:
    gym_id, natalia = await gymnasium(world)
    anna = await world.as_("teacher")
    partners = (await anna.get(f"{API}/orgs/{world.org_id}/network/partners")).json()
    assert partners["organizations"] == [{"id": gym_id, "name": "Гимназия № 5"}]

    anna, chat_id = await start_joint_chat(world, gym_id)
    net = (await anna.get(f"{API}/chats/{chat_id}/network")).json()
    assert [(o["name"], o["status"], o["owner"]) for o in net["orgs"]] == [
        ("Школа № 1 (демо)", "accepted", True), ("Гимназия № 5", "invited", False)]
    assert net["can_invite_orgs"] is True
    invited = [e for e in world.events_of("network.invited") if e.event.chat_id == chat_id]
    assert invited and invited[0].audience == {await _id(natalia)}

    # The gymnasium's administrator reads the rules (the owner school's, then the chat's).
    assert (await natalia.get(f"{API}/chats/{chat_id}")).status_code == 404
    inv = (await natalia.get(f"{API}/orgs/{gym_id}/joint-invitations")).json()["invitations"]
    assert [(i["chat_id"], i["owner_org"]["name"], i["invited_by"]["name"]) for i in inv] == [
        (chat_id, "Школа № 1 (демо)", "Анна Сергеевна Волкова")]
    assert inv[0]["rules"][-1] == "Только об олимпиаде."
    r = await natalia.post(f"{API}/orgs/{gym_id}/joint-chats/{chat_id}/decision",
                           json={"accept": True})
    assert r.status_code == 422 and error_code(r) == "rules_not_accepted"
    r = await natalia.post(f"{API}/orgs/{gym_id}/joint-chats/{chat_id}/decision",
                           json={"accept": True, "accept_rules": True})
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    detail = (await natalia.get(f"{API}/chats/{chat_id}")).json()
    assert detail["my_role"] == "moderator" and detail["network"] is True
    assert (await natalia.get(f"{API}/orgs/{gym_id}/joint-invitations")).json()[
        "invitations"] == []

    # She invites her math teacher; he joins by his own act and writes.
    sergey = await world.sign_in(SERGEY)
    sergey_id = await _id(sergey)
    r = await natalia.post(f"{API}/orgs/{gym_id}/joint-chats/{chat_id}/staff",
                           json={"user_ids": [sergey_id]})
    assert r.json()["invited"] == [sergey_id]
    r = await sergey.post(f"{API}/chats/{chat_id}/join", json={"accept_rules": True})
    assert r.status_code == 200, r.text
    r = await sergey.post(f"{API}/chats/{chat_id}/messages", json={"body": "Добрый день!"})
    assert r.status_code in (200, 201), r.text
    page = (await anna.get(f"{API}/chats/{chat_id}/messages")).json()["messages"]
    assert page[0]["body"] == "Добрый день!" and page[0]["author"]["name"] == "Сергей Ильич Орехов"

    # Members' names and schools, as everyone in the chat sees them.
    names = {m["user"]["id"]: m["user"]["name"] for m in
             (await sergey.get(f"{API}/chats/{chat_id}/members")).json()["members"]}
    net = (await sergey.get(f"{API}/chats/{chat_id}/network")).json()
    schools = {o["id"]: o["name"] for o in net["orgs"]}
    assert {names[m["user_id"]]: schools[m["org_id"]] for m in net["members"]} == {
        "Анна Сергеевна Волкова": "Школа № 1 (демо)",
        "Наталья Павловна Орлова": "Гимназия № 5",
        "Сергей Ильич Орехов": "Гимназия № 5"}
    assert net["can_invite_orgs"] is False  # a guest school's people invite no schools

    # The joint chat is in both schools' people's chat lists.
    for who, school in ((sergey, gym_id), (anna, world.org_id)):
        listed = {c["id"] for c in (await who.get(f"{API}/chats", params={
            "org_id": school})).json()["chats"]}
        assert chat_id in listed


async def _id(c: httpx.AsyncClient) -> int:
    return int((await c.get(f"{API}/me")).json()["id"])


def _filled(path: str, ids: dict[str, int]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), 1)), path)


def _org_and_chat_gets(world: World) -> list[str]:
    """Every GET route of the API that names an organization or a chat, from the app's own
    route table (its OpenAPI document): a route added later is covered without touching this
    test."""
    paths = world.app.openapi()["paths"]
    return sorted(p for p, ops in paths.items() if "get" in ops and p.startswith(API) and (
        "{org_id}" in p or "{chat_id}" in p))


async def _ids_of(world: World, org_id: int) -> dict[str, int]:
    """Ids of one school's things: the school, a chat of its own, a class, a staff member."""
    async with world.services.sessionmaker() as db:
        chat = (await db.execute(select(Chat.id).where(
            Chat.org_id == org_id, Chat.kind.in_([ChatKind.class_, ChatKind.staff_channel]))
            .order_by(Chat.id))).scalars().first()
        group = (await db.execute(select(Group.id).where(Group.org_id == org_id)
                                  .order_by(Group.id))).scalars().first()
    assert chat is not None and group is not None
    return {"org_id": org_id, "chat_id": chat, "group_id": group}


async def test_a_guest_school_reads_the_joint_chat_and_nothing_else_of_the_owner(
        world: World) -> None:
    s = await accepted(world)
    sergey, anna, chat_id = s["sergey"], s["anna"], s["chat_id"]
    routes = _org_and_chat_gets(world)
    assert f"{API}/orgs/{{org_id}}/members" in routes and f"{API}/chats/{{chat_id}}" in routes

    # The joint chat itself: readable from either school.
    for who in (sergey, anna):
        for path in routes:
            if "{org_id}" in path or "{chat_id}" not in path:
                continue
            if re.search(r"\{(?!chat_id\})\w+\}", path):
                continue  # names something inside the chat besides it
            r = await who.get(_filled(path, {"chat_id": chat_id}))
            # The chat is there for them (a «no call now» is an answer about this chat).
            assert r.status_code < 500 and not (
                r.status_code == 404 and error_code(r) == "not_found"), (path, r.text)

    # Everything else of the other school: not there, exactly like nothing.
    for who, other_org in ((sergey, world.org_id), (anna, s["gym_id"])):
        user_id = await _id(anna if who is sergey else sergey)
        ids = {**await _ids_of(world, other_org), "user_id": user_id}
        for path in routes:
            r = await who.get(_filled(path, ids))
            assert r.status_code == 404, (path, r.status_code, r.text)
            assert error_code(r) == "not_found"


async def test_each_school_moderates_its_own_people(world: World) -> None:
    s = await accepted(world)
    anna, natalia, chat_id, sergey_id = s["anna"], s["natalia"], s["chat_id"], s["sergey_id"]
    url = f"{API}/chats/{chat_id}/members/{sergey_id}/violations"
    body = {"rule_number": 1, "explanation": "Не по теме олимпиады"}
    r = await anna.post(url, json=body)
    assert r.status_code == 403 and error_code(r) == "not_your_school"
    r = await natalia.post(url, json=body)
    assert r.status_code == 201, r.text
    # The owner school's rules are the chat's: rule 1 is the school's first rule.
    assert r.json()["rule_number"] == 1


async def test_a_school_that_left_sees_nothing_new(world: World) -> None:
    s = await accepted(world)
    anna, natalia, sergey, chat_id, gym_id = (s["anna"], s["natalia"], s["sergey"],
                                              s["chat_id"], s["gym_id"])
    r = await sergey.post(f"{API}/orgs/{gym_id}/joint-chats/{chat_id}/leave")
    assert r.status_code == 403  # a teacher does not take the school out
    r = await natalia.post(f"{API}/orgs/{gym_id}/joint-chats/{chat_id}/leave")
    assert r.status_code == 200 and r.json()["status"] == "left"
    left = [e for e in world.events_of("chat.member") if e.event.chat_id == chat_id
            and e.event.change == "left"]
    assert {e.event.user_id for e in left} == {s["sergey_id"], await _id(natalia)}
    r = await anna.post(f"{API}/chats/{chat_id}/messages", json={"body": "Итоги олимпиады"})
    assert r.status_code in (200, 201)
    for who in (sergey, natalia):
        assert (await who.get(f"{API}/chats/{chat_id}")).status_code == 404
        assert (await who.get(f"{API}/chats/{chat_id}/messages")).status_code == 404
        assert chat_id not in {c["id"] for c in (await who.get(f"{API}/chats")).json()["chats"]}
    # The history stays with the owner school.
    bodies = [m["body"] for m in (await anna.get(f"{API}/chats/{chat_id}/messages")).json()[
        "messages"]]
    assert bodies[:2] == ["Итоги олимпиады", "Здравствуйте, коллеги из первой школы!"]
    net = (await anna.get(f"{API}/chats/{chat_id}/network")).json()
    assert [o["status"] for o in net["orgs"] if o["id"] == gym_id] == ["left"]
    # Leaving twice: the school is not in the chat any more.
    r = await natalia.post(f"{API}/orgs/{gym_id}/joint-chats/{chat_id}/leave")
    assert r.status_code == 404


async def test_the_owner_school_removes_a_school(world: World) -> None:
    s = await accepted(world)
    anna, sergey, chat_id, gym_id = s["anna"], s["sergey"], s["chat_id"], s["gym_id"]
    r = await sergey.post(f"{API}/chats/{chat_id}/network/orgs/{world.org_id}/remove")
    assert r.status_code == 403 and error_code(r) == "not_owner_school"
    r = await anna.post(f"{API}/chats/{chat_id}/network/orgs/{gym_id}/remove")
    assert r.status_code == 200, r.text
    assert [o["status"] for o in r.json()["orgs"] if o["id"] == gym_id] == ["removed"]
    assert (await sergey.get(f"{API}/chats/{chat_id}/messages")).status_code == 404
    # Invited again, the school decides again.
    r = await anna.post(f"{API}/chats/{chat_id}/network/orgs", json={"org_ids": [gym_id]})
    assert [o["status"] for o in r.json()["orgs"] if o["id"] == gym_id] == ["invited"]


async def test_who_may_invite_and_decide_for_a_school(world: World) -> None:
    gym_id, natalia = await gymnasium(world)
    far_id, far_admin = await far_school(world)
    anna = await world.as_("teacher")
    # Another municipality's school is not there to invite.
    r = await anna.post(f"{API}/orgs/{world.org_id}/joint-chats",
                        json={"title": "Далеко", "org_ids": [far_id]})
    assert r.status_code == 422 and r.json()["error"]["field_codes"] == {"org_ids": "invalid"}
    assert far_id not in {o["id"] for o in (await anna.get(
        f"{API}/orgs/{world.org_id}/network/partners")).json()["organizations"]}
    # A student or a parent starts no joint chat.
    masha = await world.as_("student")
    r = await masha.post(f"{API}/orgs/{world.org_id}/joint-chats", json={"title": "Мы"})
    assert r.status_code == 403
    anna, chat_id = await start_joint_chat(world, gym_id)
    # A member of the chat who does not moderate it invites no school.
    oleg = await world.as_("math_teacher")
    oleg_id = await _id(oleg)
    r = await anna.post(f"{API}/chats/{chat_id}/invitations", json={"user_ids": [oleg_id]})
    assert r.status_code == 200, r.text
    assert (await oleg.post(f"{API}/chats/{chat_id}/join",
                            json={"accept_rules": True})).status_code == 200
    r = await oleg.post(f"{API}/chats/{chat_id}/network/orgs", json={"org_ids": [gym_id]})
    assert r.status_code == 403 and error_code(r) == "not_owner_school"
    # Only the invited school's administrators decide for it.
    sergey = await world.sign_in(SERGEY)
    r = await sergey.post(f"{API}/orgs/{gym_id}/joint-chats/{chat_id}/decision",
                          json={"accept": True, "accept_rules": True})
    assert r.status_code == 403
    admin = await world.as_("admin")  # Школа № 1's administrator, for the gymnasium
    r = await admin.post(f"{API}/orgs/{gym_id}/joint-chats/{chat_id}/decision",
                         json={"accept": True, "accept_rules": True})
    assert r.status_code == 404
    r = await admin.post(f"{API}/orgs/{world.org_id}/joint-chats/{chat_id}/decision",
                         json={"accept": True, "accept_rules": True})
    assert r.status_code == 404  # the owner school decides nothing: it was never invited
    r = await far_admin.post(f"{API}/orgs/{far_id}/joint-chats/{chat_id}/decision",
                             json={"accept": True, "accept_rules": True})
    assert r.status_code == 404
    assert (await far_admin.get(f"{API}/chats/{chat_id}/network")).status_code == 404
    # Before accepting, the gymnasium invites nobody into the chat.
    r = await natalia.post(f"{API}/orgs/{gym_id}/joint-chats/{chat_id}/staff",
                           json={"user_ids": [await _id(sergey)]})
    assert r.status_code == 404
    r = await natalia.post(f"{API}/orgs/{gym_id}/joint-chats/{chat_id}/decision",
                           json={"accept": False})
    assert r.status_code == 200 and r.json()["status"] == "declined"
    r = await natalia.post(f"{API}/orgs/{gym_id}/joint-chats/{chat_id}/decision",
                           json={"accept": True, "accept_rules": True})
    assert r.status_code == 409 and error_code(r) == "already_decided"
    assert (await natalia.get(f"{API}/chats/{chat_id}")).status_code == 404


async def test_an_administrator_invites_only_her_own_staff(world: World) -> None:
    s = await accepted(world)
    natalia, chat_id, gym_id = s["natalia"], s["chat_id"], s["gym_id"]
    masha_id = await world.user_id("student")
    r = await natalia.post(f"{API}/orgs/{gym_id}/joint-chats/{chat_id}/staff",
                           json={"user_ids": [masha_id]})
    assert r.status_code == 422 and r.json()["error"]["field_codes"] == {"user_ids": "not_staff"}


async def test_malformed_too_many_and_too_big_change_nothing(world: World) -> None:
    gym_id, _ = await gymnasium(world)
    anna = await world.as_("teacher")
    url = f"{API}/orgs/{world.org_id}/joint-chats"
    for body in ({"title": ""}, {"title": "x", "org_ids": "all"}, {"title": "x", "org_ids": [0]},
                 {"title": "x", "extra": 1}, {"title": "x", "org_ids": list(range(1, 52))}):
        r = await anna.post(url, json=body)
        assert r.status_code == 422, (body, r.text)
    r = await anna.post(url, content=b'{"title": "' + b"x" * (2 * 1024 * 1024) + b'"}',
                        headers={"content-type": "application/json"})
    assert r.status_code == 413
    r = await anna.post(url, json={"title": "Слишком много школ", "org_ids": [gym_id]})
    chat_id = r.json()["chat_id"]
    r = await anna.post(f"{API}/chats/{chat_id}/network/orgs", json={"org_ids": []})
    assert r.status_code == 422
    async with world.services.sessionmaker() as db:
        titles = set((await db.execute(select(Chat.title))).scalars())
    assert "x" not in titles and "" not in titles


async def test_a_chat_of_one_school_is_no_joint_chat(world: World) -> None:
    gym_id, _ = await gymnasium(world)
    anna = await world.as_("teacher")
    async with world.services.sessionmaker() as db:
        class_chat = (await db.execute(select(Chat.id).where(
            Chat.org_id == world.org_id, Chat.kind == ChatKind.class_))).scalars().first()
    assert (await anna.get(f"{API}/chats/{class_chat}/network")).status_code == 404
    r = await anna.post(f"{API}/chats/{class_chat}/network/orgs", json={"org_ids": [gym_id]})
    assert r.status_code == 409 and error_code(r) == "not_joint_chat"


async def test_two_accepts_at_once_one_wins(world: World) -> None:
    """Two administrators of the gymnasium accept at the same moment (runs on PostgreSQL too)."""
    gym_id, natalia = await gymnasium(world)
    _, chat_id = await start_joint_chat(world, gym_id)
    async with unit_of_work(world.services) as ctx:
        org = await ctx.db.get(Organization, gym_id)
        assert org is not None
        await _person(ctx, org, "+79161230003", "Вера Олеговна Жукова", {Role.administration})
        ctx.events.clear()
    vera = await world.sign_in("+79161230003")
    url = f"{API}/orgs/{gym_id}/joint-chats/{chat_id}/decision"
    body = {"accept": True, "accept_rules": True}
    answers = await asyncio.gather(natalia.post(url, json=body), vera.post(url, json=body))
    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    loser = next(a for a in answers if a.status_code == 409)
    assert error_code(loser) == "already_decided"
    # Whoever accepted joined for the school; the other is not in the chat (either may win).
    winner, other = (natalia, vera) if answers[0].status_code == 200 else (vera, natalia)
    members = (await winner.get(f"{API}/chats/{chat_id}/members")).json()["members"]
    assert sum(1 for m in members if m["role"] == "moderator") == 1
    assert (await other.get(f"{API}/chats/{chat_id}/members")).status_code == 404


async def test_an_accept_racing_a_removal_leaves_the_school_out(world: World) -> None:
    """The gymnasium accepts while Анна withdraws the invitation: whichever wins, the school is
    out in the end and none of its people is left in the chat (runs on PostgreSQL too)."""
    gym_id, natalia = await gymnasium(world)
    anna, chat_id = await start_joint_chat(world, gym_id)
    accept, remove = await asyncio.gather(
        natalia.post(f"{API}/orgs/{gym_id}/joint-chats/{chat_id}/decision",
                     json={"accept": True, "accept_rules": True}),
        anna.post(f"{API}/chats/{chat_id}/network/orgs/{gym_id}/remove"))
    if accept.status_code == 200:  # accepted first, then removed
        assert remove.status_code == 200, remove.text
    else:
        assert accept.status_code == 409 and remove.status_code == 200, (accept.text, remove.text)
    net = (await anna.get(f"{API}/chats/{chat_id}/network")).json()
    assert [o["status"] for o in net["orgs"] if o["id"] == gym_id] == ["removed"]
    assert {m["org_id"] for m in net["members"]} == {world.org_id}
    assert (await natalia.get(f"{API}/chats/{chat_id}")).status_code == 404


# Methodical associations ----------------------------------------------------------------------

async def municipal_admin(world: World) -> tuple[httpx.AsyncClient, int]:
    operator = await world.as_("operator")
    muni_id = (await operator.get(f"{API}/regions")).json()["regions"][0][
        "municipalities"][0]["id"]
    r = await operator.post(f"{API}/municipalities/{muni_id}/admins",
                            json={"phone": MUNI_ADMIN, "name": "Ольга Николаевна Руденко"})
    assert r.status_code == 201, r.text
    return await world.sign_in(MUNI_ADMIN), muni_id


async def test_math_teachers_of_the_municipality_join_their_association(world: World) -> None:
    gym_id, natalia = await gymnasium(world)
    olga, muni_id = await municipal_admin(world)
    r = await olga.post(f"{API}/municipalities/{muni_id}/associations", json={
        "subject": "Математика", "title": "МО учителей математики", "host_org_id": gym_id})
    assert r.status_code == 201, r.text
    mo = r.json()["chat_id"]
    r = await olga.post(f"{API}/municipalities/{muni_id}/associations", json={
        "subject": "математика", "title": "Ещё одно", "host_org_id": gym_id})
    assert r.status_code == 409 and error_code(r) == "association_exists"

    sergey = await world.sign_in(SERGEY)
    listed = (await sergey.get(f"{API}/orgs/{gym_id}/associations")).json()["associations"]
    assert [(a["title"], a["host_org"]["name"], a["can_join"]) for a in listed] == [
        ("МО учителей математики", "Гимназия № 5", True)]
    url = f"{API}/orgs/{gym_id}/associations/{mo}/join"
    r = await sergey.post(url, json={})
    assert r.status_code == 422 and error_code(r) == "rules_not_accepted"
    assert (await sergey.post(url, json={"accept_rules": True})).status_code == 200
    r = await sergey.post(url, json={"accept_rules": True})
    assert r.status_code == 409 and error_code(r) == "already_member"

    # Олег Викторович teaches mathematics in 5А of Школа № 1: he joins from his school.
    oleg = await world.as_("math_teacher")
    r = await oleg.post(f"{API}/orgs/{world.org_id}/associations/{mo}/join",
                        json={"accept_rules": True})
    assert r.status_code == 200, r.text
    # Анна Сергеевна teaches Russian: not her subject. Лидия Марковна teaches history.
    anna = await world.as_("teacher")
    listed = (await anna.get(f"{API}/orgs/{world.org_id}/associations")).json()["associations"]
    assert [a["can_join"] for a in listed] == [False]
    r = await anna.post(f"{API}/orgs/{world.org_id}/associations/{mo}/join",
                        json={"accept_rules": True})
    assert r.status_code == 403 and error_code(r) == "not_your_subject"
    lidia = await world.sign_in(LIDIA)
    r = await lidia.post(url, json={"accept_rules": True})
    assert r.status_code == 403 and error_code(r) == "not_your_subject"

    # The members talk across schools; each sees the other's school.
    r = await oleg.post(f"{API}/chats/{mo}/messages", json={"body": "Коллеги, делюсь задачами."})
    assert r.status_code in (200, 201)
    net = (await sergey.get(f"{API}/chats/{mo}/network")).json()
    assert net["kind"] == "association" and net["subject"] == "Математика"
    schools = {m["org_id"] for m in net["members"]}
    assert schools == {world.org_id, gym_id, None}  # None: the municipal administrator

    # Neither a school of another municipality nor a school's administrator makes or joins one.
    far_id, far_admin = await far_school(world)
    assert (await far_admin.get(f"{API}/orgs/{far_id}/associations")).json()[
        "associations"] == []
    r = await far_admin.post(f"{API}/orgs/{far_id}/associations/{mo}/join",
                             json={"accept_rules": True})
    assert r.status_code == 404
    r = await natalia.post(f"{API}/municipalities/{muni_id}/associations", json={
        "subject": "История", "title": "МО историков", "host_org_id": gym_id})
    assert r.status_code == 404
    r = await olga.post(f"{API}/municipalities/{muni_id}/associations", json={
        "subject": "История", "title": "МО историков", "host_org_id": far_id})
    assert r.status_code == 422


async def test_the_municipal_administrator_moderates_anyone_in_the_association(
        world: World) -> None:
    """The association is the municipality's: its owner acts on members of any school; a
    member moderates nobody."""
    gym_id, _ = await gymnasium(world)
    olga, muni_id = await municipal_admin(world)
    mo = (await olga.post(f"{API}/municipalities/{muni_id}/associations", json={
        "subject": "Математика", "title": "МО учителей математики",
        "host_org_id": world.org_id})).json()["chat_id"]
    sergey = await world.sign_in(SERGEY)
    await sergey.post(f"{API}/orgs/{gym_id}/associations/{mo}/join", json={"accept_rules": True})
    oleg = await world.as_("math_teacher")
    await oleg.post(f"{API}/orgs/{world.org_id}/associations/{mo}/join",
                    json={"accept_rules": True})
    body = {"rule_number": 1, "explanation": "Не по теме"}
    sergey_id = await _id(sergey)
    r = await oleg.post(f"{API}/chats/{mo}/members/{sergey_id}/violations", json=body)
    assert r.status_code == 403
    r = await olga.post(f"{API}/chats/{mo}/members/{sergey_id}/violations", json=body)
    assert r.status_code == 201, r.text
