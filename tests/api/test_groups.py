"""The school's structure (R4, R5): classes and study groups, the staff room, class teachers
and subject teachers."""

from __future__ import annotations

import httpx

from tests.conftest import World, error_code
from tests.helpers import API, groups_of, register_gymnasium


async def audit_actions(admin: httpx.AsyncClient, org_id: int) -> list[str]:
    r = await admin.get(f"{API}/orgs/{org_id}/audit")
    assert r.status_code == 200, r.text
    return [e["action"] for e in r.json()["entries"]]


# Classes ----------------------------------------------------------------------------------------

async def test_administrator_creates_a_class_by_grade_and_letter(world: World) -> None:
    admin = await world.as_("admin")
    r = await admin.post(f"{API}/orgs/{world.org_id}/groups", json={"grade": 7, "letter": "в"})
    assert r.status_code == 201, r.text
    g = r.json()
    assert (g["kind"], g["name"], g["grade"], g["letter"]) == ("class", "7В", 7, "В")
    assert (g["class_teacher"], g["subject_teachers"], g["students_count"]) == (None, [], 0)
    assert list(await groups_of(admin, world.org_id)) == ["Учительская", "1А", "5А", "5Б", "7В", "9А"]
    [changed] = world.events_of("group.changed")
    assert changed.event.model_dump()["group_id"] == g["id"]
    assert changed.audience == frozenset({await world.user_id("admin")})
    assert (await audit_actions(admin, world.org_id))[0] == "group.created"


async def test_a_college_names_its_study_group_freely(world: World) -> None:
    admin = await world.as_("admin")
    r = await admin.post(f"{API}/orgs/{world.org_id}/groups", json={"name": "  АПК-21 "})
    assert r.status_code == 201, r.text
    g = r.json()
    assert (g["kind"], g["name"], g["grade"], g["letter"]) == ("class", "АПК-21", None, "")
    assert "АПК-21" in await groups_of(admin, world.org_id)


async def test_a_class_that_already_exists_is_refused(world: World) -> None:
    admin = await world.as_("admin")
    before = await groups_of(admin, world.org_id)
    for body in ({"grade": 5, "letter": "А"}, {"grade": 5, "letter": "а"}, {"name": "5А"},
                 {"name": "Учительская"}):
        r = await admin.post(f"{API}/orgs/{world.org_id}/groups", json=body)
        assert (r.status_code, error_code(r)) == (409, "group_exists"), body
    r = await admin.post(f"{API}/orgs/{world.org_id}/groups", json={})
    assert (r.status_code, error_code(r)) == (422, "validation_failed")
    assert list(r.json()["error"]["fields"]) == ["name"]
    for body in ({"grade": 0, "letter": "А"}, {"grade": 5, "letter": "А", "teacher": 1}):
        r = await admin.post(f"{API}/orgs/{world.org_id}/groups", json=body)
        assert (r.status_code, error_code(r)) == (422, "validation_failed"), body
    assert await groups_of(admin, world.org_id) == before
    assert world.events_of("group.changed") == []


async def test_administrator_renames_a_class(world: World) -> None:
    admin = await world.as_("admin")
    g5b = (await groups_of(admin, world.org_id))["5Б"]
    r = await admin.patch(f"{API}/orgs/{world.org_id}/groups/{g5b['id']}", json={"letter": "в"})
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["grade"], r.json()["letter"]) == ("5В", 5, "В")
    r = await admin.patch(f"{API}/orgs/{world.org_id}/groups/{g5b['id']}", json={"grade": 6})
    assert (r.json()["name"], r.json()["grade"], r.json()["letter"]) == ("6В", 6, "В")
    groups = await groups_of(admin, world.org_id)
    assert "5Б" not in groups and groups["6В"]["id"] == g5b["id"]
    entries = (await admin.get(f"{API}/orgs/{world.org_id}/audit")).json()["entries"]
    assert [(e["action"], e["details"]) for e in entries[:2]] == [
        ("group.edited", {"before": "5В", "after": "6В"}),
        ("group.edited", {"before": "5Б", "after": "5В"})]


async def test_renaming_onto_another_class_is_refused(world: World) -> None:
    admin = await world.as_("admin")
    before = await groups_of(admin, world.org_id)
    r = await admin.patch(f"{API}/orgs/{world.org_id}/groups/{before['5Б']['id']}",
                          json={"letter": "А"})
    assert (r.status_code, error_code(r)) == (409, "group_exists")
    r = await admin.patch(f"{API}/orgs/{world.org_id}/groups/{before['5Б']['id']}",
                          json={"name": "9А"})
    assert (r.status_code, error_code(r)) == (409, "group_exists")
    assert await groups_of(admin, world.org_id) == before


