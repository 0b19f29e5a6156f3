"""Events go out only after commit, to their explicit audience; a refusal sends nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from parta.actions.base import CommitThenRefuse, unit_of_work
from parta.config import InsecureSettings, Settings
from parta.errors import Conflict
from parta.models import AuditEntry, Region
from parta.realtime.events import OrgChanged
from tests.conftest import World


async def _regions(world: World) -> int:
    async with world.services.sessionmaker() as db:
        return (await db.execute(select(func.count()).select_from(Region))).scalar_one()


async def test_events_are_published_after_commit(world: World) -> None:
    async with unit_of_work(world.services) as ctx:
        ctx.db.add(Region(name="Новая область"))
        ctx.emit(OrgChanged(org_id=1), {7, 8})
        assert world.events == []  # nothing before commit
    assert await _regions(world) == 2
    assert [e.audience for e in world.events] == [frozenset({7, 8})]


async def test_a_change_committed_stays_done_when_publishing_it_fails(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(envelopes: object) -> None:
        raise ConnectionError("the bus is down")

    monkeypatch.setattr(world.services.bus, "publish", broken)
    async with unit_of_work(world.services) as ctx:  # no error: the caller must not redo it
        ctx.db.add(Region(name="Область при упавшей шине"))
        ctx.emit(OrgChanged(org_id=1), {7})
    assert await _regions(world) == 2


async def test_a_rolled_back_action_sends_nothing_and_writes_nothing(world: World) -> None:
    with pytest.raises(Conflict):
        async with unit_of_work(world.services) as ctx:
            ctx.db.add(Region(name="Полузаписанная область"))
            ctx.audit("region.created", None)
            ctx.emit(OrgChanged(org_id=1), {7})
            await ctx.db.flush()
            raise Conflict()
    assert world.events == []
    assert await _regions(world) == 1
    async with world.services.sessionmaker() as db:
        assert (await db.execute(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "region.created"))).scalar_one() == 0


async def test_commit_then_refuse_keeps_the_record_and_still_refuses(world: World) -> None:
    with pytest.raises(Conflict):
        async with unit_of_work(world.services) as ctx:
            ctx.db.add(Region(name="Записанная область"))
            raise CommitThenRefuse(Conflict())
    assert await _regions(world) == 2


PRODUCTION_CALLS = {"janus_api_secret": "j" * 32, "janus_admin_key": "k" * 32,
                    "turn_secret": "t" * 32}


def test_production_refuses_default_secrets() -> None:
    with pytest.raises(InsecureSettings) as caught:
        Settings(mode="production").check_production()
    assert "PARTA_SECRET_KEY" in str(caught.value)
    Settings(mode="production", secret_key="x" * 40, sms_backend="http",
             sms_http_url="https://gw.example/send", base_url="https://school.example",
             **PRODUCTION_CALLS).check_production()
    with pytest.raises(InsecureSettings) as caught:  # calls with the laptop's secrets
        Settings(mode="production", secret_key="x" * 40, sms_backend="http",
                 base_url="https://school.example").check_production()
    assert "PARTA_JANUS_API_SECRET" in str(caught.value)


async def test_health_and_openapi(world: World) -> None:
    c = world.client()
    assert (await c.get("/healthz")).json() == {"ok": True}
    spec = (await c.get("/api/v1/openapi.json")).json()
    assert "/api/v1/invites/{token}/join" in spec["paths"]
    r = await c.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
