"""Web Push (issue 14): people who are not in the app hear of what matters — and only that.

A push service runs on loopback (tests/push_service.py): it checks each request's VAPID
signature and decrypts its payload with the browser's keys made in the test. The notifier's
clock is set by each test (12:00 in Moscow unless the test is about the night).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest_asyncio
from sqlalchemy import select

from parta.actions.notifier import Notifier
from parta.models import PushSubscription
from parta.realtime.gateway import Connection
from tests.api.test_chats import joined, make_class_chat
from tests.api.test_moderation import until, violations
from tests.conftest import World, error_code
from tests.helpers import API, register_gymnasium
from tests.push_service import PushService

NOON_MOSCOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest_asyncio.fixture
async def push(world: World) -> AsyncIterator[PushService]:
    service = PushService()
    await service.start()
    yield service
    await service.stop()
    notifier: Notifier = world.app.state.notifier
    await notifier.stop()


def notifier_of(world: World, clock: Clock) -> Notifier:
    n: Notifier = world.app.state.notifier
    n.clock = clock
    return n


async def subscribe(world: World, push: PushService, client: Any, name: str) -> int:
    push.public_key = (await client.get(f"{API}/push/key")).json()["public_key"]
    r = await client.post(f"{API}/push/subscriptions", json=push.browser(name).subscription())
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def test_a_student_without_the_app_open_hears_of_a_message_in_5a(world: World,
                                                                      push: PushService) -> None:
    anna, chat = await make_class_chat(world)
    masha = await joined(world, "student", chat["id"])
    await subscribe(world, push, masha, "masha")
    notifier = notifier_of(world, Clock(NOON_MOSCOW))
    r = await anna.post(f"{API}/chats/{chat['id']}/messages", json={"body": "Завтра контрольная"})
    assert r.status_code == 200
    await notifier.drain()
    [got] = push.received
    assert got.headers["topic"] == f"chat{chat['id']}" and got.headers["urgency"] == "normal"
    # A class chat has children in it: the lock screen shows the chat, not what was said.
    assert got.payload == {"title": "5А — класс", "body": "Новое сообщение в чате 5А — класс",
                           "tag": f"chat{chat['id']}", "url": f"/chats/{chat['id']}",
                           "count": 1, "kind": "message"}
    assert "контрольная" not in str(got.payload)
    # The author is not told of their own message.
    await subscribe(world, push, anna, "anna")
    await anna.post(f"{API}/chats/{chat['id']}/messages", json={"body": "Ещё раз: контрольная"})
    await notifier.drain()
    assert push.to("anna") == []
    async with world.services.sessionmaker() as db:
        sub = (await db.execute(select(PushSubscription).where(
            PushSubscription.endpoint.like("%/push/masha")))).scalar_one()
        assert sub.last_success_at is not None and sub.failures == 0


async def test_previews_show_text_only_when_the_person_allowed_them(world: World,
                                                                    push: PushService) -> None:
    anna, chat = await make_class_chat(world)
    masha = await joined(world, "student", chat["id"])
    await subscribe(world, push, masha, "masha")
    r = await masha.put(f"{API}/notifications/settings", json={"previews": True})
    assert r.status_code == 200 and r.json()["previews"] is True
    notifier = notifier_of(world, Clock(NOON_MOSCOW))
    await anna.post(f"{API}/chats/{chat['id']}/messages", json={"body": "Завтра контрольная"})
    await notifier.drain()
    assert push.to("masha")[0]["body"] == "Анна Сергеевна Волкова: Завтра контрольная"
    # Among adults only (a direct chat of two teachers) the text shows by default.
    oleg = await world.as_("math_teacher")
    await subscribe(world, push, oleg, "oleg")
    direct = (await anna.post(f"{API}/orgs/{world.org_id}/direct",
                              json={"user_id": await world.user_id("math_teacher")})).json()
    await anna.post(f"{API}/chats/{direct['id']}/messages", json={"body": "Зайдите в 214"})
    await notifier.drain()
    [to_oleg] = push.to("oleg")
    assert to_oleg["body"] == "Анна Сергеевна Волкова: Зайдите в 214" and to_oleg["kind"] == "direct"


async def test_a_live_socket_hears_it_there_and_gets_no_push(world: World, push: PushService) -> None:
    anna, chat = await make_class_chat(world)
    masha = await joined(world, "student", chat["id"])
    await subscribe(world, push, masha, "masha")
    seen: list[str] = []

    async def send_text(text: str) -> None:
        seen.append(text)

    conn = Connection(await world.user_id("student"), send_text)
    world.app.state.hub.register(conn)
    await conn.go_live(0)
    notifier = notifier_of(world, Clock(NOON_MOSCOW))
    await anna.post(f"{API}/chats/{chat['id']}/messages", json={"body": "Урок перенесён"})
    await notifier.drain()
    assert any("Урок перенесён" in s for s in seen) and push.received == []
    world.app.state.hub.unregister(conn)  # the tab is closed: the next one is pushed
    await anna.post(f"{API}/chats/{chat['id']}/messages", json={"body": "Урок в 10:00"})
    await notifier.drain()
    assert len(push.to("masha")) == 1


async def test_quiet_hours_hold_a_message_until_the_morning(world: World, push: PushService) -> None:
    anna, chat = await make_class_chat(world)
    masha = await joined(world, "student", chat["id"])
    await subscribe(world, push, masha, "masha")
    clock = Clock(datetime(2026, 12, 7, 19, 30, tzinfo=UTC))  # 22:30 in Moscow
    notifier = notifier_of(world, clock)
    for text in ("Не забудьте форму", "И сменку"):
        await anna.post(f"{API}/chats/{chat['id']}/messages", json={"body": text})
    await notifier.drain()
    assert push.received == []
    clock.now = datetime(2026, 12, 8, 3, 59, tzinfo=UTC)  # 06:59
    await notifier.drain()
    assert push.received == []
    clock.now = datetime(2026, 12, 8, 4, 0, tzinfo=UTC)  # 07:00: one notification for both
    await notifier.drain()
    [morning] = push.to("masha")
    assert morning["body"] == "2 новых сообщения в чате 5А — класс" and morning["count"] == 2
    # Her own quiet hours, in her time zone: 23:00–06:00 in Yekaterinburg (UTC+5).
    r = await masha.put(f"{API}/notifications/settings", json={
        "quiet_start": "23:00", "quiet_end": "06:00", "time_zone": "Asia/Yekaterinburg"})
    assert r.json() == {"quiet_source": "own", "quiet_enabled": True, "quiet_start": "23:00",
                        "quiet_end": "06:00",
                        "time_zone": "Asia/Yekaterinburg", "previews": False, "subscriptions": 1,
                        "email_digest": True, "digest_delay_minutes": None,
                        "digest_default_minutes": 30, "email_confirmed": False, "urgent_sms": True}
    clock.now = datetime(2026, 12, 8, 17, 30, tzinfo=UTC)  # 22:30 there: not quiet yet
    await anna.post(f"{API}/chats/{chat['id']}/messages", json={"body": "Вечернее"})
    await notifier.drain()
    assert len(push.to("masha")) == 2


async def test_an_administrators_school_channel_post_passes_the_quiet_hours(
        world: World, push: PushService) -> None:
    admin = await world.as_("admin")
    channel = next(c for c in (await admin.get(f"{API}/chats")).json()["chats"]
                   if c["kind"] == "school_channel")
    parent = await world.as_("parent")
    await subscribe(world, push, parent, "elena")
    notifier = notifier_of(world, Clock(datetime(2026, 12, 7, 20, 0, tzinfo=UTC)))  # 23:00
    r = await admin.post(f"{API}/chats/{channel['id']}/messages",
                         json={"body": "Завтра занятия отменены: карантин"})
    assert r.status_code == 200, r.text
    await notifier.drain()
    [urgent] = push.received
    assert urgent.headers["urgency"] == "high" and urgent.payload["url"] == f"/chats/{channel['id']}"


async def test_coalesced_messages_make_one_notification_updated(world: World,
                                                                push: PushService) -> None:
    anna, chat = await make_class_chat(world)
    masha = await joined(world, "student", chat["id"])
    await subscribe(world, push, masha, "masha")
    clock = Clock(NOON_MOSCOW)
    notifier = notifier_of(world, clock)
    for n in range(4):
        await anna.post(f"{API}/chats/{chat['id']}/messages", json={"body": f"Пункт {n + 1}"})
        await notifier.drain()
    assert [p["count"] for p in push.to("masha")] == [1]  # the rest wait out the minute
    clock.now += timedelta(seconds=60)
    await notifier.drain()
    first, update = push.to("masha")
    assert update["tag"] == first["tag"] and update["count"] == 4
    assert update["body"] == "4 новых сообщения в чате 5А — класс"


async def test_a_muted_chat_is_not_pushed_but_a_mention_or_a_reply_is(world: World, push: PushService) -> None:
    anna, chat = await make_class_chat(world)
    masha = await joined(world, "student", chat["id"])
    await subscribe(world, push, masha, "masha")
    assert (await masha.get(f"{API}/chats/{chat['id']}/mute")).json()["muted"] is False
    r = await masha.put(f"{API}/chats/{chat['id']}/mute")
    assert r.json() == {"chat_id": chat["id"], "muted": True}
    assert (await masha.get(f"{API}/chats/{chat['id']}/mute")).json()["muted"] is True
    notifier = notifier_of(world, Clock(NOON_MOSCOW))
    await anna.post(f"{API}/chats/{chat['id']}/messages", json={"body": "Для всех"})
    await notifier.drain()
    assert push.received == []
    masha_id = await world.user_id("student")
    await anna.post(f"{API}/chats/{chat['id']}/messages",
                    json={"body": f"@[Маша Иванова](u:{masha_id}), зайди после урока"})
    await notifier.drain()
    [mention] = push.to("masha")
    assert mention["kind"] == "mention" and mention["body"] == "Вас упомянули в чате 5А — класс"
    # A reply to her own message comes too (three minutes later: a notification of its own).
    mine = (await masha.post(f"{API}/chats/{chat['id']}/messages", json={"body": "Хорошо"})).json()
    notifier.clock = Clock(NOON_MOSCOW + timedelta(minutes=3))
    await anna.post(f"{API}/chats/{chat['id']}/messages",
                    json={"body": "Жду в 214", "reply_to_id": mine["id"]})
    await anna.post(f"{API}/chats/{chat['id']}/messages", json={"body": "Всем спасибо"})
    await notifier.drain()
    reply = push.to("masha")[-1]
    assert reply["kind"] == "reply" and reply["body"] == "Вам ответили в чате 5А — класс"
    assert len(push.to("masha")) == 2  # «Всем спасибо» in the muted chat: nothing
    r = await masha.delete(f"{API}/chats/{chat['id']}/mute")
    assert r.json()["muted"] is False


async def test_410_from_the_push_service_forgets_the_subscription(world: World,
                                                                 push: PushService) -> None:
    anna, chat = await make_class_chat(world)
    masha = await joined(world, "student", chat["id"])
    await subscribe(world, push, masha, "old-phone")
    await subscribe(world, push, masha, "new-phone")
    push.answers["/push/old-phone"] = 410
    notifier = notifier_of(world, Clock(NOON_MOSCOW))
    await anna.post(f"{API}/chats/{chat['id']}/messages", json={"body": "Экскурсия в пятницу"})
    await notifier.drain()
    assert len(push.to("old-phone")) == 1 and len(push.to("new-phone")) == 1
    subs = (await masha.get(f"{API}/push/subscriptions")).json()["subscriptions"]
    assert len(subs) == 1 and subs[0]["last_success_at"] is not None


async def test_a_busy_push_service_is_tried_again_later(world: World, push: PushService) -> None:
    anna, chat = await make_class_chat(world)
    masha = await joined(world, "student", chat["id"])
    await subscribe(world, push, masha, "masha")
    push.answers["/push/masha"] = 503
    clock = Clock(NOON_MOSCOW)
    notifier = notifier_of(world, clock)
    await anna.post(f"{API}/chats/{chat['id']}/messages", json={"body": "Экскурсия"})
    await notifier.drain()
    assert len(push.to("masha")) == 1
    del push.answers["/push/masha"]
    clock.now += timedelta(seconds=5)
    await notifier.drain()
    assert len(push.to("masha")) == 2  # the same notification again
    clock.now += timedelta(minutes=30)
    await notifier.drain()
    assert len(push.to("masha")) == 2  # delivered: no more tries
    subs = (await masha.get(f"{API}/push/subscriptions")).json()["subscriptions"]
    assert subs[0]["last_success_at"] is not None


async def test_another_school_never_hears_of_5a(world: World, push: PushService) -> None:
    anna, chat = await make_class_chat(world)
    masha = await joined(world, "student", chat["id"])
    masha_sub = await subscribe(world, push, masha, "masha")
    _gym, orlova = await register_gymnasium(world)
    await subscribe(world, push, orlova, "orlova")
    notifier = notifier_of(world, Clock(NOON_MOSCOW))
    await anna.post(f"{API}/chats/{chat['id']}/messages", json={"body": "Только для 5А"})
    await notifier.drain()
    assert push.to("orlova") == [] and len(push.to("masha")) == 1
    # Another's subscription and another school's chat are not found, and nothing changes.
    r = await orlova.delete(f"{API}/push/subscriptions/{masha_sub}")
    assert (r.status_code, error_code(r)) == (404, "not_found")
    for method in ("GET", "PUT", "DELETE"):
        r = await orlova.request(method, f"{API}/chats/{chat['id']}/mute")
        assert (r.status_code, error_code(r)) == (404, "not_found")
    assert len((await masha.get(f"{API}/push/subscriptions")).json()["subscriptions"]) == 1
    r = await masha.delete(f"{API}/push/subscriptions/{masha_sub}")
    assert r.status_code == 204
    assert (await masha.get(f"{API}/push/subscriptions")).json()["subscriptions"] == []


async def test_a_moderation_decision_and_a_block_reach_the_person(world: World,
                                                                 push: PushService) -> None:
    anna, chat = await make_class_chat(world)
    masha = await joined(world, "student", chat["id"])
    await subscribe(world, push, masha, "masha")
    notifier = notifier_of(world, Clock(NOON_MOSCOW))
    masha_id = await world.user_id("student")
    await violations(anna, chat["id"], masha_id, 4)
    await notifier.drain()
    [violation] = push.to("masha")  # four decisions within a minute: one notification so far
    assert violation["body"] == "Модератор отметил нарушение правил в чате 5А — класс"
    assert "Грубость" not in str(violation)  # the details are in the app, not on the lock screen
    r = await anna.post(f"{API}/chats/{chat['id']}/members/{masha_id}/block",
                        json={"until": until(7), "rule_number": 1})
    assert r.status_code == 201, r.text
    await notifier.drain()
    assert len(push.to("masha")) == 1  # the same topic, within the minute: it waits
    notifier.clock = Clock(NOON_MOSCOW + timedelta(seconds=60))
    await notifier.drain()
    update = push.to("masha")[-1]
    assert update["kind"] == "blocked" and update["tag"] == violation["tag"]
    assert update["body"] == "Вам ограничили отправку сообщений в чате 5А — класс"
    # Her own apology changes the block but tells her nothing new.
    notifier.clock = Clock(NOON_MOSCOW + timedelta(minutes=5))
    r = await masha.post(f"{API}/blocks/{r.json()['id']}/apology", json={"text": "Простите"})
    assert r.status_code == 200
    await notifier.drain()
    assert len(push.to("masha")) == 2


async def test_subscriptions_are_refused_clearly(world: World, push: PushService) -> None:
    masha = await world.as_("student")
    good = push.browser("masha").subscription()
    cases = [
        ({**good, "endpoint": "http://push.example/x"}, "push_endpoint_invalid", "endpoint"),
        ({**good, "endpoint": "ftp://127.0.0.1/x"}, "push_endpoint_invalid", "endpoint"),
        ({**good, "keys": {**good["keys"], "p256dh": "AAAA"}}, "push_keys_invalid", "keys.p256dh"),
        ({**good, "keys": {**good["keys"], "p256dh": "!!"}}, "push_keys_invalid", "keys.p256dh"),
        ({**good, "keys": {**good["keys"], "auth": "c2hvcnQ"}}, "push_keys_invalid", "keys.auth"),
    ]
    for body, code, field_name in cases:
        r = await masha.post(f"{API}/push/subscriptions", json=body)
        assert (r.status_code, error_code(r)) == (422, code), body
        assert field_name in r.json()["error"]["fields"]
    r = await masha.post(f"{API}/push/subscriptions", json={**good, "keys": {"p256dh": "x"}})
    assert (r.status_code, error_code(r)) == (422, "validation_failed")
    assert (await masha.get(f"{API}/push/subscriptions")).json()["subscriptions"] == []
    world.services.settings.push_max_subscriptions = 2
    for name in ("a", "b"):
        await subscribe(world, push, masha, name)
    assert (await masha.post(f"{API}/push/subscriptions", json=good)).status_code == 409
    r = await masha.post(f"{API}/push/subscriptions", json=push.browser("a").subscription())
    assert r.status_code == 201  # the same browser again: its keys renewed, not a third
    assert len((await masha.get(f"{API}/push/subscriptions")).json()["subscriptions"]) == 2
    r = await masha.put(f"{API}/notifications/settings", json={"time_zone": "Mars/Olympus"})
    assert (r.status_code, error_code(r)) == (422, "validation_failed")
    r = await masha.put(f"{API}/notifications/settings", json={"quiet_start": "25:00"})
    assert r.status_code == 422
    assert (await masha.get(f"{API}/notifications/settings")).json()["time_zone"] == "Europe/Moscow"
    # Signed out: nothing at all.
    r = await world.client().get(f"{API}/push/key")
    assert r.status_code == 401


async def test_a_subscription_that_keeps_failing_is_given_up(world: World, push: PushService) -> None:
    anna, chat = await make_class_chat(world)
    masha = await joined(world, "student", chat["id"])
    await subscribe(world, push, masha, "masha")
    push.answers["/push/masha"] = 400  # refused: trying the same again would not help
    clock = Clock(NOON_MOSCOW)
    notifier = notifier_of(world, clock)
    await anna.post(f"{API}/chats/{chat['id']}/messages", json={"body": "Первое"})
    await notifier.drain()
    async with world.services.sessionmaker() as db:
        sub = (await db.execute(select(PushSubscription))).scalar_one()
        assert sub.failures == 1 and sub.last_success_at is None
        sub.failures = 9
        await db.commit()
    clock.now += timedelta(minutes=5)
    await anna.post(f"{API}/chats/{chat['id']}/messages", json={"body": "Десятое"})
    await notifier.drain()
    assert len(push.to("masha")) == 2
    assert (await masha.get(f"{API}/push/subscriptions")).json()["subscriptions"] == []
