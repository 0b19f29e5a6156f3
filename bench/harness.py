"""What the benches share: the server in a subprocess, a school written straight into the
database, WebSocket listeners and an HTTP client cheap enough that the load generator leaves
the second core to the server, and readings from /proc.

The listeners are plain asyncio protocols (no task per socket) that parse the server's frames
themselves and can send on their socket (masked client frames, ``Listener.send``); the HTTP
client keeps connections alive and writes requests as bytes. Both exist so that, on a 2-core
machine, what is measured is the server and not the bench.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TICKS = os.sysconf("SC_CLK_TCK")


# --- /proc -------------------------------------------------------------------------------

def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and its anonymous part (the heap: what connections cost; file pages are the
    database's mapped pages and the code)."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key = line.split(":", 1)[0]
        if key in ("VmRSS", "RssAnon", "RssFile"):
            out[key] = int(line.split()[1])
    return out


def load_average() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the server ------------------------------------------------------------------------------

@dataclass
class Server:
    database_url: str
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    settings: dict[str, str] = field(default_factory=dict)  # more PARTA_* for the server

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "PARTA_DATABASE_URL": self.database_url, "PARTA_MODE": "dev",
                "PARTA_LOG_JSON": "true", "PARTA_PORT": str(self.port), **self.settings}

    def migrate(self) -> None:
        subprocess.run([sys.executable, "-m", "parta", "migrate"], env=self.env, check=True,
                       capture_output=True, cwd=ROOT)

    def start(self) -> None:
        # BENCH_PROFILE=<file>: run the server under cProfile (see profile_server.py).
        command = ([sys.executable, str(ROOT / "bench" / "profile_server.py")]
                   if os.environ.get("BENCH_PROFILE") else [sys.executable, "-m", "parta", "serve"])
        self.log = Path(tempfile.mkdtemp(prefix="parta-bench-log-")) / "server.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(command, env=self.env, stdout=out,
                                            stderr=subprocess.STDOUT, cwd=ROOT)
        # Under cProfile on a busy machine the import alone can take a minute
        # (BENCH_START_SECONDS: how long to wait on a machine busier still).
        wait = float(os.environ.get("BENCH_START_SECONDS", "0")) or (
            600 if os.environ.get("BENCH_PROFILE") else 60)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    if b" 200 " in s.recv(200):
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(60 if os.environ.get("BENCH_PROFILE") else 10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def sqlite_url(prefix: str) -> str:
    return f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix=prefix)}/bench.db"


# --- the school --------------------------------------------------------------------------------

@dataclass
class Seat:
    """A chat and the indexes (into ``School.tokens``) of its members."""

    chat_id: int
    members: list[int]


@dataclass
class School:
    tokens: list[str]  # one bearer token per member, index = member number
    user_ids: list[int]
    chats: list[Seat]  # where the load's messages go
    channel: Seat | None = None  # the school-wide channel, everyone in it
    poster: int = 0  # a member who may post in the channel (its owner)


async def seed(database_url: str, *, groups: list[int], extra: int = 0,
               channel: bool = False) -> School:
    """One school: a chat per entry of ``groups`` with that many members (nobody in two
    group chats), ``extra`` members in no group chat, and optionally the school-wide channel
    with everyone. Every member holds a bearer session. Written straight through the models
    in a few bulk statements: this is set-up, not load."""
    from datetime import timedelta

    from sqlalchemy import insert, select

    from parta.actions.auth import session_token_hash
    from parta.config import Settings
    from parta.db import make_engine, make_sessionmaker, utcnow
    from parta.models import (
        AuthSession,
        Chat,
        ChatKind,
        ChatMember,
        ChatRole,
        Membership,
        MembershipRole,
        Municipality,
        Organization,
        OrgKind,
        PostPolicy,
        Region,
        Role,
        SessionKind,
        User,
    )
    from parta.security import new_token

    settings = Settings(database_url=database_url)
    engine = make_engine(database_url)
    total = sum(groups) + extra
    now = utcnow()
    async with make_sessionmaker(engine)() as db:
        region = Region(name=f"Bench {new_token(4)}")
        db.add(region)
        await db.flush()
        muni = Municipality(region_id=region.id, name="Bench")
        db.add(muni)
        await db.flush()
        org = Organization(municipality_id=muni.id, kind=OrgKind.school, name="Bench school")
        db.add(org)
        await db.flush()
        user_ids = list((await db.execute(insert(User).returning(User.id, sort_by_parameter_order=True),
                                          [{"name": f"Ученик {i}", "phone": None}
                                           for i in range(total)])).scalars())
        m_ids = list((await db.execute(
            insert(Membership).returning(Membership.id, sort_by_parameter_order=True),
            [{"org_id": org.id, "user_id": u} for u in user_ids])).scalars())
        await db.execute(insert(MembershipRole), [
            {"membership_id": m, "role": Role.org_admin if i == 0 else Role.student}
            for i, m in enumerate(m_ids)])
        tokens = [new_token() for _ in user_ids]
        await db.execute(insert(AuthSession), [
            {"user_id": u, "kind": SessionKind.bearer, "expires_at": now + timedelta(days=1),
             "token_hash": session_token_hash(settings.secret_key, t)}
            for u, t in zip(user_ids, tokens, strict=True)])
        seats: list[Seat] = []
        start = 0
        for n, size in enumerate(groups):
            chat = Chat(org_id=org.id, kind=ChatKind.custom, title=f"Группа {n}")
            db.add(chat)
            await db.flush()
            members = list(range(start, start + size))
            start += size
            await db.execute(insert(ChatMember), [
                {"chat_id": chat.id, "user_id": user_ids[i],
                 "role": ChatRole.moderator if i == members[0] else ChatRole.member}
                for i in members])
            seats.append(Seat(chat.id, members))
        school = School(tokens=tokens, user_ids=user_ids, chats=seats)
        if channel:
            chat = Chat(org_id=org.id, kind=ChatKind.school_channel, title="Школа",
                        post_policy=PostPolicy.moderators)
            db.add(chat)
            await db.flush()
            await db.execute(insert(ChatMember), [
                {"chat_id": chat.id, "user_id": u,
                 "role": ChatRole.owner if i == 0 else ChatRole.member}
                for i, u in enumerate(user_ids)])
            school.channel = Seat(chat.id, list(range(total)))
        await db.commit()
        assert (await db.execute(select(Organization.id))).first() is not None
    await engine.dispose()
    return school


def issue_school() -> tuple[list[int], int]:
    """Issue 3's school: 40 classes, a class chat of 30 and a parents' chat of 50 each, and
    the rest of the 3,300 (teachers, staff) in neither."""
    groups = [30] * 40 + [50] * 40
    return groups, 3300 - sum(groups)


# --- WebSocket listeners -----------------------------------------------------------------------

def client_frame(payload: bytes, opcode: int = 0x1) -> bytes:
    """A whole client frame (FIN set, text unless told): RFC 6455 wants every frame from a
    client masked, with a fresh key. The XOR runs on the payload as one big integer against
    the key repeated: ~1 µs for a send, where a Python loop over the bytes takes ~20."""
    n = len(payload)
    if n < 126:
        head = bytes((0x80 | opcode, 0x80 | n))
    elif n < 0x10000:
        head = bytes((0x80 | opcode, 0x80 | 126)) + n.to_bytes(2, "big")
    else:
        head = bytes((0x80 | opcode, 0x80 | 127)) + n.to_bytes(8, "big")
    key = os.urandom(4)
    words = n // 4 + 1
    masked = int.from_bytes(payload, "little") ^ int.from_bytes(key * words, "little")
    return head + key + masked.to_bytes(4 * words, "little")[:n]


class Listener(asyncio.Protocol):
    """One client on ``/api/v1/events``: records send-to-deliver latency of ``message.new``
    (the body starts with the sender's perf_counter), checks ids only grow, sends frames of
    its own (``send``) and hands the answers to its sends (``sent``/``refused``, by ref) to
    the recorder."""

    def __init__(self, token: str, host: str, sink: Recorder) -> None:
        self.token, self.host, self.sink = token, host, sink
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.upgraded = False
        self.last_id = 0
        self.hello = asyncio.get_running_loop().create_future()
        self.closed = False

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write((f"GET /api/v1/events HTTP/1.1\r\nHost: {self.host}\r\n"
                         f"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                         f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                         f"Authorization: Bearer {self.token}\r\n\r\n").encode())

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.hello.done():
            self.hello.set_exception(ConnectionError("closed before hello"))

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        buf = self.buf
        buf += data
        pos = 0
        if not self.upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            if b" 101 " not in buf[:end]:
                self.hello.set_exception(ConnectionError(bytes(buf[:end]).decode()))
                return
            self.upgraded = True
            pos = end + 4
        n = len(buf)
        while n - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            size, head = b1 & 0x7F, 2
            if size == 126:
                if n - pos < 4:
                    break
                size, head = int.from_bytes(buf[pos + 2:pos + 4], "big"), 4
            elif size == 127:
                if n - pos < 10:
                    break
                size, head = int.from_bytes(buf[pos + 2:pos + 10], "big"), 10
            if n - pos < head + size:
                break
            payload = bytes(buf[pos + head:pos + head + size])
            pos += head + size
            opcode = b0 & 0x0F
            if opcode == 1:
                self.on_text(payload, now)
            elif opcode == 9:  # ping: answer with a masked pong
                assert self.transport is not None
                self.transport.write(client_frame(payload, 0xA))
            elif opcode == 8:
                self.closed = True
        del buf[:pos]

    def send(self, payload: bytes) -> None:
        """Write one text frame (a JSON document) on this socket."""
        assert self.transport is not None
        self.transport.write(client_frame(payload))

    def on_text(self, payload: bytes, now: float) -> None:
        # Only what the bench needs, found by position and string search: a json.loads of
        # each of ~25,000 frames a second would cost the bench more than the frames do.
        if payload.startswith(b'{"id":'):
            event_id = int(payload[6:payload.index(b",", 6)])
            if event_id <= self.last_id:
                self.sink.disorder += 1
            self.last_id = event_id
            if b'"type":"message.new"' in payload[:80]:
                i = payload.find(b'"body":"') + 8
                sent = float(payload[i:payload.index(b":", i)])
                self.sink.latencies.append(now - sent)
                self.sink.last_at = now
        elif payload.startswith(b'{"type":"sent","ref":"'):  # {"type":"sent","ref":"R","status":200,
            end = payload.index(b'"', 22)
            self.sink.answered(payload[22:end], int(payload[end + 11:end + 14]), None, now)
        elif payload.startswith(b'{"type":"refused"'):  # rare: read it whole
            said = json.loads(payload)
            error = said.get("error") or {}
            self.sink.answered(str(said.get("ref")).encode(), int(said.get("status", 0)),
                               str(error.get("code", "?")), now)
        elif b'"hello"' in payload[:20]:
            if not self.hello.done():
                self.hello.set_result(None)
        elif b"resync_required" in payload:
            self.sink.resyncs += 1


@dataclass
class Recorder:
    """What the listeners saw: send-to-deliver latencies of ``message.new``, and for sends
    over the sockets (``waiting``: ref → send time and the deliveries its commit is worth)
    the send-to-answer latencies, the sends committed, the deliveries expected and the
    refusals by code."""

    latencies: array = field(default_factory=lambda: array("d"))  # type: ignore[type-arg]
    disorder: int = 0
    resyncs: int = 0
    last_at: float = 0.0
    waiting: dict[bytes, tuple[float, int]] = field(default_factory=dict)
    answer_latencies: array = field(default_factory=lambda: array("d"))  # type: ignore[type-arg]
    acked: int = 0  # answered 200: committed
    held: int = 0  # answered 202: held for a moderator, not a message yet
    expected: int = 0  # deliveries the committed sends are worth
    refused: dict[str, int] = field(default_factory=dict)  # "status code": count
    answered_at: float = 0.0
    unknown: int = 0  # answers to no send of ours

    def reset(self) -> None:
        self.latencies = array("d")
        self.last_at = 0.0
        self.answer_latencies = array("d")
        self.acked = self.held = self.expected = self.unknown = 0
        self.refused = {}
        self.answered_at = 0.0
        self.waiting = {}

    def answered(self, ref: bytes, status: int, code: str | None, now: float) -> None:
        sent = self.waiting.pop(ref, None)
        if sent is None:
            self.unknown += 1
            return
        self.answered_at = now
        self.answer_latencies.append(now - sent[0])
        if status == 200:
            self.acked += 1
            self.expected += sent[1]
        elif status == 202:
            self.held += 1
        else:
            key = f"{status} {code}"
            self.refused[key] = self.refused.get(key, 0) + 1


async def connect_all(port: int, tokens: list[str], sink: Recorder,
                      parallel: int = 100) -> list[Listener]:
    """Connect every token's listener and wait for each hello."""
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(parallel)
    out: list[Listener] = []

    async def one(token: str) -> None:
        async with gate:
            _, proto = await loop.create_connection(
                lambda: Listener(token, f"127.0.0.1:{port}", sink), "127.0.0.1", port)
            out.append(proto)
            await asyncio.wait_for(proto.hello, 60)

    await asyncio.gather(*(one(t) for t in tokens))
    return out


# --- HTTP ------------------------------------------------------------------------------------------

class _HttpConn(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: Any = None
        self.buf = bytearray()
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buf += data
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buf[:end]).lower()
        i = head.find(b"content-length:")
        length = int(head[i + 15:head.index(b"\r\n", i) if b"\r\n" in head[i:] else None]) \
            if i >= 0 else 0
        if len(self.buf) < end + 4 + length:
            return
        status = int(head[9:12])
        body = bytes(self.buf[end + 4:end + 4 + length])
        del self.buf[:end + 4 + length]
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result((status, body))

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("closed"))


