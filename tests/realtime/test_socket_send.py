"""The event socket's ``send`` frames as the server sees them: every refusal is answered by the
send's ref with the HTTP error, and changes nothing; a signed-out session can no longer send;
an oversized frame ends the connection; a socket may have only so many sends waiting; each send
is checked against who the sender is at that moment."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy import select
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from parta.api.socket_send import MAX_PENDING, SendQueue, SocketSender
from parta.client import PartaClient
from parta.i18n import t
from parta.models import Message
from parta.realtime.gateway import Connection
from tests.conftest import World
from tests.helpers import API
from tests.live import LiveServer
from tests.realtime.conftest import signed_in

pytestmark = pytest.mark.realtime

STUDENT, STUDENT2 = "+79000000011", "+79000000012"


async def open_socket(client: PartaClient, query: str = "") -> ClientConnection:
    url = client.base_url.replace("http://", "ws://") + "/api/v1/events" + query
    ws = await connect(url, additional_headers=client._headers(), open_timeout=10)
    hello = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert hello["type"] == "hello"
    return ws


async def answers(ws: ClientConnection, n: int) -> list[dict[str, Any]]:
    """The next ``n`` answers to sends, in the order they came (events are skipped)."""
    got: list[dict[str, Any]] = []
    while len(got) < n:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if frame["type"] in ("sent", "refused"):
            got.append(frame)
    return got


async def chats_by_title(client: PartaClient) -> dict[str, dict[str, Any]]:
    return {c["title"]: c for c in (await client.get("/chats"))["chats"]}


async def test_every_refusal_is_answered_by_its_ref_and_writes_nothing(server: LiveServer) -> None:
    masha = await signed_in(server, STUDENT)
    teacher_view = await chats_by_title(await signed_in(server, "+79000000002"))
    mine = await chats_by_title(masha)
    klass = mine["5А — класс"]["id"]
    channel = next(c["id"] for c in mine.values() if c["kind"].endswith("channel"))
    parents = teacher_view["5А — родители"]["id"]
    before = (await masha.get(f"/chats/{klass}/messages"))["messages"]
    ws = await open_socket(masha)
    frames: list[dict[str, Any]] = [
        {"type": "send", "ref": "a", "chat_id": parents, "body": "Можно к вам?"},
        {"type": "send", "ref": "b", "chat_id": 10**12, "body": "Есть кто?"},
        {"type": "send", "ref": "c", "chat_id": klass, "body": "  "},
        {"type": "send", "ref": "d", "chat_id": klass, "body": "x" * 10_001},
        {"type": "send", "ref": "e", "chat_id": channel, "body": "Всем привет"},
        {"type": "send", "ref": "f", "body": "Куда это?"},
        {"type": "send", "ref": "g", "chat_id": klass, "body": "Ой", "colour": "red"},
        {"type": "send", "ref": "h", "chat_id": klass, "body": "Файл", "attachment_ids": [10**6]},
        {"type": "send", "ref": "i", "chat_id": klass, "body": "Ответ", "reply_to_id": 10**12},
        {"type": "send", "ref": "не ref", "chat_id": klass, "body": "Без номера"},
    ]
    for f in frames:
        await ws.send(json.dumps(f))
    got = {a["ref"]: a for a in await answers(ws, len(frames))}
    await ws.close()
    expected = {"a": (404, "not_found"), "b": (404, "not_found"), "c": (422, "validation_failed"),
                "d": (422, "validation_failed"), "e": (403, "chat_read_only"),
                "f": (422, "validation_failed"), "g": (422, "validation_failed"),
                "h": (422, "validation_failed"), "i": (404, "not_found"),
                None: (422, "validation_failed")}
    assert {ref: (a["status"], a["error"]["code"]) for ref, a in got.items()} == expected
    assert all(a["type"] == "refused" for a in got.values())
    assert got["c"]["error"]["field_codes"] == {"body": "required"}
    assert got["d"]["error"]["field_codes"] == {"body": "too_long"}
    assert got["f"]["error"]["field_codes"] == {"chat_id": "required"}
    assert got["h"]["error"]["field_codes"] == {"attachment_ids": "invalid"}
    assert got[None]["error"]["field_codes"] == {"ref": "invalid"}
    assert got["e"]["error"]["message"]  # a sentence for the person, in their language
    after = (await masha.get(f"/chats/{klass}/messages"))["messages"]
    assert [m["id"] for m in after] == [m["id"] for m in before]


async def test_refusals_are_in_the_senders_language(server: LiveServer) -> None:
    """Once a send reaches the database, in the language the person chose (as over HTTP);
    before, in the page's language the socket was opened with."""
    masha = await signed_in(server, STUDENT)  # her language is Russian
    unknown = json.dumps({"type": "send", "ref": "x", "chat_id": 10**12, "body": "Hello?"})
    malformed = json.dumps({"type": "send", "ref": "y", "body": "Where to?"})
    for query, lang in (("?lang=en", "en"), ("?lang=ru", "ru"), ("?lang=xx", "ru")):
        ws = await open_socket(masha, query)
        await ws.send(unknown)
        await ws.send(malformed)
        got = {a["ref"]: a for a in await answers(ws, 2)}
        await ws.close()
        assert got["x"]["error"]["message"] == t("ru", "error.not_found"), query
        assert got["y"]["error"]["message"] == t(lang, "error.validation_failed"), query


