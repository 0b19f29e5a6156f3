"""The event log stores each event once: a chat's message is one row whatever the class size,
and each member's stream still holds exactly the events addressed to them."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from parta.actions.base import unit_of_work
from parta.models.events import StreamEvent, StreamReader, StreamRecipient
from parta.realtime import eventlog
from parta.realtime.events import ChatRead, MessageNew
from parta.schemas.common import Person
from parta.schemas.messages import SeenMessage
from tests.conftest import World

CLASS_5A = 501  # a chat id; the log keeps no foreign keys, so plain numbers do
ANNA, MASHA, PETYA, OLGA = 11, 12, 13, 14  # the teacher, two students, a parent elsewhere


async def post(world: World, text: str, audience: set[int], chat_id: int = CLASS_5A) -> int:
    message = SeenMessage(
        attachments=[], id=len(world.events) + 1, chat_id=chat_id, author_id=ANNA, client_id=None,
        body=text, reply_to_id=None, kind="text", meta=None, mentions=[], forwarded_from_id=None,
        created_at="2026-09-01T08:00:00+00:00", edited_at=None, deleted=False,
        author=Person(id=ANNA, name="Анна Петровна"), reactions={}, my_reactions=[])
    async with unit_of_work(world.services) as ctx:
        ctx.emit(MessageNew(org_id=1, chat_id=chat_id, message=message), audience)
    return world.events[-1].id


async def count(world: World, model: type) -> int:
    async with world.services.sessionmaker() as db:
        return int((await db.execute(select(func.count()).select_from(model))).scalar_one())


async def stream(world: World, user_id: int, after: int = 0, limit: int = 100) -> list[int]:
    async with world.services.sessionmaker() as db:
        return [i for i, _ in await eventlog.replay(db, user_id, after, limit)]


async def test_a_class_message_is_stored_once_and_reaches_each_member(world: World) -> None:
    first = await post(world, "Завтра контрольная", {ANNA, MASHA, PETYA})
    second = await post(world, "Не забудьте линейки", {ANNA, MASHA, PETYA})
    assert await count(world, StreamEvent) == 2 and await count(world, StreamRecipient) == 0
    assert await count(world, StreamReader) == 3  # written once per person, not per message
    for member in (ANNA, MASHA, PETYA):
        assert await stream(world, member) == [first, second]
    assert await stream(world, OLGA) == []  # not in the class chat: not in her stream
    async with world.services.sessionmaker() as db:
        [(event_id, text)] = await eventlog.replay(db, MASHA, first, 10)
    assert event_id == second and text.startswith(f'{{"id":{second},"type":"message.new"')


async def test_who_left_keeps_what_was_theirs_and_gets_nothing_after(world: World) -> None:
    before = await post(world, "Собрание в пятницу", {ANNA, MASHA, PETYA})
    after = await post(world, "Петя перешёл в 5Б", {ANNA, MASHA, OLGA})  # Petya has left
    assert await stream(world, PETYA) == [before]
    assert await stream(world, OLGA) == [after]  # joined later: only from then on
    assert await stream(world, MASHA) == [before, after]


async def test_an_event_for_one_person_gets_a_recipient_row(world: World) -> None:
    async with unit_of_work(world.services) as ctx:
        ctx.emit(ChatRead(org_id=1, chat_id=CLASS_5A, last_read_message_id=5, reader_id=MASHA),
                 {MASHA})
    mine = world.events[-1].id
    shared = await post(world, "Всем спасибо", {ANNA, MASHA, PETYA})
    assert await count(world, StreamRecipient) == 1
    assert await stream(world, MASHA) == [mine, shared]
    assert await stream(world, ANNA) == [shared]


async def test_a_reader_far_behind_in_a_chat_they_left_is_told_to_resync(world: World) -> None:
    await post(world, "Здравствуйте", {ANNA, MASHA, PETYA})
    for i in range(12):  # Petya has left; the class goes on without him
        await post(world, f"Сообщение {i}", {ANNA, MASHA, OLGA})
    assert await stream(world, MASHA, limit=3) == (await stream(world, MASHA))[:3]
    with pytest.raises(eventlog.TooFarBehind):
        await stream(world, PETYA, limit=2)  # a dozen of the others' events to look through


async def test_the_head_never_goes_back_after_pruning(world: World) -> None:
    from datetime import timedelta

    from parta.db import utcnow

    last = await post(world, "Последнее", {ANNA, MASHA, PETYA})
    async with world.services.sessionmaker() as db:
        assert await eventlog.prune(db, utcnow() + timedelta(seconds=1)) > 0
        await db.commit()
        assert await eventlog.head_id(db) == (last, last)
    assert await post(world, "Новое", {ANNA, MASHA, PETYA}) > last
