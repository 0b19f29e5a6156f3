"""Messages sent later (issue 15): Анна Сергеевна writes on Sunday evening what 5А's parents
should read on Monday at 8:00, changes her mind about the wording, and the scheduler sends it
at its time as if she had pressed «send» then — once, even with two server processes; nobody
but her sees it before. What the send path refuses at that time (the chat became moderators
only) is written on the item and told to its author, not lost. The scheduler's clock is a
parameter: each pass runs at a moment the test chooses."""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import func, select

from parta.actions.base import Services
from parta.actions.scheduled import send_due_scheduled
from parta.db import make_engine, make_sessionmaker, utcnow
from parta.models import Announcement, Message, ScheduledMessage
from tests.conftest import World, error_code
from tests.helpers import API, register_gymnasium

MSK = ZoneInfo("Europe/Moscow")
MONDAY = "Доброе утро! Сегодня уроки по расписанию, сменная обувь обязательна."


def tomorrow_at(hour: int, minute: int = 0) -> datetime:
    day = utcnow().astimezone(MSK).date() + timedelta(days=1)
    return datetime.combine(day, time(hour, minute), tzinfo=MSK)


async def chat_named(c: httpx.AsyncClient, title: str) -> int:
    chats = (await c.get(f"{API}/chats")).json()["chats"]
    return int(next(ch["id"] for ch in chats if ch["title"] == title))


async def messages_saying(world: World, text: str) -> list[Message]:
    async with world.services.sessionmaker() as db:
        return list((await db.execute(select(Message).where(Message.body == text))).scalars())


async def schedule(c: httpx.AsyncClient, chat_id: int, body: str, at: datetime,
                   **extra: Any) -> httpx.Response:
    return await c.post(f"{API}/chats/{chat_id}/scheduled",
                        json={"body": body, "send_at": at.isoformat(), **extra})


async def test_a_scheduled_post_waits_unseen_and_goes_out_once_at_its_time(world: World) -> None:
    anna, elena = await world.as_("teacher"), await world.as_("parent")
    chat_id = await chat_named(anna, "5А — родители")
    at = tomorrow_at(8)
    r = await schedule(anna, chat_id, "Доброе утро! Сегодня уроки по расписанию.", at)
    assert r.status_code == 201, r.text
    item = r.json()
    assert item["status"] == "pending" and item["kind"] == "post"
    assert datetime.fromisoformat(item["send_at"]) == at

    # Only Анна sees it; the chat does not have it yet.
    mine = (await anna.get(f"{API}/chats/{chat_id}/scheduled")).json()
    assert mine["pending"] == 1 and [i["id"] for i in mine["items"]] == [item["id"]]
    assert (await elena.get(f"{API}/chats/{chat_id}/scheduled")).json() == {"pending": 0,
                                                                           "items": []}
    r = await elena.patch(f"{API}/scheduled/{item['id']}", json={"body": "Уроков нет!"})
    assert (r.status_code, error_code(r)) == (404, "not_found")
    r = await elena.post(f"{API}/scheduled/{item['id']}/cancel")
    assert (r.status_code, error_code(r)) == (404, "not_found")
    [told] = world.events_of("scheduled.changed")
    assert told.audience == {await world.user_id("teacher")}

    # She changes the wording and moves it ten minutes later.
    at = tomorrow_at(8, 10)
    r = await anna.patch(f"{API}/scheduled/{item['id']}",
                         json={"body": MONDAY, "send_at": at.isoformat()})
    assert r.status_code == 200 and r.json()["body"] == MONDAY

    assert await send_due_scheduled(world.services, at - timedelta(minutes=1)) == 0
    assert await messages_saying(world, MONDAY) == []
    assert await send_due_scheduled(world.services, at) == 1
    [sent] = await messages_saying(world, MONDAY)
    assert sent.chat_id == chat_id and sent.author_id == await world.user_id("teacher")
    shown = (await elena.get(f"{API}/chats/{chat_id}/messages")).json()["messages"]
    assert MONDAY in [m["body"] for m in shown]
    assert await send_due_scheduled(world.services, at + timedelta(minutes=5)) == 0
    assert len(await messages_saying(world, MONDAY)) == 1

    # Sent: no longer in her list, and no longer hers to change or cancel.
    assert (await anna.get(f"{API}/chats/{chat_id}/scheduled")).json()["pending"] == 0
    r = await anna.patch(f"{API}/scheduled/{item['id']}", json={"body": "Ещё раз"})
    assert (r.status_code, error_code(r)) == (409, "scheduled_done")
    r = await anna.post(f"{API}/scheduled/{item['id']}/cancel")
    assert (r.status_code, error_code(r)) == (409, "scheduled_done")
    assert world.events_of("scheduled.changed")[-1].event.status == "sent"  # type: ignore[attr-defined]


