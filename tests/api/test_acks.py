"""Announcements every family acknowledges (issue 15) in the demo school: Анна Сергеевна posts
in «5А — родители» that the class goes to the museum on Friday and marks it «Требует
подтверждения» by Thursday noon. 5А has two families: Маша's (Елена Иванова in the chat, and
Маша's father Сергей, who is not) and Петя's (no parent in Parta yet). Елена taps
«Ознакомлен(а)» once for her family; Анна sees «1 из 2» and who has not. Past the deadline
the ladder goes: a reminder, then the second guardian, then Анна gets the families to call —
each step once, by e-mail through a real SMTP server on loopback, at a decent hour unless
urgent (then by SMS too, where the school sends SMS). The ladder's clock is a parameter."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest_asyncio
from sqlalchemy import func, select

from parta.actions.acks import MAX_ATTEMPTS, RETRY_DELAYS, run_escalations, send_due_deliveries
from parta.actions.base import Services
from parta.actions.sweep import sweep
from parta.db import make_engine, make_sessionmaker, utcnow
from parta.models import (
    Announcement,
    FamilyAck,
    Membership,
    MembershipRole,
    ParentLink,
    ParentLinkStatus,
    ReminderDelivery,
    Role,
    User,
)
from tests.api.test_digest import MailServer, confirm_email, smtp  # noqa: F401  (the fixture)
from tests.api.test_push import Clock, notifier_of, subscribe
from tests.conftest import World, error_code
from tests.helpers import API, register_gymnasium
from tests.push_service import PushService

MSK = ZoneInfo("Europe/Moscow")
SERGEI_PHONE = "+79000000022"
MUSEUM = "В пятницу 5А идёт в Исторический музей, сбор в 9:00 у школы."


def tomorrow_at(hour: int, minute: int = 0) -> datetime:
    day = utcnow().astimezone(MSK).date() + timedelta(days=1)
    return datetime.combine(day, time(hour, minute), tzinfo=MSK)


async def chat_named(c: httpx.AsyncClient, title: str) -> int:
    chats = (await c.get(f"{API}/chats")).json()["chats"]
    return int(next(ch["id"] for ch in chats if ch["title"] == title))


async def post(c: httpx.AsyncClient, chat_id: int, body: str) -> int:
    r = await c.post(f"{API}/chats/{chat_id}/messages", json={"body": body})
    assert r.status_code in (200, 201), r.text
    return int(r.json()["id"])


async def second_guardian(world: World) -> int:
    """Маша's father: the school confirmed him as her parent; he is not in the parents' chat."""
    masha = await world.user_id("student")
    async with world.services.sessionmaker() as db:
        sergei = User(phone=SERGEI_PHONE, name="Сергей Иванов")
        db.add(sergei)
        await db.flush()
        membership = Membership(org_id=world.org_id, user_id=sergei.id)
        db.add(membership)
        await db.flush()
        db.add(MembershipRole(membership_id=membership.id, role=Role.parent))
        db.add(ParentLink(org_id=world.org_id, parent_id=sergei.id, child_id=masha,
                          status=ParentLinkStatus.confirmed, child_name_claimed="Маша Иванова"))
        await db.commit()
        return sergei.id


async def museum(world: World, deadline: datetime | None, urgent: bool = False
                 ) -> tuple[httpx.AsyncClient, int, int]:
    """Анна posts the museum trip and asks for an acknowledgement; the chat and the ack ids."""
    anna = await world.as_("teacher")
    chat_id = await chat_named(anna, "5А — родители")
    message_id = await post(anna, chat_id, MUSEUM)
    r = await anna.post(f"{API}/messages/{message_id}/ack", json={
        "deadline": deadline.isoformat() if deadline else None, "urgent": urgent})
    assert r.status_code == 201, r.text
    return anna, chat_id, int(r.json()["id"])


async def confirmations(world: World) -> int:
    async with world.services.sessionmaker() as db:
        return int((await db.execute(select(func.count()).select_from(FamilyAck))).scalar_one())


async def test_one_tap_per_family_and_the_author_sees_who_has_not(world: World) -> None:
    sergei = await second_guardian(world)
    elena = await world.as_("parent")
    anna, chat_id, ack_id = await museum(world, tomorrow_at(12))
    ids = {k: await world.user_id(k) for k in ("teacher", "parent", "student", "student2")}

    # Анна sees the count at once: two families in 5А, none yet.
    r = await anna.get(f"{API}/chats/{chat_id}/acks")
    assert r.json()["can_require_ack"] is True and r.json()["time_zone"] == "Europe/Moscow"
    [mine] = r.json()["acks"]
    assert (mine["confirmed"], mine["total"], mine["sees_status"]) == (0, 2, True)
    assert mine["can_confirm"] is False and mine["mine"] == []
    [marked] = world.events_of("ack.changed")
    assert ids["teacher"] in marked.audience and ids["parent"] not in marked.audience
    # The families in the chat hear that it was marked (their pages show the button), with no
    # count; the count's audience does not hear it twice.
    [news] = world.events_of("ack.marked")
    assert ids["parent"] in news.audience and not news.audience & marked.audience
    assert news.event.message_id == mine["message_id"]  # type: ignore[attr-defined]
    assert not hasattr(news.event, "confirmed")

    # Елена sees the button for Маша's family, not the count of others.
    answer = (await elena.get(f"{API}/chats/{chat_id}/acks")).json()
    assert answer["can_require_ack"] is False
    [hers] = answer["acks"]
    assert hers["can_confirm"] is True and hers["sees_status"] is False
    assert hers["mine"] == [{"child": {"id": ids["student"], "name": "Маша Иванова"},
                             "confirmed": False}]
    r = await elena.get(f"{API}/acks/{ack_id}")
    assert r.status_code == 200 and r.json()["families"] is None

    r = await elena.post(f"{API}/acks/{ack_id}/confirm")
    assert r.status_code == 200, r.text
    assert r.json()["can_confirm"] is False and r.json()["mine"][0]["confirmed"] is True
    [_, confirmed] = world.events_of("ack.changed")
    assert confirmed.event.confirmed == 1 and confirmed.event.total == 2  # type: ignore[attr-defined]
    assert {ids["teacher"], ids["parent"], sergei} <= confirmed.audience

    # Again: nothing changes, nobody is told. Сергей's tap is his family's, already counted.
    r = await elena.post(f"{API}/acks/{ack_id}/confirm")
    assert r.status_code == 200 and r.json()["mine"][0]["confirmed"] is True
    sergei_c = await world.sign_in(SERGEI_PHONE)
    r = await sergei_c.post(f"{API}/acks/{ack_id}/confirm")
    assert r.status_code == 200 and r.json()["can_confirm"] is False
    assert len(world.events_of("ack.changed")) == 2 and await confirmations(world) == 1

    # Анна: «Ознакомились 1 из 2», and Петя's family has not (no parent in Parta to ask).
    r = await anna.get(f"{API}/acks/{ack_id}")
    detail = r.json()
    assert (detail["confirmed"], detail["total"]) == (1, 2)
    by_child = {f["child"]["name"]: f for f in detail["families"]}
    assert by_child["Маша Иванова"]["confirmed"] is True
    assert by_child["Маша Иванова"]["confirmed_by"]["name"] == "Елена Иванова"
    assert {g["name"] for g in by_child["Маша Иванова"]["guardians"]} == {
        "Елена Иванова", "Сергей Иванов"}
    assert by_child["Петя Соколов"] == {"child": {"id": ids["student2"], "name": "Петя Соколов"},
                                        "guardians": [], "confirmed": False,
                                        "confirmed_by": None, "confirmed_at": None}


async def test_a_parent_of_two_children_confirms_for_both_families(world: World) -> None:
    """In the school channel Елена's two children (Маша in 5А, Ваня in 1А) are two families."""
    admin, elena = await world.as_("admin"), await world.as_("parent")
    chats = (await admin.get(f"{API}/chats")).json()["chats"]
    chat_id = next(c["id"] for c in chats if c["kind"] == "school_channel")
    message_id = await post(admin, chat_id, "Родительское собрание всей школы — в четверг в 18:00.")
    r = await admin.post(f"{API}/messages/{message_id}/ack", json={})
    assert r.status_code == 201, r.text
    ack_id = r.json()["id"]
    assert r.json()["total"] == 2
    r = await elena.post(f"{API}/acks/{ack_id}/confirm")
    assert r.status_code == 200, r.text
    assert {m["child"]["name"] for m in r.json()["mine"] if m["confirmed"]} == {
        "Маша Иванова", "Ваня Иванов"}
    assert r.json()["confirmed"] == 2 and await confirmations(world) == 2
    # Анна, a teacher in the channel, sees the count (staff), not the list (not hers to chase).
    r = await (await world.as_("teacher")).get(f"{API}/acks/{ack_id}")
    assert r.status_code == 200 and (r.json()["confirmed"], r.json()["total"]) == (2, 2)
    assert r.json()["sees_status"] is False and r.json()["families"] is None


