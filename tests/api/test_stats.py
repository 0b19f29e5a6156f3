"""The director's statistics (R34, R39) and the municipality's (R2), checked against a school
whose activity we know: this week Анна Сергеевна writes to 5А and answers the parents, Маша
writes once, Елена Иванова asks again; four weeks ago the class had a week we lay down message
by message (three parents' questions answered in known working time, a call, a lesson). Who may
not see the figures, does not; a municipal administrator sees schools, never pupils."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select

from parta.actions.stats import rebuild
from parta.db import utcnow
from parta.demo import DEMO_PEOPLE
from parta.models import (
    Call,
    CallKind,
    Chat,
    Lesson,
    LessonKind,
    Message,
    StatMessages,
    StatReplies,
)
from parta.queries.stats import week_of, working_minutes
from tests.conftest import World, error_code
from tests.helpers import API, register_gymnasium

MSK = ZoneInfo("Europe/Moscow")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MUNI_ADMIN = "+79005550001"
PUPILS = [p.name for p in DEMO_PEOPLE if p.key in {"student", "student2", "little", "parent"}]


async def chat_id(world: World, title: str) -> int:
    async with world.services.sessionmaker() as db:
        return int((await db.execute(select(Chat.id).where(Chat.title == title))).scalar_one())


async def post(c: httpx.AsyncClient, chat: int, body: str) -> None:
    r = await c.post(f"{API}/chats/{chat}/messages", json={"body": body})
    assert r.status_code == 200, r.text


async def stats(c: httpx.AsyncClient, org_id: int, **params: str) -> dict:  # type: ignore[type-arg]
    r = await c.get(f"{API}/orgs/{org_id}/stats", params=params)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def counters(world: World) -> tuple[set[tuple], set[tuple]]:  # type: ignore[type-arg]
    async with world.services.sessionmaker() as db:
        msgs = {tuple(r) for r in (await db.execute(select(
            StatMessages.org_id, StatMessages.week, StatMessages.group_id, StatMessages.role,
            StatMessages.author_id, StatMessages.messages))).all()}
        replies = {tuple(r) for r in (await db.execute(select(
            StatReplies.org_id, StatReplies.week, StatReplies.group_id, StatReplies.minutes,
            StatReplies.answered))).all()}
    return msgs, replies


async def a_week_of_5a(world: World) -> None:
    """Four weeks ago, the week of 5А laid down as the send path would have left it."""

    async def exec_rebuild() -> None:
        async with world.services.sessionmaker() as db:
            await rebuild(db)
            await db.commit()

    monday = week_of(utcnow(), MSK) - timedelta(weeks=4)

    def at(day: int, hour: int, minute: int = 0) -> datetime:
        return datetime(monday.year, monday.month, monday.day, hour, minute,
                        tzinfo=MSK) + timedelta(days=day)

    anna, elena = await world.user_id("teacher"), await world.user_id("parent")
    cls, parents = await chat_id(world, "5А — класс"), await chat_id(world, "5А — родители")
    said = [(cls, anna, at(0, 9)), (cls, anna, at(0, 9, 5)), (cls, anna, at(0, 9, 10)),
            (parents, elena, at(1, 10)), (parents, elena, at(1, 10, 30)),  # one question
            (parents, anna, at(2, 11)),  # 480 + 120 = 600 working minutes later
            (parents, elena, at(3, 17)), (parents, anna, at(4, 9, 30)),  # 60 + 30 = 90
            (parents, elena, at(4, 10)), (parents, anna, at(4, 10, 20))]  # 20
    async with world.services.sessionmaker() as db:
        for chat, author, when in said:
            db.add(Message(chat_id=chat, author_id=author, body="…", created_at=when))
        db.add(Call(org_id=world.org_id, chat_id=cls, started_by=anna, kind=CallKind.video,
                    janus_room=4243, room_secret="s", started_at=at(0, 12),
                    ended_at=at(0, 12, 40), ended_by=anna))
        db.add(Lesson(org_id=world.org_id, chat_id=cls, created_by=anna, title="Урок",
                      kind=LessonKind.lesson, starts_at=at(1, 10), ends_at=at(1, 10, 45)))
        await db.commit()
    await exec_rebuild()


def test_working_time_is_counted_monday_to_friday_nine_to_six() -> None:
    monday = datetime(2026, 11, 30, 0, 0, tzinfo=MSK)
    assert working_minutes(monday.replace(hour=10), monday.replace(hour=11), MSK) == 60
    assert working_minutes(monday.replace(hour=17), monday + timedelta(days=1, hours=9, minutes=30),
                           MSK) == 90  # an hour on Monday, half an hour on Tuesday
    friday = monday + timedelta(days=4)
    assert working_minutes(friday.replace(hour=17), friday + timedelta(days=3, hours=10),
                           MSK) == 120  # the weekend does not count
    assert working_minutes(monday.replace(hour=20), monday.replace(hour=23), MSK) == 0
    assert week_of(datetime(2026, 12, 6, 22, 0, tzinfo=ZoneInfo("UTC")), MSK) == date(2026, 12, 7)


async def test_the_director_sees_this_weeks_school_as_it_happened(world: World) -> None:
    anna, masha, elena = (await world.as_("teacher"), await world.as_("student"),
                          await world.as_("parent"))
    admin = await world.as_("admin")
    cls, parents = await chat_id(world, "5А — класс"), await chat_id(world, "5А — родители")
    before = await stats(admin, world.org_id)
    for n in range(3):
        await post(anna, cls, f"Домашнее задание, часть {n + 1}")
    await post(masha, cls, "Поняла!")
    await post(anna, parents, "Ответ на ваш вопрос: да, форма обычная.")  # answers «Спасибо, будем.»
    await post(elena, parents, "А во сколько сбор?")  # a new question, not yet answered

    s = await stats(admin, world.org_id)
    week = s["weeks"][-1]
    assert week["week"] == week_of(utcnow(), MSK).isoformat() == s["weeks_to"]
    # The demo's conversation (Анна 2, Маша 1, Петя 1, Елена 1) and this week's.
    assert (week["messages_staff"], week["messages_students"], week["messages_parents"]) == (6, 3, 2)
    assert week["active_teachers"] == 1 and s["active_teachers"] == 1 and s["teachers"] == 3
    assert week["questions_answered"] == 1
    async with world.services.sessionmaker() as db:
        times = list((await db.execute(select(Message.created_at).where(
            Message.chat_id == parents).order_by(Message.id))).scalars())
    assert week["median_reply_minutes"] == working_minutes(times[1], times[2], MSK)
    assert s["unanswered_over_day"] == 0
    five_a = next(c for c in s["classes"] if c["group"] and c["group"]["name"] == "5А")
    assert (five_a["messages_staff"], five_a["messages_students"],
            five_a["messages_parents"]) == (6, 3, 2)
    # Signed in: Ирина Петровна and Анна of 3 staff; Маша of 3 pupils; Елена, the one parent.
    activation = {a["role"]: a for a in s["activation"]}
    assert (activation["staff"]["activated"], activation["staff"]["on_roster"]) == (2, 3)
    assert activation["staff"]["percent"] == 66.7 and not activation["staff"]["meets"]
    assert (activation["student"]["activated"], activation["student"]["on_roster"]) == (1, 3)
    assert activation["parent"]["percent"] == 100.0 and activation["parent"]["meets"]
    by_role = {a["role"]: a for a in five_a["activation"]}
    assert (by_role["student"]["activated"], by_role["student"]["on_roster"]) == (1, 2)
    assert (by_role["parent"]["activated"], by_role["parent"]["on_roster"]) == (1, 1)
    assert week["activated_staff"] == 2 and week["activated_students"] == 1
    assert s["acknowledgement_coverage"] is None  # no announcement asked anyone yet


    r = await admin.post(f"{API}/orgs/{world.org_id}/invites", json={"role": "teacher"})
    assert r.status_code == 201, r.text
    assert (await stats(admin, world.org_id))["pending_invites"] == before["pending_invites"] + 1

    # The counters kept by the send path are exactly what recounting the tables gives.
    live = await counters(world)
    async with world.services.sessionmaker() as db:
        assert await rebuild(db) == 5 + 6
        await db.commit()
    assert await counters(world) == live


async def test_the_share_of_families_who_acknowledged_is_counted(world: World) -> None:
    """Анна asks 5А's families to acknowledge a notice: two children, so two families; Елена
    confirms for Маша's — one of two. The municipality sees the same share."""
    anna, elena, admin = (await world.as_("teacher"), await world.as_("parent"),
                          await world.as_("admin"))
    parents = await chat_id(world, "5А — родители")
    assert (await stats(admin, world.org_id))["acknowledgement_coverage"] is None
    r = await anna.post(f"{API}/chats/{parents}/messages", json={"body": "Завтра экскурсия, форма спортивная."})
    assert r.status_code == 200, r.text
    r = await anna.post(f"{API}/messages/{r.json()['id']}/ack", json={})
    assert r.status_code == 201, r.text
    assert (await stats(admin, world.org_id))["acknowledgement_coverage"] == 0.0
    r = await elena.post(f"{API}/acks/{r.json()['id']}/confirm")
    assert r.status_code == 200, r.text
    assert (await stats(admin, world.org_id))["acknowledgement_coverage"] == 50.0
    r = await elena.post(f"{API}/acks/{r.json()['id']}/confirm")  # again: still one family
    assert (await stats(admin, world.org_id))["acknowledgement_coverage"] == 50.0
    operator = await world.as_("operator")
    muni_id = (await operator.get(f"{API}/regions")).json()["regions"][0]["municipalities"][0]["id"]
    r = await operator.get(f"{API}/municipalities/{muni_id}/stats")
    assert r.status_code == 200, r.text
    assert r.json()["acknowledgement_coverage"] == 50.0


