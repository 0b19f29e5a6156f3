"""Sending messages over the event stream (``EventStream.send_message``): the class teacher
writes to 5А over her open socket, Маша sees it live; a retry with the same client id gives the
same message; a refusal is the one HTTP gives; a send the connection dropped can be sent again."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve

from parta.client import ApiError, EventStream, PartaClient, SendInterrupted
from tests.live import LiveServer
from tests.realtime.conftest import TEACHER, signed_in
from tests.realtime.test_stream import next_events

pytestmark = pytest.mark.realtime

STUDENT = "+79000000011"


async def chat_named(client: PartaClient, title: str) -> int:
    chats = (await client.get("/chats"))["chats"]
    return int(next(c["id"] for c in chats if c["title"] == title))


async def test_a_message_sent_over_the_stream_comes_back_after_its_event_and_reaches_the_class(
        server: LiveServer) -> None:
    anna = await signed_in(server, TEACHER)
    masha = await signed_in(server, STUDENT)
    chat = await chat_named(anna, "5А — класс")
    async with anna.events() as mine, masha.events() as hers:
        await mine.ready()
        await hers.ready()
        before = mine.last_id or 0
        sent = await mine.send_message(chat, "Завтра контрольная по математике.",
                                       client_id="ws-send-1")
        handled = mine.last_id or 0
        [own] = await next_events(mine, 1)
        [live] = await next_events(hers, 1)
    assert sent["created"] is True and sent["body"] == "Завтра контрольная по математике."
    assert sent["chat_id"] == chat and sent["client_id"] == "ws-send-1"
    # Its own event was read before the answer (the stream had moved past it) and waits there.
    assert own["type"] == "message.new" and own["message"]["id"] == sent["id"]
    assert before < own["id"] <= handled
    assert live["type"] == "message.new" and live["message"]["id"] == sent["id"]
    page = await anna.get(f"/chats/{chat}/messages")
    assert sent["id"] in [m["id"] for m in page["messages"]]
    await anna.close()
    await masha.close()


async def test_answers_go_to_their_senders_while_the_stream_is_iterated(server: LiveServer) -> None:
    anna = await signed_in(server, TEACHER)
    chat = await chat_named(anna, "5А — класс")
    seen: list[dict[str, Any]] = []
    async with anna.events() as stream:
        await stream.ready()

        async def listen() -> None:
            async for event in stream:
                seen.append(event)
                if len(seen) == 5:
                    return

        listening = asyncio.create_task(listen())
        sent = await asyncio.gather(*(
            stream.send_message(chat, f"Напоминание {n}: сменная обувь.", client_id=f"ws-many-{n}")
            for n in range(5)))
        await asyncio.wait_for(listening, 10)
    assert [s["body"] for s in sent] == [f"Напоминание {n}: сменная обувь." for n in range(5)]
    assert len({s["id"] for s in sent}) == 5
    assert {e["type"] for e in seen} == {"message.new"}  # answers are not events
    assert sorted(e["message"]["id"] for e in seen) == sorted(s["id"] for s in sent)
    await anna.close()


async def test_a_retried_send_with_the_same_client_id_gives_the_same_message(
        server: LiveServer) -> None:
    anna = await signed_in(server, TEACHER)
    chat = await chat_named(anna, "5А — класс")
    async with anna.events() as stream:
        await stream.ready()
        first = await stream.send_message(chat, "Экскурсия переносится.", client_id="ws-retry-1")
        again = await stream.send_message(chat, "Экскурсия переносится.", client_id="ws-retry-1")
    over_http = await anna.post(f"/chats/{chat}/messages",
                                {"body": "Экскурсия переносится.", "client_id": "ws-retry-1"})
    assert first["created"] is True
    assert again["id"] == first["id"] and again["created"] is False
    assert over_http["id"] == first["id"] and over_http["created"] is False
    await anna.close()


async def test_a_refusal_is_the_error_http_gives(server: LiveServer) -> None:
    masha = await signed_in(server, STUDENT)
    channel = await chat_named(masha, "Общешкольный канал")
    cases = [
        (channel, {"body": "Можно мне написать?"}),  # only moderators write in the channel
        (2**31 - 1, {"body": "Кто здесь?"}),  # no such chat
        (channel, {"body": "х" * 20_001}),  # too long
    ]
    async with masha.events() as stream:
        await stream.ready()
        for chat, body in cases:
            with pytest.raises(ApiError) as over_socket:
                await stream.send_message(chat, body["body"])
            with pytest.raises(ApiError) as over_http:
                await masha.post(f"/chats/{chat}/messages", body)
            got, want = over_socket.value, over_http.value
            assert (got.status, got.code, got.message, got.fields) == (
                want.status, want.code, want.message, want.fields)
        with pytest.raises(ValueError):  # escaped, it would not fit in one frame
            await stream.send_message(channel, "\x01" * 20_000)
    await masha.close()


# A stand-in server for what the real one does not do on demand: drop a socket before answering.

Script = Callable[[ServerConnection], Awaitable[None]]


@asynccontextmanager
async def stand_in(*scripts: Script) -> AsyncIterator[PartaClient]:
    """A WebSocket server that plays one script per connection, in order."""
    left = list(scripts)

    async def handler(ws: ServerConnection) -> None:
        await ws.send(json.dumps({"type": "hello", "last_id": 10}))
        await left.pop(0)(ws)

    async with serve(handler, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        client = PartaClient(f"http://127.0.0.1:{port}", token="stand-in")
        try:
            yield client
        finally:
            await client.close()


async def test_a_send_the_connection_dropped_raises_and_can_be_sent_again() -> None:
    frames: list[dict[str, Any]] = []

    async def drop_it(ws: ServerConnection) -> None:
        frames.append(json.loads(await ws.recv()))
        await ws.close(1011)

    async def answer_both_backwards(ws: ServerConnection) -> None:
        got = [json.loads(await ws.recv()), json.loads(await ws.recv())]
        frames.extend(got)
        for n, frame in enumerate(reversed(got)):
            message = {"id": 100 + n, "client_id": frame["client_id"], "body": frame["body"]}
            await ws.send(json.dumps({"type": "message.new", "id": 11 + n, "message": message}))
            await ws.send(json.dumps({"type": "sent", "ref": frame["ref"], "status": 200,
                                      "result": {**message, "created": n == 0}}))
        await ws.wait_closed()

    async with stand_in(drop_it, answer_both_backwards) as client:
        stream: EventStream
        async with client.events() as stream:
            await stream.ready()
            with pytest.raises(SendInterrupted):
                await stream.send_message(7, "Привет", client_id="k1")
            # Sent again (the stream dials anew), with another one alongside: each caller gets
            # its own answer, though they come in the other order.
            again, other = await asyncio.gather(
                stream.send_message(7, "Привет", client_id="k1"),
                stream.send_message(7, "Пока", client_id="k2"))
            events = await next_events(stream, 2)
    assert [f["client_id"] for f in frames] == ["k1", "k1", "k2"]
    assert len({f["ref"] for f in frames[1:]}) == 2
    assert frames[0]["type"] == "send" and frames[0]["chat_id"] == 7
    assert again == {"id": 101, "client_id": "k1", "body": "Привет", "created": False}
    assert other == {"id": 100, "client_id": "k2", "body": "Пока", "created": True}
    assert [e["message"]["id"] for e in events] == [100, 101]
