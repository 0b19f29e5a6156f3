"""Invite links (R13, R15, R16, R17) and joining by them; join requests are in
test_invite_requests.py."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select, update

from parta.db import utcnow
from parta.models import Invite
from tests.conftest import World, error_code
from tests.helpers import API, groups_of, my_id, newcomer, register_gymnasium

TOKEN = re.compile(r"^[A-Za-z0-9_-]{43,}$")





async def my_roles(c: httpx.AsyncClient) -> dict[int, list[str]]:
    me = (await c.get(f"{API}/me")).json()
    return {m["org"]["id"]: m["roles"] for m in me["memberships"]}


async def invite(client: httpx.AsyncClient, org_id: int, **body: Any) -> dict[str, Any]:
    r = await client.post(f"{API}/orgs/{org_id}/invites", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def invites_of(client: httpx.AsyncClient, org_id: int, state: str = "all") -> dict[int, dict[str, Any]]:
    r = await client.get(f"{API}/orgs/{org_id}/invites", params={"state": state})
    assert r.status_code == 200, r.text
    return {i["id"]: i for i in r.json()["invites"]}


async def uses(world: World, invite_id: int) -> int:
    async with world.services.sessionmaker() as db:
        return int((await db.execute(select(Invite.uses).where(Invite.id == invite_id))).scalar_one())


async def expire(world: World, invite_id: int) -> None:
    """Move the link's time on: its expiry passed a minute ago."""
    async with world.services.sessionmaker() as db:
        await db.execute(update(Invite).where(Invite.id == invite_id)
                         .values(expires_at=utcnow() - timedelta(minutes=1)))
        await db.commit()



# Creating links (R13, R16) ----------------------------------------------------------------------

async def test_administrator_creates_a_teacher_link_into_the_staff_room(world: World) -> None:
    admin = await world.as_("admin")
    groups = await groups_of(admin, world.org_id)
    before = utcnow()
    inv = await invite(admin, world.org_id, role="teacher", label="Новые учителя")
    assert TOKEN.match(inv["token"]), inv["token"]
    assert inv["url"] == f"http://parta.test/join/{inv['token']}"
    assert inv["role"] == "teacher"
    assert inv["group"] == {"id": groups["Учительская"]["id"], "name": "Учительская"}
    assert (inv["label"], inv["requires_approval"], inv["max_uses"], inv["uses"], inv["state"]) == (
        "Новые учителя", False, None, 0, "active")
    assert inv["created_by"] == {"id": await world.user_id("admin"),
                                 "name": "Ирина Петровна Смирнова", "verified_teacher": True}
    from datetime import datetime
    expires = datetime.fromisoformat(inv["expires_at"])
    assert before + timedelta(days=14) <= expires <= utcnow() + timedelta(days=14)

    [changed] = world.events_of("invite.changed")
    assert changed.event.model_dump()["invite_id"] == inv["id"]
    assert changed.audience == frozenset({await world.user_id("admin")})
    entries = (await admin.get(f"{API}/orgs/{world.org_id}/audit")).json()["entries"]
    assert (entries[0]["action"], entries[0]["target_id"]) == ("invite.created", inv["id"])


async def test_student_and_parent_links_need_a_class(world: World) -> None:
    admin = await world.as_("admin")
    groups = await groups_of(admin, world.org_id)
    for role in ("student", "parent"):
        r = await admin.post(f"{API}/orgs/{world.org_id}/invites", json={"role": role})
        assert (r.status_code, error_code(r)) == (422, "validation_failed"), role
        assert list(r.json()["error"]["fields"]) == ["group_id"]
        r = await admin.post(f"{API}/orgs/{world.org_id}/invites",
                             json={"role": role, "group_id": groups["Учительская"]["id"]})
        assert (r.status_code, error_code(r)) == (422, "validation_failed"), role
        inv = await invite(admin, world.org_id, role=role, group_id=groups["5А"]["id"])
        assert (inv["role"], inv["group"]) == (role, {"id": groups["5А"]["id"], "name": "5А"})
    assert len(await invites_of(admin, world.org_id)) == 2


