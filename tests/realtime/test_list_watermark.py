"""The chat list says which event of the stream it reflects (``event_id``), the event socket's
hello says where the stream goes on from; the web client fetches the list again after a fresh
hello only when the list is behind it (parta/web/js/chat/store.js, ``reflects`` in
events/dispatch.js). These are the server's two numbers, checked on a live server, in both
orders a starting page meets them — an event between the list and the hello is never lost."""

from __future__ import annotations

import asyncio
from typing import Any

from parta.client import EventStream, PartaClient
from tests.live import LiveServer
from tests.realtime.conftest import signed_in

TEACHER = "+79000000002"  # Анна Сергеевна, the class teacher of 5А
PARENT = "+79000000021"  # Елена Иванова, in 5А's parents' chat


def reflects(watermark: int, head: int) -> bool:
    """The web client's rule (events/dispatch.js): no refetch when the list is at the head."""
    return watermark >= head


async def next_event(stream: EventStream, timeout: float = 10) -> dict[str, Any]:
    async def take() -> dict[str, Any]:
        async for ev in stream:
            return ev
        raise AssertionError("the stream ended")

    return await asyncio.wait_for(take(), timeout)


async def parents_chat(client: PartaClient) -> int:
    listed = await client.get("/chats")
    return int(next(c["id"] for c in listed["chats"] if c["title"] == "5А — родители"))


async def test_a_message_between_the_list_and_the_hello_makes_the_client_fetch_again(
        server: LiveServer) -> None:
    teacher = await signed_in(server, TEACHER)
    parent = await signed_in(server, PARENT)
    try:
        chat_id = await parents_chat(parent)
        # The page reads the list, then a message comes, then its socket says hello.
        listed = await parent.get("/chats")
        watermark = listed["event_id"]
        assert isinstance(watermark, int) and watermark >= 0
        sent = await teacher.post(f"/chats/{chat_id}/messages",
                                  {"body": "Напоминаю: завтра экскурсия, сбор в 8:30"})
        async with parent.events() as stream:
            head = await stream.ready()
        assert head is not None and not reflects(watermark, head)  # so the client fetches
        # What lies between is exactly what the list lacks: the message, with an id past it.
        async with parent.events(last_id=watermark) as stream:
            missed = await next_event(stream)
        assert missed["type"] == "message.new" and missed["message"]["id"] == sent["id"]
        assert watermark < missed["id"] <= head
        again = await parent.get("/chats")
        assert reflects(again["event_id"], head)
        mine = next(c for c in again["chats"] if c["id"] == chat_id)
        assert mine["last_message"]["id"] == sent["id"]
    finally:
        await teacher.close()
        await parent.close()


async def test_a_list_read_after_the_hello_reflects_it_and_what_comes_later_comes_live(
        server: LiveServer) -> None:
    teacher = await signed_in(server, TEACHER)
    parent = await signed_in(server, PARENT)
    try:
        chat_id = await parents_chat(parent)
        async with parent.events() as stream:
            head = await stream.ready()
            assert head is not None
            listed = await parent.get("/chats")
            assert reflects(listed["event_id"], head)  # no second fetch
            # A message after the list comes over the socket, newer than the list.
            live = asyncio.create_task(next_event(stream))
            sent = await teacher.post(f"/chats/{chat_id}/messages",
                                      {"body": "Собрание переносится на четверг"})
            event = await live
        assert event["type"] == "message.new" and event["message"]["id"] == sent["id"]
        assert event["id"] > listed["event_id"]
    finally:
        await teacher.close()
        await parent.close()
