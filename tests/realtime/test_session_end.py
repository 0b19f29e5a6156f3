"""Ending a session closes its event sockets at once, on a real server: signing out, ending the
other sessions from another device. (An outside probe found a socket that kept receiving
``message.new`` after its session was signed out.) The person's other sessions stay connected."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from parta.client import PartaClient
from tests.live import LiveServer
from tests.realtime.conftest import signed_in

pytestmark = pytest.mark.realtime

TEACHER = "+79000000002"


def _url(server: LiveServer) -> str:
    return server.base_url.replace("http://", "ws://") + "/api/v1/events"


async def _socket(server: LiveServer, client: PartaClient) -> ClientConnection:
    ws = await connect(_url(server), additional_headers={"Authorization": f"Bearer {client.token}"})
    hello = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert hello["type"] == "hello"
    return ws


async def _until_closed(ws: ClientConnection) -> list[dict[str, Any]]:
    """What the server sent before it closed the socket (fails if it never closes)."""
    seen: list[dict[str, Any]] = []
    with pytest.raises(ConnectionClosed):
        while True:
            seen.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
    return seen


async def _still_open(ws: ClientConnection) -> None:
    await ws.send(json.dumps({"type": "ping"}))
    while True:
        said = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if said == {"type": "pong"}:
            return


async def test_signing_out_closes_that_sessions_socket_only(server: LiveServer) -> None:
    phone = await signed_in(server, TEACHER)
    laptop = await signed_in(server, TEACHER)
    on_phone, on_laptop = await _socket(server, phone), await _socket(server, laptop)
    try:
        await phone.post("/auth/logout")
        seen = await _until_closed(on_phone)
        assert on_phone.close_code == 4401
        assert [e["type"] for e in seen] == ["session.ended"]
        await _still_open(on_laptop)
        # A new socket for the ended session is refused as well.
        refused = await connect(_url(server),
                                additional_headers={"Authorization": f"Bearer {phone.token}"})
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(refused.recv(), 10)
        assert refused.close_code == 4401
    finally:
        await on_laptop.close()
        await phone.close()
        await laptop.close()


async def test_ending_other_sessions_closes_their_sockets(server: LiveServer) -> None:
    phone, laptop, tablet = [await signed_in(server, TEACHER) for _ in range(3)]
    sockets = [await _socket(server, c) for c in (phone, laptop, tablet)]
    try:
        ended = await laptop.post("/me/sessions/end-others")
        assert ended["ended"] >= 2
        for ws in (sockets[0], sockets[2]):
            await _until_closed(ws)
            assert ws.close_code == 4401
        await _still_open(sockets[1])
    finally:
        for ws in sockets:
            await ws.close()
        for c in (phone, laptop, tablet):
            await c.close()