async def test_links_out_of_range_or_for_roles_nobody_may_invite_are_refused(world: World) -> None:
    admin = await world.as_("admin")
    g5a = (await groups_of(admin, world.org_id))["5А"]["id"]
    bad: list[tuple[dict[str, Any], str]] = [
        ({"role": "org_admin"}, "role_not_allowed"),
        ({"role": "operator"}, "role_not_allowed"),
        ({"role": "headmaster"}, "validation_failed"),
        ({"role": "student", "group_id": g5a, "ttl_days": 0}, "validation_failed"),
        ({"role": "student", "group_id": g5a, "ttl_days": 366}, "validation_failed"),
        ({"role": "student", "group_id": g5a, "max_uses": 0}, "validation_failed"),
        ({"role": "student", "group_id": g5a + 1000}, "not_found"),
    ]
    for body, code in bad:
        r = await admin.post(f"{API}/orgs/{world.org_id}/invites", json=body)
        assert error_code(r) == code, (body, r.text)
        assert r.status_code == (404 if code == "not_found" else 422), body
    assert await invites_of(admin, world.org_id) == {}


async def test_every_link_has_its_own_unguessable_token(world: World) -> None:
    admin = await world.as_("admin")
    tokens = {(await invite(admin, world.org_id, role="teacher"))["token"] for _ in range(5)}
    assert len(tokens) == 5
    assert all(TOKEN.match(t) for t in tokens)


async def test_the_qr_code_of_a_link_is_an_svg_image(world: World) -> None:
    admin = await world.as_("admin")
    inv = await invite(admin, world.org_id, role="teacher")
    r = await admin.get(f"{API}/orgs/{world.org_id}/invites/{inv['id']}/qr.svg")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("image/svg+xml")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert b"<svg" in r.content
    r = await admin.get(f"{API}/orgs/{world.org_id}/invites/{inv['id'] + 1000}/qr.svg")
    assert (r.status_code, error_code(r)) == (404, "not_found")
    _, natalia = await register_gymnasium(world)
    r = await natalia.get(f"{API}/orgs/{world.org_id}/invites/{inv['id']}/qr.svg")
    assert (r.status_code, error_code(r)) == (404, "not_found")


async def test_the_class_teacher_invites_students_and_parents_of_her_class_only(world: World) -> None:
    anna = await world.as_("teacher")  # leads 5А
    admin = await world.as_("admin")
    groups = await groups_of(admin, world.org_id)
    for role in ("student", "parent"):
        inv = await invite(anna, world.org_id, role=role, group_id=groups["5А"]["id"])
        assert inv["created_by"]["id"] == await world.user_id("teacher")
    refusals = [
        await anna.post(f"{API}/orgs/{world.org_id}/invites",
                        json={"role": "student", "group_id": groups["5Б"]["id"]}),
        await anna.post(f"{API}/orgs/{world.org_id}/invites",
                        json={"role": "parent", "group_id": groups["5Б"]["id"]}),
        await anna.post(f"{API}/orgs/{world.org_id}/invites",
                        json={"role": "teacher", "group_id": groups["5А"]["id"]}),
        await anna.post(f"{API}/orgs/{world.org_id}/invites", json={"role": "teacher"}),
        await anna.post(f"{API}/orgs/{world.org_id}/invites",
                        json={"role": "administration", "group_id": groups["5А"]["id"]}),
    ]
    assert [(r.status_code, error_code(r)) for r in refusals] == [(403, "forbidden")] * 5
    assert sorted((i["role"], i["group"]["name"]) for i in (await invites_of(admin, world.org_id)).values()) == [
        ("parent", "5А"), ("student", "5А")]


async def test_a_subject_teacher_of_the_class_may_invite_its_students_too(world: World) -> None:
    # The policy's own_class rule: any teacher of the class, not only the class teacher.
    oleg = await world.as_("math_teacher")  # teaches Математика in 5А
    admin = await world.as_("admin")
    groups = await groups_of(admin, world.org_id)
    await invite(oleg, world.org_id, role="student", group_id=groups["5А"]["id"])
    r = await oleg.post(f"{API}/orgs/{world.org_id}/invites",
                        json={"role": "student", "group_id": groups["1А"]["id"]})
    assert (r.status_code, error_code(r)) == (403, "forbidden")


