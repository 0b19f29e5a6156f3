"""The calls' and lessons' counters (``stat_held``) and the reply times' school rows give the
dashboards exactly the figures the tables give: a call that crosses midnight into a new week
counts whole on the day it began; minutes are whole per class and day, as they always were; a
lesson counts once it has ended, moves with its times and leaves when cancelled; and the
migration counts what was there before it."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select

from parta.actions.stats import count_held, rebuild
from parta.db import make_engine, make_sessionmaker, utcnow
from parta.migrate import upgrade
from parta.models import (
    CALLS,
    HOURS,
    LESSONS,
    NO_CLASS,
    NO_PERSON,
    SCHOOL,
    Call,
    CallKind,
    Chat,
    ChatKind,
    Lesson,
    LessonKind,
    Municipality,
    Organization,
    OrgKind,
    Region,
    StatHeld,
    StatMessages,
    StatReplies,
)
from parta.queries.stats import week_of
from tests.conftest import World
from tests.helpers import API
from tests.media import media_services  # noqa: F401  (the fixture)

MSK = ZoneInfo("Europe/Moscow")
MUNI_ADMIN = "+79005550002"


async def chat_of(world: World, title: str) -> Chat:
    async with world.services.sessionmaker() as db:
        return (await db.execute(select(Chat).where(Chat.title == title))).scalar_one()


async def staff_room(world: World) -> Chat:
    """A chat of no class: the staff's own."""
    async with world.services.sessionmaker() as db:
        chat = Chat(org_id=world.org_id, kind=ChatKind.management_staff, title="Учительская")
        db.add(chat)
        await db.commit()
        return chat


async def held_rows(world: World) -> set[tuple[object, ...]]:
    async with world.services.sessionmaker() as db:
        return {tuple(r) for r in (await db.execute(select(
            StatHeld.org_id, StatHeld.what, StatHeld.group_id, StatHeld.day, StatHeld.week,
            StatHeld.held, StatHeld.micros).where(StatHeld.held != 0))).all()}


