"""Standing check: the server is killed with SIGKILL under load, three times, and restarted on
the same database. Afterwards every message whose send was acknowledged is in the history
exactly once, and every listening client, resuming from its last event id, saw each message of
its chats exactly once: no gap, no duplicate.

The load: four people of 5А (the teacher, two pupils, a parent) send numbered messages over
their event socket and over HTTP in turn, each listening on its own socket meanwhile. A send cut
off by the kill is sent again with the same ``client_id`` once the server is back, as a real
client does. The kill points come from a fixed seed. The database is the suite's: a SQLite
file, or (with ``PARTA_TEST_DATABASE_URL``) a fresh PostgreSQL database of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio

from parta.client import ApiError, EventStream, PartaClient, SendInterrupted
from tests.live import LiveServer
from tests.realtime.conftest import signed_in

pytestmark = pytest.mark.realtime

PG_URL = os.environ.get("PARTA_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("PARTA_TEST_REDIS_URL", "")
SEED = 20261207
KILLS = 3
PEOPLE = {"teacher": "+79000000002", "student": "+79000000011", "student2": "+79000000012",
          "parent": "+79000000021"}
CHATS = {"teacher": ("5А — класс", "5А — родители"), "student": ("5А — класс",),
         "student2": ("5А — класс",), "parent": ("5А — родители",)}


@pytest_asyncio.fixture
async def kill9_database(tmp_path: Path) -> AsyncIterator[str]:
    if not PG_URL.startswith("postgresql"):
        yield f"sqlite+aiosqlite:///{tmp_path / 'kill9.db'}"
        return
    name = f"parta_kill9_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
        yield PG_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


@dataclass
class Person:
    key: str
    client: PartaClient
    chats: list[int]
    stream: EventStream | None = None
    seen: list[int] = field(default_factory=list)  # message ids of message.new, in order
    event_ids: list[int] = field(default_factory=list)
    acknowledged: dict[str, int] = field(default_factory=dict)  # client_id -> message id
    attempted: set[str] = field(default_factory=set)


class Load:
    def __init__(self, people: list[Person]) -> None:
        self.people = people
        self.stop = asyncio.Event()
        self.problems: list[str] = []

    async def listen(self, p: Person) -> None:
        assert p.stream is not None
        async for event in p.stream:
            p.event_ids.append(int(event["id"]))
            if event["type"] == "message.new":
                p.seen.append(int(event["message"]["id"]))

    async def send_one(self, p: Person, n: int) -> None:
        """Send message n until the server acknowledges it (the same client_id every time)."""
        chat = p.chats[n % len(p.chats)]
        client_id = f"{p.key}-{n}"
        body = f"Сообщение {n} от {p.key} ({client_id})"
        p.attempted.add(client_id)
        deadline = time.monotonic() + 60
        over_socket = n % 2 == 0
        while time.monotonic() < deadline:
            try:
                if over_socket:
                    assert p.stream is not None
                    sent = await asyncio.wait_for(
                        p.stream.send_message(chat, body, client_id=client_id), 15)
                else:
                    sent = await p.client.post(f"/chats/{chat}/messages",
                                               {"body": body, "client_id": client_id})
            except (SendInterrupted, httpx.TransportError, TimeoutError):
                await asyncio.sleep(0.1)  # the server is away: send again once it is back
                continue
            except ApiError as exc:
                self.problems.append(f"{client_id}: refused {exc}")
                return
            p.acknowledged[client_id] = int(sent["id"])
            return
        self.problems.append(f"{client_id}: never acknowledged")

    async def send(self, p: Person) -> None:
        n = 0
        while not self.stop.is_set():
            await self.send_one(p, n)
            n += 1
            await asyncio.sleep(0.02)


async def history(client: PartaClient, chat: int, after: int) -> list[dict[str, Any]]:
    """Every message of the chat newer than ``after``, oldest first."""
    out: list[dict[str, Any]] = []
    before: int | None = None
    while True:
        params: dict[str, Any] = {"limit": 100}
        if before is not None:
            params["before_id"] = before
        page = await client.get(f"/chats/{chat}/messages", **params)
        out += [m for m in page["messages"] if m["id"] > after]
        before = page["next_before_id"]
        if before is None or before <= after:
            return sorted(out, key=lambda m: m["id"])


async def test_acknowledged_messages_and_resumed_streams_survive_kill_9(
        tmp_path: Path, kill9_database: str) -> None:
    server = LiveServer(tmp_path, database_url=kill9_database, redis_url=REDIS_URL)
    server.env.update({"PARTA_FLOOD_BURST_MESSAGES": "100000",
                       "PARTA_FLOOD_MINUTE_MESSAGES": "100000"})
    server.start()
    rng = random.Random(SEED)
    people: list[Person] = []
    tasks: list[asyncio.Task[None]] = []
    try:
        for key, phone in PEOPLE.items():
            client = await signed_in(server, phone)
            chats = {c["title"]: c["id"] for c in (await client.get("/chats"))["chats"]}
            people.append(Person(key, client, [chats[t] for t in CHATS[key]]))
        teacher = people[0]
        all_chats = teacher.chats
        baseline = max([m["id"] for c in all_chats for m in await history(teacher.client, c, 0)])
        for p in people:
            p.stream = p.client.events()
            await p.stream.__aenter__()
            await p.stream.ready()
        load = Load(people)
        tasks = [asyncio.create_task(load.listen(p)) for p in people]
        senders = [asyncio.create_task(load.send(p)) for p in people]

        for _ in range(KILLS):
            await asyncio.sleep(rng.uniform(1.5, 3.5))
            assert server.process is not None
            os.kill(server.process.pid, signal.SIGKILL)
            await asyncio.to_thread(server.process.wait)
            await asyncio.sleep(rng.uniform(0, 0.5))
            server.seed = False
            await asyncio.to_thread(server.start)  # the same port, the same database
        await asyncio.sleep(rng.uniform(1.5, 3.0))
        load.stop.set()
        await asyncio.wait_for(asyncio.gather(*senders), 90)
        assert not load.problems, load.problems

        stored = {c: await history(teacher.client, c, baseline) for c in all_chats}
        bodies = Counter(m["body"] for ms in stored.values() for m in ms)
        acknowledged = {cid: mid for p in people for cid, mid in p.acknowledged.items()}
        assert len(acknowledged) >= 40, f"too little load: {len(acknowledged)} messages"
        stored_ids = {m["id"] for ms in stored.values() for m in ms}
        for p in people:
            for n_cid in p.attempted:  # a retried send is stored once, never twice
                body = next((b for b in bodies if b.endswith(f"({n_cid})")), None)
                assert body is None or bodies[body] == 1, (n_cid, bodies[body])
        assert set(acknowledged.values()) <= stored_ids  # nothing acknowledged was lost
        assert len(set(acknowledged.values())) == len(acknowledged)

        async def caught_up() -> None:
            while any(set(p.seen) < {m["id"] for c in p.chats for m in stored[c]} for p in people):
                await asyncio.sleep(0.1)

        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(caught_up(), 20)
        for p, listener in zip(people, tasks, strict=True):
            if listener.done():
                raise AssertionError(f"{p.key} stopped listening") from listener.exception()
        for p in people:
            theirs = {m["id"] for c in p.chats for m in stored[c]}
            repeated = [mid for mid, k in Counter(p.seen).items() if k > 1]
            assert not repeated, f"{p.key} saw messages twice: {repeated}"
            assert set(p.seen) == theirs, (
                f"{p.key}: missed {sorted(theirs - set(p.seen))}, "
                f"extra {sorted(set(p.seen) - theirs)}")
            assert p.event_ids == sorted(set(p.event_ids)), f"{p.key}: events out of order"
    finally:
        for t in tasks:
            t.cancel()
        for p in people:
            if p.stream is not None:
                await p.stream.close()
            await p.client.close()
        server.stop()
