"""Two server processes, one PostgreSQL, one Redis: a change made through one reaches a client
connected to the other (the scale-out path). Runs when the suite has PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio

from tests.live import LiveServer
from tests.realtime.conftest import ADMIN, MATH_TEACHER, PG_URL, REDIS_URL, signed_in
from tests.realtime.test_stream import next_events, org_id

pytestmark = [
    pytest.mark.realtime,
    pytest.mark.skipif(not (PG_URL.startswith("postgresql") and REDIS_URL),
                       reason="needs PARTA_TEST_DATABASE_URL (PostgreSQL) and PARTA_TEST_REDIS_URL"),
]


@pytest_asyncio.fixture
async def scaleout_db() -> AsyncIterator[str]:
    """A database of its own, so the two servers never meet the other tests' data."""
    name = f"parta_scaleout_{uuid.uuid4().hex[:8]}"
    dsn = PG_URL.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
        yield PG_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


async def test_a_change_on_one_server_reaches_a_client_of_the_other(
        tmp_path: Path, scaleout_db: str) -> None:
    one = LiveServer(tmp_path, database_url=scaleout_db, redis_url=REDIS_URL)
    one.start()
    two = LiveServer(tmp_path, database_url=scaleout_db, redis_url=REDIS_URL, seed=False)
    two.start()
    try:
        admin_on_two = await signed_in(two, ADMIN)
        teacher_on_one = await signed_in(one, MATH_TEACHER)
        org = await org_id(admin_on_two)
        admin_id = (await admin_on_two.get("/me"))["id"]
        chat = await teacher_on_one.post(f"/orgs/{org}/direct", {"user_id": admin_id})
        async with admin_on_two.events() as stream:
            await stream.ready()
            waiting = asyncio.create_task(next_events(stream, 1))
            sent = await teacher_on_one.post(f"/chats/{chat['id']}/messages",
                                             {"body": "Ирина Петровна, журнал заполнен.",
                                              "client_id": "scaleout-1"})
            [event] = await waiting
        assert event["type"] == "message.new" and event["id"] > 0
        assert event["message"]["id"] == sent["id"]
        assert event["message"]["body"] == "Ирина Петровна, журнал заполнен."
        await admin_on_two.close()
        await teacher_on_one.close()
    finally:
        one.stop()
        two.stop()
