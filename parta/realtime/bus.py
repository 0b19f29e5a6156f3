"""The event bus. Actions queue envelopes on the unit of work; they reach the bus only after commit.

``InProcessBus`` hands each envelope to this process's subscribers (the gateway, tests).
``RedisBus`` (selected by ``PARTA_REDIS_URL``) publishes to a Redis channel that every server
process listens on, so a change made in one process reaches clients connected to another.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any, Protocol

from parta.realtime.events import Envelope, event_from_dict

__all__ = ["GAP_WAIT", "BatchSubscriber", "Bus", "InOrder", "InProcessBus", "RedisBus", "Subscriber", "make_bus"]

log = logging.getLogger("parta.bus")
Subscriber = Callable[[Envelope], None]
CHANNEL = "parta:events"


BatchSubscriber = Callable[[list[Envelope]], None]


class Bus(Protocol):
    async def publish(self, envelopes: list[Envelope]) -> None: ...

    def subscribe(self, fn: Subscriber) -> Callable[[], None]: ...

    def subscribe_batches(self, fn: BatchSubscriber) -> Callable[[], None]:
        """``fn`` gets the envelopes one transaction published together, in order."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def started(self) -> bool:
        """Started and not stopped: events published now reach this process's subscribers."""

    def backlog(self) -> int:
        """Events received but held back (waiting for an earlier one), for the metrics."""


class InProcessBus:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._batch_subscribers: list[BatchSubscriber] = []
        self._started = False

    def _deliver_all(self, envelopes: list[Envelope]) -> None:
        for fn in list(self._batch_subscribers):
            try:
                fn(envelopes)
            except Exception:  # one broken subscriber must not starve the others
                log.exception("event subscriber failed")
        for env in envelopes:
            for one in list(self._subscribers):
                try:
                    one(env)
                except Exception:
                    log.exception("event subscriber failed")

    async def publish(self, envelopes: list[Envelope]) -> None:
        if envelopes:
            self._deliver_all(envelopes)

    def subscribe(self, fn: Subscriber) -> Callable[[], None]:
        return _add(self._subscribers, fn)

    def subscribe_batches(self, fn: BatchSubscriber) -> Callable[[], None]:
        return _add(self._batch_subscribers, fn)

    async def start(self) -> None:
        self._started = True

    async def stop(self) -> None:
        self._started = False

    def started(self) -> bool:
        return self._started

    def backlog(self) -> int:
        return 0


def _add(subscribers: list[Any], fn: Any) -> Callable[[], None]:
    subscribers.append(fn)

    def unsubscribe() -> None:
        if fn in subscribers:
            subscribers.remove(fn)

    return unsubscribe


def _encode(envelopes: list[Envelope]) -> str:
    # The event's JSON travels as the string every socket will get, so no process serializes
    # it again; the typed event is rebuilt from it for in-process subscribers.
    return json.dumps([{"body": e.body, "audience": sorted(e.audience), "id": e.id,
                        "ephemeral": e.ephemeral, "at": e.committed_at} for e in envelopes],
                      ensure_ascii=False, separators=(",", ":"))


def _decode(raw: str | bytes) -> list[Envelope]:
    items: list[dict[str, Any]] = json.loads(raw)
    out = []
    for i in items:
        body = str(i["body"])
        out.append(Envelope(event=event_from_dict(json.loads(body)),
                            audience=frozenset(int(u) for u in i["audience"]),
                            id=int(i.get("id", 0)), ephemeral=bool(i.get("ephemeral", False)),
                            committed_at=float(i.get("at", 0.0)), _body=body))
    return out


GAP_WAIT = 0.25  # seconds an event waits for an earlier one that another process publishes


class InOrder:
    """Stream ids grow in commit order across every server process, but each process publishes
    after its own commit, so on the shared channel a later transaction can overtake an earlier
    one. A connection skips any id below one it already has, so an overtaken event would reach
    its clients only on their next resume. This hands batches (one transaction's events, whose
    ids follow each other: the stream is locked while they are given) on whole and in id order:
    a batch after a gap waits until the gap is filled — or ``GAP_WAIT`` has passed (an id can be
    lost for good: a transaction that took it rolled back), and then goes on with whatever came
    meanwhile. A batch of ephemeral events only (id 0) never waits."""

    def __init__(self, deliver: Callable[[list[Envelope]], None], wait: float = GAP_WAIT) -> None:
        self._deliver = deliver
        self._wait = wait
        self._last: int | None = None  # the newest id handed on
        self._held: dict[int, tuple[int, list[Envelope]]] = {}  # first id → (last id, batch)
        self._timer: asyncio.TimerHandle | None = None

    def put(self, batch: list[Envelope]) -> None:
        ids = [e.id for e in batch if e.id]
        if not ids or self._last is None or ids[0] <= self._last:
            if ids and (self._last is None or max(ids) > self._last):
                self._last = max(ids)
            self._deliver(batch)  # ephemeral, the first one, or one given up on: at once
            return
        self._held[min(ids)] = (max(ids), batch)
        self._release()
        if self._held and self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._wait, self._give_up)

    def _release(self) -> None:
        """Hand on the held batches that now follow without a gap."""
        assert self._last is not None
        while (held := self._held.pop(self._last + 1, None)) is not None:
            self._last, batch = held
            self._deliver(batch)
        if not self._held and self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _give_up(self) -> None:
        """The gap stayed: skip over it to the next held batch and go on from there."""
        self._timer = None
        if self._held:
            self._last = min(self._held) - 1
            self._release()
        if self._held:
            self._timer = asyncio.get_running_loop().call_later(self._wait, self._give_up)

    def held(self) -> int:
        """Events held back, waiting for an earlier one."""
        return sum(len(batch) for _, batch in self._held.values())

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class RedisBus(InProcessBus):
    """Publishes to Redis; local subscribers hear every process's events, their own included,
    once each — from the Redis channel, never twice. A transaction's events travel as one
    message and reach batch subscribers (the hub) as one batch, as on the in-process bus."""

    def __init__(self, url: str, channel: str = CHANNEL) -> None:
        super().__init__()
        import redis.asyncio as redis

        self._redis = redis.from_url(url)
        self._channel = channel
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._in_order = InOrder(self._deliver_all)

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._listen(), name="parta-redis-bus")
            await asyncio.wait_for(self._ready.wait(), timeout=10)

    def started(self) -> bool:
        # The listener ends only when Redis goes away (or on stop): then nothing arrives.
        return self._task is not None and not self._task.done() and self._ready.is_set()

    def backlog(self) -> int:
        return self._in_order.held()

    async def _listen(self) -> None:
        pubsub = self._redis.pubsub()
        await pubsub.subscribe(self._channel)
        self._ready.set()
        try:
            async for message in pubsub.listen():
                if message.get("type") != "message":
                    continue
                try:
                    envelopes = _decode(message["data"])
                except (ValueError, KeyError, TypeError):
                    log.warning("ignored a malformed message on %s", self._channel)
                    continue
                if envelopes:
                    self._in_order.put(envelopes)
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()

    async def publish(self, envelopes: list[Envelope]) -> None:
        if envelopes:
            await self._redis.publish(self._channel, _encode(envelopes))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        self._in_order.close()
        await self._redis.aclose()


def make_bus(redis_url: str) -> Bus:
    return RedisBus(redis_url) if redis_url else InProcessBus()
