"""An event's frame built once and written to every socket (``parta.realtime.frames``): the
frame read back by websockets' own parser, the writer inside uvicorn with a bare ASGI app, and
the event stream of the real server — whole, in order, and bounded for a client that stops
reading."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import socket
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import pytest
import uvicorn
from websockets.asyncio.client import connect
from websockets.client import ClientProtocol
from websockets.extensions.base import Extension
from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory,
    PerMessageDeflate,
)
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import Protocol, Side, State
from websockets.typing import ExtensionParameter
from websockets.uri import parse_uri

from parta.actions.messages import MAX_BODY
from parta.client import PartaClient
from parta.realtime.frames import EXTENSION, UVICORN_WS_OPTIONS, FrameWriter, text_frame
from parta.realtime.gateway import QUEUE_LIMIT
from tests.live import LiveServer
from tests.realtime.conftest import TEACHER, signed_in

# --- the frame, read by websockets' parser ----------------------------------------------------


def parsed(data: bytes, extensions: Sequence[Extension] = ()) -> list[Frame]:
    """The frames a websockets client makes of ``data`` sent by a server."""
    client = ClientProtocol(parse_uri("ws://parta.test/"), state=State.OPEN, max_size=None)
    client.extensions = list(extensions)
    client.receive_data(data)
    assert client.parser_exc is None, client.parser_exc
    return [e for e in client.events_received() if isinstance(e, Frame)]


@pytest.mark.parametrize(("size", "head"), [(0, 2), (125, 2), (126, 4), (65535, 4),
                                            (65536, 10), (300_000, 10)])
def test_a_text_frame_has_the_shortest_length_field_that_fits(size: int, head: int) -> None:
    text = "x" * size
    frame = text_frame(text)
    assert len(frame) == head + size
    [got] = parsed(frame)
    assert (got.opcode, got.fin, got.rsv1, got.rsv2, got.rsv3) == (Opcode.TEXT, True, False,
                                                                   False, False)
    assert bytes(got.data).decode() == text


@pytest.mark.parametrize("text", ["ж" * 62 + "!", "ж" * 63, "😀" * 16384, "Привет, 5А! 📚" * 5000])
def test_the_length_counts_utf8_bytes_not_characters(text: str) -> None:
    [got] = parsed(text_frame(text) + text_frame("next"))[:1]
    assert bytes(got.data).decode() == text
    assert len(text_frame(text)) - len(text.encode()) in (2, 4, 10)


def deflate() -> PerMessageDeflate:
    """Both ends of a permessage-deflate connection as uvicorn negotiates it (context kept)."""
    return PerMessageDeflate(remote_no_context_takeover=False, local_no_context_takeover=False,
                             remote_max_window_bits=12, local_max_window_bits=12)


def test_an_uncompressed_frame_between_compressed_messages_leaves_their_context_intact() -> None:
    """RFC 7692: a message may go uncompressed; the LZ77 window carries on around it."""
    server = Protocol(Side.SERVER, state=State.OPEN)
    server.extensions = [deflate()]
    said = '{"type":"message.new","body":"Домашнее задание на завтра: § 12, упр. 3"}'
    server.send_text(said.encode())
    first = b"".join(server.data_to_send())
    ours = text_frame('{"id":7,"type":"chat.typing"}')
    server.send_text(said.encode())  # compressed against the first one
    third = b"".join(server.data_to_send())
    assert len(third) < len(first)  # it did refer back to the first message
    frames = parsed(first + ours + third, [deflate()])
    assert [bytes(f.data).decode() for f in frames] == [said, '{"id":7,"type":"chat.typing"}',
                                                        said]


# --- a client that sees which frames were compressed ------------------------------------------


class Spy(Extension):
    """The negotiated permessage-deflate, noting for each data frame whether it came compressed
    (RSV1): the library compresses every message it sends, a shared frame never is."""

    def __init__(self, inner: Extension) -> None:
        self.inner = inner
        self.name = inner.name
        self.compressed: list[bool] = []

    def decode(self, frame: Frame, *, max_size: int | None = None) -> Frame:
        if frame.opcode in (Opcode.TEXT, Opcode.BINARY):
            self.compressed.append(frame.rsv1)
        return self.inner.decode(frame, max_size=max_size)

    def encode(self, frame: Frame) -> Frame:
        return self.inner.encode(frame)


class SpyingDeflate(ClientPerMessageDeflateFactory):
    spy: Spy | None = None

    def __init__(self) -> None:
        super().__init__(compress_settings={"memLevel": 5})

    def process_response_params(self, params: Sequence[ExtensionParameter],
                                accepted_extensions: Sequence[Extension]) -> PerMessageDeflate:
        inner = super().process_response_params(params, accepted_extensions)
        self.spy = Spy(inner)
        return self.spy  # type: ignore[return-value]


class SlowClient:
    """websockets' sans-I/O client on a socket read only when the test says so, with small
    receive buffers, so that the server's writes back up soon once it stops reading."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.uri = parse_uri(url)
        self.deflate = SpyingDeflate()
        self.protocol = ClientProtocol(self.uri, extensions=[self.deflate], max_size=None)
        self.headers = headers
        self.events: deque[Frame] = deque()
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        with contextlib.suppress(OSError):  # a small MSS keeps the server's kernel buffer small
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 1024)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (self.uri.host, self.uri.port))
        self.reader, self.writer = await asyncio.open_connection(sock=sock, limit=4096)
        request = self.protocol.connect()
        for k, v in self.headers.items():
            request.headers[k] = v
        self.protocol.send_request(request)
        self.flush()
        while True:
            data = await asyncio.wait_for(self.reader.read(65536), 10)
            assert data, "closed during the handshake"
            self.protocol.receive_data(data)
            for event in self.protocol.events_received():
                if isinstance(event, Response):
                    assert event.status_code == 101, event
                else:
                    self.events.append(event)
            if self.protocol.state is State.OPEN:
                return

    @property
    def compressed(self) -> list[bool]:
        assert self.deflate.spy is not None, "permessage-deflate was not negotiated"
        return self.deflate.spy.compressed

    def flush(self) -> None:
        assert self.writer is not None
        data = b"".join(self.protocol.data_to_send())
        if data:
            self.writer.write(data)

    def send(self, text: str) -> None:
        self.protocol.send_text(text.encode())
        self.flush()

    async def next_frame(self, timeout: float = 10) -> Frame:
        while not self.events:
            data = await asyncio.wait_for(self.reader.read(65536), timeout)
            if not data:
                raise EOFError
            self.protocol.receive_data(data)
            self.events.extend(self.protocol.events_received())
            self.flush()  # pongs, the close reply
        return self.events.popleft()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