async def test_who_may_not_mark_or_confirm_and_what_is_refused(world: World) -> None:
    anna, elena, masha = (await world.as_("teacher"), await world.as_("parent"),
                          await world.as_("student"))
    parents = await chat_named(anna, "5А — родители")
    klass = await chat_named(anna, "5А — класс")
    own = await post(anna, parents, MUSEUM)
    hers = await post(elena, parents, "Спасибо, будем!")
    in_class = await post(anna, klass, "Завтра контрольная.")
    before = len(world.events_of("ack.changed"))

    cases = [
        (elena, hers, {}, 403, "may_not_require_ack"),       # a parent asks other families
        (anna, hers, {}, 403, "not_own_message"),             # someone else's post
        (anna, in_class, {}, 403, "acks_not_here"),           # the children's own chat
        (masha, in_class, {}, 403, "acks_not_here"),
        (anna, own, {"deadline": (utcnow() - timedelta(hours=1)).isoformat()}, 422,
         "validation_failed"),                                # a deadline in the past
        (anna, own, {"deadline": (utcnow() + timedelta(days=400)).isoformat()}, 422,
         "validation_failed"),                                # more than a year ahead
        (anna, own, {"deadline": "2030-01-01T10:00:00"}, 422, "validation_failed"),  # no zone
        (anna, own, {"deadline": "завтра"}, 422, "validation_failed"),
        (anna, own, {"urgent": True, "colour": "red"}, 422, "validation_failed"),
        (anna, 10 ** 9, {}, 404, "not_found"),
    ]
    for client, message_id, body, status, code in cases:
        r = await client.post(f"{API}/messages/{message_id}/ack", json=body)
        assert (r.status_code, error_code(r)) == (status, code), (message_id, body, r.text)
    async with world.services.sessionmaker() as db:
        assert (await db.execute(select(func.count()).select_from(Announcement))).scalar_one() == 0
    assert len(world.events_of("ack.changed")) == before

    r = await anna.post(f"{API}/messages/{own}/ack", json={"deadline": tomorrow_at(12).isoformat()})
    assert r.status_code == 201
    ack_id = r.json()["id"]
    r = await anna.post(f"{API}/messages/{own}/ack", json={})
    assert (r.status_code, error_code(r)) == (409, "already_needs_ack")
    # The teacher has no family to confirm for; Маша is no member of the parents' chat.
    r = await anna.post(f"{API}/acks/{ack_id}/confirm")
    assert (r.status_code, error_code(r)) == (403, "not_a_guardian")
    for path in (f"/acks/{ack_id}", f"/acks/{ack_id}/confirm"):
        r = await (masha.get if path.endswith(str(ack_id)) else masha.post)(f"{API}{path}")
        assert (r.status_code, error_code(r)) == (404, "not_found")
    r = await masha.get(f"{API}/chats/{parents}/acks")
    assert r.status_code == 404

    # Another school's administrator: as if there were nothing at all.
    _, gym = await register_gymnasium(world)
    for method, path in (("get", f"/acks/{ack_id}"), ("post", f"/acks/{ack_id}/confirm"),
                         ("get", f"/chats/{parents}/acks"), ("post", f"/messages/{own}/ack")):
        r = await getattr(gym, method)(f"{API}{path}", **({"json": {}} if method == "post" else {}))
        nothing = await getattr(gym, method)(f"{API}{path.replace(str(ack_id), '999999').replace(str(parents), '999999').replace(str(own), '999999')}",
                                             **({"json": {}} if method == "post" else {}))
        assert (r.status_code, r.json()) == (nothing.status_code, nothing.json()) and \
            r.status_code == 404, path
    assert await confirmations(world) == 0


