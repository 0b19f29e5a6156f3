"""Storing each event once inside the action's transaction, and reading a person's stream back.

An event for a few people gets one recipient row per person. An event for many members of one
chat (a message to a class chat, a post to the school channel) is one row holding its audience;
the person's ``StreamReader`` row for that chat, written the first time they are addressed
there, is how a resume finds it. Either way every recipient sees the event under the same id,
and a resume returns exactly the events whose stored audience holds the person.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from array import array
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.db import insert_ignoring_duplicates, lock_event_stream, utcnow
from parta.models.events import EventStreamState, StreamEvent, StreamReader, StreamRecipient
from parta.realtime.events import Envelope, wire

__all__ = [
    "FANOUT_MIN",
    "Readers",
    "TooFarBehind",
    "head_id",
    "prune",
    "pruned_through",
    "replay",
    "store",
]

log = logging.getLogger("parta.eventlog")

# A chat's event for at least this many people is stored once and fanned out by the chat.
FANOUT_MIN = 3


class TooFarBehind(Exception):
    """The gap cannot be filled cheaply from the log: the client should resync."""


def pack_audience(users: frozenset[int]) -> bytes:
    packed = array("I", sorted(users))
    assert packed.itemsize == 4
    if sys.byteorder == "big":
        packed.byteswap()
    return packed.tobytes()


def audience_holds(packed: bytes, user_id: int) -> bool:
    ids = array("I")
    ids.frombytes(packed)
    if sys.byteorder == "big":
        ids.byteswap()
    i = bisect_left(ids, user_id)
    return i < len(ids) and ids[i] == user_id


class Readers:
    """This process's memory of which people already read which chats' fan-out events, so a
    message to a chat writes no per-person rows once everyone has been addressed there.
    Only ever holds pairs that are committed; rows are never deleted, so a stale entry can
    only be missing (and is then written again, harmlessly)."""

    def __init__(self, max_chats: int = 4096) -> None:
        self._chats: OrderedDict[int, set[int]] = OrderedDict()
        self._max = max_chats

    async def missing(self, db: AsyncSession, chat_id: int, audience: frozenset[int]) -> set[int]:
        known = self._chats.get(chat_id)
        if known is None:
            known = set((await db.execute(_READERS_OF, {"chat_id": chat_id})).scalars())
            self._remember(chat_id, known)
        else:
            self._chats.move_to_end(chat_id)
        return set(audience - known)

    def _remember(self, chat_id: int, users: set[int]) -> None:
        self._chats[chat_id] = users
        while len(self._chats) > self._max:
            self._chats.popitem(last=False)

    def confirm(self, chat_id: int, users: set[int]) -> None:
        known = self._chats.get(chat_id)
        if known is not None:
            known |= users


# Built once: statements on the send path cost more to build than to run.
_READERS_OF = select(StreamReader.user_id).where(StreamReader.chat_id == bindparam("chat_id"))
# Tables, not entities: a Core insert skips the ORM's bulk-insert layer.
_EVENTS = cast(Table, StreamEvent.__table__)
_INSERT_EVENT = insert(_EVENTS).returning(_EVENTS.c.id, sort_by_parameter_order=True)
_INSERT_RECIPIENTS = insert(cast(Table, StreamRecipient.__table__))
_HEAD = select(select(func.max(StreamEvent.id)).scalar_subquery(),
               select(EventStreamState.pruned_through).where(EventStreamState.id == 1)
               .scalar_subquery())


def _fans_out(env: Envelope) -> int | None:
    chat_id = getattr(env.event, "chat_id", None)
    return chat_id if isinstance(chat_id, int) and len(env.audience) >= FANOUT_MIN else None


async def store(db: AsyncSession, envelopes: list[Envelope],
                readers: Readers) -> Callable[[], None] | None:
    """Give every durable envelope its stream id, in this transaction. Returns what to
    remember once the transaction has committed (and only then)."""
    durable = [e for e in envelopes if not e.ephemeral and e.audience]
    if not durable:
        return None
    await lock_event_stream(db)
    now = utcnow()
    chats = [_fans_out(e) for e in durable]
    rows = [{"chat_id": c, "type": e.event.type, "body": e.body,
             "audience": pack_audience(e.audience) if c is not None else None, "created_at": now}
            for e, c in zip(durable, chats, strict=True)]
    ids = list((await db.execute(_INSERT_EVENT, rows)).scalars()) if len(rows) > 1 else \
        [(await db.execute(_INSERT_EVENT, rows[0])).scalar_one()]
    recipients: list[dict[str, int]] = []
    new_readers: list[dict[str, int]] = []
    learned: list[tuple[int, set[int]]] = []
    for env, chat_id, event_id in zip(durable, chats, ids, strict=True):
        env.id = event_id
        if chat_id is None:
            recipients.extend({"user_id": u, "event_id": event_id} for u in env.audience)
            continue
        missing = await readers.missing(db, chat_id, env.audience)
        if missing:
            new_readers.extend({"user_id": u, "chat_id": chat_id, "since_id": event_id}
                               for u in sorted(missing))
            learned.append((chat_id, missing))
    if recipients:
        await db.execute(_INSERT_RECIPIENTS, recipients)
    if new_readers:
        await db.execute(insert_ignoring_duplicates(db, StreamReader.__table__), new_readers)
    if not learned:
        return None

    def remember() -> None:
        for chat_id, users in learned:
            readers.confirm(chat_id, users)

    return remember


async def head_id(db: AsyncSession) -> tuple[int, int]:
    """(the newest id in the stream, the id through which events may be pruned).
    The head never goes back, even when everything was pruned."""
    newest, floor = (await db.execute(_HEAD)).one()
    floor = int(floor or 0)
    return max(int(newest or 0), floor), floor


async def pruned_through(db: AsyncSession) -> int:
    return (await head_id(db))[1]


async def replay(db: AsyncSession, user_id: int, after_id: int,
                 limit: int) -> list[tuple[int, str]]:
    """The person's events after ``after_id``, oldest first, at most ``limit``, as
    (id, text to send). Raises ``TooFarBehind`` when it cannot tell cheaply whether more are
    missing (the chats they read have had very many events meant for others since)."""
    scan = limit * 4
    direct = [(int(i), b) for i, b in (await db.execute(
        select(StreamEvent.id, StreamEvent.body)
        .join(StreamRecipient, StreamRecipient.event_id == StreamEvent.id)
        .where(StreamRecipient.user_id == user_id, StreamRecipient.event_id > after_id)
        .order_by(StreamRecipient.event_id).limit(limit))).all()]
    fanned: Sequence[Any] = (await db.execute(
        select(StreamEvent.id, StreamEvent.body, StreamEvent.audience)
        .join(StreamReader, StreamReader.chat_id == StreamEvent.chat_id)
        .where(StreamReader.user_id == user_id, StreamEvent.id > after_id,
               StreamEvent.id >= StreamReader.since_id)
        .order_by(StreamEvent.id).limit(scan))).all()
    bound: int | None = None  # beyond this id a truncated read may have missed something
    if len(direct) == limit:
        bound = direct[-1][0]
    if len(fanned) == scan:
        bound = min(bound, int(fanned[-1][0])) if bound is not None else int(fanned[-1][0])
    mine = [(int(i), b) for i, b, aud in fanned if aud is not None and audience_holds(aud, user_id)]
    merged = sorted(direct + mine)
    if bound is not None:
        merged = [m for m in merged if m[0] <= bound]
        if len(merged) < limit:
            raise TooFarBehind()
    return [(i, wire(i, b)) for i, b in merged[:limit]]


async def prune(db: AsyncSession, older_than: datetime, limit: int | None = None) -> int:
    """Forget events older than ``older_than`` (at most ``limit`` of the oldest); clients that
    were behind them are told to resync. Returns how many were forgotten."""
    edge = (await db.execute(select(StreamEvent.id).where(StreamEvent.created_at < older_than)
                             .order_by(StreamEvent.created_at.desc()).limit(1))).scalar()
    if edge is None:
        return 0
    if limit is not None:
        nth = (await db.execute(select(StreamEvent.id).order_by(StreamEvent.id)
                                .offset(limit - 1).limit(1))).scalar()
        edge = min(edge, nth) if nth is not None else edge
    await db.execute(delete(StreamRecipient).where(StreamRecipient.event_id <= edge))
    result = await db.execute(delete(StreamEvent).where(StreamEvent.id <= edge))
    state = await db.get(EventStreamState, 1)
    if state is None:
        db.add(EventStreamState(id=1, pruned_through=edge))
    else:
        state.pruned_through = max(state.pruned_through, edge)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def prune_forever(sessionmaker: Any, retention_days: int, every_seconds: float = 3600,
                        batch: int = 20_000) -> None:
    """The server's background pruning: forget events older than the retention, every hour,
    a batch per transaction so the server keeps serving in between."""
    while True:
        try:
            total = 0
            while True:
                async with sessionmaker() as db:
                    n = await prune(db, utcnow() - timedelta(days=retention_days), limit=batch)
                    await db.commit()
                total += n
                if n < batch:
                    break
                await asyncio.sleep(0.05)
            if total:
                log.info("pruned %s events older than %s days", total, retention_days)
        except Exception:  # a failed round is retried next hour; the server keeps serving
            log.exception("event pruning failed")
        await asyncio.sleep(every_seconds)