async def test_students_parents_and_outsiders_cannot_create_links(world: World) -> None:
    admin = await world.as_("admin")
    g5a = (await groups_of(admin, world.org_id))["5А"]["id"]
    for key in ("student", "parent"):
        someone = await world.as_(key)
        r = await someone.post(f"{API}/orgs/{world.org_id}/invites",
                               json={"role": "student", "group_id": g5a})
        assert (r.status_code, error_code(r)) == (403, "forbidden"), key
        r = await someone.get(f"{API}/orgs/{world.org_id}/invites")
        assert (r.status_code, error_code(r)) == (403, "forbidden"), key
    _, natalia = await register_gymnasium(world)
    r = await natalia.post(f"{API}/orgs/{world.org_id}/invites", json={"role": "teacher"})
    assert (r.status_code, error_code(r)) == (404, "not_found")
    r = await natalia.get(f"{API}/orgs/{world.org_id}/invites")
    assert (r.status_code, error_code(r)) == (404, "not_found")
    assert await invites_of(admin, world.org_id) == {}


async def test_a_teacher_sees_only_the_links_she_made(world: World) -> None:
    admin = await world.as_("admin")
    anna = await world.as_("teacher")
    g5a = (await groups_of(admin, world.org_id))["5А"]["id"]
    mine = await invite(anna, world.org_id, role="student", group_id=g5a)
    theirs = await invite(admin, world.org_id, role="parent", group_id=g5a)
    assert list(await invites_of(anna, world.org_id)) == [mine["id"]]
    assert sorted(await invites_of(admin, world.org_id)) == sorted([mine["id"], theirs["id"]])


# Joining ----------------------------------------------------------------------------------------

async def test_a_new_teacher_joins_by_link_into_the_staff_room(world: World) -> None:
    admin = await world.as_("admin")
    staff_room = (await groups_of(admin, world.org_id))["Учительская"]
    inv = await invite(admin, world.org_id, role="teacher")
    olga = await newcomer(world, "+79201112233", "Ольга Николаевна Белова")
    r = await olga.get(f"{API}/invites/{inv['token']}")
    assert r.status_code == 200, r.text
    assert r.json() == {
        "org": {"id": world.org_id, "name": "Школа № 1 (демо)", "kind": "school"},
        "group": {"id": staff_room["id"], "name": "Учительская"}, "role": "teacher",
        "requires_approval": False, "needs_child_name": False}
    world.events.clear()
    r = await olga.post(f"{API}/invites/{inv['token']}/join", json={})
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "joined", "org_id": world.org_id, "join_request_id": None}
    assert await my_roles(olga) == {world.org_id: ["teacher"]}
    olga_id = await my_id(olga)
    staff = (await admin.get(f"{API}/orgs/{world.org_id}/members",
                             params={"group_id": staff_room["id"]})).json()["members"]
    [member] = [m for m in staff if m["user_id"] == olga_id]
    assert (member["roles"], member["verification"], member["verified_teacher"]) == (
        ["teacher"], "none", False)
    assert await uses(world, inv["id"]) == 1
    [joined] = world.events_of("member.joined")
    assert joined.audience == frozenset({await world.user_id("admin"), olga_id})
    entries = (await admin.get(f"{API}/orgs/{world.org_id}/audit")).json()["entries"]
    assert (entries[0]["action"], entries[0]["actor"]["id"], entries[0]["details"]["invite_id"]) == (
        "member.joined_by_invite", olga_id, inv["id"])


async def test_a_student_joins_his_class_by_link(world: World) -> None:
    anna = await world.as_("teacher")
    admin = await world.as_("admin")
    g5a = (await groups_of(admin, world.org_id))["5А"]
    assert g5a["students_count"] == 2
    inv = await invite(anna, world.org_id, role="student", group_id=g5a["id"])
    kolya = await newcomer(world, "+79201112244", "Коля Кузнецов")
    r = await kolya.post(f"{API}/invites/{inv['token']}/join", json={})
    assert r.json()["status"] == "joined", r.text
    assert await my_roles(kolya) == {world.org_id: ["student"]}
    assert (await groups_of(admin, world.org_id))["5А"]["students_count"] == 3
    [member] = (await admin.get(f"{API}/orgs/{world.org_id}/members",
                                params={"q": "Кузнецов"})).json()["members"]
    assert member["groups"] == [{"id": g5a["id"], "name": "5А"}]
    # His place in 5А asks him into 5А's class chat (R17, R22, R23): invited, not put in.
    mine = (await kolya.get(f"{API}/chats")).json()
    assert [i["title"] for i in mine["invitations"]] == ["5А — класс"]
    # Asked by the link's author, never by himself.
    assert mine["invitations"][0]["invited_by"]["id"] == await world.user_id("teacher")
    assert "5А — класс" not in [c["title"] for c in mine["chats"]]
    assert "5А — родители" not in [i["title"] for i in mine["invitations"]]


