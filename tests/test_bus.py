"""The Redis bus carries committed events between server processes (two buses, one Redis)."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest

from parta.realtime.bus import InOrder, InProcessBus, RedisBus
from parta.realtime.events import Envelope, JoinRequested, OrgChanged, event_from_dict

REDIS_URL = os.environ.get("PARTA_TEST_REDIS_URL", "")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="PARTA_TEST_REDIS_URL is not set "
                                 "(make test sets it for the PostgreSQL + Redis run)")


async def _until(cond, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not cond():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out waiting for the bus")
        await asyncio.sleep(0.01)


def test_events_round_trip_through_their_type() -> None:
    ev = JoinRequested(org_id=3, request_id=9)
    assert event_from_dict(ev.model_dump(mode="json")) == ev
    with pytest.raises(ValueError):
        event_from_dict({"type": "no.such"})


async def test_in_process_bus_survives_a_broken_subscriber() -> None:
    bus = InProcessBus()
    got: list[Envelope] = []

    def broken(env: Envelope) -> None:
        raise RuntimeError("boom")

    bus.subscribe(broken)
    unsubscribe = bus.subscribe(got.append)
    await bus.publish([Envelope(event=OrgChanged(org_id=1), audience=frozenset({1}))])
    assert len(got) == 1
    unsubscribe()
    await bus.publish([Envelope(event=OrgChanged(org_id=1), audience=frozenset({1}))])
    assert len(got) == 1


def _env(event_id: int) -> Envelope:
    return Envelope(event=OrgChanged(org_id=1), audience=frozenset({1}), id=event_id)


def _ids(batches: list[list[Envelope]]) -> list[list[int]]:
    return [[e.id for e in b] for b in batches]


async def test_events_overtaken_on_the_shared_channel_are_handed_on_in_id_order() -> None:
    got: list[list[Envelope]] = []
    order = InOrder(got.append, wait=0.2)
    # 11's process published after the transactions of 12–13 and 14.
    for batch in ([10], [12, 13], [14], [11]):
        order.put([_env(i) for i in batch])
    assert _ids(got) == [[10], [11], [12, 13], [14]]  # each transaction whole, in order
    assert order.held() == 0
    order.put([Envelope(event=OrgChanged(org_id=1), audience=frozenset({1}))])  # ephemeral
    assert _ids(got)[-1] == [0]
    order.close()


async def test_a_gap_that_stays_is_skipped_after_the_wait() -> None:
    got: list[list[Envelope]] = []
    order = InOrder(got.append, wait=0.1)
    order.put([_env(5)])
    order.put([_env(7)])  # 6 was taken by a transaction that rolled back: it never comes
    order.put([_env(9), _env(10)])
    assert _ids(got) == [[5]] and order.held() == 3
    await _until(lambda: _ids(got) == [[5], [7]], timeout=1)
    order.put([_env(8)])  # 8 arrives in time: 9–10 follow at once
    assert _ids(got) == [[5], [7], [8], [9, 10]]
    order.put([_env(6)])  # too late: handed on anyway (a connection skips what it has passed)
    assert _ids(got)[-1] == [6]
    order.close()


@needs_redis
async def test_an_event_published_by_one_process_reaches_the_other_once() -> None:
    channel = f"parta:test:{uuid.uuid4().hex}"
    a, b = RedisBus(REDIS_URL, channel), RedisBus(REDIS_URL, channel)
    await a.start()
    await b.start()
    got_a: list[Envelope] = []
    got_b: list[Envelope] = []
    a.subscribe(got_a.append)
    b.subscribe(got_b.append)
    try:
        env = Envelope(event=JoinRequested(org_id=1, request_id=42), audience=frozenset({5, 6}))
        await a.publish([env])
        await _until(lambda: got_a and got_b)
        await asyncio.sleep(0.1)  # a duplicate would have arrived by now
        assert got_b == [env] and got_a == [env]
        assert isinstance(got_b[0].event, JoinRequested) and got_b[0].audience == {5, 6}
        # A stranger's garbage on the channel is ignored, and the bus keeps working.
        await a._redis.publish(channel, "not json")
        await a.publish([Envelope(event=OrgChanged(org_id=2), audience=frozenset({1}))])
        await _until(lambda: len(got_b) == 2)
        assert got_b[1].event.type == "org.changed"
    finally:
        await a.stop()
        await b.stop()


@needs_redis
async def test_a_transactions_events_cross_redis_as_one_batch_and_one_write() -> None:
    """One publish per transaction, one dispatch on the other side: a socket that several of
    the events go to gets them in one write there, as on one process."""
    from parta.realtime.gateway import Callbacks, Connection, Hub

    channel = f"parta:test:{uuid.uuid4().hex}"
    a, b = RedisBus(REDIS_URL, channel), RedisBus(REDIS_URL, channel)
    await a.start()
    await b.start()
    batches: list[list[Envelope]] = []
    b.subscribe_batches(batches.append)
    writes: list[bytes] = []

    async def send_text(text: str) -> None:
        raise AssertionError("a frame writer that accepts is used, not send_text")

    def write(frame: bytes) -> bool:
        writes.append(frame)
        return True

    hub = Hub()
    hub.attach(b)
    conn = Connection(5, Callbacks(send_text, None, write))
    hub.register(conn)
    await conn.go_live(0)
    published: list[bytes] = []
    real_publish = a._redis.publish

    async def counting_publish(ch: str, data: str) -> int:
        published.append(data.encode())
        return int(await real_publish(ch, data))

    a._redis.publish = counting_publish  # type: ignore[method-assign]
    try:
        sent = [Envelope(event=JoinRequested(org_id=1, request_id=40 + i),
                         audience=frozenset({5, 6}), id=100 + i) for i in range(3)]
        await a.publish(sent)
        await _until(lambda: batches)
        await asyncio.sleep(0.1)  # a second dispatch would have arrived by now
        assert len(published) == 1
        assert [[e.id for e in got] for got in batches] == [[100, 101, 102]]
        assert [e.event for e in batches[0]] == [e.event for e in sent]
        assert writes == [b"".join(e.frame() for e in sent)]
        assert conn.last_id == 102
    finally:
        hub.detach()
        await conn.close()
        await a.stop()
        await b.stop()
