"""Movement in the demo school (R7, R32): a departure takes Маша out of every chat and her
mother out of 5А's parents' chat; a transfer moves Петя to 5Б's chats; a class teacher proposes
and the administrator confirms or refuses; arrivals, hiring and leaving; every refusal."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import World, error_code
from tests.helpers import API, groups_of, members, register_gymnasium
from tests.roster.helpers import audit, school

MASHA, PETYA, VANYA, ELENA = "Маша Иванова", "Петя Соколов", "Ваня Иванов", "Елена Иванова"


def movements(org_id: int) -> str:
    return f"{API}/orgs/{org_id}/movements"


async def record(client: httpx.AsyncClient, org_id: int, **body: Any) -> dict[str, Any]:
    r = await client.post(movements(org_id), json=body)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "recorded"
    return dict(r.json())


async def five_b_chat(world: World, admin: httpx.AsyncClient) -> int:
    """5Б's class teacher opens its class chat and invites the class."""
    g5b = (await groups_of(admin, world.org_id))["5Б"]["id"]
    math_teacher = await world.as_("math_teacher")
    r = await math_teacher.post(f"{API}/orgs/{world.org_id}/chats", json={
        "kind": "class", "title": "5Б — класс", "group_id": g5b, "invite_group": True})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def test_a_departure_removes_the_student_everywhere_and_her_mother_from_the_class(
        world: World) -> None:
    admin = await world.as_("admin")
    await world.as_("student")  # Маша and her mother have signed in: they hear of it
    await world.as_("parent")
    masha, elena = await world.user_id("student"), await world.user_id("parent")
    before = await school(world)
    assert MASHA in before["chats"]["5А — класс"]["members"]
    assert ELENA in before["chats"]["5А — родители"]["members"]
    body = await record(admin, world.org_id, kind="departure", user_id=masha,
                        reason="Переезд в другой город")
    assert body["user"]["name"] == MASHA and body["from_group"]["name"] == "5А"
    after = await school(world)
    assert MASHA not in after["people"]
    assert MASHA not in after["chats"]["5А — класс"]["members"]
    assert ELENA not in after["chats"]["5А — родители"]["members"]  # her only child in 5А left
    assert ELENA in after["people"]  # still Ваня's mother in 1А
    assert PETYA in after["chats"]["5А — класс"]["members"]
    removed = {(e.target_id, e.details["reason"]) for e in await audit(world, "chat.member_removed")}
    assert (masha, "Выбытие из школы: Переезд в другой город") in removed
    assert (elena, "Ребёнок выбыл из класса: Переезд в другой город") in removed
    entries = [e for e in await audit(world, "chat.member_removed") if e.target_id == masha]
    assert len(entries) == 2  # the class chat; the school-wide channel
    heard = {e.event.model_dump()["user_id"]: e.audience for e in world.events_of("chat.member")}
    assert masha in heard[masha] and elena in heard[elena]
    [moved] = world.events_of("movement.changed")
    assert moved.audience == frozenset({await world.user_id("admin")})
    r = await admin.get(movements(world.org_id))
    assert [(m["kind"], m["status"]) for m in r.json()["movements"]] == [("departure", "recorded")]


async def test_a_transfer_moves_the_student_and_invites_him_to_the_new_class(world: World) -> None:
    admin = await world.as_("admin")
    chat_5b = await five_b_chat(world, admin)
    petya = await world.user_id("student2")
    groups = await groups_of(admin, world.org_id)
    body = await record(admin, world.org_id, kind="transfer", user_id=petya,
                        to_group_id=groups["5Б"]["id"], reason="По заявлению родителей")
    assert (body["from_group"]["name"], body["to_group"]["name"]) == ("5А", "5Б")
    s = await school(world)
    assert s["people"][PETYA]["classes"] == ["5Б"]
    assert PETYA not in s["chats"]["5А — класс"]["members"]
    assert PETYA in s["chats"]["5Б — класс"]["invited"] and s["chats"]["5Б — класс"]["id"] == chat_5b
    removed = {(e.target_id, e.details["reason"]) for e in await audit(world, "chat.member_removed")}
    assert removed == {(petya, "Перевод в другой класс: По заявлению родителей")}
    r = await admin.post(movements(world.org_id), json={
        "kind": "transfer", "user_id": petya, "to_group_id": groups["5Б"]["id"]})
    assert (r.status_code, error_code(r)) == (422, "validation_failed")  # he is in 5Б already