# The escalation ladder --------------------------------------------------------------------

@pytest_asyncio.fixture
async def family_mail(world: World, smtp: MailServer) -> AsyncIterator[MailServer]:  # noqa: F811
    """Елена, Сергей and Анна confirmed their e-mail addresses."""
    await second_guardian(world)
    for client, address in ((await world.as_("parent"), "elena@example.com"),
                            (await world.sign_in(SERGEI_PHONE), "sergei@example.com"),
                            (await world.as_("teacher"), "anna@example.com")):
        await confirm_email(world, client, address)
    yield smtp


def letters(server: MailServer, to: str, subject_part: str) -> list[Any]:
    return [m for m in server.letters(to) if subject_part in str(m["Subject"])]


def text_of(message: Any) -> str:
    return str(message.get_body(preferencelist=("plain",)).get_content())


async def test_the_ladder_reminds_asks_the_second_guardian_then_the_class_teacher(
        world: World, family_mail: MailServer) -> None:
    deadline = tomorrow_at(12)
    anna, chat_id, ack_id = await museum(world, deadline)
    elena_id, teacher_id = await world.user_id("parent"), await world.user_id("teacher")
    s = world.services.settings
    later = deadline + timedelta(minutes=s.ack_second_guardian_minutes)
    last = deadline + timedelta(minutes=s.ack_call_list_minutes)

    assert await run_escalations(world.services, deadline - timedelta(minutes=1)) == 0
    assert world.events_of("ack.reminder") == []

    # 1. The deadline passed: Елена, in the chat, is reminded — once.
    assert await run_escalations(world.services, deadline + timedelta(minutes=1)) == 1
    assert await run_escalations(world.services, deadline + timedelta(minutes=2)) == 0
    [reminder] = world.events_of("ack.reminder")
    assert reminder.audience == {elena_id}
    assert reminder.event.step == "reminder"  # type: ignore[attr-defined]
    [letter] = letters(family_mail, "elena@example.com", "Требует подтверждения")
    assert MUSEUM in text_of(letter) and f"/chats/{chat_id}" in text_of(letter)
    assert letters(family_mail, "sergei@example.com", "объявление") == []

    # 2. Still nothing: Маша's father, who is not in the chat, is asked.
    assert await run_escalations(world.services, later - timedelta(minutes=1)) == 0
    assert await run_escalations(world.services, later) == 1
    second = world.events_of("ack.reminder")[-1]
    sergei = await world.sign_in(SERGEI_PHONE)
    sergei_id = int((await sergei.get(f"{API}/me")).json()["id"])
    assert second.audience == {sergei_id} and second.event.step == "second_guardian"  # type: ignore[attr-defined]
    [asked] = letters(family_mail, "sergei@example.com", "Просим подтвердить")
    assert MUSEUM in text_of(asked)
    # He can read the state and confirm for Маша's family without being in the chat.
    r = await sergei.get(f"{API}/acks/{ack_id}")
    assert r.status_code == 200 and r.json()["can_confirm"] is True and r.json()["families"] is None

    # 3. Анна, the class teacher, gets the families to call: Петя's has nobody in Parta.
    assert await run_escalations(world.services, last) == 1
    told = world.events_of("ack.reminder")[-1]
    assert told.audience == {teacher_id} and told.event.step == "call_list"  # type: ignore[attr-defined]
    assert told.event.families == 2  # type: ignore[attr-defined]
    [calls] = letters(family_mail, "anna@example.com", "Кому позвонить")
    body = text_of(calls)
    assert "Маша Иванова: Елена Иванова +79000000021; Сергей Иванов +79000000022" in body
    assert "Петя Соколов: родителей в Парте нет" in body
    assert await run_escalations(world.services, last + timedelta(days=3)) == 0
    r = await anna.get(f"{API}/acks/{ack_id}")
    assert all(r.json()[k] for k in ("reminded_at", "second_asked_at", "teacher_told_at"))


