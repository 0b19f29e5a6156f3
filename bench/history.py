"""History pages with many messages stored: how long one 50-message page takes.

    .venv/bin/python bench/history.py --messages 10000000 --chats 2000

Fills a fresh SQLite file (or --database-url) with ``--messages`` messages spread over
``--chats`` chats, then times newest pages, pages deep in history (by cursor) and jumps
(around an id) through the same query code the API uses, and prints a table. Measures only.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


async def fill(db_url: str, messages: int, chats: int) -> tuple[list[int], int]:
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
        user = User(name="Reader")
        db.add(user)
        await db.flush()
        await db.execute(insert(Chat), [{"org_id": org.id, "kind": ChatKind.custom,
                                         "title": f"c{i}"} for i in range(chats)])
        chat_ids = list((await db.execute(select(Chat.id))).scalars())
        await db.execute(insert(ChatMember), [{"chat_id": c, "user_id": user.id} for c in chat_ids])
        await db.commit()
        now = utcnow()
        batch = 50_000
        started = time.perf_counter()
        for start in range(0, messages, batch):
            rows = [{"chat_id": chat_ids[(start + i) % len(chat_ids)], "author_id": user.id,
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
        last = (await db.execute(select(Message.id).order_by(Message.id.desc()).limit(1))).scalar_one()
    await engine.dispose()
    return chat_ids, user.id, last  # type: ignore[return-value]


async def measure(db_url: str, chat_ids: list[int], user_id: int, last_id: int,
                  rounds: int) -> None:
    from sqlalchemy import select

    from parta.db import make_engine, make_sessionmaker
    from parta.models import Chat, ChatMember
    from parta.queries.chats import message_page

    engine = make_engine(db_url)
    rng = random.Random(7)
    results: dict[str, list[float]] = {"newest page": [], "deep page (cursor)": [],
                                       "jump (around id)": []}
    async with make_sessionmaker(engine)() as db:
        for _ in range(rounds):
            chat = await db.get(Chat, rng.choice(chat_ids))
            assert chat is not None
            me = (await db.execute(select(ChatMember).where(
                ChatMember.chat_id == chat.id, ChatMember.user_id == user_id))).scalar_one()
            for name, kw in (("newest page", {}),
                             ("deep page (cursor)", {"before_id": rng.randint(1, last_id)}),
                             ("jump (around id)", {"around_id": rng.randint(1, last_id)})):
                t0 = time.perf_counter()
                page = await message_page(db, chat, me, limit=50, **kw)
                results[name].append((time.perf_counter() - t0) * 1000)
                assert len(page["messages"]) <= 50
    await engine.dispose()
    print(f"\n{'query':>20} | {'p50 ms':>8} | {'p95 ms':>8} | {'max ms':>8}")
    print("-" * 54)
    for name, xs in results.items():
        q = statistics.quantiles(xs, n=20)
        print(f"{name:>20} | {statistics.median(xs):8.2f} | {q[18]:8.2f} | {max(xs):8.2f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--messages", type=int, default=1_000_000)
    p.add_argument("--chats", type=int, default=500)
    p.add_argument("--rounds", type=int, default=200)
    p.add_argument("--database-url", default="")
    a = p.parse_args()
    url = a.database_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='parta-hist-')}/h.db"
    subprocess.run([sys.executable, "-m", "parta", "migrate"], check=True, capture_output=True,
                   env={**__import__("os").environ, "PARTA_DATABASE_URL": url})
    chat_ids, user_id, last = asyncio.run(fill(url, a.messages, a.chats))  # type: ignore[misc]
    asyncio.run(measure(url, chat_ids, user_id, last, a.rounds))


if __name__ == "__main__":
    main()