async def test_administrator_archives_a_class(world: World) -> None:
    admin = await world.as_("admin")
    g9a = (await groups_of(admin, world.org_id))["9А"]
    r = await admin.delete(f"{API}/orgs/{world.org_id}/groups/{g9a['id']}")
    assert (r.status_code, r.json()) == (200, {"ok": True})
    assert "9А" not in await groups_of(admin, world.org_id)
    assert (await audit_actions(admin, world.org_id))[0] == "group.archived"
    # An archived class is gone for every further change.
    r = await admin.delete(f"{API}/orgs/{world.org_id}/groups/{g9a['id']}")
    assert (r.status_code, error_code(r)) == (404, "not_found")
    r = await admin.patch(f"{API}/orgs/{world.org_id}/groups/{g9a['id']}", json={"letter": "Б"})
    assert (r.status_code, error_code(r)) == (404, "not_found")


async def test_archiving_a_class_annuls_its_invite_links(world: World) -> None:
    admin = await world.as_("admin")
    groups = await groups_of(admin, world.org_id)
    base = f"{API}/orgs/{world.org_id}"
    links = {}
    for cls, role in (("9А", "student"), ("9А", "parent"), ("5А", "student")):
        r = await admin.post(f"{base}/invites", json={"role": role, "group_id": groups[cls]["id"]})
        assert r.status_code == 201, r.text
        links[(cls, role)] = r.json()
    world.events.clear()
    r = await admin.delete(f"{base}/groups/{groups['9А']['id']}")
    assert r.status_code == 200, r.text
    states = {i["id"]: i["state"] for i in
              (await admin.get(f"{base}/invites", params={"state": "all"})).json()["invites"]}
    assert states == {links[("9А", "student")]["id"]: "annulled",
                      links[("9А", "parent")]["id"]: "annulled",
                      links[("5А", "student")]["id"]: "active"}
    kolya = await world.sign_in("+79201112244")
    r = await kolya.post(f"{API}/invites/{links[('9А', 'student')]['token']}/join", json={})
    assert (r.status_code, error_code(r)) == (410, "invite_annulled")
    assert (await kolya.get(f"{API}/me")).json()["memberships"] == []
    assert sorted(e.event.model_dump()["invite_id"] for e in world.events_of("invite.changed")) == sorted(
        [links[("9А", "student")]["id"], links[("9А", "parent")]["id"]])
    entry = (await admin.get(f"{base}/audit")).json()["entries"][0]
    assert entry["action"] == "group.archived"
    assert sorted(entry["details"]["annulled_invites"]) == sorted(
        [links[("9А", "student")]["id"], links[("9А", "parent")]["id"]])


async def test_the_staff_room_cannot_be_archived_renamed_or_given_a_class_teacher(world: World) -> None:
    admin = await world.as_("admin")
    before = await groups_of(admin, world.org_id)
    staff = before["Учительская"]
    anna = await world.user_id("teacher")
    r = await admin.delete(f"{API}/orgs/{world.org_id}/groups/{staff['id']}")
    assert (r.status_code, error_code(r)) == (409, "staff_room_protected")
    r = await admin.patch(f"{API}/orgs/{world.org_id}/groups/{staff['id']}",
                          json={"name": "Кабинет завуча"})
    assert (r.status_code, error_code(r)) == (409, "staff_room_protected")
    r = await admin.put(f"{API}/orgs/{world.org_id}/groups/{staff['id']}/class-teacher",
                        json={"user_id": anna})
    assert (r.status_code, error_code(r)) == (409, "staff_room_protected")
    r = await admin.post(f"{API}/orgs/{world.org_id}/groups/{staff['id']}/subject-teachers",
                         json={"user_id": anna, "subject": "Русский язык"})
    assert (r.status_code, error_code(r)) == (409, "staff_room_protected")
    assert await groups_of(admin, world.org_id) == before
    assert world.events_of("group.changed") == []


async def test_teachers_and_students_cannot_manage_groups(world: World) -> None:
    admin = await world.as_("admin")
    before = await groups_of(admin, world.org_id)
    g5a = before["5А"]
    math = await world.user_id("math_teacher")
    for key in ("teacher", "math_teacher", "student", "parent"):
        someone = await world.as_(key)
        base = f"{API}/orgs/{world.org_id}/groups"
        refusals = [
            await someone.post(base, json={"grade": 8, "letter": "А"}),
            await someone.patch(f"{base}/{g5a['id']}", json={"letter": "Д"}),
            await someone.delete(f"{base}/{g5a['id']}"),
            await someone.put(f"{base}/{g5a['id']}/class-teacher", json={"user_id": math}),
            await someone.post(f"{base}/{g5a['id']}/subject-teachers",
                               json={"user_id": math, "subject": "Алгебра"}),
            await someone.delete(f"{base}/{g5a['id']}/subject-teachers/"
                                 f"{g5a['subject_teachers'][0]['id']}"),
        ]
        assert [(r.status_code, error_code(r)) for r in refusals] == [(403, "forbidden")] * 6, key
    assert await groups_of(admin, world.org_id) == before


