"""Janus (the SFU for calls) through its plain-HTTP API: sessions, the VideoRoom plugin's rooms,
their allowed tokens, kicks and moderation; the Streaming plugin's RTP mountpoints (a school's
video file broadcast from the server).

Every request carries the API secret, which only Parta knows; VideoRoom rooms are created with
the plugin's admin key and each has a secret of its own, so nobody but Parta creates, changes or
destroys one. A browser reaches Janus only through Parta's proxy (``forward``), which adds the
API secret after Parta admitted the person.

    JanusError            Janus answered with an error (``code``, ``reason``)
    └── JanusUnavailable  Janus did not answer (down, timed out, not HTTP we understand)
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from parta.config import Settings

__all__ = [
    "NO_SUCH_FEED",
    "NO_SUCH_MOUNTPOINT",
    "NO_SUCH_ROOM",
    "STREAMING",
    "VIDEOROOM",
    "Janus",
    "JanusError",
    "JanusUnavailable",
    "Mountpoint",
    "Streaming",
    "VideoRoom",
    "make_janus",
    "new_room_id",
]

VIDEOROOM = "janus.plugin.videoroom"
STREAMING = "janus.plugin.streaming"
# VideoRoom's error codes that callers act on.
NO_SUCH_ROOM = 426
NO_SUCH_FEED = 428
NO_SUCH_MOUNTPOINT = 455  # Streaming's
# Ids the browser's JavaScript holds exactly (below 2**53).
MAX_JS_INT = 2**53 - 1


class JanusError(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"janus error {code}: {reason}")
        self.code = code
        self.reason = reason


class JanusUnavailable(JanusError):
    def __init__(self, reason: str) -> None:
        super().__init__(0, reason)


def new_room_id() -> int:
    return secrets.randbelow(MAX_JS_INT - 1) + 1


def _transaction() -> str:
    return secrets.token_hex(8)


class Janus:
    """One Janus server. Parta's own requests use a short session per operation (no keepalive
    task to look after); browsers' sessions are theirs, kept alive by their long polls."""

    def __init__(self, url: str, api_secret: str, admin_key: str, timeout: float = 10.0,
                 client: httpx.AsyncClient | None = None) -> None:
        self.url = url.rstrip("/")
        self.api_secret = api_secret
        self.admin_key = admin_key
        self.timeout = timeout
        self._client = client

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            # Long polls wait up to 30 s on Janus's side; the read timeout leaves room for that.
            self._client = httpx.AsyncClient(timeout=httpx.Timeout(self.timeout, read=45.0))
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def forward(self, method: str, path: str, body: dict[str, Any] | None = None,
                      params: dict[str, str] | None = None) -> Any:
        """Send ``body`` (or a GET) to ``url + path`` with the API secret; Janus's JSON answer,
        error answers included. Only ``JanusUnavailable`` is raised."""
        url = self.url + path
        try:
            if method == "GET":
                r = await self._http().get(url, params={**(params or {}),
                                                        "apisecret": self.api_secret})
            else:
                payload = {**(body or {}), "apisecret": self.api_secret}
                payload.setdefault("transaction", _transaction())
                r = await self._http().post(url, json=payload, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise JanusUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if r.status_code >= 500:
            raise JanusUnavailable(f"HTTP {r.status_code}")
        try:
            return r.json()
        except ValueError as exc:
            raise JanusUnavailable("not JSON") from exc

    async def _call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = await self.forward("POST", path, body)
        if not isinstance(answer, dict):
            raise JanusUnavailable("unexpected answer")
        if answer.get("janus") == "error":
            error = answer.get("error") or {}
            raise JanusError(int(error.get("code", 0)), str(error.get("reason", "")))
        return answer

    async def create_session(self) -> int:
        answer = await self._call("", {"janus": "create"})
        return int(answer["data"]["id"])

    async def attach(self, session_id: int, plugin: str = VIDEOROOM) -> int:
        answer = await self._call(f"/{session_id}", {"janus": "attach", "plugin": plugin})
        return int(answer["data"]["id"])

    async def keepalive(self, session_id: int) -> None:
        await self._call(f"/{session_id}", {"janus": "keepalive"})

    async def destroy_session(self, session_id: int) -> None:
        await self._call(f"/{session_id}", {"janus": "destroy"})

    async def message(self, session_id: int, handle_id: int, body: dict[str, Any]
                      ) -> dict[str, Any]:
        """A synchronous plugin request: the plugin's answer, or ``JanusError`` for its error."""
        answer = await self._call(f"/{session_id}/{handle_id}", {"janus": "message", "body": body})
        data = (answer.get("plugindata") or {}).get("data")
        if not isinstance(data, dict):
            raise JanusUnavailable("no plugin data in the answer")
        if "error_code" in data or data.get("videoroom") == "event" and "error" in data:
            raise JanusError(int(data.get("error_code", 0)), str(data.get("error", "")))
        return data

    @asynccontextmanager
    async def videoroom(self) -> AsyncIterator[VideoRoom]:
        """A VideoRoom handle on a session of its own, destroyed afterwards."""
        session_id = await self.create_session()
        try:
            handle_id = await self.attach(session_id)
            yield VideoRoom(self, session_id, handle_id)
        finally:
            try:
                await self.destroy_session(session_id)
            except JanusError:
                pass  # it times out by itself

    @asynccontextmanager
    async def streaming(self) -> AsyncIterator[Streaming]:
        """A Streaming handle on a session of its own, destroyed afterwards."""
        session_id = await self.create_session()
        try:
            handle_id = await self.attach(session_id, STREAMING)
            yield Streaming(self, session_id, handle_id)
        finally:
            try:
                await self.destroy_session(session_id)
            except JanusError:
                pass  # it times out by itself


class VideoRoom:
    """Requests to the VideoRoom plugin on one handle (see ``Janus.videoroom``)."""

    def __init__(self, janus: Janus, session_id: int, handle_id: int) -> None:
        self.janus, self.session_id, self.handle_id = janus, session_id, handle_id

    async def _request(self, body: dict[str, Any]) -> dict[str, Any]:
        return await self.janus.message(self.session_id, self.handle_id, body)

    async def create_room(self, room: int, secret: str, *, description: str,
                          publishers: int, bitrate: int = 512_000, videocodec: str = "vp8"
                          ) -> None:
        """A private, temporary room that only holders of an allowed token may enter (the list
        starts empty: Parta adds each person's token when it admits them). ``bitrate`` caps
        what each publisher sends (Janus tells the browser through REMB)."""
        await self._request({
            "request": "create", "admin_key": self.janus.admin_key, "room": room,
            "permanent": False, "is_private": True, "description": description[:100],
            "secret": secret, "allowed": [], "publishers": publishers,
            "audiocodec": "opus", "videocodec": videocodec, "notify_joining": True,
            "bitrate": bitrate, "bitrate_cap": True,
        })

    async def room(self, room: int) -> dict[str, Any] | None:
        """The room as Janus describes it (codecs, bitrate, publishers), private ones too."""
        data = await self._request({"request": "list", "admin_key": self.janus.admin_key})
        return next((r for r in data.get("list", []) if r.get("room") == room), None)

    async def allow(self, room: int, secret: str, tokens: list[str], *, add: bool = True) -> None:
        await self._request({"request": "allowed", "room": room, "secret": secret,
                             "action": "add" if add else "remove", "allowed": tokens})

    async def allowed(self, room: int, secret: str) -> list[str]:
        data = await self._request({"request": "allowed", "room": room, "secret": secret,
                                    "action": "enable"})
        return [str(t) for t in data.get("allowed", [])]

    async def destroy_room(self, room: int, secret: str) -> None:
        await self._request({"request": "destroy", "room": room, "secret": secret,
                             "permanent": False})

    async def exists(self, room: int) -> bool:
        data = await self._request({"request": "exists", "room": room})
        return bool(data.get("exists"))

    async def participants(self, room: int) -> list[dict[str, Any]]:
        data = await self._request({"request": "listparticipants", "room": room})
        return list(data.get("participants", []))

    async def kick(self, room: int, secret: str, feed_id: int) -> None:
        await self._request({"request": "kick", "room": room, "secret": secret, "id": feed_id})

    async def moderate(self, room: int, secret: str, feed_id: int, *, mid: str,
                       mute: bool) -> None:
        await self._request({"request": "moderate", "room": room, "secret": secret,
                             "id": feed_id, "mid": mid, "mute": mute})


class Mountpoint:
    """An RTP mountpoint Janus made: where its video and audio are to be sent (UDP ports)."""

    __slots__ = ("audio_port", "id", "video_port")

    def __init__(self, mountpoint_id: int, video_port: int, audio_port: int | None) -> None:
        self.id, self.video_port, self.audio_port = mountpoint_id, video_port, audio_port


class Streaming:
    """Requests to the Streaming plugin on one handle (see ``Janus.streaming``)."""

    def __init__(self, janus: Janus, session_id: int, handle_id: int) -> None:
        self.janus, self.session_id, self.handle_id = janus, session_id, handle_id

    async def _request(self, body: dict[str, Any]) -> dict[str, Any]:
        return await self.janus.message(self.session_id, self.handle_id, body)

    async def create_rtp(self, mountpoint_id: int, secret: str, pin: str, *, description: str,
                         audio: bool, host: str) -> Mountpoint:
        """A private, temporary RTP mountpoint: VP8 video (payload type 96) and, with ``audio``,
        Opus (111), on ports Janus picks from its range on ``host`` only; watching it takes
        ``pin``, changing or destroying it ``secret``."""
        media: list[dict[str, Any]] = [
            {"type": "video", "mid": "v", "port": 0, "pt": 96, "codec": "vp8", "iface": host}]
        if audio:
            media.append({"type": "audio", "mid": "a", "port": 0, "pt": 111, "codec": "opus",
                          "iface": host})
        data = await self._request({
            "request": "create", "admin_key": self.janus.admin_key, "type": "rtp",
            "id": mountpoint_id, "description": description[:100], "is_private": True,
            "secret": secret, "pin": pin, "permanent": False, "media": media,
        })
        ports = {str(p.get("type")): int(p["port"])
                 for p in (data.get("stream") or {}).get("ports", []) if "port" in p}
        if "video" not in ports or audio and "audio" not in ports:
            raise JanusUnavailable("the mountpoint's ports are not in the answer")
        return Mountpoint(mountpoint_id, ports["video"], ports.get("audio"))

    async def destroy(self, mountpoint_id: int, secret: str) -> None:
        await self._request({"request": "destroy", "id": mountpoint_id, "secret": secret,
                             "permanent": False})

    async def info(self, mountpoint_id: int, secret: str) -> dict[str, Any]:
        data = await self._request({"request": "info", "id": mountpoint_id, "secret": secret})
        return dict(data.get("info") or {})


def make_janus(settings: Settings) -> Janus:
    return Janus(settings.janus_url, settings.janus_api_secret, settings.janus_admin_key,
                 settings.janus_timeout_seconds)
