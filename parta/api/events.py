"""``/api/v1/events``: the WebSocket event stream (auth by session cookie or bearer token)."""

from __future__ import annotations

import contextlib
import json
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket

from parta.actions.auth import session_token_hash, touch_session
from parta.actions.base import Services
from parta.api.deps import SESSION_COOKIE
from parta.api.socket_send import SendQueue, SocketSender
from parta.db import reading
from parta.i18n import LANGUAGES, pick_language
from parta.models import AuthSession, SessionKind
from parta.queries.actors import live_session, seen_long_ago
from parta.realtime import eventlog
from parta.realtime.frames import SocketTransport
from parta.realtime.gateway import MAX_REPLAY, Connection, Hub

router = APIRouter()

# Close codes in the 4000 range are ours; a client should not retry 4401/4403 blindly.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN_ORIGIN = 4403


async def _session_for(services: Services, ws: WebSocket) -> AuthSession | None:
    """The socket's live session: the cookie or the bearer token, as the client says."""
    auth = ws.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        token, kind = auth[7:].strip(), SessionKind.bearer
    else:
        token, kind = ws.cookies.get(SESSION_COOKIE, ""), SessionKind.cookie
    if not token:
        return None
    async with reading(services.sessionmaker) as db:
        found = await live_session(db, session_token_hash(services.settings.secret_key, token))
    if found is None or found.kind != kind:
        return None
    if seen_long_ago(found):
        await touch_session(services, found.id)
    return found


def _same_origin(ws: WebSocket, base_url: str) -> bool:
    """A cookie rides along with any page's WebSocket: only our own pages may use it."""
    origin = ws.headers.get("origin")
    if origin is None:
        return False
    o, b, h = urlsplit(origin), urlsplit(base_url), ws.headers.get("host", "")
    return (o.scheme, o.netloc) == (b.scheme, b.netloc) or o.netloc == h


async def events(ws: WebSocket) -> None:
    services: Services = ws.app.state.services
    hub: Hub = ws.app.state.hub
    found = await _session_for(services, ws)
    refusal = None
    if found is None:
        refusal = CLOSE_UNAUTHENTICATED
    elif "authorization" not in ws.headers and not _same_origin(ws, services.settings.base_url):
        refusal = CLOSE_FORBIDDEN_ORIGIN
    if refusal is not None:
        # Accept, then close with our code: a client learns why, not just «403».
        await ws.accept()
        await ws.close(code=refusal)
        return
    assert found is not None
    user_id, session_id = found.user_id, found.id
    raw_last = ws.query_params.get("last_id", "")
    last_id = int(raw_last) if raw_last.isdigit() and len(raw_last) < 19 else None
    await ws.accept()
    conn = Connection(user_id, SocketTransport(ws), session_id, found.expires_at.timestamp())
    hub.register(conn)  # before reading the log, so nothing published meanwhile is lost
    try:
        if last_id is not None:
            conn.resume()
        through = await _catch_up(services, ws, user_id, last_id)
        await ws.send_text(f'{{"type":"hello","last_id":{through}}}')
        await conn.go_live(through)
        lang = ws.query_params.get("lang", "")  # the page's language, when it says
        if lang not in LANGUAGES:
            lang = pick_language(ws.headers.get("accept-language"),
                                 services.settings.default_language)
        await _read(ws, conn, SocketSender(conn, session_id, lang), ws.app.state.send_queue)
    finally:
        hub.unregister(conn)
        await conn.close()
        with contextlib.suppress(Exception):
            await ws.close()


async def _catch_up(services: Services, ws: WebSocket, user_id: int, last_id: int | None) -> int:
    """Send what the client missed (or tell it to resync); returns the id it is now at."""
    async with reading(services.sessionmaker) as db:
        head, floor = await eventlog.head_id(db)
        missed: list[tuple[int, str]] | None = []
        if last_id is not None and floor <= last_id <= head:
            try:
                missed = await eventlog.replay(db, user_id, last_id, MAX_REPLAY + 1)
            except eventlog.TooFarBehind:
                missed = None
    if last_id is None:
        return head  # a new client: fetch state over HTTP, events from here on
    if missed is None or not floor <= last_id <= head or len(missed) > MAX_REPLAY:
        # Too far behind (or ahead of a restored database): fetch fresh state, go on.
        await ws.send_text(json.dumps({"type": "resync_required", "last_id": head}))
        return head
    for _, text in missed:
        await ws.send_text(text)
    return missed[-1][0] if missed else last_id


# A plain Starlette route: no dependency injection to run, and a lighter stack of frames
# kept alive for as long as each client stays connected.
router.add_websocket_route("/events", events)

PONG = '{"type":"pong"}'
MAX_FRAME = 64 * 1024  # characters: a send of the longest message, with room to spare


async def _read(ws: WebSocket, conn: Connection, sender: SocketSender, queue: SendQueue) -> None:
    """What the client says: an application-level ping, answered with a pong, and sends
    (``parta.api.socket_send``). Answers go through the connection, so they never interleave
    with an event being written. Returns when the client goes away or the server cut it off;
    a frame too big closes the socket, one that is not JSON is ignored."""
    while True:
        message = await ws.receive()
        text = message.get("text")
        if message["type"] != "websocket.receive" or text is None or len(text) > MAX_FRAME:
            return
        try:
            said = json.loads(text)
        except ValueError:
            continue
        kind = said.get("type") if isinstance(said, dict) else None
        if kind == "send":
            queue.offer(sender, said)
        elif kind == "ping":
            conn.reply(PONG)
