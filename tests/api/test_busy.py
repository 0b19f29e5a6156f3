"""An overloaded database is a 503 «try again» that changed nothing, never a 500.

On SQLite, writers queue for the one write lock (parta/sqlite_driver.py) and give up after
``BUSY_WAIT`` seconds; on PostgreSQL a lock not granted, a deadlock or a serialization failure
undoes the transaction. Either way the person's request did nothing and may simply be sent
again — which is what the answer says.
"""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

from parta import sqlite_driver
from parta.api.errors import is_busy
from tests.conftest import World, error_code
from tests.helpers import API


async def test_a_write_that_waits_too_long_for_the_writer_is_refused_and_changes_nothing(
        world: World, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's queue of writers; PostgreSQL's codes are in the test below")
    parent = await world.as_("parent")
    before = (await parent.get(f"{API}/me")).json()["name"]
    monkeypatch.setattr(sqlite_driver, "BUSY_WAIT", 0.2)
    async with world.services.sessionmaker() as db:
        await db.execute(text("UPDATE organization SET name = name"))  # holds the write lock
        r = await parent.patch(f"{API}/me", json={"name": "Ольга Николаевна Иванова-Петрова"})
        await db.rollback()
    assert (r.status_code, error_code(r)) == (503, "server_busy")
    assert r.headers["retry-after"] == "2"
    assert "перегружен" in r.json()["error"]["message"]
    assert (await parent.get(f"{API}/me")).json()["name"] == before
    r = await parent.patch(f"{API}/me", json={"name": "Ольга Николаевна Иванова-Петрова"})
    assert r.status_code == 200  # the writer is free again: the same request goes through


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(("orig", "busy"), [
    (sqlite3.OperationalError("database is locked (waited 10 s for the writer before)"), True),
    (sqlite3.OperationalError("no such table: nothing"), False),
    (_PgError("40P01"), True),  # deadlock detected
    (_PgError("40001"), True),  # serialization failure
    (_PgError("55P03"), True),  # lock not available
    (_PgError("23505"), False),  # a unique violation is a bug or a race to handle, not load
])
def test_which_database_errors_mean_busy(orig: Exception, busy: bool) -> None:
    assert is_busy(OperationalError("statement", {}, orig)) is busy
    wrapped = DBAPIError("statement", {}, Exception("adapted"))
    wrapped.orig.__cause__ = orig  # asyncpg's error under SQLAlchemy's adapter
    assert is_busy(wrapped) is busy
