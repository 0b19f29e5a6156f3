"""The administration oversees lessons and meetings (R40): Ирина Петровна sees that Анна
Сергеевна's «Онлайн-урок 5А, математика» runs now with two people in it, that this week's
parents' meeting was held for 40 minutes with three people, and nothing of one-to-one calls,
of last week or of another school — and never a room, a secret or a word said. Teachers,
students and parents may not look; another school's administrator finds nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select

from parta.db import utcnow
from parta.models import Call, CallKind, CallParticipant, Chat, Lesson, LessonKind
from parta.queries.oversight import week_bounds
from tests.conftest import World, error_code
from tests.helpers import API, register_gymnasium
from tests.media import media_services  # noqa: F401  (the fixture)

MSK = ZoneInfo("Europe/Moscow")


async def chat_id_of(world: World, title: str) -> int:
    async with world.services.sessionmaker() as db:
        return (await db.execute(select(Chat.id).where(
            Chat.org_id == world.org_id, Chat.title == title))).scalar_one()


async def held_call(world: World, chat_id: int, started_by: int, start: datetime, end: datetime | None,
                    stays: list[tuple[int, bool]], kind: CallKind = CallKind.video) -> int:
    """A call as the calls' actions leave it: ``stays`` (person, still in) — a rejoin is a
    second stay of the same person."""
    async with world.services.sessionmaker() as db, db.begin():
        call = Call(org_id=world.org_id, chat_id=chat_id, started_by=started_by, kind=kind,
                    janus_room=4242 + chat_id, room_secret="секрет-комнаты", started_at=start,
                    ended_at=end, live_chat_id=chat_id if end is None else None)
        db.add(call)
        await db.flush()
        for user_id, still_in in stays:
            db.add(CallParticipant(call_id=call.id, user_id=user_id, token=f"t{user_id}-{len(stays)}",
                                   joined_at=start, admitted_at=start,
                                   left_at=None if still_in else (end or start)))
        return call.id


async def overseen(c: httpx.AsyncClient, org_id: int) -> httpx.Response:
    return await c.get(f"{API}/orgs/{org_id}/oversight/calls")


async def test_the_administration_sees_what_runs_and_what_was_held_this_week(world: World) -> None:
    anna, masha, petya, elena = [await world.user_id(k) for k in ("teacher", "student", "student2", "parent")]
    class_chat = await chat_id_of(world, "5А — класс")
    parents_chat = await chat_id_of(world, "5А — родители")
    now = utcnow()
    week_start, week_end = week_bounds(now, MSK)
    # This week's parents' meeting: held before now, 40 minutes (shorter early on a Monday).
    met = week_start + (now - week_start) / 4
    met_end = met + min(timedelta(minutes=40), (now - week_start) / 4)
    held = await held_call(world, parents_chat, anna, met, met_end,
                           [(anna, False), (elena, False), (elena, False),
                            (await world.user_id("admin"), False)])
    # The lesson runs now: scheduled 10 minutes ago, the call opened 12 minutes ago.
    async with world.services.sessionmaker() as db, db.begin():
        lesson = Lesson(org_id=world.org_id, chat_id=class_chat, created_by=anna,
                        title="Онлайн-урок 5А, математика", kind=LessonKind.lesson,
                        starts_at=now - timedelta(minutes=10), ends_at=now + timedelta(minutes=35))
        db.add(lesson)
        await db.flush()
        lesson_id = lesson.id
    running = await held_call(world, class_chat, anna, now - timedelta(minutes=12), None,
                              [(anna, True), (masha, True), (petya, False)])
    # Not shown: last week's lesson, and a one-to-one call.
    await held_call(world, class_chat, anna, week_start - timedelta(days=2),
                    week_start - timedelta(days=2) + timedelta(minutes=45), [(anna, False)])
    irina = await world.as_("admin")
    r = await irina.post(f"{API}/orgs/{world.org_id}/direct", json={"user_id": masha})
    assert r.status_code in (200, 201), r.text
    await held_call(world, r.json()["id"], anna, now - timedelta(minutes=5), None, [(anna, True)],
                    kind=CallKind.audio)

    r = await overseen(irina, world.org_id)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["time_zone"] == "Europe/Moscow"
    assert datetime.fromisoformat(body["week_start"]) == week_start
    assert datetime.fromisoformat(body["week_end"]) == week_end
    [now_running] = body["running"]
    assert now_running["id"] == running
    assert now_running["chat"]["name"] == "5А — класс"
    assert now_running["group"]["name"] == "5А"
    assert now_running["started_by"]["name"] == "Анна Сергеевна Волкова"
    assert now_running["lesson"]["id"] == lesson_id
    assert now_running["lesson"]["title"] == "Онлайн-урок 5А, математика"
    assert (now_running["attended"], now_running["present"]) == (3, 2)
    assert now_running["ended_at"] is None
    assert 12 * 60 - 5 <= now_running["seconds"] <= 12 * 60 + 60
    [meeting] = body["held"]
    assert meeting["id"] == held
    assert meeting["chat"]["name"] == "5А — родители"
    assert meeting["lesson"] is None  # nothing was scheduled for it
    assert (meeting["attended"], meeting["present"]) == (3, 0)  # Елена twice is one person
    assert meeting["seconds"] == int((met_end - met).total_seconds())
    assert body["held_total"] == 1
    text = r.text
    assert "секрет" not in text and "janus" not in text.lower() and "token" not in text


async def test_who_may_not_oversee_is_refused_and_another_school_finds_nothing(world: World) -> None:
    for key in ("teacher", "math_teacher", "student", "parent"):
        r = await overseen(await world.as_(key), world.org_id)
        assert r.status_code == 403, (key, r.text)
        assert error_code(r) == "forbidden"
    r = await overseen(await world.as_("operator"), world.org_id)
    assert r.status_code in (403, 404), r.text  # the platform's operator does not watch lessons
    gym_id, gym_admin = await register_gymnasium(world)
    assert (await overseen(gym_admin, world.org_id)).status_code == 404
    assert (await overseen(gym_admin, 999_999)).status_code == 404
    irina = await world.as_("admin")
    assert (await overseen(irina, gym_id)).status_code == 404
    r = await overseen(gym_admin, gym_id)
    assert r.status_code == 200 and r.json()["running"] == [] and r.json()["held"] == []
    r = await world.client().get(f"{API}/orgs/{world.org_id}/oversight/calls")
    assert r.status_code == 401


@pytest.mark.usefixtures("media_services")
async def test_a_call_started_through_the_api_shows_as_running(world: World) -> None:
    anna, masha = await world.as_("teacher"), await world.as_("student")
    chat = await chat_id_of(world, "5А — класс")
    r = await anna.post(f"{API}/chats/{chat}/call", json={"kind": "video"})
    assert r.status_code in (200, 201), r.text
    call_id = r.json()["call"]["id"]
    r = await masha.post(f"{API}/chats/{chat}/call", json={"kind": "video"})
    assert r.status_code in (200, 201), r.text
    irina = await world.as_("admin")
    [running] = (await overseen(irina, world.org_id)).json()["running"]
    assert (running["id"], running["present"], running["attended"]) == (call_id, 2, 2)
    assert (await masha.post(f"{API}/calls/{call_id}/leave")).status_code == 200
    assert (await anna.post(f"{API}/calls/{call_id}/leave")).status_code == 200
    body = (await overseen(irina, world.org_id)).json()
    assert body["running"] == []
    assert [c["id"] for c in body["held"]] == [call_id]
    assert body["held"][0]["attended"] == 2
