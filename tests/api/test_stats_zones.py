"""Each school's statistics follow its own calendar (``organization.time_zone``): a school at
UTC+10 counts a message posted at 00:10 on its Monday in the new week (Moscow and UTC still
call it Sunday), its working hours are its own, and a municipality of schools in different
zones adds up each school's own weeks. Counted as things happen = counted again by
``parta stats rebuild``."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update

from parta.actions.stats import Posted, count_held, count_posted, org_zones, rebuild
from parta.db import utcnow
from parta.models import (
    CALLS,
    SCHOOL,
    Call,
    CallKind,
    Chat,
    ChatKind,
    Membership,
    Message,
    OpenQuestion,
    Organization,
    StatHeld,
    StatMessages,
    StatReplies,
    User,
)
from parta.queries.stats import week_of, working_minutes
from tests.conftest import World
from tests.helpers import API, register_gymnasium

VLA = ZoneInfo("Asia/Vladivostok")  # UTC+10 all year
MSK = ZoneInfo("Europe/Moscow")


async def chat_of(world: World, title: str) -> Chat:
    async with world.services.sessionmaker() as db:
        return (await db.execute(select(Chat).where(Chat.title == title))).scalar_one()


async def all_counters(world: World) -> tuple[set[tuple[object, ...]], ...]:
    async with world.services.sessionmaker() as db:
        msgs = {tuple(r) for r in (await db.execute(select(
            StatMessages.org_id, StatMessages.week, StatMessages.group_id, StatMessages.role,
            StatMessages.author_id, StatMessages.messages))).all()}
        replies = {tuple(r) for r in (await db.execute(select(
            StatReplies.org_id, StatReplies.week, StatReplies.group_id, StatReplies.minutes,
            StatReplies.answered))).all()}
        held = {tuple(r) for r in (await db.execute(select(
            StatHeld.org_id, StatHeld.what, StatHeld.group_id, StatHeld.day, StatHeld.week,
            StatHeld.held, StatHeld.micros).where(StatHeld.held != 0))).all()}
    return msgs, replies, held


async def set_zone(world: World, org_id: int, zone: str) -> None:
    async with world.services.sessionmaker() as db:
        await db.execute(update(Organization).where(Organization.id == org_id)
                         .values(time_zone=zone))
        await db.commit()


async def say(world: World, chat: Chat, author: int, role: str, at: datetime) -> None:
    """A message written and counted as the send path counts it (the school's zone read from
    the organization)."""
    async with world.services.sessionmaker() as db:
        db.add(Message(chat_id=chat.id, author_id=author, body="…", created_at=at))
        await db.flush()
        await count_posted(db, [Posted(chat, author, role, at)],
                           await org_zones(db, [chat.org_id]))
        await db.commit()


async def held_call(world: World, chat: Chat, began: datetime, ended: datetime) -> None:
    async with world.services.sessionmaker() as db:
        db.add(Call(org_id=chat.org_id, chat_id=chat.id, kind=CallKind.video,
                    janus_room=int(began.timestamp()) % 100000, room_secret="s",
                    started_at=began, ended_at=ended))
        zone = (await org_zones(db, [chat.org_id]))[chat.org_id]
        await count_held(db, CALLS, chat.org_id, chat, began, ended, zone)
        await db.commit()


async def test_a_school_at_utc_plus_10_counts_by_its_own_calendar(world: World) -> None:
    admin, operator = await world.as_("admin"), await world.as_("operator")
    await set_zone(world, world.org_id, "Asia/Vladivostok")
    gym_id, _ = await register_gymnasium(world)  # stays on Moscow's calendar
    anna, elena = await world.user_id("teacher"), await world.user_id("parent")
    cls, parents = await chat_of(world, "5А — класс"), await chat_of(world, "5А — родители")
    async with world.services.sessionmaker() as db:
        gym_admin = (await db.execute(select(Membership.user_id).where(
            Membership.org_id == gym_id))).scalars().first()
        gym_room = Chat(org_id=gym_id, kind=ChatKind.management_staff, title="Учительская")
        db.add(gym_room)
        # The demo's question still open was asked now, after the weeks laid down below.
        await db.execute(delete(OpenQuestion).where(OpenQuestion.chat_id == parents.id))
        await db.commit()
    assert gym_admin is not None

    monday = week_of(utcnow(), VLA) - timedelta(weeks=2)
    after = monday + timedelta(weeks=1)

    def at(day: int, hour: int, minute: int = 0, zone: ZoneInfo = VLA) -> datetime:
        return datetime.combine(monday + timedelta(days=day), datetime.min.time(),
                                zone) + timedelta(hours=hour, minutes=minute)

    # Friday 17:50 Elena asks; Sunday 23:50 Anna writes once; on Monday from 00:10 (Sunday
    # 17:10 in Moscow, 14:10 UTC) three times more; at 09:10 she answers: 10 + 10 working
    # minutes of Vladivostok (Moscow's hours would make it 7 h 10 min on Friday).
    await say(world, parents, elena, "parent", at(4, 17, 50))
    await say(world, cls, anna, "staff", at(6, 23, 50))
    for minute in (10, 20, 30):
        await say(world, cls, anna, "staff", at(7, 0, minute))
    await say(world, parents, anna, "staff", at(7, 9, 10))
    assert working_minutes(at(4, 17, 50), at(7, 9, 10), MSK) == 430
    # The gymnasium, on Moscow's calendar: Sunday 17:30 there is Monday 00:30 in Vladivostok.
    await say(world, gym_room, gym_admin, "staff", at(6, 17, 30, MSK))
    # Elena signed in first at 00:30 on Monday: not yet by the end of the first week.
    async with world.services.sessionmaker() as db:
        await db.execute(update(User).where(User.id == elena).values(activated_at=at(7, 0, 30)))
        await db.commit()
    # Calls: Sunday 23:40 → Monday 00:20 counts on its Sunday; Monday 00:05, 30 min, on Monday.
    await held_call(world, cls, at(6, 23, 40), at(7, 0, 20))
    await held_call(world, cls, at(7, 0, 5), at(7, 0, 35))

    r = await admin.get(f"{API}/orgs/{world.org_id}/stats",
                        params={"from": monday.isoformat(), "to": after.isoformat()})
    assert r.status_code == 200, r.text
    s = r.json()
    first, second = s["weeks"]
    assert (first["week"], second["week"]) == (monday.isoformat(), after.isoformat())
    assert (first["messages_staff"], first["messages_parents"]) == (1, 1)
    assert (first["active_teachers"], first["questions_answered"]) == (0, 0)
    assert (first["calls"], first["call_minutes"]) == (1, 40)
    assert (second["messages_staff"], second["messages_parents"]) == (4, 0)
    assert (second["active_teachers"], second["questions_answered"]) == (1, 1)
    assert second["median_reply_minutes"] == 20
    assert (second["calls"], second["call_minutes"]) == (1, 30)
    assert (first["activated_parents"], second["activated_parents"]) == (0, 1)

    # The municipality: each school's week by its own calendar, labelled by its Monday.
    muni_id = (await operator.get(f"{API}/regions")).json()["regions"][0]["municipalities"][0]["id"]
    r = await operator.get(f"{API}/municipalities/{muni_id}/stats",
                           params={"from": monday.isoformat(), "to": after.isoformat()})
    assert r.status_code == 200, r.text
    m = r.json()
    mfirst, msecond = m["weeks"]
    assert (mfirst["messages_staff"], msecond["messages_staff"]) == (1 + 1, 4)
    assert (mfirst["active_teachers"], msecond["active_teachers"]) == (0, 1)
    assert msecond["median_reply_minutes"] == 20
    schools = {x["org"]["id"]: x for x in m["schools"]}
    assert schools[world.org_id]["messages"] == 6 and schools[gym_id]["messages"] == 1
    assert schools[world.org_id]["median_reply_minutes"] == 20

    # Counted as they happened = counted again from the tables, each school in its zone.
    live = await all_counters(world)
    assert (world.org_id, after, SCHOOL, "staff", anna, 4) in live[0]
    assert (gym_id, monday, SCHOOL, "staff", gym_admin, 1) in live[0]
    async with world.services.sessionmaker() as db:
        await rebuild(db)
        await db.commit()
    assert await all_counters(world) == live
    r = await admin.get(f"{API}/orgs/{world.org_id}/stats",
                        params={"from": monday.isoformat(), "to": after.isoformat()})
    assert r.json() == s


async def test_the_send_path_counts_in_the_schools_week(world: World) -> None:
    """A message sent now counts in the week the school's calendar has now."""
    await set_zone(world, world.org_id, "Asia/Vladivostok")
    anna = await world.as_("teacher")
    cls = await chat_of(world, "5А — класс")
    anna_id = await world.user_id("teacher")

    async def mine(week: date) -> int:
        async with world.services.sessionmaker() as db:
            return int((await db.execute(select(StatMessages.messages).where(
                StatMessages.org_id == world.org_id, StatMessages.group_id == SCHOOL,
                StatMessages.week == week, StatMessages.author_id == anna_id))).scalar() or 0)

    week = week_of(utcnow(), VLA)
    before = await mine(week)
    r = await anna.post(f"{API}/chats/{cls.id}/messages", json={"body": "Доброе утро!"})
    assert r.status_code == 200, r.text
    if week_of(utcnow(), VLA) == week:  # not sent across Vladivostok's midnight into Monday
        assert await mine(week) == before + 1
