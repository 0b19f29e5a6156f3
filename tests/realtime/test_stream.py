"""The event stream over a real WebSocket: live delivery, resume with no gap and no duplicate,
across a server restart, resync when too far behind, and who may connect."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from parta.client import EventStream, PartaClient, ResyncRequired
from tests.live import LiveServer
from tests.realtime.conftest import MATH_TEACHER, signed_in

pytestmark = pytest.mark.realtime


async def next_events(stream: EventStream, n: int, timeout: float = 10) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []

    async def take() -> None:
        async for ev in stream:
            got.append(ev)
            if len(got) == n:
                return

    await asyncio.wait_for(take(), timeout)
    return got


async def org_id(client: PartaClient) -> int:
    return int((await client.get("/me"))["memberships"][0]["org"]["id"])


async def test_an_event_reaches_the_administrator_live(admin: PartaClient,
                                                       math_teacher: PartaClient) -> None:
    org = await org_id(admin)
    async with admin.events() as stream:
        await stream.ready()
        first = asyncio.create_task(next_events(stream, 1))
        await math_teacher.post(f"/orgs/{org}/verification", {"position": "учитель математики"})
        [event] = await first
    assert event["type"] == "verification.changed" and event["status"] == "requested"
    assert event["id"] > 0 and event["org_id"] == org


async def test_a_reconnecting_client_gets_what_it_missed_in_order_once(
        admin: PartaClient, math_teacher: PartaClient) -> None:
    org = await org_id(admin)
    async with admin.events() as stream:
        last_seen = await stream.ready()
    assert last_seen is not None
    # While the administrator is away: three changes she may see.
    created = []
    for label in ("5А ученики", "5А родители", "Учителя"):
        role = "teacher" if label == "Учителя" else "student"
        body = {"role": role, "label": label}
        if role == "student":
            groups = (await admin.get(f"/orgs/{org}/groups"))["groups"]
            body["group_id"] = next(g["id"] for g in groups if g["name"] == "5А")
        created.append((await admin.post(f"/orgs/{org}/invites", body))["id"])
    async with admin.events(last_id=last_seen) as stream:
        missed = await next_events(stream, 3)
        assert [e["invite_id"] for e in missed] == created
        ids = [e["id"] for e in missed]
        assert ids == sorted(ids) and len(set(ids)) == 3 and ids[0] > last_seen
        # …and then live again, with nothing repeated.
        later = asyncio.create_task(next_events(stream, 1))
        await admin.post(f"/orgs/{org}/invites/{created[0]}/annul")
        [live] = await later
        assert live["invite_id"] == created[0] and live["state"] == "annulled"
        assert live["id"] > ids[-1]


async def test_a_resumed_stream_survives_a_server_restart(workdir: Path) -> None:
    """Events made before the restart are replayed by the new process from the log."""
    first = LiveServer(workdir / "restart")
    (workdir / "restart").mkdir()
    first.start()
    try:
        admin = await signed_in(first, "+79000000001")
        teacher = await signed_in(first, MATH_TEACHER)
        org = await org_id(admin)
        admin_id = (await admin.get("/me"))["id"]
        chat = await teacher.post(f"/orgs/{org}/direct", {"user_id": admin_id})
        async with admin.events() as stream:
            last_seen = await stream.ready()
        await teacher.post(f"/orgs/{org}/verification", {})
        first_send = await teacher.post(f"/chats/{chat['id']}/messages",
                                        {"body": "Отчёт сдан.", "client_id": "report-1"})
        tokens = admin.token, teacher.token
        await admin.close()
        await teacher.close()
    finally:
        first.stop()
    second = LiveServer(workdir / "restart", seed=False)
    second.start()
    try:
        admin = PartaClient(second.base_url, token=tokens[0])
        teacher = PartaClient(second.base_url, token=tokens[1])
        # The teacher's client never saw the answer and retries: still one message.
        retry = await teacher.post(f"/chats/{chat['id']}/messages",
                                   {"body": "Отчёт сдан.", "client_id": "report-1"})
        assert retry["id"] == first_send["id"] and retry["created"] is False
        async with admin.events(last_id=last_seen) as stream:
            missed = await next_events(stream, 2)
        assert [e["type"] for e in missed] == ["verification.changed", "message.new"]
        assert missed[1]["message"]["id"] == first_send["id"]
        assert missed[0]["id"] > (last_seen or 0) and missed[1]["id"] > missed[0]["id"]
        await admin.close()
        await teacher.close()
    finally:
        second.stop()


async def test_a_client_behind_pruned_events_is_told_to_resync(
        server: LiveServer, admin: PartaClient, math_teacher: PartaClient) -> None:
    org = await org_id(admin)
    async with admin.events() as stream:
        old = await stream.ready() or 0
    await math_teacher.post(f"/orgs/{org}/verification", {})
    await asyncio.sleep(0.05)  # «older than now» must include the event just made
    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "parta", "events", "prune", "--days", "0"],
        env=server.env, capture_output=True, text=True, check=True)
    assert "Pruned" in done.stdout
    async with admin.events(last_id=old) as stream:
        with pytest.raises(ResyncRequired) as caught:
            await next_events(stream, 1)
    assert caught.value.last_id >= 0


async def test_strangers_and_foreign_pages_cannot_listen(server: LiveServer,
                                                         admin: PartaClient) -> None:
    url = server.base_url.replace("http://", "ws://") + "/api/v1/events"
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        async with connect(url, additional_headers=headers) as ws:
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 5)
            assert ws.close_code == 4401
    # A session cookie is not enough from another site's page (cross-site WebSocket hijacking).
    cookie_client = PartaClient(server.base_url)
    await cookie_client.http.post("/api/v1/auth/code", json={"phone": "+79000000021"})
    code = await asyncio.to_thread(server.code_for, "+79000000021")
    r = await cookie_client.http.post("/api/v1/auth/verify", json={
        "phone": "+79000000021", "code": code, "client": "web"})
    cookie = f"parta_session={r.cookies['parta_session']}"
    async with connect(url, additional_headers={"Cookie": cookie,
                                                "Origin": "https://evil.example"}) as ws:
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 5)
        assert ws.close_code == 4403
    async with connect(url, additional_headers={"Cookie": cookie,
                                                "Origin": server.base_url}) as ws:
        hello = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert hello["type"] == "hello"
        await ws.send(json.dumps({"type": "ping"}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5)) == {"type": "pong"}
    await cookie_client.close()


async def test_others_do_not_receive_the_administrators_events(
        server: LiveServer, admin: PartaClient, math_teacher: PartaClient) -> None:
    """A student's stream stays silent while administrators are told about a new invite."""
    org = await org_id(admin)
    student = await signed_in(server, "+79000000011")
    async with student.events() as stream, admin.events() as admins:
        await stream.ready()
        await admins.ready()
        waiting = asyncio.create_task(next_events(stream, 1, timeout=1.5))
        told = asyncio.create_task(next_events(admins, 1))
        invite = await admin.post(f"/orgs/{org}/invites", {"role": "teacher"})
        # The positive control: the event was published and delivered — to the administrator.
        [event] = await told
        assert event["type"] == "invite.changed" and event["invite_id"] == invite["id"]
        with pytest.raises(asyncio.TimeoutError):
            await waiting
    await student.close()
