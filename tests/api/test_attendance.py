"""Who was at the lesson: Анна Сергеевна held a 45-minute call in the class chat of 5А; Маша
joined late, dropped out and came back; Петя never came. The teacher and the school's
administration see it (and take it away as XLSX or CSV); the class does not, nor does anyone
outside the school. The stays are written by the calls themselves (tests/api/test_calls.py
checks each join and leave is one); here they are laid down as a call leaves them."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from openpyxl import load_workbook

from parta.db import utcnow
from parta.models import Call, CallKind, CallParticipant
from parta.queries.attendance import minutes_in
from tests.conftest import World, error_code
from tests.helpers import API, register_gymnasium
from tests.media import media_services  # noqa: F401  (the fixture)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def class_chat(c: httpx.AsyncClient) -> int:
    chats = (await c.get(f"{API}/chats")).json()["chats"]
    return int(next(ch["id"] for ch in chats if ch["title"] == "5А — класс"))


async def held_lesson(world: World, chat_id: int, *, live: bool = False) -> tuple[int, datetime]:
    """The call's record as the calls leave it: Анна 0–45 min, Маша 3–10 and 12–40 (with a
    second tab 20–25 that overlaps), the call over at 45 (or still live)."""
    anna, masha = await world.user_id("teacher"), await world.user_id("student")
    t0 = utcnow() - timedelta(hours=2)

    def at(minute: int) -> datetime:
        return t0 + timedelta(minutes=minute)

    async with world.services.sessionmaker() as db:
        call = Call(org_id=world.org_id, chat_id=chat_id, live_chat_id=chat_id if live else None,
                    started_by=anna, kind=CallKind.video, janus_room=4242, room_secret="s",
                    started_at=t0, ended_at=None if live else at(45), ended_by=anna)
        db.add(call)
        await db.flush()
        for who, joined, left in ((anna, 0, None if live else 45), (masha, 3, 10),
                                  (masha, 12, 40), (masha, 20, 25)):
            db.add(CallParticipant(call_id=call.id, user_id=who, token=f"t{joined}",
                                   joined_at=at(joined), admitted_at=at(joined),
                                   left_at=at(left) if left is not None else None))
        await db.commit()
        return call.id, t0


async def test_the_teacher_sees_who_was_at_the_lesson_and_for_how_long(world: World) -> None:
    anna = await world.as_("teacher")
    call_id, t0 = await held_lesson(world, await class_chat(anna))

    r = await anna.get(f"{API}/calls/{call_id}/attendance")
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["chat"]["name"] == "5А — класс" and report["minutes"] == 45
    masha, teacher = report["people"]  # students first, with their class
    assert (masha["person"]["name"], masha["class_name"], masha["roles"]) == (
        "Маша Иванова", "5А", ["student"])
    assert masha["minutes"] == 35 and masha["stays"] == 3  # 7 + 28, the second tab not twice
    assert datetime.fromisoformat(masha["first_joined_at"]) == t0 + timedelta(minutes=3)
    assert datetime.fromisoformat(masha["last_left_at"]) == t0 + timedelta(minutes=40)
    assert (teacher["person"]["name"], teacher["class_name"], teacher["minutes"]) == (
        "Анна Сергеевна Волкова", None, 45)
    assert "Петя Соколов" not in r.text  # never came

    # The administration oversees the school's lessons (R40), though not in the chat.
    irina = await world.as_("admin")
    r = await irina.get(f"{API}/calls/{call_id}/attendance")
    assert r.status_code == 200 and len(r.json()["people"]) == 2


@pytest.mark.parametrize("who", ["student", "student2", "parent", "math_teacher", "operator"])
async def test_nobody_else_learns_the_call_exists(world: World, who: str) -> None:
    anna = await world.as_("teacher")
    call_id, _t0 = await held_lesson(world, await class_chat(anna))
    c = await world.as_(who)
    for fmt in ("json", "xlsx", "csv"):
        r = await c.get(f"{API}/calls/{call_id}/attendance", params={"format": fmt})
        assert (r.status_code, error_code(r)) == (404, "not_found")


async def test_another_schools_administrator_gets_not_found(world: World) -> None:
    anna = await world.as_("teacher")
    call_id, _t0 = await held_lesson(world, await class_chat(anna))
    _gym, gym_admin = await register_gymnasium(world)
    r = await gym_admin.get(f"{API}/calls/{call_id}/attendance")
    assert (r.status_code, error_code(r)) == (404, "not_found")
    r = await gym_admin.get(f"{API}/calls/{call_id + 1000}/attendance")
    assert (r.status_code, error_code(r)) == (404, "not_found")


async def test_the_export_reads_back_as_the_same_table(world: World) -> None:
    anna = await world.as_("teacher")
    call_id, t0 = await held_lesson(world, await class_chat(anna))
    msk = t0.astimezone(ZoneInfo("Europe/Moscow"))

    r = await anna.get(f"{API}/calls/{call_id}/attendance",
                       params={"format": "xlsx", "tz": "Europe/Moscow"})
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    assert f'attendance-{call_id}-' in r.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "5А — класс"
    assert rows[2] == ["Участник", "Класс", "Роль", "Первый вход", "Последний выход",
                       "Минут в звонке", "Входов"]
    first = (msk + timedelta(minutes=3)).strftime("%d.%m.%Y %H:%M")
    assert rows[3] == ["Маша Иванова", "5А", "ученик", first,
                       (msk + timedelta(minutes=40)).strftime("%d.%m.%Y %H:%M"), 35, 3]
    assert rows[4][0] == "Анна Сергеевна Волкова" and rows[4][5] == 45

    r = await anna.get(f"{API}/calls/{call_id}/attendance",
                       params={"format": "csv", "tz": "Europe/Moscow"})
    assert r.status_code == 200 and r.headers["content-type"] == "text/csv; charset=utf-8"
    table = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    assert table[0][0] == "Участник" and table[1][:3] == ["Маша Иванова", "5А", "ученик"]
    assert table[1][5:] == ["35", "3"] and table[2][5] == "45"

    r = await anna.get(f"{API}/calls/{call_id}/attendance", params={"format": "pdf"})
    assert (r.status_code, error_code(r)) == (422, "validation_failed")


async def test_a_live_call_counts_up_to_now(world: World) -> None:
    anna = await world.as_("teacher")
    call_id, _t0 = await held_lesson(world, await class_chat(anna), live=True)
    report = (await anna.get(f"{API}/calls/{call_id}/attendance")).json()
    teacher = next(p for p in report["people"] if p["class_name"] is None)
    assert teacher["last_left_at"] is None and teacher["minutes"] == 120  # still there
    assert report["ended_at"] is None and report["minutes"] == 120


def test_minutes_count_overlapping_stays_once() -> None:
    t = datetime(2026, 12, 7, 10, 0)
    m = timedelta(minutes=1)
    assert minutes_in([]) == 0
    assert minutes_in([(t, t + 10 * m), (t + 5 * m, t + 15 * m)]) == 15
    assert minutes_in([(t, t + 10 * m), (t + 2 * m, t + 4 * m), (t + 20 * m, t + 21 * m)]) == 11


@pytest.mark.usefixtures("media_services")
async def test_the_stays_a_real_call_records_are_the_attendance(world: World) -> None:
    """Through the real calls (and Janus): Анна starts, Маша joins, leaves, comes back; the
    attendance reads exactly the stays the calls wrote."""
    anna, masha = await world.as_("teacher"), await world.as_("student")
    chat_id = await class_chat(anna)
    r = await anna.post(f"{API}/chats/{chat_id}/call", json={"kind": "audio"})
    assert r.status_code == 200, r.text
    call_id = r.json()["call"]["id"]
    for _ in range(2):
        assert (await masha.post(f"{API}/chats/{chat_id}/call")).status_code == 200
        assert (await masha.post(f"{API}/calls/{call_id}/leave")).status_code == 200
    live = (await anna.get(f"{API}/calls/{call_id}/attendance")).json()
    assert live["ended_at"] is None
    masha_row = next(p for p in live["people"] if p["class_name"] == "5А")
    assert masha_row["stays"] == 2 and masha_row["last_left_at"] is not None
    teacher_row = next(p for p in live["people"] if p["class_name"] is None)
    assert teacher_row["stays"] == 1 and teacher_row["last_left_at"] is None  # still there
    assert (await anna.post(f"{API}/calls/{call_id}/leave")).status_code == 200
    over = (await anna.get(f"{API}/calls/{call_id}/attendance")).json()
    assert over["ended_at"] is not None
    assert [p["person"]["name"] for p in over["people"]] == ["Маша Иванова", "Анна Сергеевна Волкова"]
    assert all(p["last_left_at"] is not None for p in over["people"])