async def test_families_that_confirmed_hear_nothing_more(world: World, family_mail: MailServer) -> None:
    deadline = tomorrow_at(12)
    _, _, ack_id = await museum(world, deadline)
    r = await (await world.as_("parent")).post(f"{API}/acks/{ack_id}/confirm")
    assert r.status_code == 200
    await run_escalations(world.services, deadline + timedelta(minutes=1))
    await run_escalations(world.services, deadline + timedelta(days=3))
    await run_escalations(world.services, deadline + timedelta(days=3))
    # Маша's family confirmed: neither Елена nor Сергей hears; Петя's family goes to Анна.
    assert [e.event.step for e in world.events_of("ack.reminder")] == ["call_list"]  # type: ignore[attr-defined]
    assert letters(family_mail, "elena@example.com", "объявление") == []
    assert letters(family_mail, "sergei@example.com", "объявление") == []
    [calls] = letters(family_mail, "anna@example.com", "Кому позвонить")
    assert "Петя Соколов" in text_of(calls) and "Маша" not in text_of(calls)


async def test_quiet_hours_hold_a_step_unless_it_is_urgent_and_urgent_goes_by_sms(
        world: World, family_mail: MailServer) -> None:
    evening = tomorrow_at(22)
    _, _, quiet_ack = await museum(world, evening)
    assert await run_escalations(world.services, evening + timedelta(minutes=1)) == 0
    assert letters(family_mail, "elena@example.com", "Требует") == []
    morning = datetime.combine(evening.date() + timedelta(days=1), time(7, 1), tzinfo=MSK)
    assert await run_escalations(world.services, morning) == 1
    assert len(letters(family_mail, "elena@example.com", "Требует")) == 1
    assert world.sms.sent == [(p, t) for p, t in world.sms.sent if "объявление" not in t]

    # Urgent: at 22:01 too, and by SMS where the school sends SMS through a gateway.
    world.services.settings.sms_backend = "http"
    _, _, urgent_ack = await museum(world, evening, urgent=True)
    world.sms.sent.clear()
    assert await run_escalations(world.services, evening + timedelta(minutes=1)) == 1
    assert len(letters(family_mail, "elena@example.com", "Требует")) == 2
    assert [p for p, t in world.sms.sent if "подтвердите объявление" in t] == ["+79000000021"]
    assert quiet_ack != urgent_ack