async def test_a_student_of_another_class_is_not_asked_into_5a(world: World) -> None:
    admin = await world.as_("admin")
    g6 = next(g for name, g in (await groups_of(admin, world.org_id)).items()
              if name != "5А" and g.get("kind", "class") == "class")
    inv = await invite(admin, world.org_id, role="student", group_id=g6["id"])
    vera = await newcomer(world, "+79201112246", "Вера Лебедева")
    r = await vera.post(f"{API}/invites/{inv['token']}/join", json={})
    assert r.json()["status"] == "joined", r.text
    mine = (await vera.get(f"{API}/chats")).json()
    assert not [i for i in mine["invitations"] if i["title"].startswith("5А")]


async def test_a_parent_must_name_the_child_and_gets_a_link_to_confirm(world: World) -> None:
    anna = await world.as_("teacher")
    admin = await world.as_("admin")
    g5a = (await groups_of(admin, world.org_id))["5А"]["id"]
    inv = await invite(anna, world.org_id, role="parent", group_id=g5a)
    olga = await newcomer(world, "+79201112255", "Ольга Соколова")
    assert (await olga.get(f"{API}/invites/{inv['token']}")).json()["needs_child_name"] is True
    for body in ({}, {"child_name": "   "}):
        r = await olga.post(f"{API}/invites/{inv['token']}/join", json=body)
        assert (r.status_code, error_code(r)) == (422, "child_name_required"), body
        assert list(r.json()["error"]["fields"]) == ["child_name"]
    assert await my_roles(olga) == {}
    assert await uses(world, inv["id"]) == 0

    r = await olga.post(f"{API}/invites/{inv['token']}/join", json={"child_name": " Петя Соколов "})
    assert r.json()["status"] == "joined", r.text
    assert await my_roles(olga) == {world.org_id: ["parent"]}
    links = (await admin.get(f"{API}/orgs/{world.org_id}/parent-links")).json()["links"]
    assert [(l["parent"]["id"], l["child"], l["child_name_claimed"], l["group"]["name"], l["status"])
            for l in links] == [(await my_id(olga), None, "Петя Соколов", "5А", "pending")]


async def test_an_expired_link_is_refused_and_changes_nothing(world: World) -> None:
    admin = await world.as_("admin")
    inv = await invite(admin, world.org_id, role="teacher", ttl_days=1)
    await expire(world, inv["id"])
    olga = await newcomer(world, "+79201112233", "Ольга Николаевна Белова")
    r = await olga.get(f"{API}/invites/{inv['token']}")
    assert (r.status_code, error_code(r)) == (410, "invite_expired")
    r = await olga.post(f"{API}/invites/{inv['token']}/join", json={})
    assert (r.status_code, error_code(r)) == (410, "invite_expired")
    assert await my_roles(olga) == {}
    assert await uses(world, inv["id"]) == 0
    assert (await invites_of(admin, world.org_id))[inv["id"]]["state"] == "expired"
    assert inv["id"] not in await invites_of(admin, world.org_id, state="active")


async def test_a_single_use_link_is_used_up_by_the_first_person(world: World) -> None:
    anna = await world.as_("teacher")
    g5a = (await groups_of(anna, world.org_id))["5А"]["id"]
    inv = await invite(anna, world.org_id, role="student", group_id=g5a, max_uses=1)
    kolya = await newcomer(world, "+79201112244", "Коля Кузнецов")
    assert (await kolya.post(f"{API}/invites/{inv['token']}/join", json={})).json()["status"] == "joined"
    dasha = await newcomer(world, "+79201112266", "Даша Кузнецова")
    r = await dasha.post(f"{API}/invites/{inv['token']}/join", json={})
    assert (r.status_code, error_code(r)) == (410, "invite_used_up")
    r = await dasha.get(f"{API}/invites/{inv['token']}")
    assert (r.status_code, error_code(r)) == (410, "invite_used_up")
    assert await my_roles(dasha) == {}
    assert await uses(world, inv["id"]) == 1
    assert (await invites_of(anna, world.org_id))[inv["id"]]["state"] == "used_up"