async def test_the_class_teacher_proposes_and_the_administrator_decides(world: World) -> None:
    admin, teacher = await world.as_("admin"), await world.as_("teacher")
    petya, masha = await world.user_id("student2"), await world.user_id("student")
    r = await teacher.post(f"{movements(world.org_id)}/proposals",
                           json={"kind": "departure", "user_id": petya, "reason": "Переехали"})
    assert r.status_code == 201, r.text
    proposal = r.json()
    assert proposal["status"] == "proposed" and proposal["proposed_by"]["name"] == "Анна Сергеевна Волкова"
    assert PETYA in (await school(world))["people"]  # nothing happens before it is confirmed
    [told] = world.events_of("movement.changed")
    assert told.audience == frozenset({await world.user_id("admin"), await world.user_id("teacher")})
    mine = (await teacher.get(movements(world.org_id))).json()["movements"]
    assert [m["id"] for m in mine] == [proposal["id"]]
    r = await admin.post(f"{movements(world.org_id)}/{proposal['id']}/decision",
                         json={"confirm": True, "note": "Справка получена"})
    assert r.status_code == 200 and r.json()["status"] == "recorded"
    assert r.json()["decided_by"]["name"] == "Ирина Петровна Смирнова"
    assert PETYA not in (await school(world))["people"]
    r = await admin.post(f"{movements(world.org_id)}/{proposal['id']}/decision", json={"confirm": True})
    assert (r.status_code, error_code(r)) == (409, "movement_not_proposed")

    r = await teacher.post(f"{movements(world.org_id)}/proposals",
                           json={"kind": "departure", "user_id": masha})
    refused = await admin.post(f"{movements(world.org_id)}/{r.json()['id']}/decision",
                               json={"confirm": False, "note": "Ошибка"})
    assert refused.json()["status"] == "refused"
    assert MASHA in (await school(world))["people"]


async def test_an_arrival_joins_the_class_and_is_invited_to_its_chats(world: World) -> None:
    admin = await world.as_("admin")
    g5a = (await groups_of(admin, world.org_id))["5А"]["id"]
    body = await record(admin, world.org_id, kind="arrival", to_group_id=g5a, person={
        "last_name": "Новикова", "first_name": "Ксения", "middle_name": "Дмитриевна",
        "phone": "8 910 555-00-77"}, reason="Из школы № 3")
    assert body["user"] is None and body["invitation"] == "pending"  # she joins by accepting
    # Until she accepts, the record shows her number masked: she is nobody's here yet.
    assert body["details"]["phone"] == "+7 ••• ••• 00 77"
    assert "Ксения Дмитриевна Новикова" not in (await school(world))["people"]
    ksenia = await world.sign_in("+79105550077")
    [offer] = (await ksenia.get(f"{API}/me/offers")).json()["offers"]
    assert (offer["role"], offer["group"]["name"]) == ("student", "5А")
    r = await ksenia.post(f"{API}/me/offers/{offer['id']}/accept")
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    body = (await admin.get(movements(world.org_id))).json()["movements"][0]
    assert body["user"]["name"] == "Ксения Дмитриевна Новикова"  # she consented: named now
    assert body["invitation"] == "accepted"
    s = await school(world)
    assert s["people"]["Ксения Дмитриевна Новикова"] == {
        "id": body["user"]["id"], "roles": ["student"], "classes": ["5А"]}
    assert "Ксения Дмитриевна Новикова" in s["chats"]["5А — класс"]["invited"]
    assert "Ксения Дмитриевна Новикова" not in s["chats"]["5А — родители"]["invited"]
    r = await admin.post(movements(world.org_id), json={
        "kind": "arrival", "to_group_id": g5a, "person": {
            "last_name": "Новикова", "first_name": "Ксения", "phone": "+79105550077"}})
    assert (r.status_code, error_code(r)) == (409, "phone_member_here")


async def test_hiring_and_leaving_of_staff(world: World) -> None:
    admin = await world.as_("admin")
    hired = await record(admin, world.org_id, kind="hire", person={
        "last_name": "Орлова", "first_name": "Вера", "middle_name": "Ивановна",
        "phone": "+7 916 000-11-22", "position": "учитель музыки"})
    assert hired["user"] is None and hired["invitation"] == "pending"
    vera = await world.sign_in("+79160001122")
    [offer] = (await vera.get(f"{API}/me/offers")).json()["offers"]
    assert (offer["role"], offer["position"]) == ("teacher", "учитель музыки")
    assert (await vera.post(f"{API}/me/offers/{offer['id']}/accept")).status_code == 200
    people = await members(admin, world.org_id)
    vera_id = int((await vera.get(f"{API}/me")).json()["id"])
    assert people[vera_id]["roles"] == ["teacher"]
    assert people[vera_id]["position"] == "учитель музыки"
    # The class teacher of 5А leaves: the class has no class teacher until one is appointed.
    teacher = await world.user_id("teacher")
    await record(admin, world.org_id, kind="leave", user_id=teacher, reason="Увольнение")
    s = await school(world)
    assert "Анна Сергеевна Волкова" not in s["people"]
    assert s["class_teachers"]["5А"] is None
    assert all("Анна Сергеевна Волкова" not in c["members"] for c in s["chats"].values())
    [departed] = await audit(world, "member.departed")
    assert departed.details["reason"] == "leave" and departed.details["led"]


