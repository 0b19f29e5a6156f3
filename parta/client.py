"""A Python client for Parta: the HTTP API and the resumable event stream.

    client = PartaClient("http://127.0.0.1:8000")
    await client.request_code("+79000000001")
    await client.sign_in("+79000000001", code)
    async with client.events() as stream:          # resumes from stream.last_id on reconnect
        async for event in stream:
            ...
    sent = await stream.send_message(chat_id, "Hello", client_id="k1")  # over the same socket

Tests and the load generator use it; it speaks only the public API.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections import deque
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Any, Self

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidMessage, InvalidStatus
from websockets.protocol import State

__all__ = ["ApiError", "EventStream", "PartaClient", "ResyncRequired", "SendInterrupted"]

MAX_FRAME = 64 * 1024  # characters of one frame the server reads; a longer one closes the socket


class ApiError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        err = body.get("error", {}) if isinstance(body, dict) else {}
        self.status = status
        self.code = str(err.get("code", "unknown"))
        self.message = str(err.get("message", ""))
        self.fields = err.get("field_codes", {})
        super().__init__(f"{status} {self.code}: {self.message}")


class ResyncRequired(Exception):
    """The stream cannot fill the gap: fetch fresh state, then go on from ``last_id``."""

    def __init__(self, last_id: int) -> None:
        super().__init__(last_id)
        self.last_id = last_id


class SendInterrupted(ConnectionError):
    """The connection closed before the server answered a send: the message may be stored or
    not. Send it again, over HTTP or the stream, with the same ``client_id`` to find out."""


class PartaClient:
    def __init__(self, base_url: str, *, token: str | None = None, timeout: float = 15) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self.http.aclose()

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    async def call(self, method: str, path: str, json_body: Any = None,
                   params: dict[str, Any] | None = None) -> Any:
        resp = await self.http.request(method, f"/api/v1{path}", json=json_body, params=params,
                                       headers=self._headers())
        body = resp.json() if resp.content else {}
        if resp.status_code >= 400:
            raise ApiError(resp.status_code, body)
        return body

    async def get(self, path: str, **params: Any) -> Any:
        return await self.call("GET", path, params=params or None)

    async def post(self, path: str, body: Any = None) -> Any:
        return await self.call("POST", path, body if body is not None else {})

    async def patch(self, path: str, body: Any) -> Any:
        return await self.call("PATCH", path, body)

    async def request_code(self, phone: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.post("/auth/code", {"phone": phone})
        return result

    async def sign_in(self, phone: str, code: str, device: str = "parta.client") -> dict[str, Any]:
        body = await self.post("/auth/verify", {"phone": phone, "code": code, "client": "api",
                                                "device": device})
        self.token = body["token"]
        user: dict[str, Any] = body["user"]
        return user

    def events(self, last_id: int | None = None, *, reconnect: bool = True) -> EventStream:
        return EventStream(self, last_id, reconnect=reconnect)


Answers = dict[str, asyncio.Future[dict[str, Any]]]  # one socket's sends: ref → the caller


class EventStream:
    """Events in order, each once, across reconnects. Raises ``ResyncRequired`` when the server
    says the gap cannot be filled; ``last_id`` is then already moved on.

    ``send_message`` sends over the same socket. Its answer (``sent`` / ``refused``) goes to the
    waiting caller and is never yielded by the iteration, which goes on undisturbed; the
    message's own ``message.new`` is yielded as any event. The socket is read by one task at a
    time — the iteration, ``ready()`` or a sender waiting for its answer — so a stream nobody
    iterates still gets its answers, and events read meanwhile wait for the iteration."""

    def __init__(self, client: PartaClient, last_id: int | None, *, reconnect: bool) -> None:
        self.client = client
        self.last_id = last_id
        self.reconnect = reconnect
        self._ws: ClientConnection | None = None
        self._pending: deque[dict[str, Any] | ResyncRequired] = deque()
        self._answers: Answers = {}
        self._refs = itertools.count(1)
        self._reading = asyncio.Lock()
        self._opening = asyncio.Lock()
        self.connected = asyncio.Event()

    def _url(self) -> str:
        url = self.client.base_url.replace("http://", "ws://").replace("https://", "wss://")
        url += "/api/v1/events"
        return url + (f"?last_id={self.last_id}" if self.last_id is not None else "")

    async def _connect(self) -> None:
        delay = 0.05
        while True:
            try:
                self._ws = await connect(self._url(), additional_headers=self.client._headers(),
                                         open_timeout=10, max_size=2**22)
                return
            except (OSError, ConnectionClosed, TimeoutError, InvalidMessage, InvalidStatus) as exc:
                # InvalidMessage: the server went away in the middle of the handshake;
                # a 5xx: a proxy in front answers while the server restarts.
                if not self.reconnect or (isinstance(exc, InvalidStatus)
                                          and exc.response.status_code < 500):
                    raise
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    async def __aenter__(self) -> Self:
        await self._connect()
        return self

    async def __aexit__(self, t: type[BaseException] | None, e: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()

    async def close(self) -> None:
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()

    async def _reopen(self, dead: ClientConnection | None) -> bool:
        """Dial again after ``dead`` closed (or for the first time), unless another task did
        already. False when the stream does not reconnect."""
        async with self._opening:
            if self._ws is not dead:
                return True
            if dead is not None:
                self.connected.clear()
                self._fail_answers()
                if dead.close_code in (4401, 4403):
                    raise ApiError(401, {"error": {"code": "not_authenticated"}})
                if not self.reconnect:
                    return False
                self._ws = None
            await self._connect()
            return True

    def _fail_answers(self, answers: Answers | None = None) -> None:
        """The socket of these sends closed: their answers will never come."""
        if answers is None or answers is self._answers:
            answers, self._answers = self._answers, {}
        for waiting in answers.values():
            if not waiting.done():
                waiting.set_exception(SendInterrupted(
                    "the connection closed before the answer; send again with the same client_id"))

    async def send_message(self, chat_id: int, body: str, *, client_id: str | None = None,
                           reply_to_id: int | None = None, attachment_ids: list[int] | None = None,
                           forward_of: int | None = None,
                           confirm_conduct: bool = False) -> dict[str, Any]:
        """Send a message over the event stream, as ``POST /chats/{chat_id}/messages`` would:
        returns what that returns (the message and ``created``, or ``held`` and ``created`` for
        a message held for a moderator); raises ``ApiError`` for what it refuses. By then the
        message's ``message.new`` has been read (it comes first) and waits for the iteration.
        Raises ``SendInterrupted`` when the connection closes before the answer, ``ValueError``
        when the send does not fit in one frame (a body full of escaped characters: use HTTP)."""
        frame = {"type": "send", "chat_id": chat_id, "body": body, "client_id": client_id,
                 "reply_to_id": reply_to_id, "attachment_ids": attachment_ids or [],
                 "forward_of": forward_of, "confirm_conduct": confirm_conduct}
        ref = str(next(self._refs))
        text = json.dumps({**frame, "ref": ref}, ensure_ascii=False)
        if len(text) > MAX_FRAME:
            raise ValueError(f"a send frame of {len(text)} characters; the server reads {MAX_FRAME}")
        ws = self._ws
        if (ws is None or ws.state is State.CLOSED) and not await self._reopen(ws):
            raise SendInterrupted("the event stream is closed")
        ws, answers = self._ws, self._answers
        assert ws is not None
        answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        answers[ref] = answer
        try:
            try:
                await ws.send(text)
                while not answer.done():
                    async with self._reading:  # another task may be reading: it routes ours
                        if answer.done():
                            break
                        await self._read_aside(ws)
            except ConnectionClosed:
                self._fail_answers(answers)
            reply = await answer
        finally:
            answers.pop(ref, None)
        if reply.get("type") == "sent":
            result: dict[str, Any] = reply["result"]
            return result
        raise ApiError(int(reply.get("status", 400)), {"error": reply.get("error", {})})

    async def _read_aside(self, ws: ClientConnection) -> None:
        """Read one frame for others (the caller holds ``_reading``): answers go to their
        senders, events and a resync wait in order for the iteration."""
        try:
            event = self._handle(await ws.recv())
        except ResyncRequired as resync:
            self._pending.append(resync)
            return
        if event is not None:
            self._pending.append(event)

    async def ping(self) -> None:
        assert self._ws is not None
        await self._ws.send(json.dumps({"type": "ping"}))

    async def ready(self, timeout: float = 10) -> int | None:
        """Wait for the server's hello (after any replay, which is kept for iteration)."""

        async def until_hello() -> None:
            while not self.connected.is_set():
                ws = self._ws
                assert ws is not None
                async with self._reading:
                    if self.connected.is_set():
                        return
                    event = self._handle(await ws.recv())
                if event is not None:
                    self._pending.append(event)

        if self._ws is None:
            await self._reopen(None)
        await asyncio.wait_for(until_hello(), timeout)
        return self.last_id

    def _handle(self, raw: str | bytes) -> dict[str, Any] | None:
        """The event to hand the caller, or None for control messages, answers and repeats."""
        event: dict[str, Any] = json.loads(raw)
        kind = event.get("type")
        if kind in ("sent", "refused"):
            waiting = self._answers.get(str(event.get("ref")))
            if waiting is not None and not waiting.done():
                waiting.set_result(event)
            return None
        if kind == "hello":
            self.last_id = int(event["last_id"])
            self.connected.set()
            return None
        if kind == "resync_required":
            if "last_id" in event:
                self.last_id = int(event["last_id"])
            raise ResyncRequired(self.last_id or 0)
        if kind == "pong":
            return None
        event_id = event.get("id")
        if event_id:
            if self.last_id is not None and event_id <= self.last_id:
                return None  # never hand the caller the same event twice
            self.last_id = int(event_id)
        return event

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[dict[str, Any]]:
        while True:
            while self._pending:
                item = self._pending.popleft()
                if isinstance(item, ResyncRequired):
                    raise item
                yield item
            ws = self._ws
            if ws is None:
                await self._reopen(None)
                continue
            try:
                async with self._reading:
                    if self._pending or ws is not self._ws:
                        continue  # a sender read events meanwhile, or dialed again
                    event = self._handle(await ws.recv())
            except ConnectionClosed:
                if not await self._reopen(ws):
                    return
                continue
            if event is not None:
                yield event