async def figures_from_rows(world: World, first: date, last: date) -> dict[str, object]:
    """What the dashboards showed before the counters, computed here from the rows: calls that
    ended and lessons not cancelled that ended, by the local day they began; seconds summed per
    class and day, whole minutes of each."""
    now = utcnow()
    per_day: dict[tuple[str, int, date], list[float]] = defaultdict(lambda: [0, 0.0])
    async with world.services.sessionmaker() as db:
        calls = (await db.execute(select(Chat.group_id, Call.started_at, Call.ended_at)
                                  .join(Chat, Chat.id == Call.chat_id)
                                  .where(Call.org_id == world.org_id,
                                         Call.ended_at.is_not(None)))).all()
        lessons = (await db.execute(select(Chat.group_id, Lesson.starts_at, Lesson.ends_at)
                                    .join(Chat, Chat.id == Lesson.chat_id)
                                    .where(Lesson.org_id == world.org_id,
                                           Lesson.cancelled_at.is_(None),
                                           Lesson.ends_at <= now))).all()
    for what, rows in (("calls", calls), ("lessons", lessons)):
        for group, began, ended in rows:
            day = began.astimezone(MSK).date()
            if first <= week_of(day, MSK) <= last:
                slot = per_day[(what, group or NO_CLASS, day)]
                slot[0] += 1
                slot[1] += (ended - began).total_seconds()
    out: dict[str, object] = defaultdict(int)
    for (what, group, day), (n, seconds) in per_day.items():
        week = week_of(day, MSK).isoformat()
        out[f"{what} {week}"] += int(seconds // 60)  # type: ignore[operator]
        out[f"{what} class {group}"] += int(seconds // 60)  # type: ignore[operator]
        if what == "calls":
            out[f"n {week}"] += int(n)  # type: ignore[operator]
    return {k: v for k, v in out.items() if v or " class " not in k}  # as ``dashboard`` lists


async def dashboard(admin: httpx.AsyncClient, world: World, first: date, last: date
                    ) -> dict[str, object]:
    r = await admin.get(f"{API}/orgs/{world.org_id}/stats",
                        params={"from": first.isoformat(), "to": last.isoformat()})
    assert r.status_code == 200, r.text
    s = r.json()
    out: dict[str, object] = defaultdict(int)
    for w in s["weeks"]:
        if w["call_minutes"] or w["calls"]:
            out[f"calls {w['week']}"] = w["call_minutes"]
            out[f"n {w['week']}"] = w["calls"]
        if w["lesson_minutes"]:
            out[f"lessons {w['week']}"] = w["lesson_minutes"]
    for c in s["classes"]:
        group = c["group"]["id"] if c["group"] else NO_CLASS
        if c["call_minutes"]:
            out[f"calls class {group}"] = c["call_minutes"]
        if c["lesson_minutes"]:
            out[f"lessons class {group}"] = c["lesson_minutes"]
    return out


async def end_call(world: World, chat: Chat, began: datetime, ended: datetime) -> None:
    """A call that was held and has ended, counted as ending a call counts it."""
    async with world.services.sessionmaker() as db:
        db.add(Call(org_id=chat.org_id, chat_id=chat.id, kind=CallKind.video,
                    janus_room=int(began.timestamp()) % 100000, room_secret="s",
                    started_at=began, ended_at=ended))
        await count_held(db, CALLS, chat.org_id, chat, began, ended, MSK)
        await db.commit()


async def test_a_call_across_midnight_and_the_week_counts_whole_on_the_day_it_began(
        world: World) -> None:
    admin = await world.as_("admin")
    cls, staff = await chat_of(world, "5А — класс"), await staff_room(world)
    monday = week_of(utcnow(), MSK) - timedelta(weeks=3)
    sunday_night = datetime.combine(monday + timedelta(days=6), datetime.min.time(), MSK)
    # Sunday 23:50 → Monday 00:35: 45 minutes, all in the week of Sunday.
    await end_call(world, cls, sunday_night + timedelta(hours=23, minutes=50),
                   sunday_night + timedelta(days=1, minutes=35))
    # Two calls of 30.5 minutes on the next Monday: 61 whole minutes that day, not 60.
    next_monday = sunday_night + timedelta(days=1)
    for start in (timedelta(hours=10), timedelta(hours=12)):
        await end_call(world, cls, next_monday + start,
                       next_monday + start + timedelta(minutes=30, seconds=30))
    await end_call(world, staff, next_monday + timedelta(hours=15),
                   next_monday + timedelta(hours=15, minutes=20))  # a chat of no class
    first, last = monday, monday + timedelta(weeks=1)
    seen = await dashboard(admin, world, first, last)
    assert seen == await figures_from_rows(world, first, last)
    assert seen[f"calls {monday.isoformat()}"] == 45 and seen[f"n {monday.isoformat()}"] == 1
    assert seen[f"calls {last.isoformat()}"] == 61 + 20 and seen[f"n {last.isoformat()}"] == 3
    assert seen[f"calls class {cls.group_id}"] == 45 + 61
    assert seen[f"calls class {NO_CLASS}"] == 20

    # Counted as they ended = counted again from the tables.
    live = await held_rows(world)
    async with world.services.sessionmaker() as db:
        await rebuild(db)
        await db.commit()
    assert await held_rows(world) == live
    assert await dashboard(admin, world, first, last) == seen


async def test_the_municipality_reads_the_school_rows_with_the_same_figures(
        world: World) -> None:
    operator = await world.as_("operator")
    muni_id = (await operator.get(f"{API}/regions")).json()["regions"][0]["municipalities"][0]["id"]
    r = await operator.post(f"{API}/municipalities/{muni_id}/admins",
                            json={"phone": MUNI_ADMIN, "name": "Инна Павловна Котова"})
    assert r.status_code == 201, r.text
    cls, staff = await chat_of(world, "5А — класс"), await staff_room(world)
    monday = week_of(utcnow(), MSK) - timedelta(weeks=2)
    at = datetime.combine(monday + timedelta(days=2), datetime.min.time(), MSK)
    await end_call(world, cls, at + timedelta(hours=9),
                   at + timedelta(hours=9, minutes=40, seconds=40))
    await end_call(world, staff, at + timedelta(hours=11),
                   at + timedelta(hours=11, minutes=20, seconds=30))
    # Per class and day 40 + 20 = 60 whole minutes; the school's day, 61 minutes 10 seconds.
    # A municipality has always counted a school's day whole (its seconds summed first).
    muni = await world.sign_in(MUNI_ADMIN)
    r = await muni.get(f"{API}/municipalities/{muni_id}/stats",
                       params={"from": monday.isoformat(), "to": monday.isoformat()})
    assert r.status_code == 200, r.text
    s = r.json()
    [week] = s["weeks"]
    assert (week["calls"], week["call_minutes"]) == (2, 61)
    demo = next(x for x in s["schools"] if x["org"]["id"] == world.org_id)
    assert (demo["calls"], demo["call_minutes"]) == (2, 61)
    admin = await world.as_("admin")
    seen = await dashboard(admin, world, monday, monday)
    assert seen[f"calls {monday.isoformat()}"] == 60  # a school's view: per class and day


async def test_a_lesson_counts_once_it_has_ended_moves_with_its_times_and_leaves_cancelled(
        world: World) -> None:
    admin, teacher = await world.as_("admin"), await world.as_("teacher")
    cls = await chat_of(world, "5А — класс")
    today = utcnow().astimezone(MSK).date()
    this_week = week_of(today, MSK)
    # Earlier this week (or last week, on a Monday), a lesson that was held: in the counters as
    # its scheduling left it, and in the figures.
    held_on = today - timedelta(days=1)
    began = datetime.combine(held_on, datetime.min.time(), MSK) + timedelta(hours=10)
    async with world.services.sessionmaker() as db:
        db.add(Lesson(org_id=world.org_id, chat_id=cls.id, title="Урок", kind=LessonKind.lesson,
                      starts_at=began, ends_at=began + timedelta(minutes=45)))
        await count_held(db, LESSONS, world.org_id, cls, began, began + timedelta(minutes=45), MSK)
        await db.commit()
    first, last = week_of(held_on, MSK), this_week + timedelta(weeks=1)
    before = await dashboard(admin, world, first, last)
    assert before == await figures_from_rows(world, first, last)
    assert before[f"lessons class {cls.group_id}"] == 45

    # Scheduled for tomorrow: counted, not shown until it has ended.
    start = utcnow() + timedelta(days=1)
    r = await teacher.post(f"{API}/chats/{cls.id}/lessons", json={
        "title": "Онлайн-урок", "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(minutes=40)).isoformat()})
    assert r.status_code == 201, r.text
    lesson_id = r.json()["id"]
    day = start.astimezone(MSK).date()
    rows = await held_rows(world)
    assert (world.org_id, LESSONS, cls.group_id, day, week_of(day, MSK), 1,
            40 * 60 * 1_000_000) in rows
    assert (world.org_id, LESSONS, SCHOOL, day, week_of(day, MSK), 1,
            40 * 60 * 1_000_000) in rows
    assert await dashboard(admin, world, first, last) == before

    # Moved to the day after: its counters move with it.
    later = start + timedelta(days=1, minutes=5)
    r = await teacher.patch(f"{API}/lessons/{lesson_id}", json={
        "starts_at": later.isoformat(), "ends_at": (later + timedelta(minutes=30)).isoformat()})
    assert r.status_code == 200, r.text
    moved = later.astimezone(MSK).date()
    rows = await held_rows(world)
    assert not any(r[1] == LESSONS and r[3] == day for r in rows)
    assert (world.org_id, LESSONS, cls.group_id, moved, week_of(moved, MSK), 1,
            30 * 60 * 1_000_000) in rows
    assert await dashboard(admin, world, first, last) == before

    # Counted live = counted from the tables.
    async with world.services.sessionmaker() as db:
        await rebuild(db)
        await db.commit()
    assert await held_rows(world) == rows

    # Cancelled: gone from the counters.
    r = await teacher.post(f"{API}/lessons/{lesson_id}/cancel")
    assert r.status_code == 200, r.text
    assert not any(r[1] == LESSONS and r[3] == moved for r in await held_rows(world))
    assert await dashboard(admin, world, first, last) == before


async def test_a_lesson_not_ended_is_taken_off_its_day_to_the_whole_minute(world: World) -> None:
    """Two lessons of 20.5 minutes on one day, one held and one still to come: the day shows
    the held one's 20 whole minutes, not 41 − 20 = 21."""
    admin = await world.as_("admin")
    cls = await chat_of(world, "5А — класс")
    now = utcnow()
    ago = now - timedelta(minutes=30)
    soon = now + timedelta(minutes=20)
    async with world.services.sessionmaker() as db:
        for begins in (ago, soon):
            ends = begins + timedelta(minutes=20, seconds=30)
            db.add(Lesson(org_id=world.org_id, chat_id=cls.id, title="Урок",
                          kind=LessonKind.lesson, starts_at=begins, ends_at=ends))
            await count_held(db, LESSONS, world.org_id, cls, begins, ends, MSK)
        await db.commit()
    week = week_of(now, MSK)
    first, last = week_of(ago, MSK), week
    seen = await dashboard(admin, world, first, last)
    assert seen == await figures_from_rows(world, first, last)
    if ago.astimezone(MSK).date() == soon.astimezone(MSK).date():
        assert seen[f"lessons {week.isoformat()}"] == 20


async def test_the_migration_counts_the_calls_lessons_and_replies_already_there(
        tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'before.db'}"
    await asyncio.to_thread(upgrade, url, "0028_instruction_files")
    engine = make_engine(url)
    monday = week_of(utcnow(), MSK) - timedelta(weeks=1)
    sunday = datetime.combine(monday + timedelta(days=6), datetime.min.time(), MSK)
    async with make_sessionmaker(engine)() as db:
        region = Region(name="Область")
        db.add(region)
        await db.flush()
        muni = Municipality(region_id=region.id, name="Район")
        db.add(muni)
        await db.flush()
        org = Organization(municipality_id=muni.id, kind=OrgKind.school, name="Школа")
        db.add(org)
        await db.flush()
        cls = Chat(org_id=org.id, kind=ChatKind.class_, title="Класс", group_id=None)
        db.add(cls)
        await db.flush()
        db.add_all([
            Call(org_id=org.id, chat_id=cls.id, kind=CallKind.video, janus_room=1,
                 room_secret="s", started_at=sunday + timedelta(hours=23, minutes=30),
                 ended_at=sunday + timedelta(days=1, minutes=15)),
            Call(org_id=org.id, chat_id=cls.id, kind=CallKind.video, janus_room=2,
                 room_secret="s", started_at=sunday + timedelta(hours=9)),  # still on
            Lesson(org_id=org.id, chat_id=cls.id, title="Урок", kind=LessonKind.lesson,
                   starts_at=sunday + timedelta(hours=10), ends_at=sunday + timedelta(hours=11)),
            Lesson(org_id=org.id, chat_id=cls.id, title="Урок", kind=LessonKind.lesson,
                   starts_at=sunday + timedelta(hours=12), ends_at=sunday + timedelta(hours=13),
                   cancelled_at=utcnow()),
            StatReplies(org_id=org.id, week=monday, group_id=7, minutes=30, answered=2),
            StatReplies(org_id=org.id, week=monday, group_id=8, minutes=30, answered=1),
            StatReplies(org_id=org.id, week=monday, group_id=8, minutes=90, answered=1),
            StatMessages(org_id=org.id, group_id=SCHOOL, week=monday, role="staff",
                         author_id=5, messages=3),
            StatMessages(org_id=org.id, group_id=SCHOOL, week=monday, role="staff",
                         author_id=6, messages=2),
            StatMessages(org_id=org.id, group_id=SCHOOL, week=monday, role="parent",
                         author_id=NO_PERSON, messages=4)])
        await db.commit()
        org_id = org.id
    await asyncio.to_thread(upgrade, url)
    day = sunday.date()
    async with make_sessionmaker(engine)() as db:
        held = {tuple(r) for r in (await db.execute(select(
            StatHeld.what, StatHeld.group_id, StatHeld.day, StatHeld.week, StatHeld.held,
            StatHeld.micros).where(StatHeld.org_id == org_id))).all()}
        schools = {tuple(r) for r in (await db.execute(select(
            StatReplies.week, StatReplies.minutes, StatReplies.answered).where(
            StatReplies.org_id == org_id, StatReplies.group_id == SCHOOL))).all()}
        hours = {tuple(r) for r in (await db.execute(select(
            StatReplies.week, StatReplies.minutes, StatReplies.answered).where(
            StatReplies.org_id == org_id, StatReplies.group_id == HOURS))).all()}
        messages = {tuple(r) for r in (await db.execute(select(
            StatMessages.role, StatMessages.author_id, StatMessages.messages).where(
            StatMessages.org_id == org_id, StatMessages.group_id == SCHOOL))).all()}
    await engine.dispose()
    assert messages == {("staff", 5, 3), ("staff", 6, 2), ("staff", NO_PERSON, 5),
                        ("parent", NO_PERSON, 4)}  # 0034: the staff's total beside each
    minutes = 60 * 1_000_000
    assert held == {(w, g, day, monday, 1, n * minutes)
                    for g in (NO_CLASS, SCHOOL) for w, n in ((CALLS, 45), (LESSONS, 60))}
    assert schools == {(monday, 30, 3), (monday, 90, 1)}
    assert hours == {(monday, 0, 3), (monday, 60, 1)}  # 0034: the school's week by the hour


@pytest.mark.usefixtures("media_services")
async def test_ending_a_call_counts_it_in_its_class_and_its_school(world: World) -> None:
    anna, admin = await world.as_("teacher"), await world.as_("admin")
    cls = await chat_of(world, "5А — класс")
    r = await anna.post(f"{API}/chats/{cls.id}/call", json={"kind": "audio"})
    assert r.status_code in (200, 201), r.text
    call_id = r.json()["call"]["id"]
    assert not await held_rows(world)  # a call on is not counted yet
    r = await anna.post(f"{API}/calls/{call_id}/end")
    assert r.status_code == 200, r.text
    async with world.services.sessionmaker() as db:
        call = await db.get(Call, call_id)
    assert call is not None and call.ended_at is not None
    day = call.started_at.astimezone(MSK).date()
    micros = (call.ended_at - call.started_at) // timedelta(microseconds=1)
    assert await held_rows(world) == {
        (world.org_id, CALLS, group, day, week_of(day, MSK), 1, micros)
        for group in (cls.group_id, SCHOOL)}
    week = week_of(day, MSK)
    seen = await dashboard(admin, world, week, week)
    assert seen == await figures_from_rows(world, week, week)
    assert seen[f"n {week.isoformat()}"] == 1


async def test_medians_read_by_the_hour_are_the_medians_of_every_minute(world: World) -> None:
    """Answers laid down as the send path adds them (a class's row, the school's, the school's
    hour), at minutes around the hours' edges and in even and odd counts: the dashboards'
    medians per week and per school are those of all the minutes, read straight from them."""
    from random import Random

    from parta.actions.stats import _reply_keys
    from parta.db import insert_adding
    from tests.helpers import register_gymnasium

    operator, admin = await world.as_("operator"), await world.as_("admin")
    gym_id, _ = await register_gymnasium(world)
    cls = await chat_of(world, "5А — класс")
    rnd = Random(16)
    monday = week_of(utcnow(), MSK) - timedelta(weeks=6)
    weeks = [monday + timedelta(weeks=n) for n in range(4)]
    every: dict[tuple[int, date], list[int]] = defaultdict(list)
    async with world.services.sessionmaker() as db:
        table = StatReplies.__table__
        for org_id, group in ((world.org_id, cls.group_id or NO_CLASS), (gym_id, NO_CLASS)):
            for week in weeks[:3] if org_id == gym_id else weeks:
                for _ in range(rnd.choice([1, 2, 7, 40, 41])):
                    minutes = rnd.choice([0, 1, 59, 60, 61, 119, 120, 540, 541, 2000,
                                          rnd.randrange(3000)])
                    every[(org_id, week)].append(minutes)
                    await db.execute(insert_adding(db, table, ["org_id", "week", "group_id",  # type: ignore[arg-type]
                                                               "minutes"], ["answered"]), [
                        {"org_id": org_id, "week": week, "group_id": g, "minutes": m,
                         "answered": 1} for g, m in _reply_keys(group, minutes)])
        await db.commit()
        hours = (await db.execute(select(StatReplies.minutes).where(
            StatReplies.group_id == HOURS))).scalars().all()
    assert hours and all(m % 60 == 0 for m in hours)

    def median(values: list[int]) -> int | None:
        return sorted(values)[(len(values) - 1) // 2] if values else None

    first, last = weeks[0], weeks[-1]
    muni_id = (await operator.get(f"{API}/regions")).json()["regions"][0]["municipalities"][0]["id"]
    r = await operator.get(f"{API}/municipalities/{muni_id}/stats",
                           params={"from": first.isoformat(), "to": last.isoformat()})
    assert r.status_code == 200, r.text
    m = r.json()
    for w in m["weeks"]:
        week = date.fromisoformat(w["week"])
        values = every[(world.org_id, week)] + every[(gym_id, week)]
        assert (w["questions_answered"], w["median_reply_minutes"]) == (len(values), median(values))
    for school in m["schools"]:
        values = [v for (o, _), vs in every.items() if o == school["org"]["id"] for v in vs]
        assert (school["questions_answered"], school["median_reply_minutes"]) == (
            len(values), median(values))
    r = await admin.get(f"{API}/orgs/{world.org_id}/stats",
                        params={"from": first.isoformat(), "to": last.isoformat()})
    s = r.json()
    for w in s["weeks"]:
        values = every[(world.org_id, date.fromisoformat(w["week"]))]
        assert (w["questions_answered"], w["median_reply_minutes"]) == (len(values), median(values))
    five_a = next(c for c in s["classes"] if c["group"] and c["group"]["id"] == cls.group_id)
    values = [v for (o, _), vs in every.items() if o == world.org_id for v in vs]
    assert (five_a["questions_answered"], five_a["median_reply_minutes"]) == (
        len(values), median(values))
