"""Messaging load: N clients on WebSockets, messages sent over HTTP at stepped rates.

    .venv/bin/python bench/load.py --clients 300 --chat-size 30 --rates 50,100,200 --seconds 5

Starts its own server (a subprocess on loopback, a fresh SQLite file unless --database-url),
seeds one school with classes of ``--chat-size`` members each, gives every member a session,
connects them all, then for each rate step prints: messages sent/s, deliveries/s, p50/p95/p99/
max send-to-deliver latency over every recipient, the share delivered, server CPU time per
delivery (utime+stime from /proc) and server memory per connected client (VmRSS).
Nothing here asserts a target: it measures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def seed(database_url: str, classes: int, chat_size: int) -> list[tuple[int, list[str]]]:
    """One school; per class a chat whose members all hold bearer sessions. Returns
    [(chat_id, [token, …])]. Written straight through the models: this is set-up, not load."""
    from datetime import timedelta

    from parta.actions.auth import session_token_hash
    from parta.config import Settings
    from parta.db import make_engine, make_sessionmaker, utcnow
    from parta.models import (
        AuthSession,
        Chat,
        ChatKind,
        ChatMember,
        ChatRole,
        Municipality,
        Organization,
        OrgKind,
        Region,
        SessionKind,
        User,
    )
    from parta.security import new_token

    settings = Settings(database_url=database_url)
    engine = make_engine(database_url)
    out: list[tuple[int, list[str]]] = []
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
        now = utcnow()
        for c in range(classes):
            chat = Chat(org_id=org.id, kind=ChatKind.custom, title=f"Class {c}")
            db.add(chat)
            await db.flush()
            tokens = []
            for m in range(chat_size):
                user = User(phone=None, name=f"U{c}-{m}")
                db.add(user)
                await db.flush()
                db.add(ChatMember(chat_id=chat.id, user_id=user.id,
                                  role=ChatRole.moderator if m == 0 else ChatRole.member))
                token = new_token()
                db.add(AuthSession(user_id=user.id, kind=SessionKind.bearer,
                                   token_hash=session_token_hash(settings.secret_key, token),
                                   expires_at=now + timedelta(days=1)))
                tokens.append(token)
            out.append((chat.id, tokens))
        await db.commit()
    await engine.dispose()
    return out


class Recipient:
    def __init__(self) -> None:
        self.latencies: list[float] = []


async def listen(url: str, token: str, rec: Recipient, ready: asyncio.Event,
                 counter: list[int], total: int) -> None:
    async with connect(url, additional_headers={"Authorization": f"Bearer {token}"},
                       max_size=2**22, ping_interval=None) as ws:
        async for raw in ws:
            ev = json.loads(raw)
            if ev.get("type") == "hello":
                counter[0] += 1
                if counter[0] == total:
                    ready.set()
            elif ev.get("type") == "message.new":
                sent = float(ev["message"]["body"].split(":", 1)[0])
                rec.latencies.append(time.perf_counter() - sent)


async def run(args: argparse.Namespace, chats: list[tuple[int, list[str]]],
              server: subprocess.Popen[bytes], port: int) -> None:
    base = f"http://127.0.0.1:{port}"
    sem = asyncio.Semaphore(64)
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30,
                                     limits=httpx.Limits(max_connections=64)) as http:
            for _ in range(100):
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        break
                except httpx.HTTPError:
                    await asyncio.sleep(0.1)
            idle_rss = rss_kib(server.pid)
            ws_url = base.replace("http", "ws") + "/api/v1/events"
            recipients: list[Recipient] = []
            ready, counter = asyncio.Event(), [0]
            total = sum(len(t) for _, t in chats)
            tasks = []
            for _, tokens in chats:
                for token in tokens:
                    rec = Recipient()
                    recipients.append(rec)
                    tasks.append(asyncio.create_task(listen(ws_url, token, rec, ready, counter, total)))
            await asyncio.wait_for(ready.wait(), 120)
            conn_rss = rss_kib(server.pid)
            print(f"\n{total} clients connected in {len(chats)} chats of {args.chat_size}; "
                  f"server memory per connection ≈ {(conn_rss - idle_rss) / total:.1f} KiB "
                  f"(VmRSS {idle_rss} → {conn_rss} KiB)\n")
            header = ("rate/s", "sent/s", "deliv/s", "p50 ms", "p95 ms", "p99 ms", "max ms",
                      "delivered", "CPU µs/deliv")
            print(" | ".join(f"{h:>12}" for h in header))
            print("-" * (15 * len(header)))
            for rate in [int(r) for r in args.rates.split(",")]:
                for rec in recipients:
                    rec.latencies.clear()
                cpu0 = cpu_seconds(server.pid)
                sent = 0
                start = time.perf_counter()
                n = int(rate * args.seconds)

                async def send_one(i: int) -> None:
                    nonlocal sent
                    chat_id, tokens = chats[i % len(chats)]
                    async with sem:
                        r = await http.post(f"/api/v1/chats/{chat_id}/messages",
                                            json={"body": f"{time.perf_counter()}:load {i}"},
                                            headers={"Authorization": f"Bearer {tokens[0]}"})
                        if r.status_code == 200:
                            sent += 1

                pending = []
                for i in range(n):
                    due = start + i / rate
                    delay = due - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    pending.append(asyncio.create_task(send_one(i)))
                await asyncio.gather(*pending)
                await asyncio.sleep(1.0)  # let the last deliveries land
                elapsed = time.perf_counter() - start
                cpu = cpu_seconds(server.pid) - cpu0
                lat = sorted(x for rec in recipients for x in rec.latencies)
                expected = sent * args.chat_size
                q = statistics.quantiles(lat, n=100) if len(lat) > 1 else [0.0] * 99
                row = (rate, sent / args.seconds, len(lat) / elapsed, q[49] * 1000, q[94] * 1000,
                       q[98] * 1000, (lat[-1] if lat else 0) * 1000,
                       f"{100 * len(lat) / expected:.1f}%" if expected else "-",
                       cpu / len(lat) * 1e6 if lat else 0)
                print(" | ".join(f"{v:>12.1f}" if isinstance(v, float) else f"{v!s:>12}"
                                 for v in row))
            for t in tasks:
                t.cancel()
    finally:
        server.terminate()
        server.wait(10)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--clients", type=int, default=300)
    p.add_argument("--chat-size", type=int, default=30)
    p.add_argument("--rates", default="25,50,100")
    p.add_argument("--seconds", type=float, default=5)
    p.add_argument("--database-url", default="")
    args = p.parse_args()
    tmp = tempfile.mkdtemp(prefix="parta-bench-")
    db_url = args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
    port = free_port()
    env = {**os.environ, "PARTA_DATABASE_URL": db_url, "PARTA_MODE": "dev",
           "PARTA_LOG_JSON": "true", "PARTA_PORT": str(port)}
    subprocess.run([sys.executable, "-m", "parta", "migrate"], env=env, check=True,
                   capture_output=True)
    chats = asyncio.run(seed(db_url, args.clients // args.chat_size, args.chat_size))
    server = subprocess.Popen([sys.executable, "-m", "parta", "serve"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    asyncio.run(run(args, chats, server, port))


if __name__ == "__main__":
    main()
