"""A Python client for Parta: the HTTP API and the resumable event stream.

    client = PartaClient("http://127.0.0.1:8000")
    await client.request_code("+79000000001")
    await client.sign_in("+79000000001", code)
    async with client.events() as stream:          # resumes from stream.last_id on reconnect
        async for event in stream:
            ...

Tests and the load generator use it; it speaks only the public API.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Any, Self

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

__all__ = ["ApiError", "EventStream", "PartaClient", "ResyncRequired"]


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


class EventStream:
    """Events in order, each once, across reconnects. Raises ``ResyncRequired`` when the server
    says the gap cannot be filled; ``last_id`` is then already moved on."""

    def __init__(self, client: PartaClient, last_id: int | None, *, reconnect: bool) -> None:
        self.client = client
        self.last_id = last_id
        self.reconnect = reconnect
        self._ws: ClientConnection | None = None
        self._pending: deque[dict[str, Any]] = deque()
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
            except (OSError, ConnectionClosed, TimeoutError):
                if not self.reconnect:
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

    async def ping(self) -> None:
        assert self._ws is not None
        await self._ws.send(json.dumps({"type": "ping"}))

    async def ready(self, timeout: float = 10) -> int | None:
        """Wait for the server's hello (after any replay, which is kept for iteration)."""

        async def until_hello() -> None:
            assert self._ws is not None
            while not self.connected.is_set():
                event = self._handle(await self._ws.recv())
                if event is not None:
                    self._pending.append(event)

        if self._ws is None:
            await self._connect()
        await asyncio.wait_for(until_hello(), timeout)
        return self.last_id

    def _handle(self, raw: str | bytes) -> dict[str, Any] | None:
        """The event to hand the caller, or None for control messages and repeats."""
        event: dict[str, Any] = json.loads(raw)
        kind = event.get("type")
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
                yield self._pending.popleft()
            if self._ws is None:
                await self._connect()
            assert self._ws is not None
            try:
                async for raw in self._ws:
                    event = self._handle(raw)
                    if event is not None:
                        yield event
            except ConnectionClosed:
                pass
            self.connected.clear()
            if self._ws is not None and self._ws.close_code in (4401, 4403):
                raise ApiError(401, {"error": {"code": "not_authenticated"}})
            if not self.reconnect:
                return
            self._ws = None
