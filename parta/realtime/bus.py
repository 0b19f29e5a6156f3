"""The event bus. Actions queue envelopes on the unit of work; they reach the bus only after commit.

The in-process bus hands each envelope to local subscribers (the WebSocket gateway, tests).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol

from parta.realtime.events import Envelope

__all__ = ["Bus", "InProcessBus", "Subscriber"]

Subscriber = Callable[[Envelope], None]


class Bus(Protocol):
    async def publish(self, envelopes: list[Envelope]) -> None: ...

    def subscribe(self, fn: Subscriber) -> Callable[[], None]: ...


class InProcessBus:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._lock = asyncio.Lock()

    async def publish(self, envelopes: list[Envelope]) -> None:
        for env in envelopes:
            for fn in list(self._subscribers):
                fn(env)

    def subscribe(self, fn: Subscriber) -> Callable[[], None]:
        self._subscribers.append(fn)

        def unsubscribe() -> None:
            if fn in self._subscribers:
                self._subscribers.remove(fn)

        return unsubscribe
