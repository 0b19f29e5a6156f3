"""Members: appointing administrators from staff (R6), teacher verification and its badge
(R12), and who sees members' phones and e-mails (private by default)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import PHONES, World, error_code
from tests.helpers import API, members, my_id, newcomer


async def new_teacher(world: World, admin: httpx.AsyncClient) -> tuple[httpx.AsyncClient, int]:
    """Ольга Николаевна joins by a teacher link; she has not asked to be verified yet."""
    r = await admin.post(f"{API}/orgs/{world.org_id}/invites", json={"role": "teacher"})
    olga = await newcomer(world, "+79201112233", "Ольга Николаевна Белова")
    r = await olga.post(f"{API}/invites/{r.json()['token']}/join", json={})
    assert r.json()["status"] == "joined", r.text
    return olga, await my_id(olga)


async def audit(admin: httpx.AsyncClient, org_id: int) -> list[dict[str, Any]]:
    return list((await admin.get(f"{API}/orgs/{org_id}/audit")).json()["entries"])


# Appointing administrators (R6) -----------------------------------------------------------------

async def test_the_administrator_appoints_a_teacher_as_another_administrator(world: World) -> None:
    admin = await world.as_("admin")
    anna_id = await world.user_id("teacher")
    r = await admin.post(f"{API}/orgs/{world.org_id}/members/{anna_id}/roles",
                         json={"role": "org_admin"})
    assert r.status_code == 200, r.text
    m = r.json()
    assert (m["user_id"], m["name"], m["roles"], m["phone"]) == (
        anna_id, "Анна Сергеевна Волкова", ["org_admin", "teacher"], PHONES["teacher"])
    [changed] = world.events_of("roles.changed")
    assert changed.event.model_dump()["roles"] == ["org_admin", "teacher"]
    assert changed.audience == frozenset({await world.user_id("admin"), anna_id})
    [entry] = [e for e in await audit(admin, world.org_id) if e["action"] == "role.granted"]
    assert (entry["actor"]["id"], entry["target_id"], entry["details"]) == (
        await world.user_id("admin"), anna_id, {"role": "org_admin"})

    # Анна Сергеевна now does what an administrator does.
    anna = await world.as_("teacher")
    r = await anna.patch(f"{API}/orgs/{world.org_id}", json={"short_name": "Первая школа"})
    assert r.status_code == 200, r.text
    me = (await anna.get(f"{API}/me")).json()
    assert me["memberships"][0]["roles"] == ["org_admin", "teacher"]

    # Granting a role already held changes nothing and records nothing.
    world.events.clear()
    r = await admin.post(f"{API}/orgs/{world.org_id}/members/{anna_id}/roles",
                         json={"role": "org_admin"})
    assert r.status_code == 200, r.text
    assert world.events == []
    assert len([e for e in await audit(admin, world.org_id) if e["action"] == "role.granted"]) == 1


async def test_a_new_administrator_lets_the_first_step_down(world: World) -> None:
    admin = await world.as_("admin")
    admin_id = await world.user_id("admin")
    oleg_id = await world.user_id("math_teacher")
    r = await admin.delete(f"{API}/orgs/{world.org_id}/members/{admin_id}/roles/org_admin")
    assert (r.status_code, error_code(r)) == (409, "last_admin")
    assert (await members(admin, world.org_id))[admin_id]["roles"] == [
        "administration", "org_admin", "teacher"]

    r = await admin.post(f"{API}/orgs/{world.org_id}/members/{oleg_id}/roles",
                         json={"role": "org_admin"})
    assert r.status_code == 200, r.text
    r = await admin.delete(f"{API}/orgs/{world.org_id}/members/{admin_id}/roles/org_admin")
    assert r.status_code == 200, r.text
    assert r.json()["roles"] == ["administration", "teacher"]
    # Now Олег Викторович is the last one.
    oleg = await world.as_("math_teacher")
    r = await oleg.delete(f"{API}/orgs/{world.org_id}/members/{oleg_id}/roles/org_admin")
    assert (r.status_code, error_code(r)) == (409, "last_admin")
    assert (await members(oleg, world.org_id))[oleg_id]["roles"] == ["org_admin", "teacher"]
    # and Ирина Петровна, no longer org_admin, appoints nobody.
    r = await admin.post(f"{API}/orgs/{world.org_id}/members/{await world.user_id('teacher')}/roles",
                         json={"role": "org_admin"})
    assert (r.status_code, error_code(r)) == (403, "forbidden")
    entries = await audit(oleg, world.org_id)
    assert [e["action"] for e in entries[:2]] == ["role.revoked", "role.granted"]


async def test_students_and_parents_cannot_be_appointed(world: World) -> None:
    admin = await world.as_("admin")
    before = await members(admin, world.org_id)
    for key in ("student", "parent"):
        uid = await world.user_id(key)
        for role in ("org_admin", "administration", "teacher"):
            r = await admin.post(f"{API}/orgs/{world.org_id}/members/{uid}/roles",
                                 json={"role": role})
            assert (r.status_code, error_code(r)) == (409, "not_staff"), (key, role)
    assert await members(admin, world.org_id) == before
    assert world.events_of("roles.changed") == []


async def test_someone_outside_the_school_cannot_be_appointed(world: World) -> None:
    admin = await world.as_("admin")
    stranger = await newcomer(world, "+79995550011", "Посторонний Человек")
    stranger_id = await my_id(stranger)
    for uid in (stranger_id, stranger_id + 1000):
        r = await admin.post(f"{API}/orgs/{world.org_id}/members/{uid}/roles",
                             json={"role": "org_admin"})
        assert (r.status_code, error_code(r)) == (404, "not_found")
    assert (await stranger.get(f"{API}/me")).json()["memberships"] == []


async def test_only_staff_roles_are_granted_or_revoked(world: World) -> None:
    admin = await world.as_("admin")
    anna_id = await world.user_id("teacher")
    before = await members(admin, world.org_id)
    for role in ("student", "parent", "operator", "municipal_admin"):
        r = await admin.post(f"{API}/orgs/{world.org_id}/members/{anna_id}/roles",
                             json={"role": role})
        assert (r.status_code, error_code(r)) == (422, "role_not_allowed"), role
    r = await admin.post(f"{API}/orgs/{world.org_id}/members/{anna_id}/roles",
                         json={"role": "director"})
    assert (r.status_code, error_code(r)) == (422, "validation_failed")
    # Taking a person's only role would leave a member with none.
    r = await admin.delete(f"{API}/orgs/{world.org_id}/members/{anna_id}/roles/teacher")
    assert (r.status_code, error_code(r)) == (409, "role_not_allowed")
    r = await admin.delete(f"{API}/orgs/{world.org_id}/members/{await world.user_id('student')}/roles/student")
    assert (r.status_code, error_code(r)) == (422, "role_not_allowed")
    assert await members(admin, world.org_id) == before


async def test_teachers_and_students_appoint_nobody(world: World) -> None:
    admin = await world.as_("admin")
    before = await members(admin, world.org_id)
    oleg_id = await world.user_id("math_teacher")
    admin_id = await world.user_id("admin")
    for key in ("teacher", "student", "parent"):
        someone = await world.as_(key)
        r = await someone.post(f"{API}/orgs/{world.org_id}/members/{oleg_id}/roles",
                               json={"role": "org_admin"})
        assert (r.status_code, error_code(r)) == (403, "forbidden"), key
        r = await someone.delete(f"{API}/orgs/{world.org_id}/members/{admin_id}/roles/administration")
        assert (r.status_code, error_code(r)) == (403, "forbidden"), key
    assert await members(admin, world.org_id) == before


# Teacher verification (R12) ---------------------------------------------------------------------

async def test_a_teacher_asks_and_the_administrator_confirms_the_badge(world: World) -> None:
    admin = await world.as_("admin")
    olga, olga_id = await new_teacher(world, admin)
    world.events.clear()
    r = await olga.post(f"{API}/orgs/{world.org_id}/verification",
                        json={"position": "учитель физики"})
    assert r.status_code == 200, r.text
    assert (r.json()["verification"], r.json()["position"], r.json()["verified_teacher"]) == (
        "requested", "учитель физики", False)
    assert r.json()["phone"] is None  # she does not see contacts, not even in this answer
    [asked] = world.events_of("verification.changed")
    assert asked.audience == frozenset({await world.user_id("admin"), olga_id})

    r = await admin.get(f"{API}/orgs/{world.org_id}/verification", params={"status": "requested"})
    assert sorted(m["name"] for m in r.json()["members"]) == [
        "Олег Викторович Лебедев", "Ольга Николаевна Белова"]

    world.events.clear()
    r = await admin.post(f"{API}/orgs/{world.org_id}/members/{olga_id}/verification",
                         json={"decision": "confirm"})
    assert r.status_code == 200, r.text
    assert (r.json()["verification"], r.json()["verified_teacher"]) == ("verified", True)
    [decided] = world.events_of("verification.changed")
    assert decided.event.model_dump()["status"] == "verified"
    assert decided.audience == frozenset({await world.user_id("admin"), olga_id})
    me = (await olga.get(f"{API}/me")).json()
    assert me["memberships"][0]["verification"] == "verified"
    entries = await audit(admin, world.org_id)
    assert [(e["action"], e["actor"]["id"]) for e in entries[:2]] == [
        ("verification.confirmed", await world.user_id("admin")),
        ("verification.requested", olga_id)]
    # A verified teacher has nothing left to ask.
    r = await olga.post(f"{API}/orgs/{world.org_id}/verification", json={})
    assert (r.status_code, error_code(r)) == (409, "already_decided")


async def test_the_badge_shows_in_the_class_teacher_lists(world: World) -> None:
    admin = await world.as_("admin")
    oleg_id = await world.user_id("math_teacher")

    async def oleg_in_5a() -> dict[str, Any]:
        groups = (await admin.get(f"{API}/orgs/{world.org_id}/groups")).json()["groups"]
        [g5a] = [g for g in groups if g["name"] == "5А"]
        [st] = g5a["subject_teachers"]
        return dict(st["teacher"])

    assert await oleg_in_5a() == {"id": oleg_id, "name": "Олег Викторович Лебедев",
                                  "verified_teacher": False}
    r = await admin.post(f"{API}/orgs/{world.org_id}/members/{oleg_id}/verification",
                         json={"decision": "confirm"})
    assert r.status_code == 200, r.text
    assert (await oleg_in_5a())["verified_teacher"] is True
    masha = await world.as_("student")
    groups = (await masha.get(f"{API}/orgs/{world.org_id}/groups")).json()["groups"]
    [g5a] = [g for g in groups if g["name"] == "5А"]
    assert g5a["subject_teachers"][0]["teacher"]["verified_teacher"] is True
    assert g5a["class_teacher"]["verified_teacher"] is True  # Анна Сергеевна was verified before


async def test_a_refused_teacher_carries_no_badge_and_may_ask_again(world: World) -> None:
    admin = await world.as_("admin")
    oleg_id = await world.user_id("math_teacher")
    r = await admin.post(f"{API}/orgs/{world.org_id}/members/{oleg_id}/verification",
                         json={"decision": "refuse", "note": "Нет приказа о назначении"})
    assert r.status_code == 200, r.text
    assert (r.json()["verification"], r.json()["verified_teacher"]) == ("refused", False)
    assert (await members(admin, world.org_id))[oleg_id]["verified_teacher"] is False
    entries = await audit(admin, world.org_id)
    assert (entries[0]["action"], entries[0]["details"]) == (
        "verification.refused", {"note": "Нет приказа о назначении"})
    oleg = await world.as_("math_teacher")
    r = await oleg.post(f"{API}/orgs/{world.org_id}/verification",
                        json={"position": "учитель математики и информатики"})
    assert r.status_code == 200, r.text
    assert (r.json()["verification"], r.json()["position"]) == (
        "requested", "учитель математики и информатики")


async def test_students_and_parents_cannot_ask_for_the_teacher_badge(world: World) -> None:
    admin = await world.as_("admin")
    before = await members(admin, world.org_id)
    for key in ("student", "parent"):
        someone = await world.as_(key)
        r = await someone.post(f"{API}/orgs/{world.org_id}/verification",
                               json={"position": "учитель"})
        assert (r.status_code, error_code(r)) == (403, "forbidden"), key
    assert await members(admin, world.org_id) == before
    assert world.events_of("verification.changed") == []


async def test_teachers_cannot_decide_verification(world: World) -> None:
    admin = await world.as_("admin")
    oleg_id = await world.user_id("math_teacher")
    for key in ("teacher", "math_teacher", "student"):
        someone = await world.as_(key)
        r = await someone.post(f"{API}/orgs/{world.org_id}/members/{oleg_id}/verification",
                               json={"decision": "confirm"})
        assert (r.status_code, error_code(r)) == (403, "forbidden"), key
        r = await someone.get(f"{API}/orgs/{world.org_id}/verification")
        assert (r.status_code, error_code(r)) == (403, "forbidden"), key
    m = (await members(admin, world.org_id))[oleg_id]
    assert (m["verification"], m["verified_teacher"]) == ("requested", False)


async def test_verification_is_only_for_teachers_and_for_clear_decisions(world: World) -> None:
    admin = await world.as_("admin")
    before = await members(admin, world.org_id)
    masha_id = await world.user_id("student")
    r = await admin.post(f"{API}/orgs/{world.org_id}/members/{masha_id}/verification",
                         json={"decision": "confirm"})
    assert (r.status_code, error_code(r)) == (409, "not_a_teacher")
    oleg_id = await world.user_id("math_teacher")
    r = await admin.post(f"{API}/orgs/{world.org_id}/members/{oleg_id}/verification",
                         json={"decision": "maybe"})
    assert (r.status_code, error_code(r)) == (422, "validation_failed")
    r = await admin.post(f"{API}/orgs/{world.org_id}/members/{oleg_id + 1000}/verification",
                         json={"decision": "confirm"})
    assert (r.status_code, error_code(r)) == (404, "not_found")
    assert await members(admin, world.org_id) == before


# Contacts are private by default ----------------------------------------------------------------

async def test_phones_and_emails_are_shown_to_administrators_only(world: World) -> None:
    admin = await world.as_("admin")
    everyone = await members(admin, world.org_id)
    assert len(everyone) == 7
    assert {m["name"]: m["phone"] for m in everyone.values()}["Маша Иванова"] == PHONES["student"]
    assert all(m["phone"] is not None and m["email"] is not None for m in everyone.values())

    for key in ("teacher", "math_teacher"):
        someone = await world.as_(key)
        seen = await members(someone, world.org_id)
        assert set(seen) == set(everyone), key
        assert all(m["phone"] is None and m["email"] is None for m in seen.values()), key

    for key in ("student", "parent"):
        someone = await world.as_(key)
        r = await someone.get(f"{API}/orgs/{world.org_id}/members")
        assert (r.status_code, error_code(r)) == (403, "forbidden"), key


async def test_the_member_list_filters_by_role_class_and_name(world: World) -> None:
    admin = await world.as_("admin")
    groups = {g["name"]: g["id"] for g in
              (await admin.get(f"{API}/orgs/{world.org_id}/groups")).json()["groups"]}

    def names(found: dict[int, dict[str, Any]]) -> list[str]:
        return sorted(m["name"] for m in found.values())

    assert names(await members(admin, world.org_id, role="student")) == [
        "Ваня Иванов", "Маша Иванова", "Петя Соколов"]
    # 5А: its students and its class teacher.
    assert names(await members(admin, world.org_id, group_id=groups["5А"])) == [
        "Анна Сергеевна Волкова", "Маша Иванова", "Петя Соколов"]
    assert names(await members(admin, world.org_id, q="Иванов")) == [
        "Ваня Иванов", "Елена Иванова", "Маша Иванова"]
    r = await admin.get(f"{API}/orgs/{world.org_id}/members", params={"group_id": 999999})
    assert (r.status_code, error_code(r)) == (404, "not_found")
    r = await admin.get(f"{API}/orgs/{world.org_id}/members", params={"role": "headmaster"})
    assert (r.status_code, error_code(r)) == (422, "validation_failed")


async def test_the_name_search_ignores_case_in_russian(world: World) -> None:
    admin = await world.as_("admin")
    found = await members(admin, world.org_id, q="иванов")
    assert sorted(m["name"] for m in found.values()) == [
        "Ваня Иванов", "Елена Иванова", "Маша Иванова"]
