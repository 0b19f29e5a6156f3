"""Teachers' office hours on their profile (issue 14): Анна Сергеевна, 5А's class teacher, keeps
office hours on Monday 15:00–16:00 in room 12 and on Thursday 18:00–19:00 «по записи», in the
school's time (Moscow). Елена Иванова, a parent, sees them on Анна's profile card. A slot that
ends before it starts, two slots of one day that overlap, a malformed time or too many slots
are refused whole with the slot named; a parent has no office hours to set (403); another
school neither sets them here nor reads Анна's card (404), and a pupil has no card (404)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import World, error_code
from tests.helpers import API, register_gymnasium

ANNA_HOURS = [{"weekday": 3, "start": "18:00", "end": "19:00", "note": "по записи"},
              {"weekday": 0, "start": "15:00", "end": "16:00", "note": "  каб. 12 "}]


WORDS = {"before_start": "Окончание должно быть позже начала.",
         "overlap": "Пересекается с другим временем в тот же день.",
         "too_many_slots": "Слишком много часов приёма: не больше 14."}


async def set_hours(c: httpx.AsyncClient, org_id: int, slots: list[dict[str, Any]]) -> httpx.Response:
    return await c.put(f"{API}/orgs/{org_id}/office-hours", json={"slots": slots})


async def test_a_teacher_sets_office_hours_and_a_parent_sees_them_on_her_card(world: World) -> None:
    anna, elena = await world.as_("teacher"), await world.as_("parent")
    anna_id = await world.user_id("teacher")
    r = await set_hours(anna, world.org_id, ANNA_HOURS)
    assert r.status_code == 200, r.text
    monday_first = [{"weekday": 0, "start": "15:00", "end": "16:00", "note": "каб. 12"},
                    {"weekday": 3, "start": "18:00", "end": "19:00", "note": "по записи"}]
    assert r.json() == {"org_id": world.org_id, "user_id": anna_id, "time_zone": "Europe/Moscow",
                        "slots": monday_first}
    assert (await anna.get(f"{API}/orgs/{world.org_id}/office-hours")).json()["slots"] == monday_first
    r = await elena.get(f"{API}/orgs/{world.org_id}/people/{anna_id}/profile")
    assert r.status_code == 200, r.text
    card = r.json()
    assert card["person"]["name"] == "Анна Сергеевна Волкова"
    assert card["office_hours"] == monday_first and card["time_zone"] == "Europe/Moscow"
    # Sending the list again replaces it; an empty list clears it.
    r = await set_hours(anna, world.org_id, [])
    assert r.status_code == 200 and r.json()["slots"] == []
    r = await elena.get(f"{API}/orgs/{world.org_id}/people/{anna_id}/profile")
    assert r.json()["office_hours"] == []


async def test_bad_office_hours_are_refused_whole_with_the_slot_named(world: World) -> None:
    anna = await world.as_("teacher")
    await set_hours(anna, world.org_id, ANNA_HOURS)
    cases = [
        ([{"weekday": 1, "start": "16:00", "end": "15:00"}], "slots.0.end", "before_start"),
        ([{"weekday": 1, "start": "15:00", "end": "16:00"},
          {"weekday": 1, "start": "15:30", "end": "17:00", "note": "каб. 7"}], "slots.1.start",
         "overlap"),
        ([{"weekday": 2, "start": "10:00", "end": "11:00"}] * 15, "slots", "too_many_slots"),
    ]
    for slots, where, code in cases:
        r = await set_hours(anna, world.org_id, slots)
        assert r.status_code == 422, r.text
        assert r.json()["error"]["fields"] == {where: WORDS[code]}, r.text
    for bad in ({"weekday": 1, "start": "25:00", "end": "26:00"},
                {"weekday": 7, "start": "10:00", "end": "11:00"},
                {"weekday": 1, "start": "10:00", "end": "11:00", "note": "x" * 81}):
        r = await set_hours(anna, world.org_id, [bad])
        assert r.status_code == 422, r.text
    # Nothing changed: the two slots set first are still there.
    assert len((await anna.get(f"{API}/orgs/{world.org_id}/office-hours")).json()["slots"]) == 2
    # Back to back is not an overlap.
    r = await set_hours(anna, world.org_id, [{"weekday": 1, "start": "15:00", "end": "16:00"},
                                             {"weekday": 1, "start": "16:00", "end": "17:00"}])
    assert r.status_code == 200, r.text


async def test_who_sets_and_who_reads_office_hours(world: World) -> None:
    elena, masha = await world.as_("parent"), await world.as_("student")
    r = await set_hours(elena, world.org_id, ANNA_HOURS)
    assert r.status_code == 403 and error_code(r) == "forbidden"
    masha_id, anna_id = await world.user_id("student"), await world.user_id("teacher")
    r = await elena.get(f"{API}/orgs/{world.org_id}/people/{masha_id}/profile")
    assert r.status_code == 404 and error_code(r) == "not_found"  # only staff have a card
    r = await masha.get(f"{API}/orgs/{world.org_id}/people/{anna_id}/profile")
    assert r.status_code == 200  # a pupil sees her teacher's card
    gym_id, gym = await register_gymnasium(world)
    r = await set_hours(gym, world.org_id, ANNA_HOURS)
    assert r.status_code == 404 and error_code(r) == "not_found"
    r = await gym.get(f"{API}/orgs/{world.org_id}/people/{anna_id}/profile")
    assert r.status_code == 404
    # Анна is not staff of the gymnasium: no card there either.
    gym_admin = (await gym.get(f"{API}/me")).json()["id"]
    r = await gym.get(f"{API}/orgs/{gym_id}/people/{anna_id}/profile")
    assert r.status_code == 404
    r = await gym.get(f"{API}/orgs/{gym_id}/people/{gym_admin}/profile")
    assert r.status_code == 200 and r.json()["office_hours"] == []