async def test_two_server_processes_send_each_step_once(world: World, family_mail: MailServer,
                                                        database_url: str) -> None:
    deadline = tomorrow_at(12)
    await museum(world, deadline)
    engine = make_engine(database_url)
    try:
        other = Services(settings=world.services.settings, sessionmaker=make_sessionmaker(engine),
                         sms=world.sms, mail=world.services.mail, bus=world.services.bus,
                         storage=world.services.storage)
        at = deadline + timedelta(minutes=1)
        sent = await asyncio.gather(run_escalations(world.services, at), run_escalations(other, at),
                                    run_escalations(world.services, at), run_escalations(other, at))
    finally:
        await engine.dispose()
    assert sum(sent) == 1
    assert len(world.events_of("ack.reminder")) == 1
    assert len(letters(family_mail, "elena@example.com", "Требует")) == 1


@pytest_asyncio.fixture
async def push_service(world: World) -> AsyncIterator[PushService]:
    service = PushService()
    await service.start()
    yield service
    await service.stop()
    await world.app.state.notifier.stop()


async def test_the_reminder_reaches_a_phone_that_is_not_in_the_app(
        world: World, push_service: PushService) -> None:
    """The push service on loopback decrypts what the server sent Елена's phone."""
    elena = await world.as_("parent")
    await subscribe(world, push_service, elena, "elena")
    deadline = tomorrow_at(12)
    _, chat_id, ack_id = await museum(world, deadline)
    notifier = notifier_of(world, Clock(deadline + timedelta(minutes=1)))
    await notifier.drain()
    push_service.received.clear()  # the post itself was pushed as a message

    assert await run_escalations(world.services, deadline + timedelta(minutes=1)) == 1
    await notifier.drain()
    assert push_service.to("elena") == [{
        "title": "5А — родители", "body": "Требует подтверждения: объявление в чате 5А — родители",
        "tag": f"ack{ack_id}", "url": f"/chats/{chat_id}", "count": 1, "kind": "ack"}]


