"""Rate limits that hold under concurrency: a counter row per limit, taken by one conditional
``UPDATE``. On PostgreSQL simultaneous takers queue on the row's lock and each re-reads the
row before its condition is decided; on SQLite writers are serialized anyway. Counting rows
with a ``SELECT`` and inserting afterwards (what sign-in did before) lets every simultaneous
request see the same count and pass together.

A refused take changes nothing; the caller's transaction decides whether an accepted one
stays (a request refused by a later check rolls its takes back with it).

Signals that are cheap and frequent (reactions, «typing») are limited in memory instead, by
:class:`Rates`: per server process, one number per person and kind, no database write.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import case, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from parta.db import insert_ignoring_duplicates
from parta.errors import RateLimited
from parta.models import RateWindow

__all__ = ["Rates", "take"]


def _seconds(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))


async def take(db: AsyncSession, key: str, now: datetime, *, limit: int,
               window: timedelta, min_gap: timedelta | None = None,
               code: str | None = None) -> int:
    """Count one more for ``key``: at most ``limit`` in a window that opens with the first
    one and lasts ``window``, and at least ``min_gap`` after the previous one. Returns the
    count in the window; raises :class:`RateLimited` (with ``code``) with the seconds to wait."""
    await db.execute(insert_ignoring_duplicates(db, RateWindow.__table__).values(
        key=key, window_start=now, count=0, last_at=None))
    over = RateWindow.window_start <= now - window
    conditions = [RateWindow.key == key, or_(over, RateWindow.count < limit)]
    if min_gap:
        conditions.append(or_(RateWindow.last_at.is_(None), RateWindow.last_at <= now - min_gap))
    counted = (await db.execute(
        update(RateWindow).where(*conditions)
        .values(count=case((over, 1), else_=RateWindow.count + 1),
                window_start=case((over, now), else_=RateWindow.window_start),
                last_at=now)
        .returning(RateWindow.count)
        .execution_options(synchronize_session=False)
    )).scalar_one_or_none()
    if counted is not None:
        return int(counted)
    start, count, last = (await db.execute(
        select(RateWindow.window_start, RateWindow.count, RateWindow.last_at)
        .where(RateWindow.key == key)
    )).one()
    waits = []
    # Capped at the gap and the window: a simultaneous request may have counted with a clock
    # read a moment after ours.
    if min_gap and last is not None and last > now - min_gap:
        waits.append(min(last + min_gap - now, min_gap))
    if count >= limit and start > now - window:
        waits.append(min(start + window - now, window))
    raise RateLimited(_seconds(max(waits, default=timedelta(seconds=1))), code)


class Rates:
    """In-memory limits per key: at most ``limit`` in any ``window`` seconds, in bursts of up to
    ``limit`` (the generic cell rate algorithm: one «theoretical arrival time» per key, so a
    check is O(1) in time and memory). Each process counts its own; that is enough to keep one
    person from flooding the others, which is what these limits are for."""

    MAX_KEYS = 200_000  # past this, keys whose allowance is whole again are forgotten

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._tat: dict[tuple[str, object], float] = {}

    def take(self, kind: str, key: object, limit: int, window: float) -> None:
        """Count one for ``(kind, key)`` or raise :class:`RateLimited` with the seconds to
        wait; a refusal is not counted."""
        if limit <= 0:
            return
        now = self._clock()
        step = window / limit
        tat = max(self._tat.get((kind, key), now), now)
        if tat - now > window - step:
            raise RateLimited(math.ceil(tat - now - (window - step)))
        if len(self._tat) >= self.MAX_KEYS:
            self._forget(now)
        self._tat[(kind, key)] = tat + step

    def _forget(self, now: float) -> None:
        for k in [k for k, tat in self._tat.items() if tat <= now]:
            del self._tat[k]
        if len(self._tat) >= self.MAX_KEYS:  # all busy at once: start over rather than grow
            self._tat.clear()
