"""A one-to-one call rings: Анна Сергеевна calls Маша in their direct chat, Маша's devices ring
and she answers — or declines, or is not there, and the chat shows «Пропущенный звонок». Two
answers at once make one call; an answer after the end is a clear 409. Against a real Janus."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from parta.actions.calls import end_unanswered
from parta.models import Call, Message
from tests.conftest import World, error_code
from tests.helpers import API, register_gymnasium
from tests.media import media_services  # noqa: F401  (the fixture)

pytestmark = pytest.mark.usefixtures("media_services")


async def direct_chat(world: World, anna: httpx.AsyncClient) -> int:
    r = await anna.post(f"{API}/orgs/{world.org_id}/direct", json={"user_id": await world.user_id("student")})
    assert r.status_code == 200, r.text
    return int(r.json()["id"])


async def call_notices(world: World, chat_id: int) -> list[Message]:
    async with world.services.sessionmaker() as db:
        return list((await db.execute(select(Message).where(
            Message.chat_id == chat_id, Message.kind == "call").order_by(Message.id))).scalars())


async def allowed_tokens(world: World, call_id: int) -> list[str]:
    async with world.services.sessionmaker() as db:
        call = await db.get(Call, call_id)
        assert call is not None
    async with world.services.janus.videoroom() as vr:
        return await vr.allowed(call.janus_room, call.room_secret)


async def test_a_call_in_a_direct_chat_rings_the_other_person_who_answers(world: World) -> None:
    anna, masha = await world.as_("teacher"), await world.as_("student")
    anna_id, masha_id = await world.user_id("teacher"), await world.user_id("student")
    chat_id = await direct_chat(world, anna)

    started = (await anna.post(f"{API}/chats/{chat_id}/call", json={"kind": "video"})).json()
    call_id = started["call"]["id"]
    assert started["call"]["ringing"] is True
    [ring] = world.events_of("call.ringing")
    assert ring.audience == {masha_id}  # the caller's own devices do not ring
    body: Any = ring.event
    assert body.call["id"] == call_id and body.caller["name"] == "Анна Сергеевна Волкова"
    assert (await masha.get(f"{API}/chats/{chat_id}/call")).json()["ringing"] is True

    r = await masha.post(f"{API}/calls/{call_id}/accept")
    assert r.status_code == 200, r.text
    joined = r.json()
    assert joined["call"]["ringing"] is False and len(joined["call"]["participants"]) == 2
    assert joined["janus"]["feed_id"] == masha_id
    assert joined["janus"]["token"] in await allowed_tokens(world, call_id)
    updated = world.events_of("call.updated")[-1]
    assert updated.audience == {anna_id, masha_id} and updated.event.call["ringing"] is False  # type: ignore[attr-defined]

    # Answered: declining now is too late; the call goes on.
    r = await masha.post(f"{API}/calls/{call_id}/decline")
    assert (r.status_code, error_code(r)) == (409, "call_answered")
    # It no longer rings out: the timer finds nothing to end.
    world.services.settings.call_ring_seconds = 0
    assert await end_unanswered(world.services) == 0

    await masha.post(f"{API}/calls/{call_id}/leave")
    await anna.post(f"{API}/calls/{call_id}/leave")
    [notice] = await call_notices(world, chat_id)
    assert notice.body.startswith("Звонок завершён") and not notice.meta["missed"]  # type: ignore[index]
    r = await masha.post(f"{API}/calls/{call_id}/accept")
    assert (r.status_code, error_code(r)) == (409, "call_over")


async def test_declined_is_a_missed_call_and_an_answer_after_the_end_is_refused(world: World) -> None:
    anna, masha = await world.as_("teacher"), await world.as_("student")
    chat_id = await direct_chat(world, anna)
    call_id = (await anna.post(f"{API}/chats/{chat_id}/call")).json()["call"]["id"]

    r = await masha.post(f"{API}/calls/{call_id}/decline")
    assert r.status_code == 200 and r.json()["ended_at"] is not None
    [ended] = world.events_of("call.ended")
    assert ended.event.reason == "declined"  # type: ignore[attr-defined]
    [notice] = await call_notices(world, chat_id)
    assert notice.body == "Пропущенный звонок" and notice.meta["missed"]  # type: ignore[index]
    assert world.events_of("message.new")[-1].event.message.kind == "call"  # type: ignore[attr-defined]

    for verb in ("decline", "accept"):
        r = await masha.post(f"{API}/calls/{call_id}/{verb}")
        assert (r.status_code, error_code(r)) == (409, "call_over"), verb
    assert len(await call_notices(world, chat_id)) == 1
    r = await masha.get(f"{API}/chats/{chat_id}/call")
    assert (r.status_code, error_code(r)) == (404, "no_call")


async def test_nobody_answers_in_time_and_the_call_ends_as_missed_by_itself(world: World) -> None:
    anna, masha = await world.as_("teacher"), await world.as_("student")
    chat_id = await direct_chat(world, anna)
    world.services.settings.call_ring_seconds = 1
    call_id = (await anna.post(f"{API}/chats/{chat_id}/call")).json()["call"]["id"]
    # The server's own timer ends it (waiting for that, not for a fixed time).
    for _ in range(100):
        if world.events_of("call.ended"):
            break
        await asyncio.sleep(0.05)
    [ended] = world.events_of("call.ended")
    assert ended.event.call_id == call_id and ended.event.reason == "unanswered"  # type: ignore[attr-defined]
    [notice] = await call_notices(world, chat_id)
    assert notice.body == "Пропущенный звонок"
    r = await masha.post(f"{API}/calls/{call_id}/accept")
    assert (r.status_code, error_code(r)) == (409, "call_over")
    assert await end_unanswered(world.services) == 0  # the fallback round finds nothing left


async def test_two_answers_at_once_make_one_stay_and_strangers_see_nothing(world: World) -> None:
    anna = await world.as_("teacher")
    masha_phone, masha_laptop = await world.as_("student"), await world.as_("student")
    chat_id = await direct_chat(world, anna)
    call_id = (await anna.post(f"{API}/chats/{chat_id}/call")).json()["call"]["id"]

    petya = await world.as_("student2")  # in the school, not in this chat
    _gym, orlova = await register_gymnasium(world)  # another school
    for outsider in (petya, orlova):
        for verb in ("accept", "decline"):
            r = await outsider.post(f"{API}/calls/{call_id}/{verb}")
            assert (r.status_code, error_code(r)) == (404, "not_found"), verb

    answers = await asyncio.gather(*(c.post(f"{API}/calls/{call_id}/accept")
                                     for c in (masha_phone, masha_laptop)))
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    r = await anna.get(f"{API}/chats/{chat_id}/call")
    people = [p["person"]["id"] for p in r.json()["participants"]]
    assert sorted(people) == sorted([await world.user_id("teacher"), await world.user_id("student")])
    # The newest answer holds the place; the other tab's token no longer opens the room.
    tokens = await allowed_tokens(world, call_id)
    assert len(tokens) == 2 and sum(a.json()["janus"]["token"] in tokens for a in answers) == 1
    async with world.services.sessionmaker() as db:
        assert len((await db.execute(select(Call))).scalars().all()) == 1


async def test_a_group_call_does_not_ring(world: World) -> None:
    anna = await world.as_("teacher")
    chats = (await anna.get(f"{API}/chats")).json()["chats"]
    class_chat = next(ch["id"] for ch in chats if ch["title"] == "5А — класс")
    r = await anna.post(f"{API}/chats/{class_chat}/call")
    assert r.json()["call"]["ringing"] is False and world.events_of("call.ringing") == []
    r = await anna.post(f"{API}/calls/{r.json()['call']['id']}/decline")
    assert (r.status_code, error_code(r)) == (409, "call_answered")


async def test_an_answer_and_a_decline_at_the_same_moment_settle_one_way(world: World) -> None:
    anna = await world.as_("teacher")
    masha_phone, masha_laptop = await world.as_("student"), await world.as_("student")
    chat_id = await direct_chat(world, anna)
    call_id = (await anna.post(f"{API}/chats/{chat_id}/call")).json()["call"]["id"]
    accepted, declined = await asyncio.gather(masha_phone.post(f"{API}/calls/{call_id}/accept"),
                                              masha_laptop.post(f"{API}/calls/{call_id}/decline"))
    outcome = ((accepted.status_code, error_code(accepted) if accepted.status_code != 200 else None),
               (declined.status_code, error_code(declined) if declined.status_code != 200 else None))
    assert outcome in (((200, None), (409, "call_answered")), ((409, "call_over"), (200, None))), outcome
    r = await anna.get(f"{API}/chats/{chat_id}/call")
    notices = await call_notices(world, chat_id)
    if accepted.status_code == 200:  # answered: the call goes on, with both
        assert len(r.json()["participants"]) == 2 and notices == []
        assert accepted.json()["janus"]["token"] in await allowed_tokens(world, call_id)
    else:  # declined: over, one missed call, and the answer left nothing in Janus
        assert r.status_code == 404 and [n.body for n in notices] == ["Пропущенный звонок"]


async def test_the_phone_of_someone_not_in_the_app_rings_but_not_in_their_quiet_hours(
        world: World) -> None:
    """Web Push for a ringing call: Маша's app is closed, her phone shows «Видеозвонок: Анна
    Сергеевна Волкова» at once, urgent; in her quiet hours nothing is pushed — a call that
    waits for the morning is no call (issue 13)."""
    from datetime import UTC, datetime

    from tests.api.test_push import Clock, notifier_of, subscribe
    from tests.push_service import PushService

    push = PushService()
    await push.start()
    try:
        anna, masha = await world.as_("teacher"), await world.as_("student")
        chat_id = await direct_chat(world, anna)
        await subscribe(world, push, masha, "masha")
        notifier = notifier_of(world, Clock(datetime(2026, 12, 8, 9, 0, tzinfo=UTC)))  # 12:00 MSK
        await notifier.drain()
        push.received.clear()
        call_id = (await anna.post(f"{API}/chats/{chat_id}/call", json={"kind": "video"})).json()["call"]["id"]
        await notifier.drain()
        [ring] = push.received
        assert ring.payload["body"] == "Видеозвонок: Анна Сергеевна Волкова"
        assert ring.payload["url"] == f"/chats/{chat_id}" and ring.payload["kind"] == "call"
        assert ring.headers["urgency"] == "high" and push.to("anna") == []
        await masha.post(f"{API}/calls/{call_id}/decline")

        push.received.clear()
        r = await masha.put(f"{API}/notifications/settings", json={
            "quiet_start": "22:00", "quiet_end": "07:00", "time_zone": "Europe/Moscow"})
        assert r.status_code == 200, r.text
        notifier.clock = Clock(datetime(2026, 12, 8, 20, 0, tzinfo=UTC))  # 23:00 in Moscow
        r = await anna.post(f"{API}/chats/{chat_id}/call", json={"kind": "audio"})
        assert r.status_code == 200, r.text
        await notifier.drain()
        notifier.clock = Clock(datetime(2026, 12, 9, 5, 0, tzinfo=UTC))  # the morning: still none
        await notifier.drain()
        assert push.received == []
    finally:
        await push.stop()
        await world.app.state.notifier.stop()
