"""The hub and a connection's state machine, without sockets."""

from __future__ import annotations

import asyncio
import json

from parta.realtime.events import Envelope, InviteChanged
from parta.realtime.gateway import QUEUE_LIMIT, Callbacks, Connection, ConnState, Hub
from tests.conftest import World


def env(invite_id: int, event_id: int, audience: set[int]) -> Envelope:
    return Envelope(event=InviteChanged(org_id=1, invite_id=invite_id, state="active"),
                    audience=frozenset(audience), id=event_id)


async def test_events_during_replay_are_held_then_sent_once_in_order() -> None:
    sent: list[dict[str, object]] = []

    async def send(text: str) -> None:
        sent.append(json.loads(text))

    hub = Hub()
    conn = Connection(7, send)
    hub.register(conn)
    hub.dispatch(env(1, 10, {7}))  # arrives while the replay (through id 10) is running
    hub.dispatch(env(2, 11, {7, 8}))
    assert conn.state is ConnState.connecting and sent == []
    await conn.go_live(replayed_through=10)
    hub.dispatch(env(3, 13, {7}))
    hub.dispatch(env(3, 13, {7}))  # a repeat is dropped
    await asyncio.sleep(0.01)
    assert [e["id"] for e in sent] == [11, 13]
    await conn.close()
    hub.unregister(conn)
    assert hub.connections() == 0


async def test_a_client_that_cannot_keep_up_is_told_to_resync() -> None:
    sent: list[str] = []
    gate = asyncio.Event()

    async def slow_send(text: str) -> None:
        await gate.wait()
        sent.append(text)

    conn = Connection(7, slow_send)
    await conn.go_live(0)
    for i in range(1, QUEUE_LIMIT + 5):
        conn.offer(i, json.dumps({"id": i}))
    assert conn.overflowed and conn.state is ConnState.closing
    assert conn.offer(QUEUE_LIMIT + 9, "{}") is False  # refused: nothing more once cut off
    gate.set()
    await asyncio.wait_for(conn.wait_closed_by_server(), 5)
    assert json.loads(sent[-1])["type"] == "resync_required"
    assert conn.state is ConnState.closed


async def test_nobody_outside_the_audience_hears_an_event() -> None:
    got: list[str] = []

    async def send(text: str) -> None:
        got.append(text)

    member_got: list[str] = []

    async def member_send(text: str) -> None:
        member_got.append(text)

    hub = Hub()
    outsider = Connection(9, send)
    member = Connection(7, member_send)
    for c in (outsider, member):
        hub.register(c)
        await c.go_live(0)
    hub.dispatch(env(1, 1, {7}))
    hub.dispatch_all([env(2, 2, {7}), env(3, 3, {7})])
    await asyncio.sleep(0.01)
    assert got == []
    # The positive control: dispatch did deliver, to the audience.
    assert [json.loads(t)["id"] for t in member_got] == [1, 2, 3]
    await outsider.close()
    await member.close()


async def test_pruning_forgets_old_events_and_remembers_how_far(world: World) -> None:
    """The retention: old events go, the floor moves, newer ones stay."""
    from datetime import timedelta

    from parta.db import utcnow
    from parta.realtime import eventlog

    admin = await world.as_("admin")
    await admin.post(f"/api/v1/orgs/{world.org_id}/invites", json={"role": "teacher"})
    async with world.services.sessionmaker() as db:
        uid = await world.user_id("admin")
        before, _ = await eventlog.head_id(db)
        assert before > 0 and await eventlog.replay(db, uid, 0, 10) != []
        assert await eventlog.prune(db, utcnow() - timedelta(days=1)) == 0  # nothing that old
        assert await eventlog.prune(db, utcnow() + timedelta(seconds=1)) > 0
        await db.commit()
        assert await eventlog.pruned_through(db) >= before
        assert await eventlog.replay(db, uid, 0, 10) == []


async def test_every_member_gets_the_same_text_and_a_stuck_one_holds_up_nobody() -> None:
    got: dict[int, list[str]] = {7: [], 8: [], 9: []}
    stuck = asyncio.Event()

    def sender(user_id: int):  # type: ignore[no-untyped-def]
        async def send(text: str) -> None:
            if user_id == 9:
                await stuck.wait()  # this one's network is slow
            got[user_id].append(text)
        return send

    hub = Hub()
    conns = [Connection(u, sender(u)) for u in (7, 8, 9)]
    for c in conns:
        hub.register(c)
        await c.go_live(0)
    hub.dispatch(env(1, 21, {7, 8, 9}))
    hub.dispatch(env(2, 22, {7, 8, 9}))
    # Delivered before the bus callback even returned, and as one string for everyone.
    assert [json.loads(t)["id"] for t in got[7]] == [21, 22] and got[9] == []
    assert got[7][0] is got[8][0]
    stuck.set()
    await asyncio.sleep(0.01)
    assert [json.loads(t)["id"] for t in got[9]] == [21, 22]
    for c in conns:
        await c.close()


