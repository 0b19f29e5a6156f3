"""One WebSocket frame per event, written to every recipient's socket as the same bytes.

Why this exists: a live event reaches each recipient through ``ws.send_text`` — Starlette, the
ASGI ``send``, uvicorn's protocol, then websockets builds (and, with permessage-deflate,
compresses) a frame for that socket alone: ~20 µs per recipient. Frames from a server are not
masked, so the frame for one event is the same bytes for everyone. :func:`text_frame` builds it
once per event (``Envelope.frame()``) and :class:`FrameWriter` writes it straight to each socket's
transport; the gateway falls back to ``send_text`` whenever the writer declines.

A frame written here is never compressed (RSV1 = 0). That is valid on a connection that
negotiated permessage-deflate: RFC 7692 §6 lets a sender leave any message uncompressed, and a
receiver inflates only the compressed ones, so the shared LZ77 window (context takeover) stays
as the library's own compressed messages left it. The price: a browser, which always
negotiates deflate, gets live events uncompressed (JSON of a few hundred bytes, mostly).

What this relies on (pinned in requirements.txt: uvicorn==0.54.0, websockets==17.4). uvicorn's
``ws="auto"`` picks ``WebSocketsSansIOProtocol`` when websockets is installed; we subclass that
one explicitly (:class:`FrameProtocol`, passed as ``ws=`` through :data:`UVICORN_WS_OPTIONS`):

- it writes every frame of its own — a message (a single frame: it never fragments), a ping,
  the pong that answers a client's ping, a close — in one synchronous call on the loop's
  thread: ``conn.send_*()`` then ``transport.write(b"".join(conn.data_to_send()))`` with no
  ``await`` between. A message it compresses is compressed whole into one frame before that
  write. So between two callbacks of the loop no frame is half-written, and a whole frame we
  write synchronously cannot land inside one of its frames. The writer also declines if the
  sans-I/O protocol holds bytes not yet handed to the transport (``conn.writes``), which no
  uvicorn path leaves behind while the connection is open;
- ``conn.state`` (websockets' sans-I/O ``ServerProtocol``) is ``OPEN`` only after the 101
  answer was written and before a close frame was sent or received; uvicorn's ``close_sent``
  and ``disconnected`` and ``transport.is_closing()`` cover its own closing steps;
- ``writable`` is cleared by ``pause_writing()`` (the transport's buffer above asyncio's high-
  water mark, 64 KiB) and set by ``resume_writing()``; uvicorn's ``send`` waits on it. The writer
  declines while it is cleared, so a socket that does not keep up goes through the awaited
  path and the gateway's bounded backlog, as before.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from starlette.websockets import WebSocket
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.http11 import Request
from websockets.protocol import State

__all__ = ["EXTENSION", "UVICORN_WS_OPTIONS", "FrameProtocol", "FrameWriter", "SocketTransport",
           "text_frame"]

EXTENSION = "parta.frames"  # the ASGI scope's extensions key holding the FrameWriter

_FIN_TEXT = 0x81  # FIN, RSV1-3 clear, opcode 0x1 (text)


def text_frame(text: str) -> bytes:
    """A whole, unmasked, uncompressed text frame carrying ``text``."""
    data = text.encode()
    n = len(data)
    if n < 126:
        head = bytes((_FIN_TEXT, n))
    elif n < 0x10000:
        head = bytes((_FIN_TEXT, 126)) + n.to_bytes(2, "big")
    else:
        head = bytes((_FIN_TEXT, 127)) + n.to_bytes(8, "big")
    return head + data


class FrameWriter:
    """Writes prebuilt frames to one connection's transport while that is safe."""

    __slots__ = ("_protocol", "written")

    def __init__(self, protocol: FrameProtocol) -> None:
        self._protocol: FrameProtocol | None = protocol
        self.written = 0  # frames this writer put on the wire (tests and diagnostics)

    def write(self, frame: bytes) -> bool:
        """Write ``frame`` now and return True; or write nothing and return False when the
        connection is not open, is closing, or its transport pushes back."""
        p = self._protocol
        if (p is None or p.close_sent or p.disconnected or not p.writable.is_set()
                or p.conn.state is not State.OPEN or p.conn.writes
                or p.transport.is_closing()):
            return False
        p.transport.write(frame)
        self.written += 1
        return True

    def detach(self) -> None:
        self._protocol = None


class FrameProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O WebSocket protocol, offering a :class:`FrameWriter` to the app."""

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        # The scope exists only when the handshake goes on to the app, whose task has not
        # started yet.
        scope: Any = getattr(self, "scope", None)
        if scope is not None:
            scope["extensions"][EXTENSION] = FrameWriter(self)

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        scope: Any = getattr(self, "scope", None)
        writer = scope["extensions"].get(EXTENSION) if scope is not None else None
        if writer is not None:
            writer.detach()  # nothing more to write, and no cycle back to this protocol


class SocketTransport:
    """A Starlette WebSocket as the gateway's ``Transport``: text through ``send_text``, and
    prebuilt frames through this connection's :class:`FrameWriter` when uvicorn runs
    :class:`FrameProtocol` (otherwise ``frames`` is False and every event goes as text)."""

    __slots__ = ("_writer", "_ws")

    def __init__(self, ws: WebSocket) -> None:
        self._ws = ws
        writer = (ws.scope.get("extensions") or {}).get(EXTENSION)
        self._writer = writer if isinstance(writer, FrameWriter) else None

    @property
    def frames(self) -> bool:
        return self._writer is not None

    def send_text(self, text: str) -> Coroutine[Any, Any, None]:
        return self._ws.send_text(text)

    def write_frame(self, frame: bytes) -> bool:
        return self._writer is not None and self._writer.write(frame)

    async def close(self, code: int = 1000) -> None:
        await self._ws.close(code)


# Every place that starts uvicorn passes these, so the protocol and limits cannot drift.
UVICORN_WS_OPTIONS: dict[str, Any] = {
    "ws": FrameProtocol,
    # Clients send pings and messages (the route refuses a frame over 64 K characters).
    "ws_max_size": 1_048_576,
}