@pytest.mark.parametrize("who", ["student", "parent", "math_teacher"])
async def test_only_class_teachers_propose_and_only_administrators_record(
        world: World, who: str) -> None:
    other = await world.as_(who)
    masha = await world.user_id("student")
    for r in (await other.post(movements(world.org_id), json={"kind": "departure", "user_id": masha}),
              await other.post(f"{movements(world.org_id)}/proposals",
                               json={"kind": "departure", "user_id": masha}),
              await other.get(movements(world.org_id))):
        assert (r.status_code, error_code(r)) == (403, "forbidden"), r.request.url


async def test_a_class_teacher_speaks_only_for_her_class_and_its_students(world: World) -> None:
    teacher, admin = await world.as_("teacher"), await world.as_("admin")
    vanya = await world.user_id("little")  # in 1А, not hers
    groups = await groups_of(admin, world.org_id)
    refused = [
        await teacher.post(f"{movements(world.org_id)}/proposals",
                           json={"kind": "departure", "user_id": vanya}),
        await teacher.post(f"{movements(world.org_id)}/proposals", json={
            "kind": "arrival", "to_group_id": groups["9А"]["id"],
            "person": {"last_name": "Котов", "first_name": "Лев"}}),
        await teacher.post(f"{movements(world.org_id)}/proposals", json={
            "kind": "hire", "person": {"last_name": "Котов", "first_name": "Лев",
                                       "phone": "+79160001100"}}),
        await teacher.post(movements(world.org_id), json={
            "kind": "departure", "user_id": await world.user_id("student")}),
    ]
    for r in refused:
        assert (r.status_code, error_code(r)) == (403, "forbidden"), r.text
    r = await teacher.post(f"{movements(world.org_id)}/proposals", json={
        "kind": "arrival", "to_group_id": groups["5А"]["id"],
        "person": {"last_name": "Котов", "first_name": "Лев"}})
    assert r.status_code == 201  # an arrival into her own class
    decided = await teacher.post(f"{movements(world.org_id)}/{r.json()['id']}/decision",
                                 json={"confirm": True})
    assert (decided.status_code, error_code(decided)) == (403, "forbidden")


async def test_invalid_movements_are_refused_and_change_nothing(world: World) -> None:
    admin = await world.as_("admin")
    before = await school(world)
    groups = await groups_of(admin, world.org_id)
    cases = [
        ({"kind": "departure", "user_id": await world.user_id("math_teacher")}, 422, "not_a_student"),
        ({"kind": "departure"}, 422, "validation_failed"),
        ({"kind": "transfer", "user_id": await world.user_id("student")}, 422, "validation_failed"),
        ({"kind": "transfer", "user_id": await world.user_id("student"),
          "to_group_id": groups["Учительская"]["id"]}, 422, "validation_failed"),
        ({"kind": "arrival", "to_group_id": groups["5А"]["id"]}, 422, "validation_failed"),
        ({"kind": "hire", "person": {"last_name": "Котов", "first_name": "Лев"}}, 422,
         "validation_failed"),
        ({"kind": "hire", "person": {"last_name": "Котов", "first_name": "Лев", "phone": "12"}},
         422, "invalid_phone"),
        ({"kind": "leave", "user_id": await world.user_id("student")}, 422, "not_staff"),
        ({"kind": "leave", "user_id": await world.user_id("admin")}, 409, "last_admin"),
        ({"kind": "transfer", "user_id": await world.user_id("student"),
          "to_group_id": 999999}, 404, "not_found"),
        ({"kind": "moved"}, 422, "validation_failed"),
    ]
    for body, status, code in cases:
        r = await admin.post(movements(world.org_id), json=body)
        assert (r.status_code, error_code(r)) == (status, code), body
    assert await school(world) == before
    assert (await admin.get(movements(world.org_id))).json()["movements"] == []


async def test_another_school_sees_no_movement(world: World) -> None:
    admin = await world.as_("admin")
    body = await record(admin, world.org_id, kind="departure", user_id=await world.user_id("student"))
    gym_id, gym_admin = await register_gymnasium(world)
    for r in (await gym_admin.get(movements(world.org_id)),
              await gym_admin.post(f"{movements(world.org_id)}/{body['id']}/decision",
                                   json={"confirm": True}),
              await gym_admin.post(movements(world.org_id), json={
                  "kind": "departure", "user_id": await world.user_id("student2")}),
              await gym_admin.post(f"{movements(gym_id)}/{body['id']}/decision",
                                   json={"confirm": True})):
        assert (r.status_code, error_code(r)) == (404, "not_found"), r.request.url
    r = await gym_admin.post(movements(gym_id), json={
        "kind": "departure", "user_id": await world.user_id("student2")})
    assert (r.status_code, error_code(r)) == (422, "not_a_student")  # not theirs to move
