"""At most one flush per key per interval: many changes, one event.

A poll with 3,000 voters must not send 3,000 updates to each of its 3,000 viewers. A vote marks
its poll dirty; the first mark after a quiet spell flushes at once, later ones wait until an
interval has passed since the last flush, and every mark made while a flush is waiting joins it
(the flush reads the state as it is when it runs, so nothing committed before it is missed). A
mark made while a flush is running schedules the next one. One process's marks: with several
server processes each flushes what its own requests changed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Hashable

__all__ = ["Coalescer"]

log = logging.getLogger("parta.realtime")

Flush = Callable[[], Awaitable[None]]


class Coalescer:
    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.flushes = 0  # how many flushes ran (for the bench and the metrics)
        self._last: dict[Hashable, float] = {}
        self._pending: dict[Hashable, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()  # waiting or flushing

    def mark(self, key: Hashable, flush: Flush) -> None:
        """``key`` changed; ``flush`` tells about it (at once, or within one interval)."""
        if key in self._pending:
            return  # the waiting flush will read this change too
        now = time.monotonic()
        if len(self._last) > 4096:  # forget keys quiet for longer than an interval
            self._last = {k: t for k, t in self._last.items() if now - t < self.interval}
        delay = max(0.0, self._last.get(key, -self.interval) + self.interval - now)
        task = asyncio.get_running_loop().create_task(self._run(key, delay, flush))
        self._pending[key] = task
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, key: Hashable, delay: float, flush: Flush) -> None:
        try:
            if delay > 0:
                await asyncio.sleep(delay)
        finally:
            self._pending.pop(key, None)
        self._last[key] = time.monotonic()
        self.flushes += 1
        try:
            await flush()
        except Exception:
            log.exception("flushing %r failed", key)

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def drain(self) -> None:
        """Wait for every flush now waiting or running (tests; a server's shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
