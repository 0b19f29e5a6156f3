"""The administration marks a post urgent in an ordinary chat (issue 14): Ирина Петровна, the
director, is in «5А — родители». At 23:00 she writes that school is closed tomorrow and marks
it urgent. Елена Иванова (a parent who signed in with her phone) gets an SMS now, and her
phone's push comes now instead of at 07:00. Ольга Соколова, Петя's mother, was added by the
school but never signed in: her phone is not confirmed, no SMS. Анна Сергеевна, the class
teacher, is staff: no SMS. A parent who has read it, or who said no to such SMS, gets none.
Refusals: a teacher may not mark (403), nor may Ирина mark someone else's post (403) or one
in the school channel (403); another school's director is told nothing (404); a post is
marked once (409); past the school's daily bounds a mark is refused whole (429)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
from sqlalchemy import func, select

from parta.actions.base import unit_of_work
from parta.actions.chats import add_chat_member
from parta.actions.urgent import send_due_urgent_sms
from parta.models import Chat, ChatRole, Membership, MembershipRole, Role, UrgentMark, User
from tests.api.test_push import Clock, notifier_of, push, subscribe  # noqa: F401  (the fixture)
from tests.conftest import PHONES, World, error_code
from tests.helpers import API, register_gymnasium
from tests.push_service import PushService

CLOSED = "Завтра школа закрыта: авария на теплотрассе. Дети остаются дома."
OLGA_PHONE = "+79000000023"


async def parents_chat(c: httpx.AsyncClient) -> int:
    chats = (await c.get(f"{API}/chats")).json()["chats"]
    return int(next(ch["id"] for ch in chats if ch["title"] == "5А — родители"))


async def irina_in_parents_chat(world: World) -> tuple[httpx.AsyncClient, httpx.AsyncClient, int]:
    """Анна invites Ирина Петровна into «5А — родители»; she accepts its rules."""
    anna = await world.as_("teacher")
    chat = await parents_chat(anna)
    r = await anna.post(f"{API}/chats/{chat}/invitations",
                        json={"user_ids": [await world.user_id("admin")]})
    assert r.status_code == 200, r.text
    irina = await world.as_("admin")
    r = await irina.post(f"{API}/chats/{chat}/join", json={"accept_rules": True})
    assert r.status_code == 200, r.text
    return irina, anna, chat


async def olga_in_chat(world: World, chat: int, anna: httpx.AsyncClient) -> int:
    """Петя's mother: a parent of the school who never signed in (her phone is unconfirmed)."""
    async with world.services.sessionmaker() as db:
        olga = User(phone=OLGA_PHONE, name="Ольга Соколова")
        db.add(olga)
        await db.flush()
        membership = Membership(org_id=world.org_id, user_id=olga.id)
        db.add(membership)
        await db.flush()
        db.add(MembershipRole(membership_id=membership.id, role=Role.parent))
        await db.commit()
        olga_id = olga.id
    async with unit_of_work(world.services) as ctx:
        found = await ctx.db.get(Chat, chat)
        assert found is not None
        await add_chat_member(ctx, found, olga_id, ChatRole.member, rules_accepted=True)
    return olga_id


async def say(c: httpx.AsyncClient, chat: int, text: str) -> int:
    r = await c.post(f"{API}/chats/{chat}/messages", json={"body": text})
    assert r.status_code in (200, 201), r.text
    return int(r.json()["id"])


def sms_to(world: World, phone: str) -> list[str]:
    return [text for to, text in world.sms.sent if to == phone]


async def marks(world: World) -> int:
    async with world.services.sessionmaker() as db:
        return int((await db.execute(select(func.count(UrgentMark.id)))).scalar_one())