async def test_another_schools_administrator_cannot_touch_our_groups(world: World) -> None:
    gym_id, natalia = await register_gymnasium(world)
    admin = await world.as_("admin")
    before = await groups_of(admin, world.org_id)
    g5a = before["5А"]
    r = await natalia.get(f"{API}/orgs/{world.org_id}/groups")
    assert (r.status_code, error_code(r)) == (404, "not_found")
    r = await natalia.delete(f"{API}/orgs/{world.org_id}/groups/{g5a['id']}")
    assert (r.status_code, error_code(r)) == (404, "not_found")
    # Through her own school's address our class does not exist either.
    r = await natalia.delete(f"{API}/orgs/{gym_id}/groups/{g5a['id']}")
    assert (r.status_code, error_code(r)) == (404, "not_found")
    r = await natalia.patch(f"{API}/orgs/{gym_id}/groups/{g5a['id']}", json={"letter": "Я"})
    assert (r.status_code, error_code(r)) == (404, "not_found")
    assert await groups_of(admin, world.org_id) == before


# Class teachers and subject teachers (R5) -------------------------------------------------------

async def test_administrator_appoints_and_removes_a_class_teacher(world: World) -> None:
    admin = await world.as_("admin")
    g5b = (await groups_of(admin, world.org_id))["5Б"]
    assert g5b["class_teacher"] is None
    oleg = await world.user_id("math_teacher")
    r = await admin.put(f"{API}/orgs/{world.org_id}/groups/{g5b['id']}/class-teacher",
                        json={"user_id": oleg})
    assert r.status_code == 200, r.text
    assert r.json()["class_teacher"] == {"id": oleg, "name": "Олег Викторович Лебедев",
                                         "verified_teacher": False}
    assert (await groups_of(admin, world.org_id))["5Б"]["class_teacher"]["id"] == oleg
    entries = (await admin.get(f"{API}/orgs/{world.org_id}/audit")).json()["entries"]
    assert (entries[0]["action"], entries[0]["details"]) == (
        "group.class_teacher_set", {"before": None, "after": oleg})

    # Now Олег Викторович leads 5Б, so he may invite its students (R16).
    oleg_client = await world.as_("math_teacher")
    r = await oleg_client.post(f"{API}/orgs/{world.org_id}/invites",
                               json={"role": "student", "group_id": g5b["id"]})
    assert r.status_code == 201, r.text

    r = await admin.put(f"{API}/orgs/{world.org_id}/groups/{g5b['id']}/class-teacher",
                        json={"user_id": None})
    assert r.status_code == 200, r.text
    assert r.json()["class_teacher"] is None
    r = await oleg_client.post(f"{API}/orgs/{world.org_id}/invites",
                               json={"role": "student", "group_id": g5b["id"]})
    assert (r.status_code, error_code(r)) == (403, "forbidden")


async def test_administrator_attaches_and_detaches_a_subject_teacher(world: World) -> None:
    admin = await world.as_("admin")
    g5b = (await groups_of(admin, world.org_id))["5Б"]
    anna = await world.user_id("teacher")
    url = f"{API}/orgs/{world.org_id}/groups/{g5b['id']}/subject-teachers"
    r = await admin.post(url, json={"user_id": anna, "subject": " Русский язык "})
    assert r.status_code == 200, r.text
    [st] = r.json()["subject_teachers"]
    assert (st["subject"], st["teacher"]) == (
        "Русский язык", {"id": anna, "name": "Анна Сергеевна Волкова", "verified_teacher": True})
    r = await admin.post(url, json={"user_id": anna, "subject": "Литература"})
    assert [s["subject"] for s in r.json()["subject_teachers"]] == ["Литература", "Русский язык"]
    r = await admin.post(url, json={"user_id": anna, "subject": "Русский язык"})
    assert (r.status_code, error_code(r)) == (409, "conflict")
    assert len((await groups_of(admin, world.org_id))["5Б"]["subject_teachers"]) == 2

    r = await admin.delete(f"{url}/{st['id']}")
    assert r.status_code == 200, r.text
    assert [s["subject"] for s in r.json()["subject_teachers"]] == ["Литература"]
    r = await admin.delete(f"{url}/{st['id']}")
    assert (r.status_code, error_code(r)) == (404, "not_found")
    # An assignment of 5А cannot be removed through 5Б.
    g5a = (await groups_of(admin, world.org_id))["5А"]
    r = await admin.delete(f"{url}/{g5a['subject_teachers'][0]['id']}")
    assert (r.status_code, error_code(r)) == (404, "not_found")
    assert len((await groups_of(admin, world.org_id))["5А"]["subject_teachers"]) == 1
    actions = [e["action"] for e in (await admin.get(f"{API}/orgs/{world.org_id}/audit")).json()["entries"]]
    assert actions[:3] == ["group.subject_teacher_removed", "group.subject_teacher_added",
                           "group.subject_teacher_added"]


