"""The gateway: one WebSocket per client, fed by the bus, resumable from the event log.

A connection first registers (so nothing published meanwhile is lost), then replays what the
client missed from the log, then goes live, skipping anything the replay already covered.
A client too far behind, or too slow to keep up, is told ``resync_required``.

Live delivery writes straight to the socket from the bus callback: a connection has no task
and no queue of its own while its socket keeps up. Where the server offers it (see
``parta.realtime.frames``), an event's frame is built once and its bytes written to each socket's
transport; otherwise, or when that writer declines, the text goes through ``send_text``. Only
when the transport pushes back does a short-lived task drain a bounded backlog, in order.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from enum import Enum
from typing import Any, Protocol

from parta.metrics import observe_delivery
from parta.realtime.bus import Bus
from parta.realtime.events import Envelope, RolesChanged, SessionEnded

__all__ = ["CLOSE_RECONNECT", "CLOSE_SESSION_ENDED", "MAX_REPLAY", "QUEUE_LIMIT", "Callbacks",
           "ConnState", "Connection", "ConnectionStateError", "Hub", "Transport"]

MAX_REPLAY = 1000  # further behind than this: resync instead of a flood
QUEUE_LIMIT = 512  # a client this far behind live delivery is cut off and resyncs

SendText = Callable[[str], Coroutine[Any, Any, None]]
WriteFrame = Callable[[bytes], bool]  # writes a whole frame now, or declines and writes nothing
_RESYNC = None  # the backlog's marker: tell the client to resync, then close
CLOSE_SESSION_ENDED = 4401  # the same code as a socket refused for want of a session
CLOSE_RECONNECT = 4000  # reconnect now and fetch fresh state
_ENDINGS = frozenset({"session.ended", "roles.changed"})


class ConnState(Enum):
    """Where a connection is in its life. The only moves are::

        connecting ─┬─► resuming ─► live ─► closing ─► closed
                    └────────────► live        (a new client: nothing to replay)
        connecting, resuming, live ─► closing   (ended, or cut off for being too slow)
        any but closed ─► closed                 (the client went, or its transport failed)

    Anything else is a bug in the caller and raises :class:`ConnectionStateError`."""

    connecting = "connecting"  # registered, nothing sent yet: live events are held back
    resuming = "resuming"  # the replay is being sent: live events are still held back
    live = "live"
    closing = "closing"  # nothing more is delivered; what is on its way goes out, then close
    closed = "closed"


_MOVES: dict[ConnState, frozenset[ConnState]] = {
    ConnState.connecting: frozenset({ConnState.resuming, ConnState.live, ConnState.closing,
                                     ConnState.closed}),
    ConnState.resuming: frozenset({ConnState.live, ConnState.closing, ConnState.closed}),
    ConnState.live: frozenset({ConnState.closing, ConnState.closed}),
    ConnState.closing: frozenset({ConnState.closed}),
    ConnState.closed: frozenset(),
}
_HOLDING = frozenset({ConnState.connecting, ConnState.resuming})
_ENDED = frozenset({ConnState.closing, ConnState.closed})


class ConnectionStateError(RuntimeError):
    """A connection was asked for something its state does not allow (a second ``go_live``,
    an answer before the replay went out, a move out of ``closed``): a bug, never a client's
    doing."""


async def _finish(coro: Coroutine[Any, Any, Any], waiting: Any) -> None:
    """Carry on a coroutine that was started by hand and is waiting on ``waiting`` (the
    future it yielded, or None for a bare yield), to its end, as a task would: resume it once
    the future is done, and let it read the outcome itself.

    The future must not be awaited here: the coroutine's own ``await`` marked it as being
    waited on, and a second ``await`` of a pending future raises RuntimeError (and would
    consume its outcome). If this task is cancelled, the coroutine is closed (its ``finally``
    clauses run) and the cancellation goes on."""
    try:
        while True:
            if waiting is None:
                await asyncio.sleep(0)
            else:
                await asyncio.wait((waiting,))
            try:
                waiting = coro.send(None)
            except StopIteration:
                return
    except BaseException:
        coro.close()
        raise


class Transport(Protocol):
    """A client's socket as the gateway uses it: the one seam between the hub and a server.

    Production has one (``parta.realtime.frames.SocketTransport``, a Starlette WebSocket with
    uvicorn's frame writer); tests drive the hub with their own (:class:`Callbacks`)."""

    @property
    def frames(self) -> bool:
        """Whether ``write_frame`` may take prebuilt frames at all (the server offers it)."""

    def send_text(self, text: str) -> Coroutine[Any, Any, None]:
        """Send one text message; a socket that keeps up finishes without yielding."""

    def write_frame(self, frame: bytes) -> bool:
        """Write whole prebuilt frames now and return True, or write nothing and return False
        (the socket is closing, or pushes back)."""

    async def close(self, code: int = 1000) -> None: ...


class Callbacks:
    """A transport made of functions: a test's socket, or a tool's sink."""

    __slots__ = ("_close", "_send_text", "_write_frame")

    def __init__(self, send_text: SendText, close: Callable[..., Awaitable[None]] | None = None,
                 write_frame: WriteFrame | None = None) -> None:
        self._send_text = send_text
        self._close = close
        self._write_frame = write_frame

    @property
    def frames(self) -> bool:
        return self._write_frame is not None

    def send_text(self, text: str) -> Coroutine[Any, Any, None]:
        return self._send_text(text)

    def write_frame(self, frame: bytes) -> bool:
        return self._write_frame is not None and self._write_frame(frame)

    async def close(self, code: int = 1000) -> None:
        if self._close is not None:
            await self._close(code)


class Connection:
    """One client's socket, through its ``transport`` (a bare ``send_text`` function is taken
    as :class:`Callbacks`). Its ``state`` moves only as :class:`ConnState` draws."""

    __slots__ = (
        "_backlog",
        "_close_code",
        "_drainer",
        "_held",
        "expires_at",
        "frames",
        "last_id",
        "overflowed",
        "session_id",
        "state",
        "transport",
        "user_id",
    )

    def __init__(self, user_id: int, transport: Transport | SendText, session_id: int = 0,
                 expires_at: float = math.inf) -> None:
        self.user_id = user_id
        self.session_id = session_id
        self.expires_at = expires_at  # the session's end (epoch seconds): the socket's too
        self._close_code: int | None = None
        if not hasattr(transport, "write_frame"):
            transport = Callbacks(transport)  # type: ignore[arg-type]
        self.transport: Transport = transport  # type: ignore[assignment]
        self.frames = self.transport.frames  # read once: the hub asks for every event
        self.state = ConnState.connecting
        self.last_id = 0
        self.overflowed = False
        self._held: list[tuple[int, str, bytes | None]] | None = []
        self._backlog: deque[str | None] | None = None  # set while a send is waiting
        self._drainer: asyncio.Task[None] | None = None

    def _move(self, to: ConnState) -> None:
        if to not in _MOVES[self.state]:
            raise ConnectionStateError(f"a connection cannot go from {self.state.value} to "
                                       f"{to.value}")
        self.state = to

    def _closed(self) -> None:
        if self.state is not ConnState.closed:
            self.state = ConnState.closed
            self._held = None

    def resume(self) -> None:
        """The replay of what the client missed starts; live events are still held back."""
        self._move(ConnState.resuming)

    async def go_live(self, replayed_through: int) -> bool:
        """The replay sent everything up to ``replayed_through`` (or there was none to send);
        release what was held. False when the connection ended meanwhile (cut off for being
        too slow, or its session ended): nothing is released then."""
        if self.state in _ENDED:
            return False
        self._move(ConnState.live)
        self.last_id = replayed_through
        held, self._held = self._held or [], None
        for event_id, text, frame in held:
            self.offer(event_id, text, frame)
        return True

    def offer(self, event_id: int, text: str, frame: bytes | None = None) -> bool:
        """Called by the hub for each event addressed to this user (ids may be 0: ephemeral).
        ``frame``, if given, is ``text`` as a whole WebSocket frame (see ``Envelope.frame``).
        Held while the connection is connecting or resuming, sent (or queued behind what is on
        its way) once live; refused (False) once it is closing or closed."""
        state = self.state
        if state is not ConnState.live:
            if state in _ENDED:
                return False
            assert self._held is not None
            if len(self._held) >= QUEUE_LIMIT + MAX_REPLAY:
                self._overflow()
                return False
            self._held.append((event_id, text, frame))
            return True
        if event_id:
            if event_id <= self.last_id:
                return True  # already sent by the replay
            self.last_id = event_id
        if self._backlog is not None:
            if len(self._backlog) >= QUEUE_LIMIT:
                self._overflow()
                return False
            self._backlog.append(text)
            return True
        # Nothing is waiting to go out before it: the frame may go straight to the transport.
        if frame is not None and self.frames and self.transport.write_frame(frame):
            return True
        self._send(text)
        return True

    def reply(self, text: str, frame: bytes | None = None) -> bool:
        """An answer to this client alone (a pong, a send's outcome), after what is already on
        its way. Refused (False) once the connection is closing or closed: the client is going.
        Before it is live the client has not had its hello: answering then is a bug."""
        if self.state in _HOLDING:
            raise ConnectionStateError(f"an answer on a connection still {self.state.value}")
        return self.offer(0, text, frame)

    def offer_all(self, items: list[tuple[int, str, bytes | None]]) -> None:
        """``offer`` for several events in order; when they can all go straight to the
        transport, they go in one write."""
        if (len(items) == 1 or not self.frames or self.state is not ConnState.live
                or self._backlog is not None):
            for item in items:
                self.offer(*item)
            return
        fresh = [item for item in items if not item[0] or item[0] > self.last_id]
        frames = [f for _, _, f in fresh]
        if frames and all(f is not None for f in frames) \
                and self.transport.write_frame(b"".join(frames)):  # type: ignore[arg-type]
            self.last_id = max([self.last_id, *(i for i, _, _ in fresh)])
            return
        for item in fresh:
            self.offer(*item)

    def _send(self, text: str) -> None:
        """Write now; a socket that keeps up finishes the send without ever yielding."""
        coro = self.transport.send_text(text)
        try:
            waiting = coro.send(None)
        except StopIteration:
            return
        except Exception:  # noqa: BLE001  any transport failure: the reader cleans up
            self._closed()
            return
        self._backlog = deque()
        self._drainer = asyncio.get_running_loop().create_task(self._drain(coro, waiting))

    async def _drain(self, coro: Coroutine[Any, Any, Any], waiting: Any) -> None:
        try:
            await _finish(coro, waiting)
            while self._backlog:
                text = self._backlog.popleft()
                if text is _RESYNC:
                    await self._cut_off()
                    return
                await self.transport.send_text(text)
            if self._close_code is not None:  # ended while this backlog was going out
                await self._shut()
        except Exception:  # noqa: BLE001  any transport failure: the reader cleans up
            self._closed()
        finally:
            self._backlog = None

    def _overflow(self) -> None:
        self.overflowed = True
        self._move(ConnState.closing)
        self._held = None
        if self._backlog is not None:
            self._backlog.append(_RESYNC)  # after what is already on its way
        else:
            self._backlog = deque()
            self._drainer = asyncio.get_running_loop().create_task(self._cut_off())

    async def _cut_off(self) -> None:
        try:
            await self.transport.send_text(json.dumps(
                {"type": "resync_required", "reason": "too_slow", "last_id": self.last_id}))
            await self.transport.close()
        except Exception:  # noqa: BLE001, S110  the client is gone already
            pass
        finally:
            self._closed()

    def end(self, code: int = CLOSE_SESSION_ENDED) -> None:
        """The session behind this socket ended (signed out, ended from another device, the
        person removed): nothing more is delivered, and the socket closes with ``code`` once
        what is already on its way (the ``session.ended`` event itself) has gone out. A
        connection already closing or closed stays as it is."""
        if self.state in _ENDED:
            return
        self._close_code = code
        drain_first = self._backlog is not None and self.state is ConnState.live
        self._move(ConnState.closing)
        self._held = None
        if not drain_first:  # else the drainer shuts it after the backlog
            asyncio.get_running_loop().create_task(self._shut())

    async def _shut(self) -> None:
        try:
            await self.transport.close(self._close_code or 1000)
        except Exception:  # noqa: BLE001, S110  the client is gone already
            pass
        finally:
            self._closed()

    async def wait_closed_by_server(self) -> None:
        """Returns once a cut-off (overflow) has been written out."""
        if self._drainer is not None:
            await asyncio.shield(self._drainer)

    async def close(self) -> None:
        """The client went (or the reader is done): nothing more is sent. Idempotent."""
        self._closed()
        drainer = self._drainer
        if drainer is not None and not drainer.done():
            drainer.cancel()


class Hub:
    """This process's connections by user, subscribed to the bus."""

    def __init__(self) -> None:
        self._by_user: dict[int, list[Connection]] = {}
        self._unsubscribe: Any = None

    def attach(self, bus: Bus) -> None:
        self._unsubscribe = bus.subscribe_batches(self.dispatch_all)

    def detach(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()

    def register(self, conn: Connection) -> None:
        self._by_user.setdefault(conn.user_id, []).append(conn)

    def unregister(self, conn: Connection) -> None:
        conns = self._by_user.get(conn.user_id)
        if conns is not None and conn in conns:
            conns.remove(conn)
            if not conns:
                del self._by_user[conn.user_id]

    def end_expired(self, now: float) -> int:
        """Close the sockets whose session has expired (called every minute); returns how many."""
        ended = 0
        for conns in list(self._by_user.values()):
            for conn in list(conns):
                if conn.expires_at <= now and conn.state not in _ENDED:
                    conn.end()
                    ended += 1
        return ended

    async def end_expired_forever(self, every_seconds: float = 60) -> None:
        while True:
            await asyncio.sleep(every_seconds)
            self.end_expired(time.time())

    def connections(self) -> int:
        return sum(len(c) for c in self._by_user.values())

    def live(self, user_id: int) -> bool:
        """Whether the person has an event socket open in this process."""
        return user_id in self._by_user

    def dispatch_all(self, envelopes: list[Envelope]) -> None:
        """What one transaction published, in order. A socket that several of the events go
        to gets their frames in one write (at a thousand messages a second a batch holds
        several for the same socket, and the system call per write is most of a delivery)."""
        if len(envelopes) == 1:
            self.dispatch(envelopes[0])
            return
        pending: dict[Connection, list[tuple[int, str, bytes | None]]] = {}
        for env in envelopes:
            for conn, text, frame in self._recipients(env):
                pending.setdefault(conn, []).append((env.id, text, frame))
        for conn, items in pending.items():
            conn.offer_all(items)
        if pending:  # one observation per batch, not per socket
            observe_delivery(envelopes[0].committed_at)
        for env in envelopes:
            if env.event.type in _ENDINGS:
                self._end_sockets(env)

    def dispatch(self, env: Envelope) -> None:
        delivered = False
        for conn, text, frame in self._recipients(env):
            conn.offer(env.id, text, frame)
            delivered = True
        if delivered:
            observe_delivery(env.committed_at)
        if env.event.type in _ENDINGS:
            self._end_sockets(env)

    def _end_sockets(self, env: Envelope) -> None:
        """After a session ended, its sockets close (each process closes its own: the event
        reaches every process through the bus). After a person lost their last role in an
        organization, all their sockets close: each reconnects and fetches what it may still
        see, so nothing of that school reaches it on the way."""
        event = env.event
        if isinstance(event, SessionEnded):
            for user_id in env.audience:
                for conn in list(self._by_user.get(user_id, ())):
                    if conn.session_id == event.session_id:
                        conn.end()
        elif isinstance(event, RolesChanged) and not event.roles:
            for conn in list(self._by_user.get(event.user_id, ())):
                conn.end(CLOSE_RECONNECT)

    def _recipients(self, env: Envelope) -> Iterator[tuple[Connection, str, bytes | None]]:
        """Every connection of the audience with the same text, and the same frame for those
        whose server writes frames (each built once, on demand)."""
        text: str | None = None
        frame: bytes | None = None
        for user_id in env.audience:
            conns = self._by_user.get(user_id)
            if conns is None:
                continue
            if text is None:
                text = env.wire()
            for conn in conns:
                if frame is None and conn.frames:
                    frame = env.frame()
                yield conn, text, frame
