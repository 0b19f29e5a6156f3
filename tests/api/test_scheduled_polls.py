"""Polls posted later (issue 15): on Friday evening Анна Сергеевна prepares the question about
the excursion date for 5А's parents to find on Monday at 8:00, with the answers due by Monday
evening. Only she sees it until then; she rewords the question; the scheduler posts it as hers
at its time, once, and the parents vote in it. A poll that could never be posted is refused
when it is scheduled, and one the chat refuses at its time is kept, failed, for its author —
with nothing half-posted."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from parta.actions.scheduled import send_due_scheduled
from parta.db import utcnow
from parta.models import Message, Poll, ScheduledMessage
from tests.api.test_scheduled import chat_named, tomorrow_at
from tests.conftest import World, error_code
from tests.helpers import API, register_gymnasium

QUESTION = "Когда едем на экскурсию в Кремль?"


def poll(**extra: Any) -> dict[str, Any]:
    return {"question": QUESTION, "options": ["В субботу", "В воскресенье", "Через неделю"],
            "anonymous": False, **extra}


async def count(world: World, model: Any) -> int:
    async with world.services.sessionmaker() as db:
        return int((await db.execute(select(func.count()).select_from(model))).scalar_one())


async def test_a_scheduled_poll_is_posted_once_at_its_time_and_parents_vote_in_it(world: World) -> None:
    anna, elena = await world.as_("teacher"), await world.as_("parent")
    chat_id = await chat_named(anna, "5А — родители")
    at, closes = tomorrow_at(8), tomorrow_at(20)
    r = await anna.post(f"{API}/chats/{chat_id}/scheduled", json={
        "send_at": at.isoformat(), "poll": poll(closes_at=closes.isoformat(), multiple=True)})
    assert r.status_code == 201, r.text
    item = r.json()
    assert (item["kind"], item["body"], item["status"]) == ("poll", QUESTION, "pending")
    assert item["poll"]["options"] == ["В субботу", "В воскресенье", "Через неделю"]
    assert item["poll"]["multiple"] is True and item["ack"] is None

    # Hers alone until its time: the parents see neither the item nor a poll.
    assert (await elena.get(f"{API}/chats/{chat_id}/scheduled")).json()["items"] == []
    assert await count(world, Poll) == 0
    reworded = "Когда удобнее поехать на экскурсию в Кремль?"
    r = await anna.patch(f"{API}/scheduled/{item['id']}", json={"body": reworded})
    assert r.status_code == 200 and r.json()["body"] == reworded, r.text
    assert r.json()["poll"]["question"] == reworded

    assert await send_due_scheduled(world.services, at - timedelta(minutes=1)) == 0
    assert await send_due_scheduled(world.services, at) == 1
    assert await send_due_scheduled(world.services, at + timedelta(minutes=5)) == 0
    async with world.services.sessionmaker() as db:
        [posted] = (await db.execute(select(Poll))).scalars().all()
        stored = await db.get(ScheduledMessage, item["id"])
        assert stored is not None and stored.message_id == posted.message_id
    assert posted.created_by == await world.user_id("teacher") and posted.question == reworded
    assert posted.multiple is True and posted.closes_at == closes

    shown = (await elena.get(f"{API}/chats/{chat_id}/messages")).json()["messages"]
    assert [m["kind"] for m in shown if m["id"] == posted.message_id] == ["poll"]
    seen = (await elena.get(f"{API}/polls/{posted.message_id}")).json()
    assert [o["text"] for o in seen["options"]] == ["В субботу", "В воскресенье", "Через неделю"]
    r = await elena.post(f"{API}/polls/{posted.message_id}/vote",
                         json={"option_ids": [seen["options"][0]["id"], seen["options"][1]["id"]]})
    assert r.status_code == 200, r.text
    assert world.events_of("scheduled.changed")[-1].event.status == "sent"  # type: ignore[attr-defined]


async def test_what_a_scheduled_poll_refuses_when_asked_and_at_its_time(world: World) -> None:
    anna, masha = await world.as_("teacher"), await world.as_("student")
    parents = await chat_named(anna, "5А — родители")
    klass = await chat_named(anna, "5А — класс")
    at = tomorrow_at(8)
    url = f"{API}/chats/{parents}/scheduled"
    for body, field in (
            ({"send_at": at.isoformat()}, "body"),  # neither a text nor a poll
            ({"send_at": at.isoformat(), "body": "Текст", "poll": poll()}, "body"),  # both
            ({"send_at": at.isoformat(), "poll": poll(), "ack": {}}, "ack"),
            ({"send_at": at.isoformat(), "poll": poll(closes_at=tomorrow_at(7).isoformat())},
             "poll.closes_at"),  # closes before it is posted
            ({"send_at": at.isoformat(), "poll": poll(options=["Одна"])}, "options"),
            ({"send_at": at.isoformat(), "poll": poll(options=["Суббота", "суббота"])}, "options"),
            ({"send_at": at.isoformat(), "poll": poll(question="  ")}, "question"),
            ({"send_at": (utcnow() - timedelta(hours=1)).isoformat(), "poll": poll()}, "send_at")):
        r = await anna.post(url, json=body)
        assert r.status_code == 422, (body, r.text)
        assert field in r.json()["error"]["fields"], r.text
    r = await anna.post(url, json={"send_at": at.isoformat(), "poll": poll(colour="red")})
    assert r.status_code == 422
    r = await masha.post(url, json={"send_at": at.isoformat(), "poll": poll()})
    assert (r.status_code, error_code(r)) == (404, "not_found")  # not her chat
    _, natalia = await register_gymnasium(world)
    r = await natalia.post(url, json={"send_at": at.isoformat(), "poll": poll()})
    assert (r.status_code, error_code(r)) == (404, "not_found")
    assert await count(world, ScheduledMessage) == 0

    # Маша schedules a poll for her class in words the chat's filter refuses: at its time it
    # fails, is kept for her with the reason, and nothing of it is posted.
    r = await masha.post(f"{API}/chats/{klass}/scheduled", json={
        "send_at": at.isoformat(),
        "poll": {"question": "Кто считает, что контрольная была полная хуйня?",
                 "options": ["Да", "Нет"]}})
    assert r.status_code == 201, r.text
    before = await count(world, Message)
    assert await send_due_scheduled(world.services, at) == 1
    [failed] = (await masha.get(f"{API}/chats/{klass}/scheduled")).json()["items"]
    assert failed["status"] == "failed" and failed["refusal"] == "conduct_rejected"
    assert failed["refusal_text"]
    assert await count(world, Message) == before and await count(world, Poll) == 0