def refusing(server: MailServer, times: int) -> list[int]:
    """The SMTP server on loopback answers «451 try again later» to the next ``times`` letters
    (then accepts again); the list holds how many refusals are left."""
    left = [times]
    accept = MailServer.handle_DATA.__get__(server)

    async def handle_DATA(srv: Any, session: Any, envelope: Any) -> str:
        if left[0] > 0:
            left[0] -= 1
            return "451 4.3.0 Mailbox busy, try again later"
        return await accept(srv, session, envelope)

    server.handle_DATA = handle_DATA  # type: ignore[method-assign]
    return left


async def deliveries(world: World, ack_id: int) -> list[ReminderDelivery]:
    async with world.services.sessionmaker() as db:
        return list((await db.execute(select(ReminderDelivery).where(
            ReminderDelivery.announcement_id == ack_id).order_by(ReminderDelivery.id))).scalars())


async def test_a_refused_reminder_is_tried_again_after_a_restart_and_sent_once(
        world: World, family_mail: MailServer, database_url: str) -> None:
    deadline = tomorrow_at(12)
    _, _, ack_id = await museum(world, deadline)
    left = refusing(family_mail, 1)
    at = deadline + timedelta(minutes=1)
    assert await run_escalations(world.services, at) == 1  # the step is taken...
    assert left == [0] and letters(family_mail, "elena@example.com", "Требует") == []
    [d] = await deliveries(world, ack_id)  # ...its letter waits for another try
    assert (d.state, d.attempts, d.address) == ("pending", 1, "elena@example.com")
    assert d.next_at == at + timedelta(minutes=1) and "451" in (d.last_error or "")
    assert await send_due_deliveries(world.services, at + timedelta(seconds=30)) == 0  # not yet

    # The server restarts: another process on the same database sends it when it is due.
    engine = make_engine(database_url)
    try:
        restarted = Services(settings=world.services.settings,
                             sessionmaker=make_sessionmaker(engine), sms=world.sms,
                             mail=world.services.mail, bus=world.services.bus,
                             storage=world.services.storage)
        assert await run_escalations(restarted, at + timedelta(minutes=1)) == 0  # no new step
    finally:
        await engine.dispose()
    [letter] = letters(family_mail, "elena@example.com", "Требует")
    assert "Исторический музей" in text_of(letter)
    [d] = await deliveries(world, ack_id)
    assert (d.state, d.attempts, d.last_error) == ("sent", 2, None) and d.sent_at is not None
    # Handed over: never again, however many passes follow.
    for later in (timedelta(hours=1), timedelta(days=2)):
        assert await send_due_deliveries(world.services, at + later) == 0
    assert len(letters(family_mail, "elena@example.com", "Требует")) == 1

    anna = await world.as_("teacher")
    assert (await anna.get(f"{API}/acks/{ack_id}")).json()["reminders_failed"] == 0


