"""SQLite on the event loop: writers queue in arrival order and never see «database is locked»,
readers never wait for a writer, and nothing holds up the loop for long."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import text

from parta.db import make_engine, make_sessionmaker, reading


@pytest_asyncio.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[Any]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'gate.db'}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)"))
        await conn.execute(text("INSERT INTO counter VALUES (1, 0)"))
    yield make_sessionmaker(engine)
    await engine.dispose()


class Ticker:
    """Counts how often the event loop got to run something else."""

    def __init__(self) -> None:
        self.ticks = 0
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            self.ticks += 1
            await asyncio.sleep(0.005)


async def test_many_writers_queue_and_none_is_refused(sessions: Any) -> None:
    async def add_one() -> None:
        async with sessions() as db:
            n = (await db.execute(text("SELECT n FROM counter WHERE id = 1"))).scalar_one()
            await asyncio.sleep(0.001)  # the transaction waits on something mid-way
            await db.execute(text("UPDATE counter SET n = :n WHERE id = 1"), {"n": n + 1})
            await db.commit()

    await asyncio.gather(*(add_one() for _ in range(60)))
    async with sessions() as db:
        assert (await db.execute(text("SELECT n FROM counter"))).scalar_one() == 60


async def test_a_reader_does_not_wait_for_a_writer(sessions: Any) -> None:
    async with sessions() as writer:
        await writer.execute(text("UPDATE counter SET n = 5 WHERE id = 1"))
        # The writer holds the lock and is not done; a reader still sees the last commit.
        async with reading(sessions) as reader:
            got = await asyncio.wait_for(
                reader.execute(text("SELECT n FROM counter WHERE id = 1")), 1)
            assert got.scalar_one() == 0
        await writer.commit()


async def test_a_lock_held_by_another_process_is_waited_for_without_blocking(
        sessions: Any, tmp_path: Path) -> None:
    other = sqlite3.connect(tmp_path / "gate.db", isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    threading.Timer(0.3, lambda: other.execute("COMMIT")).start()
    ticker = Ticker()
    started = time.monotonic()
    async with sessions() as db:
        await db.execute(text("UPDATE counter SET n = n + 1 WHERE id = 1"))
        await db.commit()
    assert time.monotonic() - started >= 0.25
    assert ticker.ticks >= 20  # the loop kept running meanwhile
    ticker.task.cancel()
    other.close()


async def test_a_long_run_of_statements_lets_the_loop_breathe(sessions: Any) -> None:
    ticker = Ticker()
    await asyncio.sleep(0.01)
    before = ticker.ticks
    async with sessions() as db:
        deadline = time.monotonic() + 0.3
        while time.monotonic() < deadline:
            await db.execute(text("UPDATE counter SET n = n + 1 WHERE id = 1"))
        await db.commit()
    assert ticker.ticks - before >= 5
    ticker.task.cancel()


async def test_a_failed_transaction_gives_the_gate_back(sessions: Any) -> None:
    from sqlalchemy.exc import IntegrityError

    async with sessions() as db:
        with pytest.raises(IntegrityError):
            await db.execute(text("INSERT INTO counter VALUES (1, 0)"))  # the id is taken
        await db.rollback()
    async with sessions() as db:  # the next writer is not kept waiting
        await asyncio.wait_for(db.execute(text("UPDATE counter SET n = 2 WHERE id = 1")), 2)
        await db.commit()
