"""History pages with many messages stored: how long one 50-message page takes.

    .venv/bin/python bench/history.py --messages 10000000 --chats 2000
    .venv/bin/python bench/history.py --reuse sqlite+aiosqlite:////tmp/parta-hist-…/h.db

Fills a fresh SQLite file (or --database-url) with ``--messages`` messages spread over
``--chats`` chats of ``--members`` people who take turns writing, then times newest pages,
pages deep in history (by cursor) and jumps (around an id) through the same query code the
API uses, each page in a read-only session of its own as a request has, and prints a table.
``--reuse`` measures a database filled before. Measures only.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


async def fill(db_url: str, messages: int, chats: int, members: int) -> None:
    from sqlalchemy import insert, select, text

    from parta.db import make_engine, make_sessionmaker, utcnow
    from parta.models import (
        Chat,
        ChatKind,
        ChatMember,
        Message,
        Municipality,
        Organization,
        OrgKind,
        Region,
        User,
    )

    engine = make_engine(db_url)
    async with make_sessionmaker(engine)() as db:
        region = Region(name="History bench")
        db.add(region)
        await db.flush()
        muni = Municipality(region_id=region.id, name="Bench")
        db.add(muni)
        await db.flush()
        org = Organization(municipality_id=muni.id, kind=OrgKind.school, name="Bench")
        db.add(org)
        await db.flush()
        users = list((await db.execute(insert(User).returning(User.id), [
            {"name": f"Ученик {i}"} for i in range(members)])).scalars())
        await db.execute(insert(Chat), [{"org_id": org.id, "kind": ChatKind.custom,
                                         "title": f"c{i}"} for i in range(chats)])
        chat_ids = list((await db.execute(select(Chat.id))).scalars())
        await db.execute(insert(ChatMember), [{"chat_id": c, "user_id": u}
                                              for c in chat_ids for u in users])
        await db.commit()
        now = utcnow()
        batch = 50_000
        started = time.perf_counter()
        for start in range(0, messages, batch):
            rows = [{"chat_id": chat_ids[(start + i) % len(chat_ids)],
                     "author_id": users[((start + i) // len(chat_ids)) % len(users)],
                     "body": f"Сообщение номер {start + i}", "created_at": now}
                    for i in range(min(batch, messages - start))]
            await db.execute(insert(Message), rows)
            await db.commit()
            done = start + len(rows)
            print(f"\r  filled {done:,} / {messages:,} ({time.perf_counter() - started:.0f} s)",
                  end="", flush=True)
        print()
        if db_url.startswith("sqlite"):
            await db.execute(text("ANALYZE"))
            await db.commit()
    await engine.dispose()


async def measure(db_url: str, rounds: int, profile: str) -> None:
    from sqlalchemy import func, select

    from parta.db import make_engine, make_sessionmaker, reading
    from parta.models import Chat, ChatMember, Message
    from parta.policy import Actor
    from parta.queries.chats import message_page
    from parta.queries.scope import chat_for

    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    async with reading(sessions) as db:
        chat_ids = list((await db.execute(select(Chat.id))).scalars())
        viewer = (await db.execute(select(func.min(ChatMember.user_id)))).scalar_one()
        last_id = (await db.execute(select(func.max(Message.id)))).scalar_one()
    rng = random.Random(7)
    results: dict[str, list[float]] = {"newest page": [], "deep page (cursor)": [],
                                       "jump (around id)": []}
    cpu: dict[str, list[float]] = {k: [] for k in results}
    profiler = cProfile.Profile() if profile else None
    for _ in range(rounds):
        chat_id = rng.choice(chat_ids)
        for name, kw in (("newest page", {}),
                         ("deep page (cursor)", {"before_id": rng.randint(1, last_id)}),
                         ("jump (around id)", {"around_id": rng.randint(1, last_id)})):
            if profiler:
                profiler.enable()
            t0, c0 = time.perf_counter(), time.process_time()
            # What a request for a page does: a read-only session, the gate (the chat and the
            # reader's membership), the page.
            async with reading(sessions) as db:
                scope = await chat_for(db, Actor(user_id=viewer), chat_id)
                page = await message_page(db, scope, limit=50, **kw)
            results[name].append((time.perf_counter() - t0) * 1000)
            cpu[name].append((time.process_time() - c0) * 1000)
            if profiler:
                profiler.disable()
            assert len(page["messages"]) <= 50
    await engine.dispose()
    if profiler:
        profiler.dump_stats(profile)
    print(f"\n{last_id:,} messages in {len(chat_ids):,} chats, {rounds} rounds; "
          "each page in a read-only session of its own\n")
    print(f"{'query':>20} | {'p50 ms':>8} | {'p95 ms':>8} | {'max ms':>8} | {'CPU p50 ms':>10}")
    print("-" * 67)
    for name, xs in results.items():
        q = statistics.quantiles(xs, n=20)
        print(f"{name:>20} | {statistics.median(xs):8.2f} | {q[18]:8.2f} | {max(xs):8.2f} | "
              f"{statistics.median(cpu[name]):10.2f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--messages", type=int, default=1_000_000)
    p.add_argument("--chats", type=int, default=500)
    p.add_argument("--members", type=int, default=30, help="people per chat, taking turns")
    p.add_argument("--rounds", type=int, default=200)
    p.add_argument("--database-url", default="")
    p.add_argument("--reuse", default="", help="a database URL filled by an earlier run")
    p.add_argument("--profile", default="", help="write a cProfile of the pages here")
    a = p.parse_args()
    url = a.reuse
    if not url:
        url = a.database_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='parta-hist-')}/h.db"
        subprocess.run([sys.executable, "-m", "parta", "migrate"], check=True, capture_output=True,
                       cwd=ROOT, env={**__import__("os").environ, "PARTA_DATABASE_URL": url})
        asyncio.run(fill(url, a.messages, a.chats, a.members))
        print(f"  (measure it again: --reuse {url})")
    asyncio.run(measure(url, a.rounds, a.profile))


if __name__ == "__main__":
    main()
