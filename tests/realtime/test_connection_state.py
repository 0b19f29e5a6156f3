"""A connection's life as a state machine: every legal move, and the illegal ones refused."""

from __future__ import annotations

import asyncio
import json

import pytest

from parta.realtime.gateway import Callbacks, Connection, ConnectionStateError, ConnState


class Socket:
    """A test's socket: what was sent, and how it was closed."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.closed: list[int] = []

    async def send_text(self, text: str) -> None:
        self.sent.append(text)

    async def close(self, code: int = 1000) -> None:
        self.closed.append(code)

    def connection(self) -> Connection:
        return Connection(7, Callbacks(self.send_text, self.close))


async def test_a_resuming_client_goes_connecting_resuming_live_closing_closed() -> None:
    s = Socket()
    conn = s.connection()
    assert conn.state is ConnState.connecting
    assert conn.offer(5, "five")  # held: the replay has not started
    conn.resume()
    assert conn.state is ConnState.resuming
    assert conn.offer(6, "six")  # still held
    assert s.sent == []
    assert await conn.go_live(replayed_through=5)
    assert conn.state is ConnState.live and s.sent == ["six"]  # five came with the replay
    assert conn.reply("pong")
    conn.end(4401)
    assert conn.state is ConnState.closing
    assert conn.offer(7, "seven") is False and conn.reply("late") is False
    await asyncio.sleep(0.01)
    assert conn.state is ConnState.closed and s.closed == [4401]
    assert s.sent == ["six", "pong"]


async def test_a_new_client_goes_straight_to_live() -> None:
    s = Socket()
    conn = s.connection()
    assert await conn.go_live(0)
    assert conn.state is ConnState.live and conn.offer(1, "one") and s.sent == ["one"]
    await conn.close()
    assert conn.state is ConnState.closed


@pytest.mark.parametrize("before", ["connecting", "resuming", "live"])
async def test_the_client_may_go_at_any_point(before: str) -> None:
    s = Socket()
    conn = s.connection()
    if before != "connecting":
        conn.resume()
    if before == "live":
        await conn.go_live(0)
    assert conn.state is ConnState(before)
    await conn.close()
    assert conn.state is ConnState.closed
    assert conn.offer(9, "nine") is False and s.sent == []
    await conn.close()  # the reader's cleanup may come twice: it changes nothing
    assert conn.state is ConnState.closed


@pytest.mark.parametrize("before", ["connecting", "resuming"])
async def test_a_session_ended_during_the_replay_never_goes_live(before: str) -> None:
    s = Socket()
    conn = s.connection()
    if before == "resuming":
        conn.resume()
    conn.offer(3, "three")
    conn.end()
    assert conn.state is ConnState.closing
    assert await conn.go_live(2) is False  # the gateway's race, not a bug: nothing released
    await asyncio.sleep(0.01)
    assert conn.state is ConnState.closed and s.sent == [] and s.closed == [4401]


async def test_too_much_held_during_the_replay_cuts_the_client_off() -> None:
    from parta.realtime.gateway import MAX_REPLAY, QUEUE_LIMIT

    s = Socket()
    conn = s.connection()
    conn.resume()
    for i in range(1, QUEUE_LIMIT + MAX_REPLAY + 1):
        assert conn.offer(i, str(i))
    assert conn.offer(10_000, "one too many") is False
    assert conn.overflowed and conn.state is ConnState.closing
    await asyncio.wait_for(conn.wait_closed_by_server(), 5)
    assert conn.state is ConnState.closed
    assert [json.loads(t)["type"] for t in s.sent] == ["resync_required"]
    assert await conn.go_live(0) is False


async def test_illegal_moves_are_refused() -> None:
    s = Socket()
    conn = s.connection()
    with pytest.raises(ConnectionStateError):
        conn.reply("pong")  # an answer before the client had its hello
    conn.resume()
    with pytest.raises(ConnectionStateError):
        conn.resume()  # a second replay
    with pytest.raises(ConnectionStateError):
        conn.reply("pong")
    await conn.go_live(0)
    with pytest.raises(ConnectionStateError):
        await conn.go_live(0)  # a second go_live
    with pytest.raises(ConnectionStateError):
        conn.resume()  # live → resuming
    conn.end()
    with pytest.raises(ConnectionStateError):
        conn.resume()  # closing → resuming
    await asyncio.sleep(0.01)
    assert conn.state is ConnState.closed
    with pytest.raises(ConnectionStateError):
        conn.resume()  # closed → anything
    # What a closed connection is offered is refused, never sent.
    assert conn.offer(1, "one") is False and conn.reply("pong") is False
    assert s.sent == []