# --- the writer inside uvicorn, with a bare ASGI app ------------------------------------------


class Sockets:
    """A bare ASGI app that accepts every WebSocket and hands the test its scope, its send and
    an event set when the app hears the socket is gone."""

    def __init__(self) -> None:
        self.opened: asyncio.Queue[tuple[dict[str, Any], Any, asyncio.Event]] = asyncio.Queue()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "websocket"
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        gone = asyncio.Event()
        self.opened.put_nowait((scope, send, gone))
        while (await receive())["type"] != "websocket.disconnect":
            pass
        gone.set()


@contextlib.asynccontextmanager
async def serving(app: Sockets) -> AsyncIterator[str]:
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_config=None,
                            log_level="warning", **UVICORN_WS_OPTIONS)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
        assert not task.done(), task.exception()
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"ws://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 15)


def message(i: int, size: int) -> str:
    return json.dumps({"i": i, "pad": "ю" * (size // 2)}, ensure_ascii=False)


@pytest.mark.parametrize("compression", [None, "deflate"])
async def test_frames_written_to_the_transport_interleave_whole_with_the_librarys(
        compression: str | None) -> None:
    app = Sockets()
    async with serving(app) as url, connect(url, compression=compression,
                                            max_size=2**22) as ws:
        scope, send, _ = await asyncio.wait_for(app.opened.get(), 5)
        writer = scope["extensions"][EXTENSION]
        assert isinstance(writer, FrameWriter)
        sizes = [0, 100, 125, 126, 1000, 65535, 65536, 200_000] * 3
        expected = [message(i, size) for i, size in enumerate(sizes)]
        fast = 0
        for i, text in enumerate(expected):
            # Every third message goes the library's way (compressed, if negotiated); the rest
            # as a prebuilt frame, unless the client reads behind and the writer declines.
            if i % 3 != 2 and writer.write(text_frame(text)):
                fast += 1
            else:
                await send({"type": "websocket.send", "text": text})
        got = [await asyncio.wait_for(ws.recv(), 10) for _ in expected]
        assert got == expected
        assert writer.written == fast > 0


async def test_the_writer_declines_once_either_side_closes() -> None:
    app = Sockets()
    async with serving(app) as url:
        async with connect(url) as ws:
            scope, send, _ = await asyncio.wait_for(app.opened.get(), 5)
            writer = scope["extensions"][EXTENSION]
            assert writer.write(text_frame("before"))
            assert await ws.recv() == "before"
            await send({"type": "websocket.close", "code": 1000})
            assert not writer.write(text_frame("after the server's close"))
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.recv(), 5)
        async with connect(url):
            scope, _, gone = await asyncio.wait_for(app.opened.get(), 5)
            writer = scope["extensions"][EXTENSION]
        await asyncio.wait_for(gone.wait(), 5)  # the client closed, the server saw it
        assert not writer.write(text_frame("after the client's close"))


async def test_the_writer_declines_while_a_client_that_stopped_reading_backs_up() -> None:
    app = Sockets()
    async with serving(app) as url:
        client = SlowClient(url, {})
        await client.open()
        try:
            scope, send, _ = await asyncio.wait_for(app.opened.get(), 5)
            writer = scope["extensions"][EXTENSION]
            chunk = message(0, 64 * 1024)
            accepted = 0
            while True:  # write until the writer declines even after the kernel took its share
                while writer.write(text_frame(chunk)):
                    accepted += 1
                    assert accepted < 200, "the writer never declined: the server buffers on"
                await asyncio.sleep(0.1)
                if not writer.write(text_frame(chunk)):
                    break
                accepted += 1
            # The library's own send now waits for the transport, as the gateway's backlog does.
            waiting = asyncio.create_task(send({"type": "websocket.send", "text": "last"}))
            await asyncio.sleep(0.2)
            assert not waiting.done() and not writer.write(text_frame(chunk))
            texts = [bytes((await client.next_frame()).data).decode() for _ in range(accepted)]
            assert texts == [chunk] * accepted
            await asyncio.wait_for(waiting, 5)
            assert bytes((await client.next_frame()).data).decode() == "last"
            assert writer.write(text_frame("again"))  # it keeps up again: the fast path is back
            assert bytes((await client.next_frame()).data).decode() == "again"
        finally:
            client.close()


# --- the event stream of the real server ------------------------------------------------------

def events_url(server: LiveServer) -> str:
    return server.base_url.replace("http://", "ws://") + "/api/v1/events"


def bearer(client: PartaClient) -> dict[str, str]:
    return {"Authorization": f"Bearer {client.token}"}


async def org_and_me(client: PartaClient) -> tuple[int, int]:
    me = await client.get("/me")
    return int(me["memberships"][0]["org"]["id"]), int(me["id"])


def big_body(k: int) -> str:
    """As big as a message gets: 10,000 characters, ~40 KB as UTF-8, and random enough that
    deflate halves it at best. (No event of the app is over 64 KiB; frames that are go through
    uvicorn in the tests above.)"""
    rng = random.Random(k)
    body = f"{k:02}:" + "".join(chr(rng.randrange(0x20000, 0x2A6E0)) for _ in range(9990))
    assert len(body) <= MAX_BODY and len(body.encode()) > 32_768
    return body


@pytest.mark.realtime
@pytest.mark.parametrize("compression", [None, "deflate"])
async def test_live_events_reach_a_websockets_client_whole_and_in_order(
        server: LiveServer, admin: PartaClient, math_teacher: PartaClient,
        compression: str | None) -> None:
    org, admin_id = await org_and_me(admin)
    chat = await math_teacher.post(f"/orgs/{org}/direct", {"user_id": admin_id})
    spy = SpyingDeflate()
    async with connect(events_url(server), additional_headers=bearer(admin), compression=None,
                       extensions=[spy] if compression else None, max_size=2**22) as ws:
        received: list[dict[str, Any]] = [json.loads(await asyncio.wait_for(ws.recv(), 10))]
        assert received[0]["type"] == "hello"

        async def until(done: Callable[[], bool]) -> None:
            while not done():
                received.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))

        body = big_body(0 if compression else 1)
        sent = await math_teacher.post(f"/chats/{chat['id']}/messages", {"body": body})
        await until(lambda: any(e.get("type") == "message.new"
                                and e["message"]["id"] == sent["id"] for e in received))
        [new] = [e for e in received if e.get("type") == "message.new"]
        assert new["message"]["body"] == body
        # Many events at once: forty invitations, each an event for the administrators.
        created = await asyncio.gather(*(admin.post(f"/orgs/{org}/invites", {"role": "teacher"})
                                         for _ in range(40)))
        invites = {c["id"] for c in created}
        await until(lambda: invites <= {e.get("invite_id") for e in received})
    ids = [e["id"] for e in received[1:]]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    if compression:  # the library compressed its hello; every event came as the shared frame
        assert spy.spy is not None
        assert spy.spy.compressed == [True] + [False] * (len(received) - 1)