async def test_a_send_still_waiting_when_the_backlog_starts_finishes_in_order() -> None:
    """A real socket's send waits on a future that is still pending when the backlog's task
    takes it over (the transport stays paused for a while): it must carry on, not die."""
    sent: list[str] = []
    writable = asyncio.Event()

    async def send(text: str) -> None:
        await writable.wait()
        sent.append(text)

    conn = Connection(7, send)
    await conn.go_live(0)
    conn.offer(1, "one")
    conn.offer(2, "two")
    await asyncio.sleep(0.01)  # the backlog's task runs while the first send still waits
    assert sent == [] and conn.state is ConnState.live
    writable.set()
    await asyncio.sleep(0.01)
    assert sent == ["one", "two"] and conn.state is ConnState.live
    conn.offer(3, "three")  # drained: straight to the socket again
    assert sent == ["one", "two", "three"]


async def test_closing_a_connection_whose_send_waits_ends_the_send() -> None:
    writable = asyncio.Event()
    ended: list[str] = []

    async def send(text: str) -> None:
        try:
            await writable.wait()
        finally:
            ended.append(text)

    conn = Connection(7, send)
    await conn.go_live(0)
    conn.offer(1, "one")
    await asyncio.sleep(0.01)
    await conn.close()
    await asyncio.sleep(0.01)
    assert ended == ["one"] and conn.state is ConnState.closed


async def test_events_of_one_transaction_reach_a_socket_in_one_write_in_order() -> None:
    writes: list[bytes] = []
    texts: list[str] = []
    accept = [True]

    def write(frame: bytes) -> bool:
        if accept[0]:
            writes.append(frame)
        return accept[0]

    async def send_text(text: str) -> None:
        texts.append(text)

    hub = Hub()
    fast = Connection(1, Callbacks(send_text, None, write))
    plain_texts: list[str] = []

    async def plain_send(text: str) -> None:
        plain_texts.append(text)

    plain = Connection(2, plain_send)  # a server without the frame writer
    for c in (fast, plain):
        hub.register(c)
        await c.go_live(0)
    batch = [env(i, i, {1, 2}) for i in (5, 6, 7)]
    hub.dispatch_all(batch)
    assert writes == [b"".join(e.frame() for e in batch)]  # one write, in id order
    assert texts == [] and plain_texts == [e.wire() for e in batch]
    assert fast.last_id == 7
    # Already sent (a replay got there first) ids are skipped; a declining writer (the transport
    # pushes back) sends the rest one by one through the awaited path, in order.
    accept[0] = False
    later = [env(i, i, {1}) for i in (7, 8, 9)]
    hub.dispatch_all(later)
    assert len(writes) == 1 and texts == [later[1].wire(), later[2].wire()]
    assert fast.last_id == 9


async def test_ending_a_session_closes_its_sockets_after_the_event_only() -> None:
    """session.ended reaches the socket, then it closes with 4401; the person's other session
    and other people stay; a backlog still waiting goes out before the close."""
    from parta.realtime.events import RolesChanged, SessionEnded

    sent: dict[str, list[str]] = {"ended": [], "other": [], "stranger": []}
    closed: dict[str, int] = {}

    def socket(name: str) -> tuple[object, object]:
        async def send(text: str) -> None:
            sent[name].append(json.loads(text)["type"])

        async def close(code: int = 1000) -> None:
            closed[name] = code

        return send, close

    hub = Hub()
    ended = Connection(7, Callbacks(*socket("ended")), session_id=70)  # type: ignore[arg-type]
    other = Connection(7, Callbacks(*socket("other")), session_id=71)  # type: ignore[arg-type]
    stranger = Connection(8, Callbacks(*socket("stranger")),  # type: ignore[arg-type]
                          session_id=70)
    for conn in (ended, other, stranger):
        hub.register(conn)
        await conn.go_live(0)
    hub.dispatch(Envelope(event=SessionEnded(session_id=70), audience=frozenset({7}), id=5))
    await asyncio.sleep(0.01)
    assert closed == {"ended": 4401} and sent["ended"] == ["session.ended"]
    hub.dispatch(env(1, 6, {7, 8}))  # nothing more for the ended socket
    await asyncio.sleep(0.01)
    assert sent["ended"] == ["session.ended"]
    assert sent["other"] == ["session.ended", "invite.changed"]
    assert sent["stranger"] == ["invite.changed"]
    # Removed from the school (no roles left): every socket of that person reconnects.
    hub.dispatch_all([
        Envelope(event=RolesChanged(org_id=1, user_id=7, roles=[]), audience=frozenset({7, 8}),
                 id=7),
        env(2, 8, {7, 8}),
    ])
    await asyncio.sleep(0.01)
    assert closed == {"ended": 4401, "other": 4000} and "stranger" not in closed
    # A role taken away while others remain closes nothing.
    hub.dispatch(Envelope(event=RolesChanged(org_id=1, user_id=8, roles=["parent"]),
                          audience=frozenset({8}), id=9))
    await asyncio.sleep(0.01)
    assert "stranger" not in closed


async def test_a_socket_closes_when_its_session_expires() -> None:
    closed: list[int] = []

    async def send(text: str) -> None:
        pass

    async def close(code: int = 1000) -> None:
        closed.append(code)

    hub = Hub()
    soon = Connection(7, Callbacks(send, close), session_id=1, expires_at=100.0)
    later = Connection(7, Callbacks(send, close), session_id=2, expires_at=200.0)
    for conn in (soon, later):
        hub.register(conn)
        await conn.go_live(0)
    assert hub.end_expired(99.0) == 0
    assert hub.end_expired(150.0) == 1
    await asyncio.sleep(0.01)
    assert closed == [4401] and soon.state is ConnState.closed and later.state is ConnState.live