class Http:
    """Keep-alive connections to the server, one request at a time on each."""

    def __init__(self, port: int, size: int = 64) -> None:
        self.port, self.size = port, size
        self.idle: asyncio.Queue[_HttpConn] = asyncio.Queue()

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        for _ in range(self.size):
            _, conn = await loop.create_connection(_HttpConn, "127.0.0.1", self.port)
            self.idle.put_nowait(conn)

    async def _fresh(self) -> _HttpConn:
        _, conn = await asyncio.get_running_loop().create_connection(
            _HttpConn, "127.0.0.1", self.port)
        return conn

    async def post(self, path: str, token: str, body: bytes) -> tuple[int, bytes]:
        request = (f"POST {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n"
                   f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                   .encode() + body)
        conn = await self.idle.get()
        try:
            for attempt in range(2):  # the server closes keep-alive connections left idle
                if conn.transport.is_closing():
                    conn = await self._fresh()
                conn.waiter = asyncio.get_running_loop().create_future()
                conn.transport.write(request)
                try:
                    return await conn.waiter
                except ConnectionError:
                    if attempt:
                        raise
            raise AssertionError("unreachable")
        finally:
            self.idle.put_nowait(conn)

    def close(self) -> None:
        while not self.idle.empty():
            self.idle.get_nowait().transport.close()


def message_body(text: str) -> bytes:
    """A message whose body starts with the send time, which the listeners read back."""
    return b'{"body":"%r:%s"}' % (time.perf_counter(), text.encode())


def quantiles(xs: Any) -> dict[str, float]:
    """p50/p95/p99/max in milliseconds."""
    if not len(xs):
        return {"p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0}
    s = sorted(xs)

    def q(p: float) -> float:
        return s[min(len(s) - 1, int(p * len(s)))] * 1000

    return {"p50": q(0.50), "p95": q(0.95), "p99": q(0.99), "max": s[-1] * 1000}


def pick(n: int, population: int, seed: int = 7) -> list[int]:
    return sorted(random.Random(seed).sample(range(population), n))

