"""Roster import of a whole school: how long preview and apply take for ~5,000 people.

    .venv/bin/python bench/roster.py --people 5000 [--format xlsx|oneroster] [--database-url URL]

Makes a fresh database (SQLite file by default) with the demo school, builds a roster file of
``--people`` people (students in classes of 28, a parent for each — some with two children —,
class and subject teachers) with the tests' fixture builder, then times, through the same
actions the API and the CLI call: reading and planning (preview), applying (in batches, with
the phases timed from the progress callback), previewing and applying the same file again
(a no-op), and a second version with transfers, departures and arrivals. Prints a table.
Measures only; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def second_version(people: tuple, share: float = 0.03) -> tuple:  # type: ignore[type-arg]
    """Every 1/share-th student moves to the next class; as many leave (with their parent when
    it is their only child), and as many arrive."""
    from tests.roster.fixtures import Person

    students = [p for p in people if p.kind == "student"]
    classes = sorted({p.cls for p in students})
    step = max(1, int(1 / share))
    moved = {p.sid for p in students[::step]}
    gone = {p.sid for p in students[step // 2::step]} - moved
    out = []
    for p in people:
        if p.sid in gone:
            continue
        if p.sid in moved:
            p = replace(p, cls=classes[(classes.index(p.cls) + 1) % len(classes)])
        if p.children and all(c in gone for c in p.children):
            continue
        if p.children:
            p = replace(p, children=tuple(c for c in p.children if c not in gone))
        out.append(p)
    for i in range(len(gone)):
        out.append(Person(f"new{i}", "student", "Новенький", "Ученик", f"{i}", "2015-01-01",
                          cls=classes[i % len(classes)]))
    return tuple(out)


async def run(args: argparse.Namespace) -> None:
    from rich.console import Console
    from rich.table import Table
    from sqlalchemy import func, select

    from parta.actions import roster as roster_actions
    from parta.actions.base import Services, unit_of_work
    from parta.config import Settings
    from parta.db import make_engine, make_sessionmaker
    from parta.demo import seed_demo
    from parta.migrate import upgrade
    from parta.models import ChatInvitation, User, UserEvent
    from parta.queries.actors import load_actor
    from parta.realtime.bus import InProcessBus
    from parta.services.mail import make_mailer
    from parta.services.sms import make_sms
    from parta.services.storage import make_storage
    from tests.roster.fixtures import big_school, oneroster, xlsx, xlsx_rows

    url = args.database_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='parta-roster-')}/b.db"
    await asyncio.to_thread(upgrade, url)
    settings = Settings(database_url=url)
    engine = make_engine(url)
    services = Services(settings=settings, sessionmaker=make_sessionmaker(engine),
                        sms=make_sms(settings), mail=make_mailer(settings), bus=InProcessBus(),
                        storage=make_storage(settings))
    org_id = await seed_demo(services)
    people = big_school(args.people)

    def build(version: tuple) -> bytes:  # type: ignore[type-arg]
        if args.format == "xlsx":
            return xlsx(xlsx_rows(version))
        return oneroster(version).zip_bytes()

    rows: list[tuple[str, str, float, str]] = []
    started = time.perf_counter()
    data = build(people)
    rows.append(("file", f"build {args.format} ({len(data) // 1024} KB)",
                 time.perf_counter() - started, f"{len(people)} people"))

    async def admin_ctx():  # type: ignore[no-untyped-def]
        ctx_cm = unit_of_work(services)
        ctx = await ctx_cm.__aenter__()
        user = (await ctx.db.execute(select(User).where(User.phone == "+79000000001"))).scalar_one()
        ctx.user, ctx.actor = user, await load_actor(ctx.db, user)
        return ctx_cm, ctx

    async def preview(label: str, payload: bytes) -> int:
        t0 = time.perf_counter()
        cm, ctx = await admin_ctx()
        row = await roster_actions.preview_import(ctx, org_id, f"school.{args.format}", payload)
        await cm.__aexit__(None, None, None)
        c = row.counts
        what = (f"+{c['create']} ~{c['change']} →{c['move']} −{c['depart']} ={c['same']}, "
                f"{c['chats']} chats, {c['errors']} errors")
        rows.append((label, "preview (read + plan)", time.perf_counter() - t0, what))
        return row.id

    async def apply(label: str, import_id: int) -> None:
        cm, ctx = await admin_ctx()
        await roster_actions.start_apply(ctx, org_id, import_id)
        actor, user_id = ctx.actor, ctx.user.id
        await cm.__aexit__(None, None, None)
        marks: list[tuple[int, float]] = []
        t0 = time.perf_counter()

        def progress(done: int, total: int) -> None:
            marks.append((done, time.perf_counter() - t0))

        async with services.sessionmaker() as db:
            invitations0 = (await db.execute(select(func.count()).select_from(ChatInvitation))).scalar_one()
            events0 = (await db.execute(select(func.count()).select_from(UserEvent))).scalar_one()
        await roster_actions.run_apply(services, import_id, actor=actor, user_id=user_id,
                                       on_progress=progress)
        total = time.perf_counter() - t0
        async with services.sessionmaker() as db:
            invitations = (await db.execute(select(func.count()).select_from(ChatInvitation))).scalar_one()
            events = (await db.execute(select(func.count()).select_from(UserEvent))).scalar_one()
        slowest = max(b - a for (_, a), (_, b) in zip([(0, 0.0), *marks], marks, strict=False))
        what = (f"{len(marks)} batches, slowest {slowest:.2f} s; "
                f"+{invitations - invitations0} invitations, +{events - events0} events")
        rows.append((label, "apply", total, what))

    first = await preview("first import", data)
    await apply("first import", first)
    again = await preview("same file again", data)
    await apply("same file again", again)
    v2 = build(second_version(people))
    second = await preview("second version", v2)
    await apply("second version", second)

    table = Table(title=f"Roster import, {len(people)} people, {args.format}, "
                        f"{'SQLite' if url.startswith('sqlite') else 'PostgreSQL'}")
    for col in ("run", "step", "seconds", "what"):
        table.add_column(col, justify="right" if col == "seconds" else "left")
    for run_, step, seconds, what in rows:
        table.add_row(run_, step, f"{seconds:.2f}", what)
    Console().print(table)
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--format", choices=("xlsx", "oneroster"), default="oneroster")
    parser.add_argument("--database-url", default="")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