async def test_a_reminder_the_server_keeps_refusing_shows_as_failed_to_the_author(
        world: World, family_mail: MailServer) -> None:
    deadline = tomorrow_at(12)
    anna, chat_id, ack_id = await museum(world, deadline)
    refusing(family_mail, 100)
    at = deadline + timedelta(minutes=1)
    await run_escalations(world.services, at)
    when = at
    for attempt, delay in enumerate(RETRY_DELAYS, start=1):
        [d] = [d for d in await deliveries(world, ack_id) if d.step == "reminder"]
        assert (d.state, d.attempts) == ("pending", attempt)
        assert await send_due_deliveries(world.services, when + timedelta(seconds=delay - 1)) == 0
        when += timedelta(seconds=delay)
        assert await send_due_deliveries(world.services, when) == 0  # refused again
    [d] = [d for d in await deliveries(world, ack_id) if d.step == "reminder"]
    assert (d.state, d.attempts) == ("failed", MAX_ATTEMPTS) and "451" in (d.last_error or "")
    assert await send_due_deliveries(world.services, when + timedelta(days=1)) == 0  # bounded
    assert letters(family_mail, "elena@example.com", "Требует") == []

    seen = (await anna.get(f"{API}/acks/{ack_id}")).json()
    assert seen["reminders_failed"] == 1  # the author sees that a reminder did not go out
    elena = await world.as_("parent")
    assert (await elena.get(f"{API}/acks/{ack_id}")).json()["reminders_failed"] is None
    # The chat's list, which the web client puts on the message, says it too; to staff only.
    [listed] = (await anna.get(f"{API}/chats/{chat_id}/acks")).json()["acks"]
    assert listed["reminders_failed"] == 1
    [hers] = (await elena.get(f"{API}/chats/{chat_id}/acks")).json()["acks"]
    assert hers["reminders_failed"] is None


async def test_the_hourly_sweep_forgets_finished_deliveries_past_the_retention(
        world: World) -> None:
    """Sent and failed letters older than ``reminder_delivery_retention_days`` go; those still
    waiting for an attempt (however old) and recent finished ones stay."""
    _, _, ack_id = await museum(world, tomorrow_at(12))
    now = utcnow()
    days = world.services.settings.reminder_delivery_retention_days
    old, recent = now - timedelta(days=days, hours=1), now - timedelta(days=days - 1)
    rows = {"old sent": ("sent", old), "old failed": ("failed", old),
            "old pending": ("pending", old), "old sending": ("sending", old),
            "recent sent": ("sent", recent), "recent failed": ("failed", recent)}
    async with world.services.sessionmaker() as db:
        for subject, (state, at) in rows.items():
            db.add(ReminderDelivery(announcement_id=ack_id, step="reminder", channel="mail",
                                    address="elena@example.com", subject=subject, body="…",
                                    state=state, attempts=1, next_at=at, created_at=at,
                                    sent_at=at if state == "sent" else None))
        await db.commit()
    done = await sweep(world.services, now)
    assert done["reminder_deliveries"] == 2
    assert sorted(d.subject for d in await deliveries(world, ack_id)) == [
        "old pending", "old sending", "recent failed", "recent sent"]
    anna = await world.as_("teacher")  # the recent failure still counts on the page
    assert (await anna.get(f"{API}/acks/{ack_id}")).json()["reminders_failed"] == 1
    assert (await sweep(world.services, now))["reminder_deliveries"] == 0
