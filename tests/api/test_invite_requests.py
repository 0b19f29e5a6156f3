"""Join requests (R14): a link with approval makes a request that the school decides, once."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.test_invites import invite, my_roles, uses
from tests.conftest import World, error_code
from tests.helpers import API, groups_of, my_id, newcomer, register_gymnasium


async def requested(world: World, link: dict[str, Any], phone: str, name: str,
                    **body: str) -> tuple[httpx.AsyncClient, int]:
    c = await newcomer(world, phone, name)
    r = await c.post(f"{API}/invites/{link['token']}/join", json=body)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "requested"
    return c, int(r.json()["join_request_id"])


async def test_a_link_with_approval_makes_a_request_the_administrator_accepts(world: World) -> None:
    admin = await world.as_("admin")
    g5a = (await groups_of(admin, world.org_id))["5А"]
    link = await invite(admin, world.org_id, role="student", group_id=g5a["id"],
                        requires_approval=True)
    assert (await admin.get(f"{API}/invites/{link['token']}")).json()["requires_approval"] is True
    world.events.clear()
    kolya, req_id = await requested(world, link, "+79201112244", "Коля Кузнецов",
                                    message="Я новенький, из 5А")
    kolya_id = await my_id(kolya)
    assert await my_roles(kolya) == {}
    assert await uses(world, link["id"]) == 1
    assert world.events_of("member.joined") == []

    # The administrator and the class teacher of 5А hear about it; no student, no subject teacher.
    [created] = world.events_of("join_request.created")
    assert created.event.model_dump()["request_id"] == req_id
    assert created.audience == frozenset({await world.user_id("admin"), await world.user_id("teacher")})
    assert (await admin.get(f"{API}/orgs/{world.org_id}/figures")).json()["pending_requests"] == 1

    r = await admin.get(f"{API}/orgs/{world.org_id}/join-requests")
    [req] = r.json()["requests"]
    assert (req["id"], req["user"]["id"], req["user"]["name"], req["role"], req["group"],
            req["message"], req["status"]) == (
        req_id, kolya_id, "Коля Кузнецов", "student", {"id": g5a["id"], "name": "5А"},
        "Я новенький, из 5А", "pending")

    world.events.clear()
    r = await admin.post(f"{API}/orgs/{world.org_id}/join-requests/{req_id}/accept",
                         json={"note": "Приказ о зачислении № 7"})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["decision_note"]) == ("accepted", "Приказ о зачислении № 7")
    assert await my_roles(kolya) == {world.org_id: ["student"]}
    assert (await groups_of(admin, world.org_id))["5А"]["students_count"] == 3
    [decided] = world.events_of("join_request.decided")
    assert decided.audience == frozenset({await world.user_id("admin"), kolya_id})
    assert (await admin.get(f"{API}/orgs/{world.org_id}/join-requests")).json()["requests"] == []
    entries = (await admin.get(f"{API}/orgs/{world.org_id}/audit")).json()["entries"]
    assert (entries[0]["action"], entries[0]["actor"]["id"], entries[0]["target_id"]) == (
        "join_request.accepted", await world.user_id("admin"), req_id)


async def test_a_teacher_request_is_heard_by_administrators_only(world: World) -> None:
    admin = await world.as_("admin")
    link = await invite(admin, world.org_id, role="teacher", requires_approval=True)
    world.events.clear()
    await requested(world, link, "+79201112233", "Ольга Николаевна Белова")
    [created] = world.events_of("join_request.created")
    assert created.audience == frozenset({await world.user_id("admin")})
    anna = await world.as_("teacher")  # leads a class, not the staff room
    assert (await anna.get(f"{API}/orgs/{world.org_id}/join-requests")).json()["requests"] == []


async def test_a_refused_request_leaves_the_person_outside(world: World) -> None:
    admin = await world.as_("admin")
    link = await invite(admin, world.org_id, role="teacher", requires_approval=True)
    olga, req_id = await requested(world, link, "+79201112233", "Ольга Николаевна Белова")
    r = await admin.post(f"{API}/orgs/{world.org_id}/join-requests/{req_id}/refuse",
                         json={"note": "Не работает в школе"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "refused"
    assert await my_roles(olga) == {}
    r = await admin.get(f"{API}/orgs/{world.org_id}/join-requests", params={"status": "all"})
    assert [x["status"] for x in r.json()["requests"]] == ["refused"]


async def test_a_request_is_decided_only_once(world: World) -> None:
    admin = await world.as_("admin")
    link = await invite(admin, world.org_id, role="teacher", requires_approval=True)
    olga, req_id = await requested(world, link, "+79201112233", "Ольга Николаевна Белова")
    r = await admin.post(f"{API}/orgs/{world.org_id}/join-requests/{req_id}/accept", json={})
    assert r.status_code == 200, r.text
    world.events.clear()
    for verb in ("accept", "refuse"):
        r = await admin.post(f"{API}/orgs/{world.org_id}/join-requests/{req_id}/{verb}", json={})
        assert (r.status_code, error_code(r)) == (409, "already_decided"), verb
    r = await admin.get(f"{API}/orgs/{world.org_id}/join-requests", params={"status": "all"})
    assert [x["status"] for x in r.json()["requests"]] == ["accepted"]
    assert await my_roles(olga) == {world.org_id: ["teacher"]}
    assert world.events == []


async def test_asking_twice_while_waiting_is_refused(world: World) -> None:
    admin = await world.as_("admin")
    link = await invite(admin, world.org_id, role="teacher", requires_approval=True)
    olga, _ = await requested(world, link, "+79201112233", "Ольга Николаевна Белова")
    r = await olga.post(f"{API}/invites/{link['token']}/join", json={})
    assert (r.status_code, error_code(r)) == (409, "already_member")
    assert await uses(world, link["id"]) == 1
    assert len((await admin.get(f"{API}/orgs/{world.org_id}/join-requests")).json()["requests"]) == 1


async def test_the_class_teacher_decides_requests_for_her_class(world: World) -> None:
    anna = await world.as_("teacher")
    g5a = (await groups_of(anna, world.org_id))["5А"]["id"]
    link = await invite(anna, world.org_id, role="student", group_id=g5a, requires_approval=True)
    kolya, req_id = await requested(world, link, "+79201112244", "Коля Кузнецов")
    [req] = (await anna.get(f"{API}/orgs/{world.org_id}/join-requests")).json()["requests"]
    assert req["id"] == req_id
    r = await anna.post(f"{API}/orgs/{world.org_id}/join-requests/{req_id}/accept", json={})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "accepted"
    assert await my_roles(kolya) == {world.org_id: ["student"]}


async def test_a_subject_teacher_students_and_outsiders_cannot_decide(world: World) -> None:
    admin = await world.as_("admin")
    g5a = (await groups_of(admin, world.org_id))["5А"]["id"]
    link = await invite(admin, world.org_id, role="student", group_id=g5a, requires_approval=True)
    kolya, req_id = await requested(world, link, "+79201112244", "Коля Кузнецов")
    oleg = await world.as_("math_teacher")  # teaches 5А, does not lead it
    assert (await oleg.get(f"{API}/orgs/{world.org_id}/join-requests")).json()["requests"] == []
    for key in ("math_teacher", "student", "parent"):
        someone = await world.as_(key)
        r = await someone.post(f"{API}/orgs/{world.org_id}/join-requests/{req_id}/accept", json={})
        assert (r.status_code, error_code(r)) == (403, "forbidden"), key
    r = await kolya.post(f"{API}/orgs/{world.org_id}/join-requests/{req_id}/accept", json={})
    assert (r.status_code, error_code(r)) == (404, "not_found")  # he is not in the school yet
    _, natalia = await register_gymnasium(world)
    r = await natalia.post(f"{API}/orgs/{world.org_id}/join-requests/{req_id}/accept", json={})
    assert (r.status_code, error_code(r)) == (404, "not_found")
    r = await admin.get(f"{API}/orgs/{world.org_id}/join-requests")
    assert [x["status"] for x in r.json()["requests"]] == ["pending"]
    assert await my_roles(kolya) == {}


async def test_a_request_into_an_archived_class_cannot_be_accepted(world: World) -> None:
    admin = await world.as_("admin")
    r = await admin.post(f"{API}/orgs/{world.org_id}/groups", json={"grade": 7, "letter": "В"})
    group_id = r.json()["id"]
    r = await admin.post(f"{API}/orgs/{world.org_id}/invites",
                         json={"role": "student", "group_id": group_id, "requires_approval": True})
    token = r.json()["token"]
    kolya = await newcomer(world, "+79201110099", "Коля Морозов")
    req = (await kolya.post(f"{API}/invites/{token}/join", json={})).json()["join_request_id"]
    assert (await admin.delete(f"{API}/orgs/{world.org_id}/groups/{group_id}")).status_code == 200
    r = await admin.post(f"{API}/orgs/{world.org_id}/join-requests/{req}/accept", json={})
    assert (r.status_code, error_code(r)) == (409, "group_archived")
    assert (await kolya.get(f"{API}/me")).json()["memberships"] == []
    r = await admin.post(f"{API}/orgs/{world.org_id}/join-requests/{req}/refuse", json={})
    assert r.status_code == 200 and r.json()["status"] == "refused"