async def test_a_past_week_is_counted_from_the_tables(world: World) -> None:
    admin = await world.as_("admin")
    await a_week_of_5a(world)
    monday = week_of(utcnow(), MSK) - timedelta(weeks=4)
    s = await stats(admin, world.org_id, **{"from": monday.isoformat(),
                                            "to": (monday + timedelta(days=6)).isoformat()})
    assert s["weeks_from"] == s["weeks_to"] == monday.isoformat()
    [week] = s["weeks"]
    assert (week["messages_staff"], week["messages_parents"], week["messages_students"]) == (6, 4, 0)
    assert week["active_teachers"] == 1
    assert week["questions_answered"] == 3 and week["median_reply_minutes"] == 90
    assert (week["calls"], week["call_minutes"], week["lesson_minutes"]) == (1, 40, 45)
    five_a = next(c for c in s["classes"] if c["group"] and c["group"]["name"] == "5А")
    assert five_a["calls"] == 1 and five_a["lesson_minutes"] == 45
    assert five_a["questions_answered"] == 3 and five_a["median_reply_minutes"] == 90
    others = [c for c in s["classes"] if c["group"] and c["group"]["name"] != "5А"]
    assert others and all(c["messages_staff"] == c["calls"] == 0 for c in others)


async def test_exports_carry_the_same_figures(world: World) -> None:
    admin = await world.as_("admin")
    await a_week_of_5a(world)
    monday = (week_of(utcnow(), MSK) - timedelta(weeks=4)).isoformat()
    r = await admin.get(f"{API}/orgs/{world.org_id}/stats",
                        params={"from": monday, "to": monday, "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["По неделям"] and rows[1][0] == "Неделя (с понедельника)"
    assert rows[2][:4] == [monday, "6", "0", "4"]
    assert any(row and row[0] == "5А" for row in rows)
    r = await admin.get(f"{API}/orgs/{world.org_id}/stats",
                        params={"from": monday, "to": monday, "format": "xlsx"})
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["По неделям", "По классам"]
    assert [c.value for c in book["По неделям"][2]][:4] == [monday, 6, 0, 4]


async def test_who_may_not_see_the_figures_does_not(world: World) -> None:
    url = f"{API}/orgs/{world.org_id}/stats"
    for key in ("teacher", "student", "parent"):
        r = await (await world.as_(key)).get(url)
        assert r.status_code == 403 and error_code(r) == "forbidden", key
    gym_id, gym_admin = await register_gymnasium(world)
    r = await gym_admin.get(url)
    assert r.status_code == 404 and error_code(r) == "not_found"
    assert (await gym_admin.get(f"{API}/orgs/{gym_id}/stats")).status_code == 200
    admin = await world.as_("admin")
    assert (await admin.get(f"{API}/orgs/999999/stats")).status_code == 404
    for params, code in (({"from": "2026-13-01"}, "validation_failed"),
                         ({"to": "вчера"}, "validation_failed"),
                         ({"format": "pdf"}, "validation_failed"),
                         ({"from": "2026-12-01", "to": "2026-11-01"}, "stats_range_backwards"),
                         ({"from": "2024-09-01", "to": "2026-06-01"}, "stats_range_too_long")):
        r = await admin.get(url, params=params)
        assert r.status_code == 422 and error_code(r) == code, (params, r.text)
    r = await admin.get(f"{API}/municipalities/1/stats")
    assert r.status_code == 404  # a school's administrator oversees no municipality


async def test_the_municipality_sees_its_schools_ranked_and_no_pupil(world: World) -> None:
    operator = await world.as_("operator")
    muni_id = (await operator.get(f"{API}/regions")).json()["regions"][0]["municipalities"][0]["id"]
    r = await operator.post(f"{API}/municipalities/{muni_id}/admins",
                            json={"phone": MUNI_ADMIN, "name": "Ольга Николаевна Руденко"})
    assert r.status_code == 201, r.text
    gym_id, _ = await register_gymnasium(world)
    for key in ("admin", "teacher", "math_teacher", "student", "parent"):
        await world.as_(key)  # signed in once: activated
    await a_week_of_5a(world)
    muni = await world.sign_in(MUNI_ADMIN)
    monday = (week_of(utcnow(), MSK) - timedelta(weeks=4)).isoformat()
    answers = []
    r = await muni.get(f"{API}/municipalities/{muni_id}/stats", params={"from": monday})
    assert r.status_code == 200, r.text
    answers.append(r.text)
    s = r.json()
    assert [school["org"]["id"] for school in s["schools"]] == [world.org_id, gym_id]
    assert [school["rank"] for school in s["schools"]] == [1, 2]
    # The demo school meets staff's and parents' targets; the new gymnasium only staff's.
    assert [school["targets_met"] for school in s["schools"]] == [2, 1]
    demo = s["schools"][0]
    assert demo["messages"] == 10 + 5 and demo["call_minutes"] == 40
    assert demo["questions_answered"] == 3
    assert s["weeks"][0]["messages_staff"] == 6 and s["weeks"][0]["median_reply_minutes"] == 90
    totals = {a["role"]: a for a in s["activation"]}
    assert totals["staff"]["on_roster"] == 3 + 1  # the gymnasium's administrator too
    r = await muni.get(f"{API}/orgs/{world.org_id}/stats")  # one school's dashboard too
    assert r.status_code == 200
    answers.append(r.text)
    for fmt in ("csv", "xlsx"):
        r = await muni.get(f"{API}/municipalities/{muni_id}/stats", params={"format": fmt})
        assert r.status_code == 200
        if fmt == "csv":
            answers.append(r.content.decode("utf-8-sig"))
        else:
            with zipfile.ZipFile(io.BytesIO(r.content)) as z:
                answers.extend(z.read(n).decode("utf-8") for n in z.namelist()
                               if n.endswith(".xml"))
    for text in answers:  # never a pupil's or a parent's name, never a message's words
        for word in PUPILS + [part for name in PUPILS for part in name.split()]:
            assert word not in text, word
        assert "Спасибо, будем" not in text and "экскурсия" not in text

    # Another municipality's administrator: the same as nothing.
    region = (await operator.get(f"{API}/regions")).json()["regions"][0]["id"]
    r = await operator.post(f"{API}/municipalities", json={"region_id": region, "name": "Другой"})
    assert r.status_code == 201, r.text
    other = r.json()["id"]
    r = await operator.post(f"{API}/municipalities/{other}/admins",
                            json={"phone": "+79005550002", "name": "Пётр Ильич Соседов"})
    assert r.status_code == 201
    neighbour = await world.sign_in("+79005550002")
    r = await neighbour.get(f"{API}/municipalities/{muni_id}/stats")
    assert r.status_code == 404 and error_code(r) == "not_found"
    assert (await neighbour.get(f"{API}/orgs/{world.org_id}/stats")).status_code == 404
    assert (await neighbour.get(f"{API}/municipalities/{other}/stats")).json()["schools"] == []
    assert (await operator.get(f"{API}/municipalities/{muni_id}/stats")).status_code == 200


async def test_a_parent_writing_to_a_teacher_directly_asks_a_question(world: World) -> None:
    """A one-to-one chat with a staff member counts like the parents' chat; a student writing
    to the teacher asks no parent's question; the answer's delay lands in «no class»."""
    elena, anna, masha = (await world.as_("parent"), await world.as_("teacher"),
                          await world.as_("student"))
    r = await elena.post(f"{API}/orgs/{world.org_id}/direct",
                         json={"user_id": await world.user_id("teacher")})
    assert r.status_code in (200, 201), r.text
    direct = r.json()["id"]
    r = await masha.post(f"{API}/orgs/{world.org_id}/direct",
                         json={"user_id": await world.user_id("teacher")})
    masha_direct = r.json()["id"]
    await post(masha, masha_direct, "Анна Сергеевна, а что задано?")
    await post(elena, direct, "Анна Сергеевна, можно вопрос про экскурсию?")
    await post(elena, direct, "И ещё один.")  # the same question still waits
    async with world.services.sessionmaker() as db:
        from parta.models import OpenQuestion

        waiting = {q.chat_id for q in (await db.execute(select(OpenQuestion))).scalars()}
    assert direct in waiting and masha_direct not in waiting
    await post(anna, direct, "Да, конечно.")
    s = await stats((await world.as_("admin")), world.org_id)
    outside = next(c for c in s["classes"] if c["group"] is None)
    assert outside["questions_answered"] == 1
    assert outside["messages_parents"] == 2 and outside["messages_students"] == 1
    assert s["weeks"][-1]["questions_answered"] == 1  # the demo's «Спасибо, будем.» still waits
    live = await counters(world)
    async with world.services.sessionmaker() as db:
        await rebuild(db)
        await db.commit()
    assert await counters(world) == live


async def test_a_held_message_counts_when_a_moderator_lets_it_through(world: World) -> None:
    petya, anna, admin = (await world.as_("student2"), await world.as_("teacher"),
                          await world.as_("admin"))
    cls = await chat_id(world, "5А — класс")
    students = (await stats(admin, world.org_id))["weeks"][-1]["messages_students"]
    r = await petya.post(f"{API}/chats/{cls}/messages",
                         json={"body": "да это полная хуйня, а не контрольная"})
    assert r.status_code == 202, r.text  # held for the class's moderator (R33)
    assert (await stats(admin, world.org_id))["weeks"][-1]["messages_students"] == students
    held = r.json()["held"]["id"]
    r = await anna.post(f"{API}/held/{held}/decision", json={"approve": True})
    assert r.status_code == 200, r.text
    assert (await stats(admin, world.org_id))["weeks"][-1]["messages_students"] == students + 1
    live = await counters(world)
    async with world.services.sessionmaker() as db:
        await rebuild(db)
        await db.commit()
    assert await counters(world) == live
