"""What uploads may take of one server process: a few files worked on at once (decoding a
photo, remuxing a video), and for each person so many files a minute and bytes an hour.

Counted in this process: behind a balancer each process keeps its own count, as each has its
own memory and processors — what these limits protect.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

__all__ = ["GateBusy", "UploadGate"]

MINUTE, HOUR = 60.0, 3600.0


class GateBusy(Exception):
    """Every worker's place stayed taken for as long as the caller would wait."""


class UploadGate:
    def __init__(self, workers: int) -> None:
        self._places = asyncio.Semaphore(max(workers, 1))
        self._recent: dict[int, deque[tuple[float, int]]] = {}  # person: (when, bytes), oldest first
        self._admitted = 0

    def admit(self, person: int, size: int, *, per_minute: int, bytes_per_hour: int,
              now: float | None = None) -> int:
        """Count an upload of ``size`` bytes by ``person`` and return 0; or, when it would
        pass a limit, count nothing and return the seconds until it would not."""
        now = time.monotonic() if now is None else now
        self._sweep(now)
        recent = self._recent.setdefault(person, deque())
        while recent and recent[0][0] <= now - HOUR:
            recent.popleft()
        in_minute = [when for when, _ in recent if when > now - MINUTE]
        if len(in_minute) >= per_minute:
            # The files of the last minute leave the count oldest first; one more must go.
            return _seconds(in_minute[len(in_minute) - per_minute] + MINUTE - now)
        total = sum(n for _, n in recent)
        if total + size > bytes_per_hour:
            if size > bytes_per_hour:
                return int(HOUR)
            for when, n in recent:
                total -= n
                if total + size <= bytes_per_hour:
                    return _seconds(when + HOUR - now)
        recent.append((now, size))
        return 0

    def _sweep(self, now: float) -> None:
        """Now and then forget the people who uploaded nothing for an hour."""
        self._admitted += 1
        if self._admitted % 1000:
            return
        for person in [p for p, r in self._recent.items() if not r or r[-1][0] <= now - HOUR]:
            del self._recent[person]

    @asynccontextmanager
    async def working(self, wait: float) -> AsyncIterator[None]:
        """Hold one of the workers' places for the block, waiting for it (first come, first
        served) at most ``wait`` seconds, then :class:`GateBusy`."""
        if self._places.locked():
            try:
                await asyncio.wait_for(self._places.acquire(), max(wait, 0))
            except TimeoutError:
                raise GateBusy() from None
        else:
            await self._places.acquire()
        try:
            yield
        finally:
            self._places.release()


def _seconds(wait: float) -> int:
    return max(math.ceil(wait), 1)
