"""A live server (a real process on loopback) for the event stream, and clients for its people."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from parta.client import ApiError, PartaClient
from tests.live import LiveServer

ADMIN, TEACHER, MATH_TEACHER = "+79000000001", "+79000000002", "+79000000003"


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="parta-rt-") as tmp:
        yield Path(tmp)


@pytest.fixture(scope="module")
def server(workdir: Path) -> Iterator[LiveServer]:
    live = LiveServer(workdir)
    live.start()
    try:
        yield live
    finally:
        live.stop()


async def signed_in(server: LiveServer, phone: str) -> PartaClient:
    client = PartaClient(server.base_url)
    for _ in range(5):  # the live server allows a new code per phone once a second
        try:
            await client.request_code(phone)
            break
        except ApiError as exc:
            if exc.code != "rate_limited":
                raise
            await asyncio.sleep(1.1)
    code = await asyncio.to_thread(server.code_for, phone)
    await client.sign_in(phone, code)
    return client


@pytest_asyncio.fixture
async def admin(server: LiveServer) -> AsyncIterator[PartaClient]:
    c = await signed_in(server, ADMIN)
    yield c
    await c.close()


@pytest_asyncio.fixture
async def math_teacher(server: LiveServer) -> AsyncIterator[PartaClient]:
    c = await signed_in(server, MATH_TEACHER)
    yield c
    await c.close()


REDIS_URL = os.environ.get("PARTA_TEST_REDIS_URL", "")
PG_URL = os.environ.get("PARTA_TEST_DATABASE_URL", "")
