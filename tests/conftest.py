"""The demo school for every test: named people, a real database (SQLite, or PostgreSQL when
``PARTA_TEST_DATABASE_URL`` says so), the real app over ASGI, codes read from a recording SMS."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import text

from parta.actions.base import Services
from parta.app import create_app
from parta.config import Settings
from parta.db import Base, make_engine, make_sessionmaker
from parta.demo import DEMO_PEOPLE, seed_demo
from parta.migrate import upgrade
from parta.realtime.bus import InProcessBus
from parta.realtime.events import Envelope
from parta.services.storage import LocalStorage
from tests.pii_scan import PiiScan

PHONES = {p.key: p.phone for p in DEMO_PEOPLE}


def _database_url() -> str:
    url = os.environ.get("PARTA_TEST_DATABASE_URL")
    if url:
        return url
    path = os.path.join(tempfile.mkdtemp(prefix="parta-test-"), "test.db")
    return f"sqlite+aiosqlite:///{path}"


DATABASE_URL = _database_url()


class RecordingSms:
    """A real adapter for the protocol that keeps what it sent, so tests read the code."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send(self, phone: str, text: str) -> None:
        self.sent.append((phone, text))

    def last_code(self, phone: str) -> str:
        for to, body in reversed(self.sent):
            if to == phone:
                m = re.search(r"\b(\d{6})\b", body)
                assert m, body
                return m.group(1)
        raise AssertionError(f"no SMS to {phone}")


class RecordingMail:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    async def send(self, to: str, subject: str, body: str, *, html: str = "",
                   headers: Any = None) -> None:
        self.sent.append((to, subject, body))


@pytest.fixture(scope="session")
def database_url() -> str:
    return DATABASE_URL


@pytest_asyncio.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[Any]:
    eng = make_engine(database_url)
    if not database_url.startswith("sqlite"):
        async with eng.begin() as conn:  # a clean schema for a clean run
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    await eng.dispose()
    import asyncio

    await asyncio.to_thread(upgrade, database_url)  # the real migrations, not create_all
    eng = make_engine(database_url)
    yield eng
    await eng.dispose()


async def _wipe(engine: Any) -> None:
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # TRUNCATE, though a DO block of DELETEs costs ~20 ms against 150-580 ms: after
            # DELETE, PostgreSQL puts new rows where the old ones were, and tests that read rows
            # without ORDER BY and expect them in insertion order then fail at random (two found:
            # roster namesakes, a poll's audit entries; both fixed). Find the rest first.
            names = ", ".join(t.name for t in Base.metadata.sorted_tables)
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                await conn.execute(table.delete())
            await conn.execute(text("DELETE FROM message_search"))  # FTS5, outside the models


@dataclass
class World:
    """Everything a test needs: the app, its services, the demo school, and who said what."""

    app: Any
    services: Services
    sms: RecordingSms
    mail: RecordingMail
    org_id: int
    events: list[Envelope] = field(default_factory=list)
    clients: list[httpx.AsyncClient] = field(default_factory=list)
    pii: PiiScan | None = None  # every JSON answer is scanned for others' contacts

    def client(self, **headers: str) -> httpx.AsyncClient:
        hooks = {"response": [self.pii.check]} if self.pii else {}
        c = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app, client=("10.1.2.3", 5000)),
                              base_url="http://parta.test", headers=headers, event_hooks=hooks)
        self.clients.append(c)
        return c

    async def sign_in(self, phone: str, client: httpx.AsyncClient | None = None) -> httpx.AsyncClient:
        """A bearer-token client signed in as ``phone``."""
        c = client or self.client()
        r = await c.post("/api/v1/auth/code", json={"phone": phone})
        assert r.status_code == 200, r.text
        r = await c.post("/api/v1/auth/verify",
                         json={"phone": phone, "code": self.sms.last_code(phone), "client": "api"})
        assert r.status_code == 200, r.text
        c.headers["Authorization"] = f"Bearer {r.json()['token']}"
        return c

    async def as_(self, key: str) -> httpx.AsyncClient:
        return await self.sign_in(PHONES[key])

    async def user_id(self, key: str) -> int:
        from sqlalchemy import select

        from parta.models import User

        async with self.services.sessionmaker() as db:
            return (await db.execute(select(User.id).where(User.phone == PHONES[key]))).scalar_one()

    def events_of(self, type_: str) -> list[Envelope]:
        return [e for e in self.events if e.event.type == type_]


@pytest_asyncio.fixture
async def world(engine: Any, database_url: str, tmp_path: Path) -> AsyncIterator[World]:
    await _wipe(engine)
    settings = Settings(database_url=database_url, mode="dev", base_url="http://parta.test",
                        otp_per_ip_per_hour=1000, otp_resend_seconds=0,
                        web_dir=Settings().web_dir)
    sms, mail = RecordingSms(), RecordingMail()
    services = Services(settings=settings, sessionmaker=make_sessionmaker(engine), sms=sms,
                        mail=mail, bus=InProcessBus(), storage=LocalStorage(tmp_path / "files"))
    org_id = await seed_demo(services)
    app = create_app(settings, services)
    w = World(app=app, services=services, sms=sms, mail=mail, org_id=org_id,
              pii=PiiScan(services))
    services.bus.subscribe(w.events.append)
    yield w
    # A poll's coalesced results still to go out would write while the next test wipes the
    # tables (on PostgreSQL the two deadlock): they go out now, as at a server's shutdown.
    await services.poll_results.drain()
    for c in w.clients:
        await c.aclose()
    assert w.pii is not None
    w.pii.assert_clean()


def error_code(resp: httpx.Response) -> str:
    body = resp.json()
    assert "error" in body, body
    return str(body["error"]["code"])
