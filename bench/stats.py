"""How long the statistics take to answer: a school with the counters of 10 million messages,
and a municipality of 50 such schools (their rosters, calls, lessons, parents' questions).

    .venv/bin/python bench/stats.py [--schools 50] [--weeks 40] [--runs 5] [--database-url URL]

The counters are written straight into their tables (what 10M messages would have left in
them; calls' and lessons' counters are counted from their rows, as the migration does), not
10M messages: the dashboards read only counters, rosters, calls and lessons. Prints,
for the director's dashboard of one school and the municipality's, the time of the query alone
and of the whole HTTP answer (ASGI app called directly, a signed-in bearer session), median
and worst of ``--runs`` in wall time, and the CPU time the process spent (SQLite runs on the
event loop's thread, so this is the answer's whole cost — the steadier figure on a shared
machine). Measures only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
from datetime import datetime, timedelta

from harness import load_average, sqlite_url

STAFF, STUDENTS, PARENTS, CLASSES = 80, 900, 900, 36
MESSAGES_PER_SCHOOL = 10_000_000


async def build(url: str, schools: int, weeks: int) -> dict[str, object]:
    from sqlalchemy import insert, select

    from parta.actions.auth import session_token_hash
    from parta.actions.stats import rebuild_held
    from parta.config import Settings
    from parta.db import make_engine, make_sessionmaker, utcnow
    from parta.migrate import upgrade
    from parta.models import (
        HOUR,
        HOURS,
        SCHOOL,
        AuthSession,
        Call,
        CallKind,
        Chat,
        ChatKind,
        Group,
        GroupKind,
        GroupMember,
        Lesson,
        LessonKind,
        Membership,
        MembershipRole,
        MunicipalAdmin,
        Municipality,
        OpenQuestion,
        Organization,
        OrgKind,
        ParentLink,
        ParentLinkStatus,
        Region,
        Role,
        SessionKind,
        StatMessages,
        StatReplies,
        User,
    )
    from parta.queries.stats import week_of
    from parta.security import new_token

    await asyncio.to_thread(upgrade, url)
    settings = Settings(database_url=url)
    zone = settings.stats_zone
    rnd = random.Random(7)
    engine = make_engine(url)
    now = utcnow()
    last = week_of(now, zone)
    week_list = [last - timedelta(weeks=n) for n in range(weeks)]
    async with make_sessionmaker(engine)() as db:
        region = Region(name="Bench")
        db.add(region)
        await db.flush()
        muni = Municipality(region_id=region.id, name="Bench")
        db.add(muni)
        await db.flush()
        org_ids = []
        director_token = ""
        for s in range(schools):
            org = Organization(municipality_id=muni.id, kind=OrgKind.school, name=f"Школа {s + 1}")
            db.add(org)
            await db.flush()
            org_ids.append(org.id)
            people = STAFF + STUDENTS + PARENTS
            users = list((await db.execute(
                insert(User).returning(User.id, sort_by_parameter_order=True),
                [{"name": f"Человек {s}-{i}", "phone": None,
                  "activated_at": now - timedelta(days=rnd.randrange(1, weeks * 7))
                  if rnd.random() < 0.85 else None} for i in range(people)])).scalars())
            members = list((await db.execute(
                insert(Membership).returning(Membership.id, sort_by_parameter_order=True),
                [{"org_id": org.id, "user_id": u} for u in users])).scalars())
            await db.execute(insert(MembershipRole), [
                {"membership_id": m, "role": Role.org_admin if i == 0 else Role.teacher
                 if i < STAFF else Role.student if i < STAFF + STUDENTS else Role.parent}
                for i, m in enumerate(members)])
            groups = list((await db.execute(
                insert(Group).returning(Group.id, sort_by_parameter_order=True),
                [{"org_id": org.id, "kind": GroupKind.class_, "name": f"{c // 3 + 1}{'АБВ'[c % 3]}",
                  "grade": c // 3 + 1, "letter": "АБВ"[c % 3]} for c in range(CLASSES)])).scalars())
            students = users[STAFF:STAFF + STUDENTS]
            parents = users[STAFF + STUDENTS:]
            await db.execute(insert(GroupMember), [
                {"group_id": groups[i % CLASSES], "user_id": u} for i, u in enumerate(students)])
            await db.execute(insert(ParentLink), [
                {"org_id": org.id, "parent_id": p, "child_id": students[i],
                 "group_id": groups[i % CLASSES], "status": ParentLinkStatus.confirmed}
                for i, p in enumerate(parents)])
            chats = list((await db.execute(
                insert(Chat).returning(Chat.id, sort_by_parameter_order=True),
                [{"org_id": org.id, "kind": ChatKind.class_, "title": f"Класс {g}", "group_id": g}
                 for g in groups])).scalars())
            # The counters: per week, class and role; the school's week, and staff per person.
            rows = []
            for w in week_list:
                for g in groups:
                    for role in ("staff", "student", "parent"):
                        rows.append({"org_id": org.id, "group_id": g, "week": w, "role": role,
                                     "author_id": 0, "messages": 0})
            weights = [rnd.random() for _ in rows]
            scale = MESSAGES_PER_SCHOOL / sum(weights)
            school: dict[tuple[object, str], int] = {}
            for row, weight in zip(rows, weights, strict=True):
                row["messages"] = max(1, int(weight * scale))
                key = (row["week"], row["role"])
                school[key] = school.get(key, 0) + int(row["messages"])  # type: ignore[call-overload]
            for (w, role), n in school.items():
                rows.append({"org_id": org.id, "group_id": -1, "week": w, "role": role,
                             "author_id": 0, "messages": n})
                if role != "staff":
                    continue
                staff = users[:STAFF]
                for i, t in enumerate(staff):  # shared out, the rest to the first
                    share = n // len(staff) + (n % len(staff) if i == 0 else 0)
                    rows.append({"org_id": org.id, "group_id": -1, "week": w, "role": role,
                                 "author_id": t, "messages": share})
            await db.execute(insert(StatMessages), rows)
            replies = [{"org_id": org.id, "week": w, "group_id": g, "minutes": m,
                        "answered": rnd.randrange(1, 6)}
                       for w in week_list for g in groups for m in rnd.sample(range(600), 12)]
            # The school rows and the school's hours' rows, as a send adds them.
            whole: dict[tuple[object, int, object], int] = {}
            for r in replies:
                for slot in ((r["week"], SCHOOL, r["minutes"]),
                             (r["week"], HOURS, r["minutes"] // HOUR * HOUR)):  # type: ignore[operator]
                    whole[slot] = whole.get(slot, 0) + int(r["answered"])  # type: ignore[call-overload]
            await db.execute(insert(StatReplies), replies + [
                {"org_id": org.id, "week": w, "group_id": g, "minutes": m, "answered": n}
                for (w, g, m), n in whole.items()])
            await db.execute(insert(OpenQuestion), [
                {"chat_id": c, "org_id": org.id, "group_id": g,
                 "asked_at": now - timedelta(hours=rnd.randrange(1, 100))}
                for c, g in zip(chats, groups, strict=True)])
            starts = [datetime.combine(w, datetime.min.time(), tzinfo=zone)
                      + timedelta(days=d, hours=10) for w in week_list for d in range(5)]
            await db.execute(insert(Call), [
                {"org_id": org.id, "chat_id": c, "kind": CallKind.video, "janus_room": n,
                 "room_secret": "s", "started_at": at, "ended_at": at + timedelta(minutes=40)}
                for n, (c, at) in enumerate((c, at) for c in chats for at in starts[::2])])
            await db.execute(insert(Lesson), [
                {"org_id": org.id, "chat_id": c, "title": "Урок", "kind": LessonKind.lesson,
                 "starts_at": at, "ends_at": at + timedelta(minutes=45)}
                for c in chats for at in starts[1::2]])
            if s == 0:
                director_token = new_token()
                await db.execute(insert(AuthSession), [{
                    "user_id": users[0], "kind": SessionKind.bearer,
                    "expires_at": now + timedelta(days=1),
                    "token_hash": session_token_hash(settings.secret_key, director_token)}])
            await db.commit()
        await rebuild_held(db)  # what ending the calls and scheduling the lessons counted
        await db.commit()
        overseer = (await db.execute(insert(User).returning(User.id),
                                     [{"name": "Муниципалитет", "phone": None}])).scalar_one()
        db.add(MunicipalAdmin(municipality_id=muni.id, user_id=overseer))
        muni_token = new_token()
        await db.execute(insert(AuthSession), [{
            "user_id": overseer, "kind": SessionKind.bearer, "expires_at": now + timedelta(days=1),
            "token_hash": session_token_hash(settings.secret_key, muni_token)}])
        await db.commit()
        counted = (await db.execute(select(StatMessages.messages).where(
            StatMessages.org_id == org_ids[0], StatMessages.group_id == -1,
            StatMessages.author_id == 0))).scalars().all()
    await engine.dispose()
    return {"orgs": org_ids, "muni": muni.id, "director": director_token, "overseer": muni_token,
            "messages": sum(counted), "weeks": (week_list[-1], week_list[0])}


async def measure(url: str, built: dict[str, object], runs: int
                  ) -> list[tuple[str, list[float], list[float]]]:
    import httpx

    from parta.app import create_app
    from parta.config import Settings
    from parta.policy import Action, Actor
    from parta.queries import stats as q
    from parta.queries.scope import municipality_for, org_for

    settings = Settings(database_url=url, mode="dev")
    app = create_app(settings)
    services = app.state.services
    first, last = built["weeks"]  # type: ignore[misc]
    orgs: list[int] = built["orgs"]  # type: ignore[assignment]
    operator = Actor(user_id=0, is_operator=True)
    out: list[tuple[str, list[float], list[float]]] = []

    async def school_query() -> None:
        async with services.sessionmaker() as db:
            scope = await org_for(db, operator, orgs[0], Action.stats_view)
            await q.school_stats(db, scope, first, last)

    async def muni_query() -> None:
        async with services.sessionmaker() as db:
            overseer = Actor(user_id=0, municipalities=frozenset({int(built["muni"])}))  # type: ignore[call-overload]
            scope = await municipality_for(db, overseer, int(built["muni"]))  # type: ignore[call-overload]
            await q.municipal_stats(db, scope, first, last)

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as c:
        params = {"from": first.isoformat(), "to": last.isoformat()}

        async def school_http() -> None:
            r = await c.get(f"/api/v1/orgs/{orgs[0]}/stats", params=params,
                            headers={"Authorization": f"Bearer {built['director']}"})
            assert r.status_code == 200, r.text

        async def muni_http() -> None:
            r = await c.get(f"/api/v1/municipalities/{built['muni']}/stats", params=params,
                            headers={"Authorization": f"Bearer {built['overseer']}"})
            assert r.status_code == 200, r.text

        for name, fn in (("school: query", school_query), ("school: HTTP answer", school_http),
                         (f"municipality of {len(orgs)}: query", muni_query),
                         (f"municipality of {len(orgs)}: HTTP answer", muni_http)):
            await fn()  # warm
            times, cpu = [], []
            for _ in range(runs):
                t0, c0 = time.perf_counter(), time.process_time()
                await fn()
                times.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
            out.append((name, times, cpu))
    return out


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--schools", type=int, default=50)
    ap.add_argument("--weeks", type=int, default=40)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    url = args.database_url or sqlite_url("parta-stats-")
    t0 = time.perf_counter()
    built = await build(url, args.schools, args.weeks)
    print(f"built {args.schools} schools × {args.weeks} weeks in {time.perf_counter() - t0:.0f} s; "
          f"school 1 counts {built['messages']:,} messages")
    rows = await measure(url, built, args.runs)
    print(f"load average {load_average()} on {os.cpu_count()} cores")
    print(f"{'':38} {'median ms':>10} {'max ms':>8} {'CPU ms (median)':>16}")
    for name, times, cpu in rows:
        print(f"{name:38} {statistics.median(times):10.1f} {max(times):8.1f} "
              f"{statistics.median(cpu):16.1f}")


if __name__ == "__main__":
    asyncio.run(main())