@pytest.mark.realtime
async def test_a_client_that_stops_reading_backs_up_into_the_backlog_then_resyncs(
        server: LiveServer, admin: PartaClient) -> None:
    teacher = await signed_in(server, TEACHER)
    org, admin_id = await org_and_me(admin)
    chat = await teacher.post(f"/orgs/{org}/direct", {"user_id": admin_id})
    client = SlowClient(events_url(server), bearer(admin))
    await client.open()
    try:
        hello = json.loads(bytes((await client.next_frame()).data))
        assert hello["type"] == "hello"
        # The client reads no more. Big events (a message, then edits of it: 1.2 MB) fill the
        # socket's buffers, after which the transport pushes back and each event waits in the
        # connection's backlog…
        bodies = [big_body(k) for k in range(30)]
        sent = await teacher.post(f"/chats/{chat['id']}/messages", {"body": bodies[0]})
        for body in bodies[1:]:
            await teacher.patch(f"/chats/{chat['id']}/messages/{sent['id']}", {"body": body})
        # …and so does every pong, until the backlog is full: the server gives up on it.
        pings = QUEUE_LIMIT + 200
        for _ in range(pings):
            client.send('{"type":"ping"}')
        await asyncio.sleep(1.0)  # the server reads them all meanwhile
        texts: list[str] = []
        while True:
            frame = await client.next_frame()
            if frame.opcode is Opcode.CLOSE:
                break
            texts.append(bytes(frame.data).decode())
    finally:
        client.close()
        await teacher.close()
    got = [json.loads(t) for t in texts]
    news = [e["message"]["body"] if e["type"] == "message.new" else e["body"]
            for e in got if e.get("type") in ("message.new", "message.edited")]
    assert news == bodies
    ids = [e["id"] for e in got if "id" in e]
    assert ids == sorted(ids)
    assert got[-1]["type"] == "resync_required" and got[-1]["reason"] == "too_slow"
    pongs = sum(e == {"type": "pong"} for e in got)
    assert 0 < pongs < pings  # some were dropped: what waits for a slow client is bounded
    # The first event took the shared frame; once the socket pushed back, the awaited path
    # (which the library compresses) took over — the ids above show that nothing overtook.
    flags = client.compressed[1:]  # after the hello
    assert flags[0] is False and flags[-1] is True