async def test_an_annulled_link_is_refused(world: World) -> None:
    admin = await world.as_("admin")
    inv = await invite(admin, world.org_id, role="teacher")
    world.events.clear()
    r = await admin.post(f"{API}/orgs/{world.org_id}/invites/{inv['id']}/annul")
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "annulled"
    [changed] = world.events_of("invite.changed")
    assert changed.event.model_dump()["state"] == "annulled"
    assert changed.audience == frozenset({await world.user_id("admin")})
    olga = await newcomer(world, "+79201112233", "Ольга Николаевна Белова")
    r = await olga.post(f"{API}/invites/{inv['token']}/join", json={})
    assert (r.status_code, error_code(r)) == (410, "invite_annulled")
    assert await my_roles(olga) == {}
    assert await uses(world, inv["id"]) == 0
    r = await admin.post(f"{API}/orgs/{world.org_id}/invites/{inv['id']}/annul")
    assert (r.status_code, error_code(r)) == (409, "invite_not_active")


async def test_a_member_joining_again_is_told_so(world: World) -> None:
    admin = await world.as_("admin")
    groups = await groups_of(admin, world.org_id)
    teacher_link = await invite(admin, world.org_id, role="teacher")
    student_link = await invite(admin, world.org_id, role="student", group_id=groups["5А"]["id"])
    anna = await world.as_("teacher")
    r = await anna.post(f"{API}/invites/{teacher_link['token']}/join", json={})
    assert (r.status_code, error_code(r)) == (409, "already_member")
    masha = await world.as_("student")
    r = await masha.post(f"{API}/invites/{student_link['token']}/join", json={})
    assert (r.status_code, error_code(r)) == (409, "already_member")
    assert await uses(world, teacher_link["id"]) == 0
    assert await uses(world, student_link["id"]) == 0
    assert (await groups_of(admin, world.org_id))["5А"]["students_count"] == 2


async def test_an_unknown_token_is_not_found(world: World) -> None:
    olga = await newcomer(world, "+79201112233", "Ольга Николаевна Белова")
    for token in ("x" * 43, "Qf3kZ9-_" * 6, "ы" * 200):
        r = await olga.get(f"{API}/invites/{token}")
        assert (r.status_code, error_code(r)) == (404, "not_found"), token
        r = await olga.post(f"{API}/invites/{token}/join", json={})
        assert (r.status_code, error_code(r)) == (404, "not_found"), token
    assert await my_roles(olga) == {}


async def test_joining_needs_a_signed_in_person_but_the_link_shows_where_it_leads(world: World) -> None:
    """A parent who opens the link before signing in sees the school, the class and the role
    first (issue 14); joining itself needs the signed-in person."""
    admin = await world.as_("admin")
    g5a = (await groups_of(admin, world.org_id))["5А"]["id"]
    inv = await invite(admin, world.org_id, role="parent", group_id=g5a)
    anonymous = world.client()
    r = await anonymous.get(f"{API}/invites/{inv['token']}")
    assert r.status_code == 200, r.text
    seen = r.json()
    assert (seen["org"]["id"], seen["group"]["name"], seen["role"], seen["needs_child_name"]) == (
        world.org_id, "5А", "parent", True)
    r = await anonymous.get(f"{API}/invites/{'x' * 43}")
    assert (r.status_code, error_code(r)) == (404, "not_found")
    await expire(world, inv["id"])
    r = await anonymous.get(f"{API}/invites/{inv['token']}")
    assert (r.status_code, error_code(r)) == (410, "invite_expired")
    inv = await invite(admin, world.org_id, role="teacher")
    r = await anonymous.post(f"{API}/invites/{inv['token']}/join", json={})
    assert (r.status_code, error_code(r)) == (401, "not_authenticated")
    assert await uses(world, inv["id"]) == 0


# Annulling (R15) --------------------------------------------------------------------------------