async def test_only_a_teacher_of_the_school_can_lead_or_teach_a_class(world: World) -> None:
    _, natalia = await register_gymnasium(world)
    admin = await world.as_("admin")
    before = await groups_of(admin, world.org_id)
    g5a = before["5А"]
    natalia_id = (await natalia.get(f"{API}/me")).json()["id"]
    stranger = await world.sign_in("+79995550011")  # signed in, belongs to no school
    stranger_id = (await stranger.get(f"{API}/me")).json()["id"]
    outsiders = {
        "a student": await world.user_id("student"),
        "a parent": await world.user_id("parent"),
        "another school's administrator": natalia_id,
        "a person of no school": stranger_id,
        "nobody at all": stranger_id + 1000,
    }
    for who, uid in outsiders.items():
        r = await admin.put(f"{API}/orgs/{world.org_id}/groups/{g5a['id']}/class-teacher",
                            json={"user_id": uid})
        assert (r.status_code, error_code(r)) == (422, "not_a_teacher"), who
        assert list(r.json()["error"]["fields"]) == ["user_id"]
        r = await admin.post(f"{API}/orgs/{world.org_id}/groups/{g5a['id']}/subject-teachers",
                             json={"user_id": uid, "subject": "Физкультура"})
        assert (r.status_code, error_code(r)) == (422, "not_a_teacher"), who
    assert await groups_of(admin, world.org_id) == before
    assert world.events_of("group.changed") == []


async def test_a_group_of_another_school_is_not_found(world: World) -> None:
    gym_id, natalia = await register_gymnasium(world)
    r = await natalia.post(f"{API}/orgs/{gym_id}/groups", json={"grade": 10, "letter": "А"})
    assert r.status_code == 201, r.text
    gym_10a = r.json()
    admin = await world.as_("admin")
    anna = await world.user_id("teacher")
    r = await admin.put(f"{API}/orgs/{world.org_id}/groups/{gym_10a['id']}/class-teacher",
                        json={"user_id": anna})
    assert (r.status_code, error_code(r)) == (404, "not_found")
    r = await admin.post(f"{API}/orgs/{world.org_id}/groups/{gym_10a['id']}/subject-teachers",
                         json={"user_id": anna, "subject": "Русский язык"})
    assert (r.status_code, error_code(r)) == (404, "not_found")
    r = await admin.patch(f"{API}/orgs/{world.org_id}/groups/{gym_10a['id']}", json={"letter": "Б"})
    assert (r.status_code, error_code(r)) == (404, "not_found")
    r = await admin.put(f"{API}/orgs/{gym_id}/groups/{gym_10a['id']}/class-teacher",
                        json={"user_id": anna})
    assert (r.status_code, error_code(r)) == (404, "not_found")
    [still] = [g for g in (await natalia.get(f"{API}/orgs/{gym_id}/groups")).json()["groups"]
               if g["id"] == gym_10a["id"]]
    assert (still["name"], still["class_teacher"], still["subject_teachers"]) == ("10А", None, [])


async def test_the_name_of_an_archived_class_can_be_used_again(world: World) -> None:
    admin = await world.as_("admin")
    g9a = (await groups_of(admin, world.org_id))["9А"]
    r = await admin.delete(f"{API}/orgs/{world.org_id}/groups/{g9a['id']}")
    assert r.status_code == 200, r.text
    r = await admin.post(f"{API}/orgs/{world.org_id}/groups", json={"grade": 9, "letter": "А"})
    assert r.status_code == 201, r.text


async def test_a_new_class_teacher_is_asked_into_the_class_chats(world: World) -> None:
    """The class's chats were made before her: appointing her asks her in (R21, R23)."""
    admin = await world.as_("admin")
    oleg = await world.as_("math_teacher")
    oleg_id = await world.user_id("math_teacher")
    g5a = (await groups_of(admin, world.org_id))["5А"]
    assert (await oleg.get(f"{API}/chats")).json()["invitations"] == []
    r = await admin.put(f"{API}/orgs/{world.org_id}/groups/{g5a['id']}/class-teacher",
                        json={"user_id": oleg_id})
    assert r.status_code == 200, r.text
    titles = sorted(i["title"] for i in (await oleg.get(f"{API}/chats")).json()["invitations"])
    assert titles == ["5А — класс", "5А — родители"]
