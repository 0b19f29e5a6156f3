"""Sends decided together (``actions.sending.send_messages``), as the event socket batches them:
each send is decided as if it were alone, a refusal changes nothing and does not disturb the
others, and earlier sends of the batch count for the flood limits and client ids."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from parta.actions.base import Ctx, unit_of_work
from parta.actions.sending import Outgoing, Sent, send_messages
from parta.errors import PartaError
from parta.models import Attachment, Message, User
from parta.queries.actors import load_caller
from tests.api.test_attachments import photo_with_location
from tests.api.test_chats import joined, make_class_chat
from tests.conftest import World
from tests.helpers import API


async def sender(uow: Ctx, world: World, user_id: int) -> Ctx:
    user = await uow.db.get(User, user_id)
    assert user is not None
    caller = await load_caller(uow.db, user)
    return Ctx(db=uow.db, services=world.services, user=user, actor=caller.actor,
               verified_in=caller.verified_in, events=uow.events)


async def batch(world: World, sends: list[tuple[str, int, str, dict[str, Any]]]
                ) -> list[Sent | PartaError]:
    ids = {key: await world.user_id(key) for key, *_ in sends}
    async with unit_of_work(world.services) as uow:
        ctxs = {key: await sender(uow, world, ids[key]) for key in ids}
        return await send_messages(uow, [Outgoing(ctxs[key], chat_id, body, **extra)
                                         for key, chat_id, body, extra in sends])


async def count(world: World, model: Any, *where: Any) -> int:
    async with world.services.sessionmaker() as db:
        return int((await db.execute(select(func.count()).select_from(model).where(*where)))
                   .scalar_one())


def code(result: Sent | PartaError) -> str:
    return result.code if isinstance(result, PartaError) else "sent"


async def test_refused_sends_change_nothing_and_the_others_go_through(world: World) -> None:
    anna, chat = await make_class_chat(world)
    await joined(world, "student", chat["id"])
    other = (await anna.post(f"{API}/orgs/{world.org_id}/chats", json={
        "kind": "custom", "title": "Кружок", "rules": "Вежливо."})).json()
    elsewhere = (await anna.post(f"{API}/chats/{other['id']}/messages",
                                 json={"body": "Не отсюда"})).json()
    before = await count(world, Message)
    world.events.clear()
    results = await batch(world, [
        ("student", chat["id"], "Здравствуйте!", {}),
        ("student", other["id"], "Меня тут нет", {}),                  # not a member
        ("teacher", chat["id"], "Добрый день, класс.", {}),
        ("student", chat["id"], "   ", {}),                             # empty
        ("student", chat["id"], "Ответ", {"reply_to_id": elsewhere["id"]}),  # another chat's
        ("student", 10**9, "Нет такого чата", {}),
        ("student", chat["id"], "x" * 10_001, {}),                      # too long
    ])
    assert [code(r) for r in results] == ["sent", "not_found", "sent", "validation_failed",
                                          "not_found", "not_found", "validation_failed"]
    assert await count(world, Message) == before + 2
    new = world.events_of("message.new")
    assert [e.event.message.body for e in new] == ["Здравствуйте!", "Добрый день, класс."]
    assert new[0].event.message.author.name == "Маша Иванова"
    ok = [r for r in results if isinstance(r, Sent)]
    assert all(r.created and r.message is not None for r in ok)
    first, second = (r.message.id for r in ok if r.message)
    assert first < second


async def test_earlier_sends_of_the_batch_count_for_the_flood_limits(world: World) -> None:
    _anna, chat = await make_class_chat(world)
    await joined(world, "student", chat["id"])
    async with world.services.sessionmaker() as db:  # the demo's own messages are long past
        await db.execute(update(Message).values(created_at=datetime.now(UTC) - timedelta(hours=1)))
        await db.commit()
    results = await batch(world, [("student", chat["id"], f"Вопрос {n}", {}) for n in range(8)])
    assert [code(r) for r in results] == ["sent"] * 6 + ["flood", "flood"]
    again = await batch(world, [("student2", chat["id"], "Можно выйти?", {}),
                                ("student2", chat["id"], "можно   ВЫЙТИ?", {})])
    # Петя is only invited: not a member yet, so both are «not found», and nothing is written.
    assert [code(r) for r in again] == ["not_found", "not_found"]
    await joined(world, "student2", chat["id"])
    again = await batch(world, [("student2", chat["id"], "Можно выйти?", {}),
                                ("student2", chat["id"], "можно   ВЫЙТИ?", {})])
    assert [code(r) for r in again] == ["sent", "duplicate_message"]


async def test_a_client_id_repeated_in_one_batch_makes_one_message(world: World) -> None:
    _anna, chat = await make_class_chat(world)
    await joined(world, "student", chat["id"])
    results = await batch(world, [
        ("student", chat["id"], "Я заболела", {"client_id": "k-1"}),
        ("student", chat["id"], "Я заболела", {"client_id": "k-1"}),
        ("teacher", chat["id"], "Поправляйся", {"client_id": "k-1"}),  # another author's key
    ])
    assert [code(r) for r in results] == ["sent"] * 3
    first, retry, teacher = results
    assert isinstance(first, Sent) and isinstance(retry, Sent) and isinstance(teacher, Sent)
    assert first.message and retry.message and teacher.message
    assert first.created and not retry.created and teacher.created
    assert retry.message.id == first.message.id != teacher.message.id
    assert await count(world, Message, Message.client_id == "k-1") == 2
    # Later, in another batch: the same key gives the first message back, or a conflict when
    # it is used for another chat.
    other = await batch(world, [("student", chat["id"], "Я заболела", {"client_id": "k-1"}),
                                ("student", chat["id"] + 1000, "x", {"client_id": "k-1"})])
    assert isinstance(other[0], Sent) and other[0].message and not other[0].created
    assert other[0].message.id == first.message.id
    assert isinstance(other[1], PartaError) and other[1].fields == {"client_id": "duplicate"}


async def test_a_refused_forward_leaves_no_copies_of_its_files(world: World) -> None:
    anna, chat = await make_class_chat(world)
    await joined(world, "student", chat["id"])
    att = (await anna.post(f"{API}/chats/{chat['id']}/attachments",
                           files={"file": ("фото.jpg", photo_with_location(), "image/jpeg")})).json()
    photo = (await anna.post(f"{API}/chats/{chat['id']}/messages",
                             json={"body": "Экскурсия", "attachment_ids": [att["id"]]})).json()
    files = await count(world, Attachment)
    results = await batch(world, [
        ("student", chat["id"], "", {"forward_of": photo["id"], "reply_to_id": 10**9}),
        ("student", chat["id"], "", {"forward_of": photo["id"]}),
    ])
    assert [code(r) for r in results] == ["not_found", "sent"]
    assert await count(world, Attachment) == files + 1  # only the accepted forward's copy
    forwarded = results[1]
    assert isinstance(forwarded, Sent) and len(forwarded.files) == 1


async def test_a_flagged_send_is_held_and_the_batch_goes_on(world: World) -> None:
    _anna, chat = await make_class_chat(world)
    await joined(world, "student", chat["id"])
    results = await batch(world, [("student", chat["id"], "ты дурак", {"client_id": "held-1"}),
                                  ("student", chat["id"], "Извините, ошиблась чатом", {}),
                                  ("student", chat["id"], "ты дурак", {"client_id": "held-1"})])
    held, ok, again = results
    assert isinstance(again, Sent) and again.held is not None and not again.created
    assert isinstance(held, Sent) and held.held is not None and held.message is None
    assert isinstance(ok, Sent) and ok.message is not None
    retry = await batch(world, [("student", chat["id"], "ты дурак", {"client_id": "held-1"})])
    assert isinstance(retry[0], Sent) and retry[0].held is not None
    assert retry[0].held.id == held.held.id and not retry[0].created


async def test_a_socket_send_that_breaks_the_batch_fails_alone(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should deciding a batch fail unexpectedly, nothing of it is written; its sends are
    tried again one by one, and only the one that breaks is answered 500."""
    from parta.api import socket_send
    from parta.models import AuthSession
    from parta.realtime.gateway import Connection

    _anna, chat = await make_class_chat(world)
    await joined(world, "student", chat["id"])
    async with world.services.sessionmaker() as db:
        session_id = (await db.execute(select(AuthSession.id).where(
            AuthSession.user_id == await world.user_id("student"))
            .order_by(AuthSession.id.desc()))).scalars().first()
    answers: list[dict[str, Any]] = []

    async def send_text(text: str) -> None:
        answers.append(json.loads(text))

    conn = Connection(await world.user_id("student"), send_text)
    await conn.go_live(0)
    real = socket_send.send_messages

    async def fragile(ctx: Ctx, items: list[Outgoing]) -> list[Sent | PartaError]:
        if any(i.body == "сломай" for i in items):
            raise RuntimeError("a bug")
        return await real(ctx, items)

    monkeypatch.setattr(socket_send, "send_messages", fragile)
    queue = socket_send.SendQueue(world.services)
    sender = socket_send.SocketSender(conn, session_id, "ru")
    before = await count(world, Message)
    for ref, body in (("1", "Первое"), ("2", "сломай"), ("3", "Третье")):
        queue.offer(sender, {"type": "send", "ref": ref, "chat_id": chat["id"], "body": body})
    await asyncio.sleep(0)
    await queue.drain()
    by_ref = {a["ref"]: a for a in answers if a["type"] in ("sent", "refused")}
    assert {r: (a["type"], a["status"]) for r, a in by_ref.items()} == {
        "1": ("sent", 200), "2": ("refused", 500), "3": ("sent", 200)}
    assert by_ref["2"]["error"]["code"] == "internal" and sender.pending == 0
    assert await count(world, Message) == before + 2


async def test_held_sends_of_the_batch_count_for_the_flood_limits(world: World) -> None:
    _anna, chat = await make_class_chat(world)
    await joined(world, "student", chat["id"])
    async with world.services.sessionmaker() as db:  # the demo's own messages are long past
        await db.execute(update(Message).values(created_at=datetime.now(UTC) - timedelta(hours=1)))
        await db.commit()
    profane = "да это полная хуйня, а не контрольная"
    results = await batch(world, [("student", chat["id"], f"{profane} {n}", {}) for n in range(8)])
    assert [code(r) for r in results] == ["sent"] * 6 + ["flood", "flood"]
    assert all(r.held is not None for r in results[:6] if isinstance(r, Sent))
