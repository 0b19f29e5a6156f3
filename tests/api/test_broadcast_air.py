"""A broadcast on the air (R38), through the real Janus: Ирина Петровна goes on the air with the
school's assembly; Маша and Петя watch — Parta admits them with no token, so Janus itself
refuses them as publishers, and Parta's proxy refuses every request of theirs that would send;
the live count reaches the presenter once a second at most; the broadcast holds only as many as
the settings say; off the air, the room is gone."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from parta.db import utcnow
from parta.models import Broadcast, BroadcastViewer
from tests.api.test_calls import _janus_via_parta, _poll_until
from tests.conftest import World, error_code
from tests.helpers import API, groups_of, register_gymnasium
from tests.media import media_services  # noqa: F401  (the fixture)

pytestmark = pytest.mark.usefixtures("media_services")


async def planned(world: World, irina: httpx.AsyncClient, audience: str = "school",
                  **extra: Any) -> int:
    start = utcnow() + timedelta(minutes=10)
    r = await irina.post(f"{API}/orgs/{world.org_id}/broadcasts", json={
        "title": "Линейка", "audience": audience, "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(minutes=40)).isoformat(), **extra})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def allowed(world: World, bid: int) -> list[str]:
    async with world.services.sessionmaker() as db:
        b = await db.get(Broadcast, bid)
        assert b is not None and b.janus_room is not None and b.room_secret is not None
        room, secret = b.janus_room, b.room_secret
    async with world.services.janus.videoroom() as vr:
        return await vr.allowed(room, secret)


async def test_viewers_are_admitted_without_a_token_and_may_not_send(world: World) -> None:
    irina, anna, masha = await world.as_("admin"), await world.as_("teacher"), await world.as_("student")
    bid = await planned(world, irina)
    r = await masha.post(f"{API}/broadcasts/{bid}/watch")
    assert r.status_code == 409 and error_code(r) == "broadcast_not_on_air"
    r = await anna.post(f"{API}/broadcasts/{bid}/on-air")
    assert r.status_code == 403 and error_code(r) == "not_presenter"
    r = await masha.post(f"{API}/broadcasts/{bid}/on-air")
    assert r.status_code == 403 and error_code(r) == "not_presenter"

    r = await irina.post(f"{API}/broadcasts/{bid}/on-air")
    assert r.status_code == 200, r.text
    on_air = r.json()
    assert on_air["janus"]["publish"] is True and on_air["janus"]["token"]
    assert on_air["broadcast"]["on_air"] is True
    room = on_air["janus"]["room"]
    assert await allowed(world, bid) == [on_air["janus"]["token"]]

    r = await masha.post(f"{API}/broadcasts/{bid}/watch")
    assert r.status_code == 200, r.text
    seat = r.json()["janus"]
    assert seat["token"] is None and seat["publish"] is False and seat["room"] == room
    assert await allowed(world, bid) == [on_air["janus"]["token"]]  # a viewer adds nothing

    # Маша's browser through Parta: it may subscribe, never send.
    base = seat["url"]
    r = await _janus_via_parta(masha, base, {"janus": "create"})
    assert r.status_code == 200, r.text
    session = r.json()["data"]["id"]
    r = await _janus_via_parta(masha, f"{base}/{session}", {"janus": "attach",
                                                            "plugin": "janus.plugin.videoroom"})
    hurl = f"{base}/{session}/{r.json()['data']['id']}"
    offer = {"type": "offer", "sdp": "v=0\r\n"}
    for body, jsep in (({"request": "join", "ptype": "publisher", "room": room}, None),
                       ({"request": "publish"}, offer),
                       ({"request": "configure", "audio": True}, offer),
                       ({"request": "join", "ptype": "subscriber", "room": room}, offer)):
        r = await _janus_via_parta(masha, hurl, {"janus": "message", "body": body,
                                                 **({"jsep": jsep} if jsep else {})})
        assert (r.status_code, error_code(r)) == (403, "viewers_do_not_send"), (body, r.text)
    r = await _janus_via_parta(masha, hurl, {"janus": "message", "body": {"request": "destroy",
                                                                          "room": room}})
    assert (r.status_code, error_code(r)) == (403, "janus_request_refused")
    # A subscription goes through (there is no presenter's feed yet: Janus says so).
    r = await _janus_via_parta(masha, hurl, {"janus": "message", "body": {
        "request": "join", "ptype": "subscriber", "room": room,
        "streams": [{"feed": await world.user_id("admin")}]}})
    assert r.status_code == 200 and r.json()["janus"] == "ack", r.text
    assert (await _poll_until(masha, f"{base}/{session}", "428"))["error_code"] == 428
    # Petya, not watching, has no way in; nor to Маша's session.
    petya = await world.as_("student2")
    r = await _janus_via_parta(petya, base, {"janus": "create"})
    assert (r.status_code, error_code(r)) == (403, "not_watching")
    await petya.post(f"{API}/broadcasts/{bid}/watch")
    assert (await petya.get(f"{base}/{session}")).status_code == 404

    # Past Parta, Janus itself refuses a publisher without a presenter's token.
    janus = world.services.janus
    sid = await janus.create_session()
    handle = await janus.attach(sid)
    await janus.forward("POST", f"/{sid}/{handle}", {"janus": "message", "body": {
        "request": "join", "ptype": "publisher", "room": room, "id": 777}})
    event = await janus.forward("GET", f"/{sid}", params={"maxev": "1"})
    assert event["plugindata"]["data"]["error_code"] == 433  # not in the allowed list
    await janus.destroy_session(sid)

    # The presenter's browser publishes as herself, with her token.
    pbase = on_air["janus"]["url"]
    r = await _janus_via_parta(irina, pbase, {"janus": "create"})
    psession = r.json()["data"]["id"]
    r = await _janus_via_parta(irina, f"{pbase}/{psession}", {"janus": "attach",
                                                              "plugin": "janus.plugin.videoroom"})
    r = await _janus_via_parta(irina, f"{pbase}/{psession}/{r.json()['data']['id']}", {
        "janus": "message", "body": {"request": "join", "ptype": "publisher", "room": room,
                                     "display": "кто-то", "token": on_air["janus"]["token"]}})
    joined = await _poll_until(irina, f"{pbase}/{psession}", "joined")
    assert joined["id"] == await world.user_id("admin")

    # Off the air: the room is gone, nobody watches, nobody comes in.
    r = await anna.post(f"{API}/broadcasts/{bid}/off-air")
    assert r.status_code == 403 and error_code(r) == "not_presenter"
    r = await irina.post(f"{API}/broadcasts/{bid}/off-air")
    assert r.status_code == 200 and r.json()["on_air"] is False and r.json()["viewers"] == 0
    assert not await _room_exists(world, room)
    r = await masha.post(f"{API}/broadcasts/{bid}/watch")
    assert r.status_code == 409 and error_code(r) == "broadcast_over"
    r = await irina.post(f"{API}/broadcasts/{bid}/on-air")
    assert r.status_code == 409 and error_code(r) == "broadcast_over"


async def _room_exists(world: World, room: int) -> bool:
    async with world.services.janus.videoroom() as vr:
        return await vr.exists(room)


async def test_the_live_count_is_coalesced_and_a_full_broadcast_says_so(world: World) -> None:
    world.services.settings.broadcast_max_viewers = 2
    world.services.settings.broadcast_count_seconds = 3.0  # wider than the four requests
    irina = await world.as_("admin")
    bid = await planned(world, irina)
    assert (await irina.post(f"{API}/broadcasts/{bid}/on-air")).status_code == 200
    masha, petya, elena = await world.as_("student"), await world.as_("student2"), await world.as_("parent")
    assert (await masha.post(f"{API}/broadcasts/{bid}/watch")).status_code == 200
    assert (await petya.post(f"{API}/broadcasts/{bid}/watch")).status_code == 200
    r = await elena.post(f"{API}/broadcasts/{bid}/watch")
    assert r.status_code == 409 and error_code(r) == "broadcast_full"
    assert "2" in r.json()["error"]["message"]
    assert (await masha.post(f"{API}/broadcasts/{bid}/watch")).status_code == 200  # a reload
    assert world.events_of("broadcast.viewers") == []  # not yet: the window is open
    for _ in range(80):
        if world.events_of("broadcast.viewers"):
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.3)
    counts = world.events_of("broadcast.viewers")
    assert len(counts) == 1  # three admissions within the window: one event
    assert counts[0].event.viewers == 2  # type: ignore[attr-defined]
    assert counts[0].ephemeral
    assert counts[0].audience == {await world.user_id(k) for k in ("admin", "student", "student2")}
    r = await irina.get(f"{API}/broadcasts/{bid}")
    assert r.json()["viewers"] == 2

    assert (await masha.post(f"{API}/broadcasts/{bid}/leave")).status_code == 200
    assert (await elena.post(f"{API}/broadcasts/{bid}/watch")).status_code == 200  # a seat freed
    async with world.services.sessionmaker() as db:
        stays = (await db.execute(select(BroadcastViewer.user_id, BroadcastViewer.left_at).where(
            BroadcastViewer.broadcast_id == bid))).all()
    assert sorted((uid, left is None) for uid, left in stays) == sorted([
        (await world.user_id("student"), False), (await world.user_id("student2"), True),
        (await world.user_id("parent"), True)])


async def test_who_is_not_the_audience_may_not_watch(world: World) -> None:
    irina = await world.as_("admin")
    g5 = (await groups_of(irina, world.org_id))["5А"]["id"]
    bid = await planned(world, irina, "parents", group_ids=[g5])
    assert (await irina.post(f"{API}/broadcasts/{bid}/on-air")).status_code == 200
    r = await (await world.as_("student")).post(f"{API}/broadcasts/{bid}/watch")
    assert r.status_code == 403 and error_code(r) == "not_in_audience"
    _gym, gym_admin = await register_gymnasium(world)
    for path in ("watch", "on-air", "off-air", "janus"):
        r = await gym_admin.post(f"{API}/broadcasts/{bid}/{path}", json={"janus": "create"})
        assert r.status_code == 404, (path, r.text)
    assert (await (await world.as_("parent")).post(f"{API}/broadcasts/{bid}/watch")).status_code == 200
