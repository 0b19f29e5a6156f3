"""Organizations: the operator registers a school from its application (R1, R2), the
administrator keeps its profile (R3, R43) and reads its figures."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from parta.models import Municipality, Organization, Region, User
from tests.conftest import PHONES, World, error_code

API = "/api/v1"

GYMNASIUM_ADMIN_PHONE = "+79161234567"


def gymnasium_application(municipality_id: int, **over: Any) -> dict[str, Any]:
    """The application of «Гимназия № 5»: the order appointing Наталья Павловна as administrator."""
    body: dict[str, Any] = {
        "name": "Гимназия № 5", "kind": "school", "municipality_id": municipality_id,
        "admin_name": "Наталья Павловна Орлова", "admin_email": "orlova@gym5.example",
        "admin_phone": "8 (916) 123-45-67", "application_ref": "Приказ № 12 от 01.09",
    }
    body.update(over)
    return body


async def demo_municipality_id(operator: httpx.AsyncClient) -> int:
    r = await operator.get(f"{API}/regions")
    assert r.status_code == 200, r.text
    [region] = [x for x in r.json()["regions"] if x["name"] == "Демонстрационная область"]
    return int(region["municipalities"][0]["id"])


async def register_gymnasium(world: World) -> tuple[int, httpx.AsyncClient]:
    """A second school, registered through the operator API, and its administrator signed in."""
    operator = await world.as_("operator")
    r = await operator.post(f"{API}/organizations",
                            json=gymnasium_application(await demo_municipality_id(operator)))
    assert r.status_code == 201, r.text
    return r.json()["id"], await world.sign_in(GYMNASIUM_ADMIN_PHONE)


async def count(world: World, model: Any, *where: Any) -> int:
    async with world.services.sessionmaker() as db:
        return int((await db.execute(select(func.count()).select_from(model).where(*where)))
                   .scalar_one())


async def org_names(world: World) -> list[str]:
    async with world.services.sessionmaker() as db:
        return sorted((await db.execute(select(Organization.name))).scalars())


# Registration (R1, R2) --------------------------------------------------------------------------

async def test_operator_registers_a_school_and_its_administrator_signs_in_by_phone(world: World) -> None:
    operator = await world.as_("operator")
    r = await operator.post(f"{API}/regions", json={"name": "Новосибирская область"})
    assert r.status_code == 201, r.text
    region = r.json()
    assert region["name"] == "Новосибирская область"
    r = await operator.post(f"{API}/municipalities",
                            json={"region_id": region["id"], "name": "Город Бердск"})
    assert r.status_code == 201, r.text
    muni = r.json()
    r = await operator.get(f"{API}/regions")
    [listed] = [x for x in r.json()["regions"] if x["id"] == region["id"]]
    assert listed["municipalities"] == [{"id": muni["id"], "name": "Город Бердск"}]

    r = await operator.post(f"{API}/organizations", json=gymnasium_application(muni["id"]))
    assert r.status_code == 201, r.text
    org = r.json()
    assert org["name"] == "Гимназия № 5"
    assert org["kind"] == "school"
    assert org["municipality"] == {"id": muni["id"], "name": "Город Бердск"}
    assert org["region"] == {"id": region["id"], "name": "Новосибирская область"}
    assert org["gradebook_url"] == ""

    # Наталья Павловна signs in with the phone from the order (given as 8 (916) …).
    natalia = await world.sign_in(GYMNASIUM_ADMIN_PHONE)
    me = (await natalia.get(f"{API}/me")).json()
    assert me["name"] == "Наталья Павловна Орлова"
    assert me["email"] == "orlova@gym5.example"
    assert me["phone"] == GYMNASIUM_ADMIN_PHONE
    assert [(m["org"], m["roles"]) for m in me["memberships"]] == [
        ({"id": org["id"], "name": "Гимназия № 5", "kind": "school"}, ["org_admin"])]
    r = await natalia.get(f"{API}/organizations")
    assert [o["id"] for o in r.json()["organizations"]] == [org["id"]]

    # The staff room is there from the start, and she is in it.
    groups = (await natalia.get(f"{API}/orgs/{org['id']}/groups")).json()["groups"]
    assert [(g["kind"], g["name"], g["students_count"]) for g in groups] == [
        ("staff_room", "Учительская", 1)]
    members = (await natalia.get(f"{API}/orgs/{org['id']}/members",
                                 params={"group_id": groups[0]["id"]})).json()["members"]
    assert [(m["name"], m["roles"], m["phone"]) for m in members] == [
        ("Наталья Павловна Орлова", ["org_admin"], GYMNASIUM_ADMIN_PHONE)]

    # The registration is audited with the operator as the actor, and she was told she joined.
    entries = (await natalia.get(f"{API}/orgs/{org['id']}/audit")).json()["entries"]
    [registered] = [e for e in entries if e["action"] == "org.registered"]
    assert registered["actor"]["id"] == await world.user_id("operator")
    assert registered["details"]["application_ref"] == "Приказ № 12 от 01.09"
    assert registered["details"]["admin_user_id"] == me["id"]
    [joined] = [e for e in world.events_of("member.joined") if e.event.org_id == org["id"]]
    assert joined.audience == frozenset({me["id"]})


async def test_a_teacher_appointed_administrator_of_another_school_keeps_her_name(world: World) -> None:
    operator = await world.as_("operator")
    muni_id = await demo_municipality_id(operator)
    r = await operator.post(f"{API}/organizations", json=gymnasium_application(
        muni_id, name="Колледж связи", kind="college", admin_name="Волкова А. С.",
        admin_phone=PHONES["teacher"], admin_email="volkova@college.example"))
    assert r.status_code == 201, r.text
    college_id = r.json()["id"]
    anna = await world.as_("teacher")
    me = (await anna.get(f"{API}/me")).json()
    assert me["name"] == "Анна Сергеевна Волкова"
    assert me["email"] == "volkova@college.example"  # she had none; the order's one is kept
    assert sorted((m["org"]["id"], tuple(m["roles"])) for m in me["memberships"]) == sorted([
        (world.org_id, ("teacher",)), (college_id, ("org_admin",))])


async def test_only_the_operator_registers_regions_municipalities_and_organizations(world: World) -> None:
    operator = await world.as_("operator")
    muni_id = await demo_municipality_id(operator)
    before = await org_names(world)
    for key in ("admin", "teacher", "student"):
        someone = await world.as_(key)
        r = await someone.post(f"{API}/organizations", json=gymnasium_application(muni_id))
        assert r.status_code == 403, (key, r.text)
        assert error_code(r) == "forbidden"
        r = await someone.post(f"{API}/regions", json={"name": "Томская область"})
        assert (r.status_code, error_code(r)) == (403, "forbidden")
        r = await someone.post(f"{API}/municipalities", json={"region_id": 1, "name": "Северск"})
        assert (r.status_code, error_code(r)) == (403, "forbidden")
    assert await org_names(world) == before
    assert await count(world, Region) == 1
    assert await count(world, Municipality) == 1
    assert await count(world, User, User.phone == GYMNASIUM_ADMIN_PHONE) == 0


async def test_registration_refuses_a_phone_that_is_not_a_mobile_number(world: World) -> None:
    operator = await world.as_("operator")
    muni_id = await demo_municipality_id(operator)
    before = await org_names(world)
    for phone in ("12345", "+7 495 123-45-67", "not a phone"):  # too short, a landline, words
        r = await operator.post(f"{API}/organizations",
                                json=gymnasium_application(muni_id, admin_phone=phone))
        assert r.status_code == 422, (phone, r.text)
        assert error_code(r) == "invalid_phone"
        assert "phone" in r.json()["error"]["fields"]
    assert await org_names(world) == before
    assert await count(world, User) == 8  # the demo people, nobody new


async def test_registration_refuses_an_unknown_municipality_and_kind(world: World) -> None:
    operator = await world.as_("operator")
    muni_id = await demo_municipality_id(operator)
    before = await org_names(world)
    r = await operator.post(f"{API}/organizations",
                            json=gymnasium_application(muni_id + 1000))
    assert (r.status_code, error_code(r)) == (422, "validation_failed")
    assert list(r.json()["error"]["fields"]) == ["municipality_id"]
    r = await operator.post(f"{API}/organizations",
                            json=gymnasium_application(muni_id, kind="university"))
    assert (r.status_code, error_code(r)) == (422, "validation_failed")
    assert list(r.json()["error"]["fields"]) == ["kind"]
    r = await operator.post(f"{API}/organizations",
                            json=gymnasium_application(muni_id, admin_email="orlova-at-gym5"))
    assert (r.status_code, error_code(r)) == (422, "validation_failed")
    assert list(r.json()["error"]["fields"]) == ["admin_email"]
    assert await org_names(world) == before
    assert await count(world, User, User.phone == GYMNASIUM_ADMIN_PHONE) == 0


async def test_duplicate_region_and_municipality_are_refused(world: World) -> None:
    operator = await world.as_("operator")
    r = await operator.post(f"{API}/regions", json={"name": "Демонстрационная область"})
    assert (r.status_code, error_code(r)) == (409, "region_exists")
    r = await operator.get(f"{API}/regions")
    [region] = r.json()["regions"]
    r = await operator.post(f"{API}/municipalities",
                            json={"region_id": region["id"], "name": "Городской округ Демо"})
    assert (r.status_code, error_code(r)) == (409, "municipality_exists")
    r = await operator.post(f"{API}/municipalities",
                            json={"region_id": region["id"] + 1000, "name": "Северск"})
    assert (r.status_code, error_code(r)) == (422, "validation_failed")
    assert list(r.json()["error"]["fields"]) == ["region_id"]
    assert await count(world, Region) == 1
    assert await count(world, Municipality) == 1


# Profile (R3, R43) ------------------------------------------------------------------------------

PROFILE = {
    "short_name": "Школа № 1 им. Пушкина",
    "address": "ул. Школьная, 1, корп. 2",
    "phone": "+7 (383) 222-33-44",
    "email": "school1@edu.example",
    "website": "https://school1.edu.example",
    "gradebook_url": "https://dnevnik.example/school/1",
    "description": "Муниципальная общеобразовательная школа.",
}


async def test_administrator_edits_the_profile_and_everyone_sees_the_gradebook_link(world: World) -> None:
    admin = await world.as_("admin")
    r = await admin.patch(f"{API}/orgs/{world.org_id}", json=PROFILE)
    assert r.status_code == 200, r.text
    org = r.json()
    for k, v in PROFILE.items():
        assert org[k] == v, k
    assert org["name"] == "Школа № 1 (демо)"  # untouched fields stay

    masha = await world.as_("student")
    seen = (await masha.get(f"{API}/orgs/{world.org_id}")).json()
    assert seen["gradebook_url"] == "https://dnevnik.example/school/1"
    assert seen["address"] == "ул. Школьная, 1, корп. 2"

    [changed] = world.events_of("org.changed")
    assert changed.event.org_id == world.org_id
    assert changed.audience == frozenset({await world.user_id("admin")})
    entries = (await admin.get(f"{API}/orgs/{world.org_id}/audit")).json()["entries"]
    assert entries[0]["action"] == "org.edited"
    assert entries[0]["actor"]["id"] == await world.user_id("admin")
    assert entries[0]["details"]["fields"] == sorted(PROFILE)


async def test_saving_the_same_profile_again_records_nothing(world: World) -> None:
    admin = await world.as_("admin")
    r = await admin.patch(f"{API}/orgs/{world.org_id}",
                          json={"gradebook_url": "https://gradebook.example/school1"})
    assert r.status_code == 200, r.text
    assert world.events_of("org.changed") == []
    entries = (await admin.get(f"{API}/orgs/{world.org_id}/audit")).json()["entries"]
    assert "org.edited" not in [e["action"] for e in entries]


async def test_teachers_students_and_parents_may_not_edit_the_profile(world: World) -> None:
    admin = await world.as_("admin")
    before = (await admin.get(f"{API}/orgs/{world.org_id}")).json()
    for key in ("teacher", "math_teacher", "student", "parent"):
        someone = await world.as_(key)
        r = await someone.patch(f"{API}/orgs/{world.org_id}",
                                json={"gradebook_url": "https://evil.example/"})
        assert (r.status_code, error_code(r)) == (403, "forbidden"), key
    assert (await admin.get(f"{API}/orgs/{world.org_id}")).json() == before
    assert world.events_of("org.changed") == []


async def test_another_schools_administrator_is_told_the_school_does_not_exist(world: World) -> None:
    gym_id, natalia = await register_gymnasium(world)
    admin = await world.as_("admin")
    before = (await admin.get(f"{API}/orgs/{world.org_id}")).json()
    r = await natalia.patch(f"{API}/orgs/{world.org_id}", json={"name": "Захвачено"})
    assert (r.status_code, error_code(r)) == (404, "not_found")
    r = await natalia.get(f"{API}/orgs/{world.org_id}")
    assert (r.status_code, error_code(r)) == (404, "not_found")
    # …the same answer as for a school that does not exist at all.
    r = await natalia.patch(f"{API}/orgs/{gym_id + 1000}", json={"name": "Захвачено"})
    assert (r.status_code, error_code(r)) == (404, "not_found")
    # and the other way round.
    r = await admin.patch(f"{API}/orgs/{gym_id}", json={"name": "Захвачено"})
    assert (r.status_code, error_code(r)) == (404, "not_found")
    assert (await admin.get(f"{API}/orgs/{world.org_id}")).json() == before
    assert (await natalia.get(f"{API}/orgs/{gym_id}")).json()["name"] == "Гимназия № 5"


async def test_bad_profile_input_is_refused_and_changes_nothing(world: World) -> None:
    admin = await world.as_("admin")
    before = (await admin.get(f"{API}/orgs/{world.org_id}")).json()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"address": "ул. Новая, 5", "gradebook_url": "dnevnik.example/school/1"}, "gradebook_url"),
        ({"gradebook_url": "javascript:alert(1)"}, "gradebook_url"),
        ({"website": "ftp://school1.example"}, "website"),
        ({"email": "school1-at-edu"}, "email"),
        ({"motto": "Учиться, учиться и учиться"}, "motto"),
        ({"name": "Ш"}, "name"),
        ({"name": None}, "name"),
        ({"short_name": None}, "short_name"),
        ({"description": "x" * 5001}, "description"),
    ]
    for body, field in cases:
        r = await admin.patch(f"{API}/orgs/{world.org_id}", json=body)
        assert r.status_code == 422, (body, r.text)
        assert error_code(r) == "validation_failed", body
        assert field in r.json()["error"]["fields"], (body, r.json())
    assert (await admin.get(f"{API}/orgs/{world.org_id}")).json() == before
    assert world.events_of("org.changed") == []


# Figures (R2, R39) ------------------------------------------------------------------------------

DEMO_FIGURES = {"members": 7, "staff": 3, "students": 3, "parents": 1, "verified_teachers": 2,
                "pending_requests": 0, "active_invites": 0, "activated": 1, "invited_to_chats": 0}


async def test_administrator_and_operator_read_the_figures(world: World) -> None:
    admin = await world.as_("admin")
    r = await admin.get(f"{API}/orgs/{world.org_id}/figures")
    assert r.status_code == 200, r.text
    assert r.json() == DEMO_FIGURES
    r = await admin.post(f"{API}/orgs/{world.org_id}/invites", json={"role": "teacher"})
    assert r.status_code == 201, r.text
    operator = await world.as_("operator")
    r = await operator.get(f"{API}/orgs/{world.org_id}/figures")
    assert r.status_code == 200, r.text
    assert r.json() == {**DEMO_FIGURES, "active_invites": 1}


async def test_activation_counts_sign_ins_and_open_chat_invitations(world: World) -> None:
    admin = await world.as_("admin")
    anna = await world.as_("teacher")
    groups = {g["name"]: g for g in (await anna.get(f"{API}/orgs/{world.org_id}/groups")).json()["groups"]}
    chat = (await anna.post(f"{API}/orgs/{world.org_id}/chats", json={
        "kind": "class", "title": "5А — новости", "group_id": groups["5А"]["id"],
        "invite_group": True})).json()
    figures = (await admin.get(f"{API}/orgs/{world.org_id}/figures")).json()
    assert (figures["activated"], figures["invited_to_chats"]) == (2, 2)  # Маша and Петя invited
    masha = await world.as_("student")
    await masha.post(f"{API}/chats/{chat['id']}/join", json={"accept_rules": True})
    petya = await world.as_("student2")
    await petya.post(f"{API}/chats/{chat['id']}/decline")
    figures = (await admin.get(f"{API}/orgs/{world.org_id}/figures")).json()
    assert (figures["activated"], figures["invited_to_chats"]) == (4, 0)


async def test_students_parents_and_teachers_may_not_read_the_figures(world: World) -> None:
    for key in ("student", "parent", "teacher"):
        someone = await world.as_(key)
        r = await someone.get(f"{API}/orgs/{world.org_id}/figures")
        assert (r.status_code, error_code(r)) == (403, "forbidden"), key
    _, natalia = await register_gymnasium(world)
    r = await natalia.get(f"{API}/orgs/{world.org_id}/figures")
    assert (r.status_code, error_code(r)) == (404, "not_found")


async def test_an_id_beyond_the_databases_range_is_simply_not_found(world: World) -> None:
    admin = await world.as_("admin")
    for huge in (2**31, 2**63, 0, -1):
        r = await admin.get(f"{API}/orgs/{huge}")
        assert (r.status_code, error_code(r)) == (404, "not_found"), huge
    assert (await admin.get(f"{API}/orgs/abc")).status_code == 404
    r = await admin.get(f"{API}/orgs/{world.org_id}/audit", params={"before_id": 2**40})
    assert (r.status_code, error_code(r)) == (422, "validation_failed")
    assert "before_id" in r.json()["error"]["fields"]
    r = await admin.post(f"{API}/orgs/{world.org_id}/invites", json={"role": "student", "group_id": 2**40})
    assert (r.status_code, error_code(r)) == (422, "validation_failed")
    assert "group_id" in r.json()["error"]["fields"]


async def test_the_administrators_see_what_waits_for_them_and_nobody_else_does(world: World) -> None:
    """Issue 14: pending parents, requests, teachers and tickets, counted for the home page."""
    admin = await world.as_("admin")
    base = f"{API}/orgs/{world.org_id}/attention"
    before = (await admin.get(base)).json()
    elena = await world.as_("parent")
    r = await elena.post(f"{API}/support/tickets", json={
        "subject": "Вопрос", "body": "Когда собрание?", "org_id": world.org_id})
    assert r.status_code == 201, r.text
    after = (await admin.get(base)).json()
    assert after["support_tickets"] == before["support_tickets"] + 1
    assert set(after) == {"join_requests", "parent_links", "verifications", "support_tickets"}
    for key in ("teacher", "parent", "student"):
        r = await (await world.as_(key)).get(base)
        assert (r.status_code, error_code(r)) == (403, "forbidden"), key
    gym_id, gym_admin = await register_gymnasium(world)
    r = await gym_admin.get(base)
    assert (r.status_code, error_code(r)) == (404, "not_found")
    assert (await gym_admin.get(f"{API}/orgs/{gym_id}/attention")).json()["support_tickets"] == 0
