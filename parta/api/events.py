"""``/api/v1/events``: the WebSocket event stream (auth by session cookie or bearer token)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from parta.actions.auth import session_token_hash
from parta.actions.base import Services
from parta.api.deps import SESSION_COOKIE
from parta.models import SessionKind
from parta.queries.actors import session_by_token_hash
from parta.realtime import eventlog
from parta.realtime.gateway import MAX_REPLAY, Connection, Hub

router = APIRouter()

# Close codes in the 4000 range are ours; a client should not retry 4401/4403 blindly.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN_ORIGIN = 4403


async def _user_for(services: Services, ws: WebSocket) -> int | None:
    auth = ws.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        token, kind = auth[7:].strip(), SessionKind.bearer
    else:
        token, kind = ws.cookies.get(SESSION_COOKIE, ""), SessionKind.cookie
    if not token:
        return None
    async with services.sessionmaker() as db:
        found = await session_by_token_hash(db, session_token_hash(services.settings.secret_key, token))
        await db.commit()
    if found is None or found[0].kind != kind:
        return None
    return found[1].id


def _same_origin(ws: WebSocket, base_url: str) -> bool:
    """A cookie rides along with any page's WebSocket: only our own pages may use it."""
    origin = ws.headers.get("origin")
    if origin is None:
        return False
    o, b, h = urlsplit(origin), urlsplit(base_url), ws.headers.get("host", "")
    return (o.scheme, o.netloc) == (b.scheme, b.netloc) or o.netloc == h


@router.websocket("/events")
async def events(ws: WebSocket) -> None:
    services: Services = ws.app.state.services
    hub: Hub = ws.app.state.hub
    user_id = await _user_for(services, ws)
    refusal = None
    if user_id is None:
        refusal = CLOSE_UNAUTHENTICATED
    elif "authorization" not in ws.headers and not _same_origin(ws, services.settings.base_url):
        refusal = CLOSE_FORBIDDEN_ORIGIN
    if refusal is not None:
        # Accept, then close with our code: a client learns why, not just «403».
        await ws.accept()
        await ws.close(code=refusal)
        return
    assert user_id is not None
    raw_last = ws.query_params.get("last_id", "")
    last_id = int(raw_last) if raw_last.isdigit() and len(raw_last) < 19 else None
    await ws.accept()
    conn = Connection(user_id, ws.send_text)
    hub.register(conn)  # before reading the log, so nothing published meanwhile is lost
    try:
        async with services.sessionmaker() as db:
            floor = await eventlog.pruned_through(db)
            latest = await eventlog.latest_id(db, user_id)
            missed = ([] if last_id is None or last_id > latest
                      else await eventlog.replay(db, user_id, last_id, MAX_REPLAY + 1))
        if last_id is None:
            through = latest  # a new client: fetch state over HTTP, events from here on
        elif last_id < floor or last_id > latest or len(missed) > MAX_REPLAY:
            # Too far behind (or ahead of a restored database): fetch fresh state, go on.
            await ws.send_text(json.dumps({"type": "resync_required", "last_id": latest}))
            through = latest
        else:
            for item in missed:
                await ws.send_text(json.dumps(item, ensure_ascii=False, separators=(",", ":")))
            through = missed[-1]["id"] if missed else last_id
        await ws.send_text(json.dumps({"type": "hello", "last_id": through}))
        await conn.go_live(through)
        reader = asyncio.create_task(_read(ws, conn))
        cut_off = asyncio.create_task(conn.wait_closed_by_server())
        await asyncio.wait({reader, cut_off}, return_when=asyncio.FIRST_COMPLETED)
        for task in (reader, cut_off):
            task.cancel()
    finally:
        hub.unregister(conn)
        await conn.close()
        with contextlib.suppress(Exception):
            await ws.close()


async def _read(ws: WebSocket, conn: Connection) -> None:
    """The client speaks little: an application-level ping, answered with a pong (through the
    connection's queue, so it never interleaves with an event being written)."""
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            text = await ws.receive_text()
            if len(text) > 4096:
                return
            with contextlib.suppress(ValueError):
                if json.loads(text).get("type") == "ping":
                    conn.offer(0, '{"type":"pong"}')
