"""Scheduled lessons and meetings (R37) in the demo school: Анна Сергеевна schedules «Онлайн-урок
5А, математика» in the class chat of 5А for tomorrow at 10:00, the class sees it in its day, the
chat shows it with a join button and is reminded shortly before; a parents' meeting goes to the
parents' chat. Who may not, may not; the wrong time is refused; a cancelled lesson stays so."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest_asyncio
from sqlalchemy import func, select

from parta.actions.lessons import send_due_reminders
from parta.db import utcnow
from parta.models import Lesson, Message
from tests.api.test_push import Clock, notifier_of, subscribe
from tests.conftest import World, error_code
from tests.helpers import API, groups_of, register_gymnasium
from tests.push_service import PushService

MSK = ZoneInfo("Europe/Moscow")


def tomorrow_at(hour: int, minute: int = 0) -> datetime:
    day = utcnow().astimezone(MSK).date() + timedelta(days=1)
    return datetime.combine(day, time(hour, minute), tzinfo=MSK)


async def chat_named(c: httpx.AsyncClient, title: str) -> int:
    chats = (await c.get(f"{API}/chats")).json()["chats"]
    return int(next(ch["id"] for ch in chats if ch["title"] == title))


def lesson_body(start: datetime, minutes: int = 45, **extra: Any) -> dict[str, Any]:
    return {"title": "Онлайн-урок 5А, математика", "kind": "lesson",
            "starts_at": start.isoformat(), "ends_at": (start + timedelta(minutes=minutes)).isoformat(),
            **extra}


async def lessons_stored(world: World) -> int:
    async with world.services.sessionmaker() as db:
        return int((await db.execute(select(func.count()).select_from(Lesson))).scalar_one())


async def lesson_notices(world: World, chat_id: int) -> list[Message]:
    async with world.services.sessionmaker() as db:
        return list((await db.execute(select(Message).where(
            Message.chat_id == chat_id, Message.kind == "lesson").order_by(Message.id))).scalars())


async def test_teacher_schedules_a_lesson_the_class_sees_it_today_and_in_the_chat(world: World) -> None:
    anna, masha, parent = await world.as_("teacher"), await world.as_("student"), await world.as_("parent")
    chat_id = await chat_named(anna, "5А — класс")
    members = {await world.user_id(k) for k in ("teacher", "student", "student2")}
    start = tomorrow_at(10)

    r = await anna.post(f"{API}/chats/{chat_id}/lessons", json=lesson_body(start))
    assert r.status_code == 201, r.text
    lesson = r.json()
    assert lesson["title"] == "Онлайн-урок 5А, математика" and lesson["kind"] == "lesson"
    assert lesson["chat"] == {"id": chat_id, "name": "5А — класс"}
    assert lesson["created_by"]["name"] == "Анна Сергеевна Волкова"
    assert datetime.fromisoformat(lesson["starts_at"]) == start
    assert lesson["can_change"] is True and lesson["live_call_id"] is None

    # The chat is told: a notice with the lesson in its timeline, and the event to its members.
    [notice] = await lesson_notices(world, chat_id)
    assert notice.meta is not None and notice.meta["lesson_id"] == lesson["id"]
    assert notice.meta["stage"] == "scheduled"
    assert notice.body == f"Назначено: Онлайн-урок 5А, математика · {start:%d.%m} 10:00–10:45"
    [ev] = world.events_of("lesson.changed")
    assert ev.audience == members
    assert ev.event.lesson_id == lesson["id"] and ev.event.change == "scheduled"  # type: ignore[attr-defined]
    r = await masha.get(f"{API}/chats/{chat_id}/messages")
    [shown] = [m for m in r.json()["messages"] if m["kind"] == "lesson"]
    assert shown["meta"]["lesson_id"] == lesson["id"] and shown["meta"]["title"] == lesson["title"]

    # Маша's day tomorrow has it; the chat's list too — hers to read, not to change.
    day = start.date().isoformat()
    r = await masha.get(f"{API}/me/lessons", params={"date": day, "tz": "Europe/Moscow"})
    assert r.status_code == 200, r.text
    mine = r.json()
    assert mine["date"] == day and mine["time_zone"] == "Europe/Moscow"
    assert [x["id"] for x in mine["lessons"]] == [lesson["id"]]
    assert mine["lessons"][0]["can_change"] is False
    r = await masha.get(f"{API}/chats/{chat_id}/lessons")
    assert r.json()["can_schedule"] is False and [x["id"] for x in r.json()["lessons"]] == [lesson["id"]]
    r = await anna.get(f"{API}/chats/{chat_id}/lessons")
    assert r.json()["can_schedule"] is True
    # Today is not tomorrow; and Елена Иванова is not in the class chat: not her lesson.
    r = await masha.get(f"{API}/me/lessons", params={"tz": "Europe/Moscow"})
    assert r.json()["lessons"] == []
    r = await parent.get(f"{API}/me/lessons", params={"date": day})
    assert r.json()["lessons"] == []
    r = await parent.get(f"{API}/lessons/{lesson['id']}")
    assert (r.status_code, error_code(r)) == (404, "not_found")
    r = await masha.get(f"{API}/lessons/{lesson['id']}")
    assert r.status_code == 200 and r.json()["id"] == lesson["id"]
    # In another zone the same lesson falls on the same day here, and a bad zone is refused.
    r = await masha.get(f"{API}/me/lessons", params={"date": day, "tz": "Nowhere/Atlantis"})
    assert (r.status_code, r.json()["error"]["field_codes"]) == (422, {"tz": "invalid"})


async def test_who_may_not_schedule_and_what_times_are_refused(world: World) -> None:
    anna, masha, oleg = await world.as_("teacher"), await world.as_("student"), await world.as_("math_teacher")
    _gym, gym_admin = await register_gymnasium(world)
    chat_id = await chat_named(anna, "5А — класс")
    start = tomorrow_at(10)

    r = await masha.post(f"{API}/chats/{chat_id}/lessons", json=lesson_body(start))
    assert (r.status_code, error_code(r)) == (403, "may_not_schedule")  # a member, a student
    r = await oleg.post(f"{API}/chats/{chat_id}/lessons", json=lesson_body(start))
    assert (r.status_code, error_code(r)) == (404, "not_found")  # staff, not in the chat
    r = await gym_admin.post(f"{API}/chats/{chat_id}/lessons", json=lesson_body(start))
    assert (r.status_code, error_code(r)) == (404, "not_found")  # another school
    r = await gym_admin.get(f"{API}/chats/{chat_id}/lessons")
    assert (r.status_code, error_code(r)) == (404, "not_found")

    def refused(r: httpx.Response, field: str, code: str) -> None:
        assert r.status_code == 422, r.text
        assert r.json()["error"]["field_codes"][field] == code, r.text

    past = utcnow() - timedelta(hours=1)
    refused(await anna.post(f"{API}/chats/{chat_id}/lessons", json=lesson_body(past)),
            "starts_at", "in_the_past")
    body = lesson_body(start)
    body["ends_at"] = (start - timedelta(minutes=5)).isoformat()
    refused(await anna.post(f"{API}/chats/{chat_id}/lessons", json=body), "ends_at", "before_start")
    body["ends_at"] = start.isoformat()
    refused(await anna.post(f"{API}/chats/{chat_id}/lessons", json=body), "ends_at", "before_start")
    refused(await anna.post(f"{API}/chats/{chat_id}/lessons", json=lesson_body(start, 60 * 7)),
            "ends_at", "too_long")
    refused(await anna.post(f"{API}/chats/{chat_id}/lessons",
                            json=lesson_body(utcnow() + timedelta(days=400))), "starts_at", "too_far")
    refused(await anna.post(f"{API}/chats/{chat_id}/lessons", json=lesson_body(start, title="У" * 201)),
            "title", "too_long")
    refused(await anna.post(f"{API}/chats/{chat_id}/lessons", json=lesson_body(start, title="  ")),
            "title", "too_short")
    refused(await anna.post(f"{API}/chats/{chat_id}/lessons",
                            json={**lesson_body(start), "starts_at": "2030-01-01T10:00:00"}),
            "starts_at", "invalid")  # a time with no zone is no time
    refused(await anna.post(f"{API}/chats/{chat_id}/lessons", json=lesson_body(start, kind="party")),
            "kind", "invalid")
    assert await lessons_stored(world) == 0 and await lesson_notices(world, chat_id) == []

    # At most N a day in one chat (from settings); the next day is another day.
    world.services.settings.lessons_per_chat_per_day = 2
    for hour in (9, 11):
        r = await anna.post(f"{API}/chats/{chat_id}/lessons", json=lesson_body(tomorrow_at(hour)))
        assert r.status_code == 201, r.text
    r = await anna.post(f"{API}/chats/{chat_id}/lessons", json=lesson_body(tomorrow_at(13)))
    assert (r.status_code, error_code(r)) == (422, "too_many_lessons")
    assert r.json()["error"]["field_codes"] == {"starts_at": "too_many"}
    r = await anna.post(f"{API}/chats/{chat_id}/lessons",
                        json=lesson_body(tomorrow_at(13) + timedelta(days=1)))
    assert r.status_code == 201, r.text
    assert await lessons_stored(world) == 3


async def test_the_author_changes_and_cancels_and_a_cancelled_lesson_stays_cancelled(world: World) -> None:
    anna, masha = await world.as_("teacher"), await world.as_("student")
    chat_id = await chat_named(anna, "5А — класс")
    r = await anna.post(f"{API}/chats/{chat_id}/lessons", json=lesson_body(tomorrow_at(10)))
    lesson_id = r.json()["id"]

    later = tomorrow_at(12)
    r = await masha.patch(f"{API}/lessons/{lesson_id}", json={"starts_at": later.isoformat()})
    assert (r.status_code, error_code(r)) == (403, "may_not_schedule")
    r = await anna.patch(f"{API}/lessons/{lesson_id}", json={"starts_at": later.isoformat()})
    assert (r.status_code, r.json()["error"]["field_codes"]) == (422, {"ends_at": "before_start"})
    r = await anna.patch(f"{API}/lessons/{lesson_id}", json={
        "title": "Онлайн-урок 5А, математика (перенос)", "starts_at": later.isoformat(),
        "ends_at": (later + timedelta(minutes=40)).isoformat()})
    assert r.status_code == 200, r.text
    assert r.json()["title"].endswith("(перенос)")
    assert datetime.fromisoformat(r.json()["starts_at"]) == later
    stages = [n.meta["stage"] for n in await lesson_notices(world, chat_id) if n.meta]
    assert stages == ["scheduled", "changed"]

    r = await masha.post(f"{API}/lessons/{lesson_id}/cancel")
    assert (r.status_code, error_code(r)) == (403, "may_not_schedule")
    r = await anna.post(f"{API}/lessons/{lesson_id}/cancel")
    assert r.status_code == 200 and r.json()["cancelled_at"] is not None
    assert r.json()["can_change"] is False
    assert [e.event.change for e in world.events_of("lesson.changed")] == [  # type: ignore[attr-defined]
        "scheduled", "changed", "cancelled"]
    r = await anna.post(f"{API}/lessons/{lesson_id}/cancel")
    assert (r.status_code, error_code(r)) == (409, "lesson_cancelled")
    r = await anna.patch(f"{API}/lessons/{lesson_id}", json={"title": "Снова"})
    assert (r.status_code, error_code(r)) == (409, "lesson_cancelled")
    # The day still shows it, as cancelled (so nobody waits for it).
    r = await masha.get(f"{API}/me/lessons", params={"date": later.date().isoformat()})
    [shown] = r.json()["lessons"]
    assert shown["cancelled_at"] is not None and shown["live_call_id"] is None


async def test_a_class_parents_meeting_goes_to_its_parents_chat(world: World) -> None:
    anna, masha, parent = await world.as_("teacher"), await world.as_("student"), await world.as_("parent")
    group_5a = (await groups_of(anna, world.org_id))["5А"]["id"]
    start = tomorrow_at(18, 30)
    body = {**lesson_body(start, 60), "title": "Родительское собрание 5А", "kind": "parents_meeting"}
    r = await anna.post(f"{API}/orgs/{world.org_id}/groups/{group_5a}/lessons", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["chat"]["name"] == "5А — родители"
    day = start.date().isoformat()
    r = await parent.get(f"{API}/me/lessons", params={"date": day})
    assert [x["title"] for x in r.json()["lessons"]] == ["Родительское собрание 5А"]
    r = await masha.get(f"{API}/me/lessons", params={"date": day})
    assert r.json()["lessons"] == []
    # A lesson for the class goes to the class chat.
    r = await anna.post(f"{API}/orgs/{world.org_id}/groups/{group_5a}/lessons",
                        json=lesson_body(tomorrow_at(10)))
    assert r.status_code == 201 and r.json()["chat"]["name"] == "5А — класс"
    # Another school's administrator: no such school, no such class.
    _gym, gym_admin = await register_gymnasium(world)
    r = await gym_admin.post(f"{API}/orgs/{world.org_id}/groups/{group_5a}/lessons", json=body)
    assert (r.status_code, error_code(r)) == (404, "not_found")
    # 9А has no chats: nowhere to hold it.
    group_9a = (await groups_of(anna, world.org_id))["9А"]["id"]
    r = await anna.post(f"{API}/orgs/{world.org_id}/groups/{group_9a}/lessons", json=body)
    assert (r.status_code, error_code(r)) == (404, "no_class_chat")


async def test_the_reminder_goes_out_once_shortly_before_the_start(world: World) -> None:
    anna = await world.as_("teacher")
    chat_id = await chat_named(anna, "5А — класс")
    members = {await world.user_id(k) for k in ("teacher", "student", "student2")}
    start = tomorrow_at(10)
    r = await anna.post(f"{API}/chats/{chat_id}/lessons", json=lesson_body(start))
    lesson_id = r.json()["id"]
    r = await anna.post(f"{API}/chats/{chat_id}/lessons",
                        json={**lesson_body(tomorrow_at(10, 5)), "title": "Консультация"})
    cancelled_id = r.json()["id"]
    assert (await anna.post(f"{API}/lessons/{cancelled_id}/cancel")).status_code == 200

    # The clock is the timer's argument: an hour before, nothing is due.
    assert await send_due_reminders(world.services, start - timedelta(hours=1)) == 0
    assert world.events_of("lesson.reminder") == []
    # Five minutes before: two timers (two server processes) look at once; one reminder.
    now = start - timedelta(minutes=5)
    sent = await asyncio.gather(send_due_reminders(world.services, now),
                                send_due_reminders(world.services, now))
    assert sorted(sent) == [0, 1]
    [ev] = world.events_of("lesson.reminder")
    assert ev.audience == members and ev.event.lesson_id == lesson_id  # type: ignore[attr-defined]
    stages = [(n.meta or {})["stage"] for n in await lesson_notices(world, chat_id)]
    assert stages.count("reminder") == 1
    assert await send_due_reminders(world.services, now + timedelta(minutes=1)) == 0

    # Moved to later: it is reminded of again, before its new start.
    later = tomorrow_at(15)
    r = await anna.patch(f"{API}/lessons/{lesson_id}", json={
        "starts_at": later.isoformat(), "ends_at": (later + timedelta(minutes=45)).isoformat()})
    assert r.status_code == 200, r.text
    assert await send_due_reminders(world.services, now + timedelta(minutes=2)) == 0
    assert await send_due_reminders(world.services, later - timedelta(minutes=3)) == 1
    # Over: nothing more, ever.
    assert await send_due_reminders(world.services, later + timedelta(hours=2)) == 0


async def test_a_lesson_made_just_before_it_starts_needs_no_reminder(world: World) -> None:
    anna = await world.as_("teacher")
    chat_id = await chat_named(anna, "5А — класс")
    soon = utcnow() + timedelta(minutes=3)
    r = await anna.post(f"{API}/chats/{chat_id}/lessons", json=lesson_body(soon))
    assert r.status_code == 201, r.text
    assert await send_due_reminders(world.services) == 0
    assert [(n.meta or {})["stage"] for n in await lesson_notices(world, chat_id)] == ["scheduled"]


@pytest_asyncio.fixture
async def push_service(world: World) -> AsyncIterator[PushService]:
    service = PushService()
    await service.start()
    yield service
    await service.stop()
    await world.app.state.notifier.stop()


async def test_the_reminder_reaches_a_phone_that_is_not_in_the_app(
        world: World, push_service: PushService) -> None:
    push = push_service
    anna, masha = await world.as_("teacher"), await world.as_("student")
    chat_id = await chat_named(anna, "5А — класс")
    start = tomorrow_at(10)
    r = await anna.post(f"{API}/chats/{chat_id}/lessons", json=lesson_body(start))
    lesson_id = r.json()["id"]
    await subscribe(world, push, masha, "masha")
    await subscribe(world, push, anna, "anna")
    petya = await world.as_("student2")
    await subscribe(world, push, petya, "petya")
    r = await petya.put(f"{API}/chats/{chat_id}/mute")
    assert r.status_code == 200, r.text
    notifier = notifier_of(world, Clock(start - timedelta(minutes=5)))
    await notifier.drain()
    push.received.clear()  # the lesson's own notice is not a text message: nothing was pushed

    assert await send_due_reminders(world.services, start - timedelta(minutes=5)) == 1
    await notifier.drain()
    [to_masha] = push.to("masha")
    assert to_masha == {"title": "5А — класс", "body": "Скоро начнётся: Онлайн-урок 5А, математика в 10:00",
                        "tag": f"lesson{lesson_id}", "url": f"/chats/{chat_id}", "count": 1,
                        "kind": "lesson"}
    assert len(push.to("anna")) == 1  # the teacher too: it is her lesson
    assert push.to("petya") == []  # he muted the chat
