"""SQLite on the event loop's own thread, with one writer at a time through an asyncio gate.

A statement on a local SQLite file takes microseconds; handing each one to a worker thread
(aiosqlite) costs ten times that in thread switches and makes every transaction wait for the
event loop between its statements. Here a statement runs where it is issued, so a request's
transaction usually runs start to finish without yielding, and the write lock is held only
for the time the work takes.

SQLite allows one writer. Writers queue, first come first served, on an asyncio lock taken
before ``BEGIN IMMEDIATE`` (or before the first write of a deferred transaction) and released
when the transaction ends — never on SQLite's busy handler, which would sleep on the event
loop's thread. SQLite's own ``busy_timeout`` is 0; a lock held by another process (a CLI
command) is waited for with ``asyncio.sleep``, up to ``BUSY_WAIT`` seconds.

The price: a statement holds up the whole process while it runs. A long run of statements
(an import) yields to the event loop every ``SLICE`` seconds, so sockets keep being served
while it goes on; a single slow statement (a search over a large archive) cannot be cut.
Keep statements short; split bulk work into batches.

Only ``db.make_engine`` uses this module: it quacks like the aiosqlite connection that
SQLAlchemy's ``sqlite+aiosqlite`` dialect expects (``async_creator``).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Sequence
from typing import Any, Self

__all__ = ["BUSY_WAIT", "SLICE", "WriterGate", "connector"]

BUSY_WAIT = 10.0  # seconds a writer waits for the lock (in this process or another)
SLICE = 0.02  # seconds of statements in a row before letting the event loop run
_BUSY = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
_BUSY_SNAPSHOT = 517  # a deferred transaction's snapshot is stale: waiting will not help
# Statements that never take the write lock; anything else in a transaction may.
_READS = ("SELECT", "PRAGMA", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT", "END", "EXPLAIN")


class WriterGate:
    """One engine's writers, in arrival order."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()

    async def acquire(self) -> None:
        try:
            await asyncio.wait_for(self.lock.acquire(), BUSY_WAIT)
        except TimeoutError:
            raise sqlite3.OperationalError(
                f"database is locked (waited {BUSY_WAIT:.0f} s for the writer before)") from None

    def release(self) -> None:
        self.lock.release()


def _takes_write_lock(sql: str) -> bool:
    head = sql.lstrip()[:20].upper()
    if head.startswith("BEGIN"):
        return "IMMEDIATE" in head or "EXCLUSIVE" in head
    return not head.startswith(_READS)


async def _patiently(fn: Callable[..., Any], *args: Any) -> Any:
    """Run a SQLite call; while another process holds the lock, wait without blocking."""
    delay, deadline = 0.001, time.monotonic() + BUSY_WAIT
    while True:
        try:
            return fn(*args)
        except sqlite3.OperationalError as exc:
            code = getattr(exc, "sqlite_errorcode", None)
            if code is None or code & 0xFF not in _BUSY or code == _BUSY_SNAPSHOT \
                    or time.monotonic() > deadline:
                raise
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.05)


_slice_started = [0.0]  # when the current run of statements began; 0: the loop has run since


def _loop_ran() -> None:
    _slice_started[0] = 0.0


async def _breathe() -> None:
    """After ``SLICE`` seconds of statements with no pause, let the event loop run once."""
    started = _slice_started[0]
    if not started:
        _slice_started[0] = time.monotonic()
        asyncio.get_running_loop().call_soon(_loop_ran)
    elif time.monotonic() - started > SLICE:
        await asyncio.sleep(0)  # runs _loop_ran, among everything else that was waiting


class _Cursor:
    __slots__ = ("_conn", "_cur")

    arraysize = 1

    def __init__(self, conn: _Connection) -> None:
        if conn._connection is None:
            raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
        self._conn = conn
        self._cur = conn._connection.cursor()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cur.close()

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> _Cursor:
        await self._conn._before(sql)
        await _breathe()
        try:
            await _patiently(self._cur.execute, sql, parameters)
        finally:
            self._conn._after()
        return self

    async def executemany(self, sql: str, seq_of_parameters: Sequence[Any]) -> _Cursor:
        await self._conn._before(sql)
        await _breathe()
        try:
            await _patiently(self._cur.executemany, sql, seq_of_parameters)
        finally:
            self._conn._after()
        return self

    async def fetchall(self) -> list[Any]:
        return self._cur.fetchall()

    async def fetchone(self) -> Any:
        return self._cur.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cur.fetchmany(size) if size else self._cur.fetchmany()

    async def close(self) -> None:
        self._cur.close()

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Any:
        row = self._cur.fetchone()
        if row is None:
            raise StopAsyncIteration
        return row

    @property
    def description(self) -> Any:
        return self._cur.description

    @property
    def rowcount(self) -> int:
        return self._cur.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cur.lastrowid


class _RunNow:
    """Where SQLAlchemy queues work for aiosqlite's thread: here, done at once."""

    __slots__ = ()

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, fn = item
        try:
            future.set_result(fn())
        except Exception as exc:  # noqa: BLE001  handed to whoever awaits the future
            future.set_exception(exc)


class _Connection:
    """One SQLite connection, in the shape of an aiosqlite connection."""

    def __init__(self, connection: sqlite3.Connection, gate: WriterGate) -> None:
        self._connection: sqlite3.Connection | None = connection
        self._conn = connection  # what SQLAlchemy sets ``isolation_level`` on
        self._tx = _RunNow()
        self._gate = gate
        self._holds = False  # this connection's transaction holds the writer gate

    async def _before(self, sql: str) -> None:
        if not self._holds and _takes_write_lock(sql):
            await self._gate.acquire()
            self._holds = True

    def _after(self) -> None:
        """Give the gate back once the transaction (or lone statement) is over."""
        if self._holds and (self._connection is None or not self._connection.in_transaction):
            self._holds = False
            self._gate.release()

    def cursor(self) -> _Cursor:
        return _Cursor(self)

    async def commit(self) -> None:
        try:
            if self._connection is not None:
                await _patiently(self._connection.commit)
        finally:
            self._after()

    async def rollback(self) -> None:
        try:
            if self._connection is not None:
                self._connection.rollback()
        finally:
            self._after()

    async def create_function(self, *args: Any, **kw: Any) -> None:
        assert self._connection is not None
        self._connection.create_function(*args, **kw)

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            connection.close()
        self._after()


def connector(path: str, gate: WriterGate) -> Callable[[], Any]:
    """The ``async_creator`` for an engine on the SQLite file at ``path``."""

    async def connect() -> _Connection:
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False,
                                     cached_statements=512)
        return _Connection(connection, gate)

    return connect