async def test_an_urgent_post_reaches_parents_by_sms_and_comes_now_in_quiet_hours(
        world: World, push: PushService) -> None:  # noqa: F811  (the fixture)
    irina, anna, chat = await irina_in_parents_chat(world)
    await olga_in_chat(world, chat, anna)
    elena = await world.as_("parent")
    await subscribe(world, push, elena, "elena")
    notifier = notifier_of(world, Clock(datetime(2026, 12, 7, 20, 0, tzinfo=UTC)))  # 23:00 MSK
    # The chat's answer says what the composer may offer: Ирина marks, Анна and Елена do not.
    caps = [(await c.get(f"{API}/chats/{chat}")).json()["capabilities"]["can_mark_urgent"]
            for c in (irina, anna, elena)]
    assert caps == [True, False, False]
    message = await say(irina, chat, CLOSED)
    await notifier.drain()
    assert push.to("elena") == []  # quiet hours: it waits for the morning
    world.sms.sent.clear()
    world.events.clear()

    r = await irina.post(f"{API}/messages/{message}/urgent")
    assert r.status_code == 201, r.text
    assert r.json()["sms"] == 1 and r.json()["message_id"] == message
    assert world.sms.sent == []  # not in the request: the outbox's worker sends it
    assert await send_due_urgent_sms(world.services) == 1
    [(phone, text)] = world.sms.sent
    assert phone == PHONES["parent"]
    assert text.startswith("Парта, срочно, «5А — родители»: Завтра школа закрыта")
    assert text.endswith(f"http://parta.test/chats/{chat}")
    [event] = world.events_of("message.urgent")
    members = {await world.user_id(k) for k in ("admin", "teacher", "parent")}
    assert members <= event.audience
    await notifier.drain()
    [now] = push.to("elena")
    assert now["url"] == f"/chats/{chat}"
    # Marked once.
    r = await irina.post(f"{API}/messages/{message}/urgent")
    assert r.status_code == 409 and error_code(r) == "already_urgent"
    assert await send_due_urgent_sms(world.services) == 0
    assert len(world.sms.sent) == 1


async def test_no_sms_to_a_parent_who_read_it_or_said_no(world: World) -> None:
    irina, _, chat = await irina_in_parents_chat(world)
    elena = await world.as_("parent")
    first = await say(irina, chat, CLOSED)
    r = await elena.post(f"{API}/chats/{chat}/read", json={"message_id": first})
    assert r.status_code == 200, r.text
    world.sms.sent.clear()
    r = await irina.post(f"{API}/messages/{first}/urgent")
    assert r.status_code == 201 and r.json()["sms"] == 0
    await send_due_urgent_sms(world.services)
    assert world.sms.sent == []
    # She says no to urgent SMS: the next urgent post reaches her in the app only.
    r = await elena.put(f"{API}/notifications/settings", json={"urgent_sms": False})
    assert r.status_code == 200 and r.json()["urgent_sms"] is False
    second = await say(irina, chat, "Уточнение: завтра и послезавтра занятий не будет.")
    r = await irina.post(f"{API}/messages/{second}/urgent")
    assert r.status_code == 201 and r.json()["sms"] == 0
    await send_due_urgent_sms(world.services)
    assert sms_to(world, PHONES["parent"]) == []


async def test_who_may_mark_and_where(world: World) -> None:
    irina, anna, chat = await irina_in_parents_chat(world)
    annas = await say(anna, chat, "Собрание переносится на пятницу.")
    r = await anna.post(f"{API}/messages/{annas}/urgent")
    assert r.status_code == 403 and error_code(r) == "may_not_mark_urgent"
    r = await irina.post(f"{API}/messages/{annas}/urgent")
    assert r.status_code == 403 and error_code(r) == "not_own_message"
    channel = next(c["id"] for c in (await irina.get(f"{API}/chats")).json()["chats"]
                   if c["kind"] == "school_channel")
    in_channel = await say(irina, channel, "Линейка в 8:30.")
    r = await irina.post(f"{API}/messages/{in_channel}/urgent")
    assert r.status_code == 403 and error_code(r) == "urgent_not_here"
    # Another school's director: as if there were no such message; a parent likewise.
    _, gym = await register_gymnasium(world)
    mine = await say(irina, chat, CLOSED)
    r = await gym.post(f"{API}/messages/{mine}/urgent")
    assert r.status_code == 404 and error_code(r) == "not_found"
    r = await gym.post(f"{API}/messages/999999/urgent")
    assert r.status_code == 404
    assert await marks(world) == 0 and world.events_of("message.urgent") == []


