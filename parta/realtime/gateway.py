"""The gateway: one WebSocket per client, fed by the bus, resumable from the event log.

A connection first registers (so nothing published meanwhile is lost), then replays what the
client missed from the log, then goes live, skipping anything the replay already covered.
A client too far behind, or too slow to keep up, is told ``resync_required``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from enum import Enum
from typing import Any

from parta.realtime.bus import Bus
from parta.realtime.events import Envelope

__all__ = ["MAX_REPLAY", "QUEUE_LIMIT", "ConnState", "Connection", "Hub"]

log = logging.getLogger("parta.gateway")
MAX_REPLAY = 1000  # further behind than this: resync instead of a flood
QUEUE_LIMIT = 512  # a client this far behind live delivery is cut off and resyncs


class ConnState(Enum):
    buffering = "buffering"  # registered, replay in progress: live events are held back
    live = "live"
    closed = "closed"


class Connection:
    """One client's socket. ``send_text`` is the transport (a WebSocket's, or a test's)."""

    __slots__ = (
        "_held",
        "_queue",
        "_writer",
        "last_id",
        "overflowed",
        "send_text",
        "state",
        "user_id",
    )

    def __init__(self, user_id: int, send_text: Any) -> None:
        self.user_id = user_id
        self.send_text = send_text
        self.state = ConnState.buffering
        self.last_id = 0
        self._held: list[tuple[int, str]] = []
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None
        self.overflowed = False

    def offer(self, event_id: int, text: str) -> None:
        """Called by the hub for each event addressed to this user (ids may be 0: ephemeral)."""
        if self.state is ConnState.buffering:
            self._held.append((event_id, text))
        elif self.state is ConnState.live:
            if event_id and event_id <= self.last_id:
                return  # already sent by the replay
            if self._queue.qsize() >= QUEUE_LIMIT:
                self.overflowed = True
                self._queue.put_nowait(None)
                self.state = ConnState.closed
                return
            if event_id:
                self.last_id = event_id
            self._queue.put_nowait(text)

    async def go_live(self, replayed_through: int) -> None:
        """The replay sent everything up to ``replayed_through``; release what was held."""
        self.last_id = replayed_through
        held, self._held = self._held, []
        self.state = ConnState.live
        for event_id, text in held:
            self.offer(event_id, text)
        self._writer = asyncio.create_task(self._write())

    async def _write(self) -> None:
        while True:
            text = await self._queue.get()
            if text is None:
                if self.overflowed:
                    with contextlib.suppress(Exception):
                        await self.send_text(json.dumps({"type": "resync_required",
                                                         "reason": "too_slow",
                                                         "last_id": self.last_id}))
                return
            try:
                await self.send_text(text)
            except Exception:  # noqa: BLE001  any transport failure: the reader cleans up
                self.state = ConnState.closed
                return

    async def wait_closed_by_server(self) -> None:
        """Returns when the hub cut this connection off (overflow)."""
        if self._writer is not None:
            await self._writer

    async def close(self) -> None:
        self.state = ConnState.closed
        if self._writer is not None and not self._writer.done():
            self._queue.put_nowait(None)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._writer, timeout=1)


class Hub:
    """This process's connections by user, subscribed to the bus."""

    def __init__(self) -> None:
        self._by_user: dict[int, set[Connection]] = defaultdict(set)
        self._unsubscribe: Any = None

    def attach(self, bus: Bus) -> None:
        self._unsubscribe = bus.subscribe(self.dispatch)

    def detach(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()

    def register(self, conn: Connection) -> None:
        self._by_user[conn.user_id].add(conn)

    def unregister(self, conn: Connection) -> None:
        conns = self._by_user.get(conn.user_id)
        if conns is not None:
            conns.discard(conn)
            if not conns:
                del self._by_user[conn.user_id]

    def connections(self) -> int:
        return sum(len(c) for c in self._by_user.values())

    def dispatch(self, env: Envelope) -> None:
        body: str | None = None  # the payload serialized once; only the id differs per user
        for user_id in env.audience:
            conns = self._by_user.get(user_id)
            if not conns:
                continue
            if body is None:
                body = json.dumps(env.payload(), ensure_ascii=False, separators=(",", ":"))
            event_id = env.ids.get(user_id, 0)
            text = f'{{"id":{event_id},{body[1:]}' if event_id else body
            for conn in list(conns):
                conn.offer(event_id, text)