async def test_annulling_all_unclaimed_links_keeps_the_ones_in_use(world: World) -> None:
    admin = await world.as_("admin")
    g5a = (await groups_of(admin, world.org_id))["5А"]["id"]
    unused = await invite(admin, world.org_id, role="teacher", label="не использована")
    in_use = await invite(admin, world.org_id, role="student", group_id=g5a, label="в ходу")
    expired = await invite(admin, world.org_id, role="teacher", label="истекла")
    used_expired = await invite(admin, world.org_id, role="student", group_id=g5a, label="истекла после входа")
    annulled = await invite(admin, world.org_id, role="teacher", label="уже аннулирована")
    kolya = await newcomer(world, "+79201112244", "Коля Кузнецов")
    dasha = await newcomer(world, "+79201112266", "Даша Кузнецова")
    assert (await kolya.post(f"{API}/invites/{in_use['token']}/join", json={})).status_code == 200
    assert (await dasha.post(f"{API}/invites/{used_expired['token']}/join", json={})).status_code == 200
    await expire(world, expired["id"])
    await expire(world, used_expired["id"])
    assert (await admin.post(f"{API}/orgs/{world.org_id}/invites/{annulled['id']}/annul")).status_code == 200
    world.events.clear()

    r = await admin.post(f"{API}/orgs/{world.org_id}/invites/annul-unclaimed")
    assert r.status_code == 200, r.text
    assert r.json() == {"annulled": 3}
    states = {i["label"]: i["state"] for i in (await invites_of(admin, world.org_id)).values()}
    assert states == {"не использована": "annulled", "в ходу": "active", "истекла": "annulled",
                      "истекла после входа": "annulled", "уже аннулирована": "annulled"}
    assert sorted(e.event.model_dump()["invite_id"] for e in world.events_of("invite.changed")) == sorted(
        [unused["id"], expired["id"], used_expired["id"]])
    assert {e.audience for e in world.events_of("invite.changed")} == {
        frozenset({await world.user_id("admin")})}
    entries = (await admin.get(f"{API}/orgs/{world.org_id}/audit")).json()["entries"]
    assert entries[0]["action"] == "invite.annulled_unclaimed"
    assert entries[0]["actor"]["id"] == await world.user_id("admin")
    assert entries[0]["details"]["count"] == 3
    assert sorted(entries[0]["details"]["invite_ids"]) == sorted(
        [unused["id"], expired["id"], used_expired["id"]])
    # The link in use still works.
    petya = await newcomer(world, "+79201112277", "Петя Кузнецов")
    assert (await petya.post(f"{API}/invites/{in_use['token']}/join", json={})).json()["status"] == "joined"


async def test_only_an_org_administrator_annuls_all_unclaimed_links(world: World) -> None:
    admin = await world.as_("admin")
    anna = await world.as_("teacher")
    g5a = (await groups_of(admin, world.org_id))["5А"]["id"]
    mine = await invite(anna, world.org_id, role="student", group_id=g5a)
    for key in ("teacher", "student"):
        someone = await world.as_(key)
        r = await someone.post(f"{API}/orgs/{world.org_id}/invites/annul-unclaimed")
        assert (r.status_code, error_code(r)) == (403, "forbidden"), key
    assert (await invites_of(admin, world.org_id))[mine["id"]]["state"] == "active"


async def test_a_teacher_annuls_her_own_link_but_not_the_administrators(world: World) -> None:
    admin = await world.as_("admin")
    anna = await world.as_("teacher")
    g5a = (await groups_of(admin, world.org_id))["5А"]["id"]
    mine = await invite(anna, world.org_id, role="student", group_id=g5a)
    theirs = await invite(admin, world.org_id, role="parent", group_id=g5a)
    r = await anna.post(f"{API}/orgs/{world.org_id}/invites/{theirs['id']}/annul")
    assert (r.status_code, error_code(r)) == (403, "forbidden")
    r = await anna.post(f"{API}/orgs/{world.org_id}/invites/{mine['id']}/annul")
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "annulled"
    states = {i: x["state"] for i, x in (await invites_of(admin, world.org_id)).items()}
    assert states == {mine["id"]: "annulled", theirs["id"]: "active"}
    # A student cannot annul anything, another school does not see the link at all.
    masha = await world.as_("student")
    r = await masha.post(f"{API}/orgs/{world.org_id}/invites/{theirs['id']}/annul")
    assert (r.status_code, error_code(r)) == (403, "forbidden")
    _, natalia = await register_gymnasium(world)
    r = await natalia.post(f"{API}/orgs/{world.org_id}/invites/{theirs['id']}/annul")
    assert (r.status_code, error_code(r)) == (404, "not_found")
    assert (await invites_of(admin, world.org_id))[theirs["id"]]["state"] == "active"
