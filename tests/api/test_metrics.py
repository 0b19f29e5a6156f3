"""The operator's view: Prometheus metrics for the monitoring host only, and readiness."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from typing import Any

import httpx
from prometheus_client import REGISTRY

from parta.actions.base import Services
from parta.app import create_app
from parta.db import make_engine, make_sessionmaker
from parta.realtime.bus import InOrder, RedisBus, _decode, _encode
from parta.realtime.events import Envelope, OrgChanged, Typing
from parta.realtime.gateway import Connection
from tests.api.test_chats import make_class_chat
from tests.conftest import World, error_code
from tests.helpers import API
from tests.test_bus import REDIS_URL, needs_redis


def from_address(world: World, host: str, **headers: str) -> httpx.AsyncClient:
    c = httpx.AsyncClient(transport=httpx.ASGITransport(app=world.app, client=(host, 40000)),
                          base_url="http://parta.test", headers=headers)
    world.clients.append(c)
    return c


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def scrape(world: World) -> str:
    r = await from_address(world, "127.0.0.1").get("/metrics")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    return r.text


async def test_the_monitoring_host_on_loopback_reads_the_metrics(world: World) -> None:
    text = await scrape(world)
    for name in ("parta_event_sockets_open", "parta_messages_persisted_total",
                 "parta_delivery_seconds_bucket", "parta_http_requests_total",
                 "parta_socket_send_queue", "parta_bus_backlog"):
        assert name in text, name
    r = await from_address(world, "::1").get("/metrics")
    assert r.status_code == 200


async def test_anyone_else_gets_404_as_for_a_page_that_does_not_exist(world: World) -> None:
    r = await world.client().get("/metrics")  # 10.1.2.3: a school's network, not the monitor
    assert (r.status_code, error_code(r)) == (404, "not_found")
    assert "parta_" not in r.text
    # Through a proxy on the same host that Parta was not told about: the caller is unknown.
    r = await from_address(world, "127.0.0.1", **{"X-Forwarded-For": "203.0.113.9"}).get("/metrics")
    assert r.status_code == 404
    # Through a trusted proxy: the real caller decides.
    world.services.settings.trusted_proxies = "127.0.0.1"
    r = await from_address(world, "127.0.0.1", **{"X-Forwarded-For": "203.0.113.9"}).get("/metrics")
    assert r.status_code == 404
    world.services.settings.metrics_allow = "127.0.0.1, 203.0.113.0/24"
    r = await from_address(world, "127.0.0.1", **{"X-Forwarded-For": "203.0.113.9"}).get("/metrics")
    assert r.status_code == 200


async def test_requests_are_counted_by_status_and_error_code(world: World) -> None:
    before_404 = sample("parta_http_errors_total", status="404", code="not_found")
    before_413 = sample("parta_http_errors_total", status="413", code="too_large")
    before_ok = sample("parta_http_requests_total", status="200")
    c = world.client()
    assert (await c.get(f"{API}/chats/999999")).status_code in (401, 404)
    assert (await c.get(f"{API}/nothing-here")).status_code == 404
    r = await c.post(f"{API}/auth/code", content=b"x" * (2 * 1024 * 1024),
                     headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert (await c.get("/healthz")).status_code == 200
    assert sample("parta_http_errors_total", status="404", code="not_found") >= before_404 + 1
    assert sample("parta_http_errors_total", status="413", code="too_large") == before_413 + 1
    assert sample("parta_http_requests_total", status="200") >= before_ok + 1


async def test_messages_persisted_and_their_delivery_time_are_measured(world: World) -> None:
    anna, chat = await make_class_chat(world)
    got: list[str] = []

    async def send_text(text: str) -> None:
        got.append(text)

    conn = Connection(await world.user_id("teacher"), send_text)
    world.app.state.hub.register(conn)
    await conn.go_live(0)
    persisted = sample("parta_messages_persisted_total")
    deliveries = sample("parta_delivery_seconds_count")
    r = await anna.post(f"{API}/chats/{chat['id']}/messages", json={"body": "Завтра экскурсия"})
    assert r.status_code == 200, r.text
    assert any("Завтра экскурсия" in t for t in got)
    assert sample("parta_messages_persisted_total") == persisted + 1
    assert sample("parta_delivery_seconds_count") == deliveries + 1
    assert "parta_event_sockets_open 1.0" in await scrape(world)
    world.app.state.hub.unregister(conn)
    assert "parta_event_sockets_open 0.0" in await scrape(world)


async def test_an_event_nobody_here_receives_is_not_timed(world: World) -> None:
    """Only events that reached a socket of this process count (none is connected here)."""
    anna, chat = await make_class_chat(world)
    deliveries = sample("parta_delivery_seconds_count")
    await anna.post(f"{API}/chats/{chat['id']}/messages", json={"body": "Никого нет"})
    assert sample("parta_delivery_seconds_count") == deliveries


def test_the_commit_time_travels_with_events_between_processes() -> None:
    env = Envelope(event=Typing(org_id=1, chat_id=2, user_id=3), audience=frozenset({3}),
                   committed_at=1_800_000_000.25)
    assert _decode(_encode([env]))[0].committed_at == 1_800_000_000.25


async def test_events_held_back_for_an_earlier_one_are_the_bus_backlog() -> None:
    delivered: list[Envelope] = []
    order = InOrder(delivered.extend, wait=60)
    typing: Any = Typing(org_id=1, chat_id=2, user_id=3)
    order.put([Envelope(event=typing, id=10)])
    order.put([Envelope(event=typing, id=12)])  # 11 has not arrived yet
    assert order.held() == 1
    order.put([Envelope(event=typing, id=11)])
    assert order.held() == 0 and [e.id for e in delivered] == [10, 11, 12]
    order.close()


async def test_ready_once_the_bus_listens_and_the_database_answers(world: World) -> None:
    c = world.client()
    r = await c.get("/readyz")
    assert r.status_code == 503 and r.json() == {"ok": False, "reason": "bus_not_started"}
    await world.services.bus.start()
    try:
        r = await c.get("/readyz")
        assert r.status_code == 200 and r.json() == {"ok": True}
        assert (await c.get("/healthz")).json() == {"ok": True}
    finally:
        await world.services.bus.stop()


async def test_not_ready_when_the_database_cannot_be_reached(world: World, tmp_path: Any) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/no/such/dir/parta.db")
    services: Services = dataclasses.replace(world.services, sessionmaker=make_sessionmaker(engine))
    world.app = create_app(world.services.settings, services)
    await services.bus.start()
    try:
        r = await world.client().get("/readyz")
        assert r.status_code == 503 and r.json() == {"ok": False, "reason": "database_unreachable"}
    finally:
        await services.bus.stop()
        await engine.dispose()


@needs_redis
async def test_a_redis_bus_is_ready_while_it_listens_and_carries_the_commit_time() -> None:
    channel = f"parta:test:{uuid.uuid4().hex}"
    bus = RedisBus(REDIS_URL, channel)
    assert not bus.started()
    await bus.start()
    got: list[Envelope] = []
    bus.subscribe(got.append)
    try:
        assert bus.started() and bus.backlog() == 0
        await bus.publish([Envelope(event=OrgChanged(org_id=2), audience=frozenset({1}), id=7,
                                    committed_at=1_800_000_000.5)])
        for _ in range(500):
            if got:
                break
            await asyncio.sleep(0.01)
        assert [e.committed_at for e in got] == [1_800_000_000.5]
    finally:
        await bus.stop()
    assert not bus.started()
