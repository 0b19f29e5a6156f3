"""Engine, sessions and the declarative base. Dialect differences live here and nowhere else."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, MetaData, event, func, make_url, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from parta.sqlite_driver import WriterGate, connector

__all__ = [
    "Base",
    "UTCDateTime",
    "insert_adding",
    "insert_ignoring_duplicates",
    "local_day",
    "lock_event_stream",
    "make_engine",
    "make_sessionmaker",
    "reading",
    "seconds_between",
    "utcnow",
]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _unicode_lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _sqlite_pragmas(busy_timeout_ms: int) -> Any:
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from the driver; _sqlite_begin_immediate issues BEGIN.
        dbapi_conn.isolation_level = None
        # SQLite's own lower() folds only ASCII; names here are Cyrillic («Иванова» ~ «иванова»).
        dbapi_conn.create_function("lower", 1, _unicode_lower, deterministic=True)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        # Reads straight from the page cache through a mapping, not a read() per page.
        cur.execute("PRAGMA mmap_size=1073741824")
        cur.close()

    return on_connect


def make_engine(url: str, **kw: Any) -> AsyncEngine:
    if url.startswith("sqlite"):
        parsed = make_url(url)
        busy_timeout = 5000
        if parsed.database and parsed.database != ":memory:" and not parsed.query:
            # A file database: statements run on the event loop, writers queue on a gate
            # (see sqlite_driver); SQLite itself never sleeps waiting for the lock.
            kw.setdefault("async_creator", connector(parsed.database, WriterGate()))
            kw.setdefault("pool_size", 10)
            kw.setdefault("max_overflow", 40)
            busy_timeout = 0
        engine = create_async_engine(url, **kw)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas(busy_timeout))
        # SQLite allows one writer: begin write transactions eagerly so two requests never
        # deadlock upgrading a read lock (they queue for the writer gate instead).
        event.listen(engine.sync_engine, "begin", _sqlite_begin_immediate)
        return engine
    kw.setdefault("pool_size", 10)
    kw.setdefault("max_overflow", 20)
    kw.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kw)


def _sqlite_begin_immediate(conn: Any) -> None:
    # A reading session's transaction begins deferred: it takes no write lock at all.
    conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READING) else "BEGIN IMMEDIATE")


READING = "parta_reading"
_readers: WeakKeyDictionary[Any, AsyncEngine] = WeakKeyDictionary()


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def reading(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncSession:
    """A session for work that only reads. On SQLite its transactions begin deferred, so it
    neither waits for nor holds up a writer (WAL readers see the last commit). It must not
    write; on PostgreSQL it is an ordinary session."""
    engine = sessionmaker.kw.get("bind")
    if not isinstance(engine, AsyncEngine) or engine.dialect.name != "sqlite":
        return sessionmaker()
    reader = _readers.get(engine.sync_engine)
    if reader is None:
        reader = _readers[engine.sync_engine] = engine.execution_options(**{READING: True})
    return sessionmaker(bind=reader)


async def lock_event_stream(session: AsyncSession) -> None:
    """Make event ids grow in commit order: the transaction that takes a stream id holds the
    stream until it commits. SQLite's BEGIN IMMEDIATE already does this; PostgreSQL needs a
    transaction-scoped advisory lock (sequences alone hand out ids out of commit order)."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(7411)"))


def insert_ignoring_duplicates(session: AsyncSession, table: Any) -> Any:
    """``INSERT`` that skips rows whose key is already there (ON CONFLICT DO NOTHING).
    Statements are immutable: each is built once per dialect and table (the send path moves
    counters on every message; building the statement cost more than running it)."""
    assert session.bind is not None
    return _ignoring(session.bind.dialect.name, table)


def insert_adding(session: AsyncSession, table: Any, keys: list[str], counts: list[str]) -> Any:
    """``INSERT`` that adds its ``counts`` to the row already there under the same ``keys``
    (ON CONFLICT DO UPDATE SET n = n + excluded.n): a counter moved in one statement. Built
    once per dialect, table, keys and counts."""
    assert session.bind is not None
    return _adding(session.bind.dialect.name, table, tuple(keys), tuple(counts))


def _dialect_insert(dialect: str, table: Any) -> Any:
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


@functools.cache
def _ignoring(dialect: str, table: Any) -> Any:
    return _dialect_insert(dialect, table).on_conflict_do_nothing()


@functools.cache
def _adding(dialect: str, table: Any, keys: tuple[str, ...], counts: tuple[str, ...]) -> Any:
    stmt = _dialect_insert(dialect, table)
    return stmt.on_conflict_do_update(
        index_elements=list(keys), set_={c: table.c[c] + stmt.excluded[c] for c in counts})


def insert_replacing(session: AsyncSession, table: Any, keys: list[str], columns: list[str]) -> Any:
    """``INSERT`` that, where a row with the same ``keys`` is there already, sets its
    ``columns`` to the new values instead (ON CONFLICT DO UPDATE): a row made or replaced in one
    statement."""
    assert session.bind is not None
    if session.bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: Any = pg_insert(table)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(table)
    return stmt.on_conflict_do_update(
        index_elements=keys, set_={c: stmt.excluded[c] for c in columns})


def local_day(session: AsyncSession, moment: Any, zone: ZoneInfo) -> Any:
    """SQL: the calendar day of a UTC ``moment`` column in ``zone``. SQLite keeps no zones:
    it shifts by the zone's offset today (exact for zones without summer time, like Russia's)."""
    assert session.bind is not None
    if session.bind.dialect.name == "postgresql":
        return func.date(func.timezone(zone.key, moment))
    offset = utcnow().astimezone(zone).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    return func.date(moment, f"{minutes:+d} minutes")


def seconds_between(session: AsyncSession, start: Any, end: Any) -> Any:
    """SQL: the seconds from ``start`` to ``end`` (UTC moments)."""
    assert session.bind is not None
    if session.bind.dialect.name == "postgresql":
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0