async def test_a_cancelled_one_never_goes(world: World) -> None:
    anna = await world.as_("teacher")
    chat_id = await chat_named(anna, "5А — родители")
    r = await schedule(anna, chat_id, MONDAY, tomorrow_at(8))
    r = await anna.post(f"{API}/scheduled/{r.json()['id']}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert await send_due_scheduled(world.services, tomorrow_at(9)) == 0
    assert await messages_saying(world, MONDAY) == []


async def test_a_scheduled_announcement_needs_an_acknowledgement_once_sent(world: World) -> None:
    anna, elena = await world.as_("teacher"), await world.as_("parent")
    chat_id = await chat_named(anna, "5А — родители")
    at, deadline = tomorrow_at(8), tomorrow_at(18)
    r = await schedule(anna, chat_id, MONDAY, at, ack={"deadline": deadline.isoformat()})
    assert r.status_code == 201 and r.json()["kind"] == "announcement", r.text
    assert await send_due_scheduled(world.services, at) == 1
    [sent] = await messages_saying(world, MONDAY)
    [ack] = (await elena.get(f"{API}/chats/{chat_id}/acks")).json()["acks"]
    assert ack["message_id"] == sent.id and ack["can_confirm"] is True
    assert datetime.fromisoformat(ack["deadline"]) == deadline


async def test_a_refusal_at_its_time_is_kept_and_told_to_the_author(world: World) -> None:
    anna, elena = await world.as_("teacher"), await world.as_("parent")
    chat_id = await chat_named(anna, "5А — родители")
    at = tomorrow_at(8)
    r = await schedule(elena, chat_id, "Кто завтра забирает детей?", at)
    assert r.status_code == 201, r.text
    item_id = r.json()["id"]
    # Before its time the teacher lets only moderators post.
    r = await anna.patch(f"{API}/chats/{chat_id}", json={"post_policy": "moderators"})
    assert r.status_code == 200, r.text
    assert await send_due_scheduled(world.services, at) == 1
    assert await messages_saying(world, "Кто завтра забирает детей?") == []
    mine = (await elena.get(f"{API}/chats/{chat_id}/scheduled")).json()
    assert mine["pending"] == 0
    [failed] = mine["items"]
    assert failed["status"] == "failed" and failed["refusal"] == "chat_read_only"
    assert failed["refusal_text"] == "В этом чате пишут только модераторы."
    told = world.events_of("scheduled.changed")[-1]
    assert told.audience == {await world.user_id("parent")}
    assert told.event.status == "failed"  # type: ignore[attr-defined]
    # It is not tried again; she puts it away.
    assert await send_due_scheduled(world.services, at + timedelta(hours=1)) == 0
    r = await elena.post(f"{API}/scheduled/{item_id}/cancel")
    assert r.status_code == 200
    assert (await elena.get(f"{API}/chats/{chat_id}/scheduled")).json()["items"] == []


async def test_what_may_not_be_scheduled(world: World) -> None:
    anna, elena, masha = (await world.as_("teacher"), await world.as_("parent"),
                          await world.as_("student"))
    parents = await chat_named(anna, "5А — родители")
    klass = await chat_named(anna, "5А — класс")
    cases = [
        (anna, parents, {"body": MONDAY, "send_at": (utcnow() - timedelta(hours=1)).isoformat()},
         422),
        (anna, parents, {"body": MONDAY, "send_at": (utcnow() + timedelta(days=400)).isoformat()},
         422),
        (anna, parents, {"body": MONDAY, "send_at": "2030-01-01T08:00:00"}, 422),  # no zone
        (anna, parents, {"body": "   ", "send_at": tomorrow_at(8).isoformat()}, 422),
        (anna, parents, {"body": "x" * 10_001, "send_at": tomorrow_at(8).isoformat()}, 422),
        (anna, parents, {"body": MONDAY, "send_at": tomorrow_at(8).isoformat(), "pin": True}, 422),
        (anna, parents, {"body": MONDAY, "send_at": tomorrow_at(8).isoformat(),
                         "ack": {"deadline": tomorrow_at(7).isoformat()}}, 422),  # before sending
        (elena, parents, {"body": MONDAY, "send_at": tomorrow_at(8).isoformat(), "ack": {}}, 403),
        (anna, klass, {"body": MONDAY, "send_at": tomorrow_at(8).isoformat(), "ack": {}}, 403),
        (masha, parents, {"body": MONDAY, "send_at": tomorrow_at(8).isoformat()}, 404),
    ]
    for client, chat_id, body, status in cases:
        r = await client.post(f"{API}/chats/{chat_id}/scheduled", json=body)
        assert r.status_code == status, (body, r.text)
    async with world.services.sessionmaker() as db:
        assert (await db.execute(select(func.count()).select_from(ScheduledMessage))).scalar_one() == 0

    # Too many waiting for one author.
    world.services.settings.scheduled_per_author = 2
    for n in range(2):
        assert (await schedule(anna, parents, f"{MONDAY} ({n})", tomorrow_at(8))).status_code == 201
    r = await schedule(anna, klass, MONDAY, tomorrow_at(8))
    assert (r.status_code, error_code(r)) == (422, "too_many_scheduled")
    item_id = (await anna.get(f"{API}/chats/{parents}/scheduled")).json()["items"][0]["id"]
    r = await anna.patch(f"{API}/scheduled/{item_id}",
                         json={"send_at": (utcnow() - timedelta(hours=2)).isoformat()})
    assert r.status_code == 422

    # Another school: nothing there.
    _, gym = await register_gymnasium(world)
    for method, path, body in (("get", f"/chats/{parents}/scheduled", None),
                               ("post", f"/chats/{parents}/scheduled",
                                {"body": MONDAY, "send_at": tomorrow_at(8).isoformat()}),
                               ("patch", f"/scheduled/{item_id}", {"body": "Чужое"}),
                               ("post", f"/scheduled/{item_id}/cancel", None)):
        r = await getattr(gym, method)(f"{API}{path}", **({"json": body} if body else {}))
        assert (r.status_code, error_code(r)) == (404, "not_found"), path


async def test_two_server_processes_race_the_same_due_message(world: World,
                                                              database_url: str) -> None:
    """A second app instance on the same database (a second server process, or the first one
    restarted) sees the same item; of the two, one sends it."""
    anna = await world.as_("teacher")
    chat_id = await chat_named(anna, "5А — родители")
    at = tomorrow_at(8)
    for n in range(3):
        r = await schedule(anna, chat_id, f"{MONDAY} #{n}", at,
                           **({"ack": {}} if n == 0 else {}))
        assert r.status_code == 201
    engine = make_engine(database_url)
    try:
        other = Services(settings=world.services.settings, sessionmaker=make_sessionmaker(engine),
                         sms=world.sms, mail=world.services.mail, bus=world.services.bus,
                         storage=world.services.storage)
        done = await asyncio.gather(send_due_scheduled(world.services, at),
                                    send_due_scheduled(other, at),
                                    send_due_scheduled(other, at),
                                    send_due_scheduled(world.services, at))
    finally:
        await engine.dispose()
    assert sum(done) == 3
    for n in range(3):
        assert len(await messages_saying(world, f"{MONDAY} #{n}")) == 1
    async with world.services.sessionmaker() as db:
        assert (await db.execute(select(func.count()).select_from(Announcement))).scalar_one() == 1