async def test_a_signed_out_session_can_no_longer_send(server: LiveServer) -> None:
    petya = await signed_in(server, STUDENT2)
    klass = (await chats_by_title(petya))["5А — класс"]["id"]
    ws = await open_socket(petya)
    await ws.send(json.dumps({"type": "send", "ref": "1", "chat_id": klass, "body": "Я тут"}))
    [ok] = await answers(ws, 1)
    assert ok["type"] == "sent" and ok["status"] == 200 and ok["result"]["body"] == "Я тут"
    await petya.post("/auth/logout")
    # Signing out closes the session's socket (after telling it why); nothing more goes through.
    with pytest.raises(ConnectionClosed):
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert frame["type"] == "session.ended"
    assert ws.close_code == 4401
    with pytest.raises(ConnectionClosed):
        await ws.send(json.dumps({"type": "send", "ref": "2", "chat_id": klass, "body": "А теперь?"}))


async def test_an_oversized_frame_ends_the_connection(server: LiveServer) -> None:
    masha = await signed_in(server, STUDENT)
    ws = await open_socket(masha)
    await ws.send(json.dumps({"type": "send", "ref": "big", "chat_id": 1, "body": "я" * 70_000}))
    with pytest.raises(ConnectionClosed):
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert frame["type"] not in ("sent", "refused")


async def test_a_socket_has_only_so_many_sends_waiting() -> None:
    written: list[dict[str, Any]] = []

    async def send_text(text: str) -> None:
        written.append(json.loads(text))

    conn = Connection(7, send_text)
    await conn.go_live(0)
    sender = SocketSender(conn, session_id=1, lang="ru")
    sender.pending = MAX_PENDING
    queue = SendQueue(services=None)  # type: ignore[arg-type]  # never reaches the database
    queue.offer(sender, {"type": "send", "ref": "late", "chat_id": 1, "body": "Ещё одно"})
    assert [(w["ref"], w["status"], w["error"]["code"]) for w in written] == \
        [("late", 429, "too_many_pending")]
    assert written[0]["error"]["message"] == \
        "Слишком много сообщений ждут отправки. Подождите немного."


async def _socket_sender(world: World, key: str, answers: list[dict[str, Any]]
                         ) -> SocketSender:
    """``key``'s newest session as a socket's sender; its answers land in ``answers``."""
    from parta.models import AuthSession

    uid = await world.user_id(key)
    async with world.services.sessionmaker() as db:
        session_id = (await db.execute(select(AuthSession.id).where(AuthSession.user_id == uid)
                                       .order_by(AuthSession.id.desc()))).scalars().first()
    assert session_id is not None

    async def send_text(text: str) -> None:
        answers.append(json.loads(text))

    conn = Connection(uid, send_text)
    await conn.go_live(0)
    return SocketSender(conn, session_id, "ru")


async def _send(queue: SendQueue, sender: SocketSender, answers: list[dict[str, Any]],
                chat_id: int, body: str) -> dict[str, Any]:
    answers.clear()
    queue.offer(sender, {"type": "send", "ref": "r", "chat_id": chat_id, "body": body})
    await asyncio.sleep(0)
    await queue.drain()
    [answer] = [a for a in answers if a["type"] in ("sent", "refused")]
    return answer


async def test_a_socket_send_sees_who_the_sender_is_now_not_a_minute_ago(world: World) -> None:
    """The same check as an HTTP send, at every send: a teacher's badge given a moment ago
    shows on the next message; a student removed from the chat, or a session signed out, is
    refused at once — nothing is trusted from an earlier send."""
    from tests.api.test_chats import joined, make_class_chat

    anna, chat = await make_class_chat(world)
    cid = chat["id"]
    await joined(world, "student2", cid)
    oleg = await world.as_("math_teacher")
    await anna.post(f"{API}/chats/{cid}/invitations",
                    json={"user_ids": [await world.user_id("math_teacher")]})
    r = await oleg.post(f"{API}/chats/{cid}/join", json={"accept_rules": True})
    assert r.status_code == 200, r.text
    queue = SendQueue(world.services)
    oleg_answers: list[dict[str, Any]] = []
    petya_answers: list[dict[str, Any]] = []
    by_oleg = await _socket_sender(world, "math_teacher", oleg_answers)
    by_petya = await _socket_sender(world, "student2", petya_answers)

    def badge(message_id: int) -> bool:
        [new] = [e for e in world.events_of("message.new")
                 if e.event.model_dump()["message"]["id"] == message_id]
        return bool(new.event.model_dump()["message"]["author"]["verified_teacher"])

    first = await _send(queue, by_oleg, oleg_answers, cid, "Контрольная в пятницу")
    assert first["status"] == 200 and badge(first["result"]["id"]) is False
    admin = await world.as_("admin")
    r = await admin.post(f"{API}/orgs/{world.org_id}/members/{await world.user_id('math_teacher')}"
                         "/verification", json={"decision": "confirm"})
    assert r.status_code == 200, r.text
    badged = await _send(queue, by_oleg, oleg_answers, cid, "Повторите дроби")
    assert badged["status"] == 200 and badge(badged["result"]["id"]) is True

    ok = await _send(queue, by_petya, petya_answers, cid, "Хорошо")
    assert ok["type"] == "sent"
    r = await anna.post(f"{API}/chats/{cid}/members/{await world.user_id('student2')}/remove",
                        json={"rule_number": 1, "reason": "Оскорблял одноклассников"})
    assert r.status_code == 201, r.text
    removed = await _send(queue, by_petya, petya_answers, cid, "А я всё ещё тут?")
    assert (removed["type"], removed["status"]) == ("refused", 404)

    assert (await oleg.post(f"{API}/auth/logout")).status_code in (200, 204)
    ended = await _send(queue, by_oleg, oleg_answers, cid, "Ещё одно")
    assert (ended["type"], ended["status"], ended["error"]["code"]) == \
        ("refused", 401, "not_authenticated")
    async with world.services.sessionmaker() as db:
        bodies = set((await db.execute(select(Message.body).where(Message.chat_id == cid)))
                     .scalars())
    assert {"А я всё ещё тут?", "Ещё одно"}.isdisjoint(bodies)