async def test_the_schools_daily_bounds_refuse_a_mark_whole(world: World) -> None:
    irina, _, chat = await irina_in_parents_chat(world)
    await world.as_("parent")  # Елена has signed in: one SMS per mark
    world.services.settings.urgent_sms_per_day = 1
    first = await say(irina, chat, CLOSED)
    assert (await irina.post(f"{API}/messages/{first}/urgent")).json()["sms"] == 1
    second = await say(irina, chat, "И в среду тоже.")
    world.sms.sent.clear()
    r = await irina.post(f"{API}/messages/{second}/urgent")
    assert r.status_code == 429 and error_code(r) == "urgent_sms_budget"
    assert int(r.headers["Retry-After"]) > 0
    assert world.sms.sent == [] and await marks(world) == 1
    # And so many marks a day, SMS or not.
    world.services.settings.urgent_sms_per_day = 300
    world.services.settings.urgent_per_day = 1
    r = await irina.post(f"{API}/messages/{second}/urgent")
    assert r.status_code == 429 and error_code(r) == "too_many_urgent"
    assert world.sms.sent == [] and await marks(world) == 1


async def test_two_marks_of_one_post_at_once_send_its_sms_once(world: World) -> None:
    """Two devices of the director mark the same post at the same moment: one mark wins, the
    other is told it is marked already, and Елена gets one SMS (a race on PostgreSQL)."""
    irina, _, chat = await irina_in_parents_chat(world)
    await world.as_("parent")
    other = await world.as_("admin")
    message = await say(irina, chat, CLOSED)
    world.sms.sent.clear()
    answers = await asyncio.gather(irina.post(f"{API}/messages/{message}/urgent"),
                                   other.post(f"{API}/messages/{message}/urgent"))
    assert sorted(r.status_code for r in answers) == [201, 409], [r.text for r in answers]
    assert [error_code(r) for r in answers if r.status_code == 409] == ["already_urgent"]
    await send_due_urgent_sms(world.services)
    assert sms_to(world, PHONES["parent"]) and len(world.sms.sent) == 1
    assert await marks(world) == 1 and len(world.events_of("message.urgent")) == 1


async def test_the_history_says_which_post_is_urgent(world: World) -> None:
    """A page of the chat carries ``urgent: true`` on a marked post, and nothing on others."""
    irina, _, chat = await irina_in_parents_chat(world)
    elena = await world.as_("parent")
    plain = await say(irina, chat, "Собрание в четверг.")
    closed = await say(irina, chat, CLOSED)
    r = await irina.post(f"{API}/messages/{closed}/urgent")
    assert r.status_code == 201, r.text
    page = (await elena.get(f"{API}/chats/{chat}/messages")).json()["messages"]
    by_id = {m["id"]: m for m in page}
    assert by_id[closed]["urgent"] is True
    assert "urgent" not in by_id[plain]


async def test_two_marks_at_once_do_not_pass_the_daily_bound(world: World) -> None:
    """One mark left today; two devices of the director mark two posts at the same moment:
    one is marked, the other refused (429), on PostgreSQL too (a race passed it once)."""
    irina, _, chat = await irina_in_parents_chat(world)
    await world.as_("parent")
    other = await world.as_("admin")
    world.services.settings.urgent_per_day = 1
    first = await say(irina, chat, CLOSED)
    second = await say(irina, chat, "И в среду тоже.")
    for _ in range(3):  # a race may go either way on a given try: a few of them
        async with world.services.sessionmaker() as db:
            await db.execute(UrgentMark.__table__.delete())
            await db.commit()
        answers = await asyncio.gather(irina.post(f"{API}/messages/{first}/urgent"),
                                       other.post(f"{API}/messages/{second}/urgent"))
        assert sorted(r.status_code for r in answers) == [201, 429], [r.text for r in answers]
        assert [error_code(r) for r in answers if r.status_code == 429] == ["too_many_urgent"]
        assert await marks(world) == 1
