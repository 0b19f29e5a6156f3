"""Urgent SMS go through an outbox (issue 14). Ирина Петровна marks her post in «5А — родители»
urgent; the SMS to Елена is a row written with the mark and handed to the gateway after commit
by a worker, never inside the request:

- the gateway refuses it: it is tried again later and then goes; refused every time, it is
  given up after the last attempt and counted;
- the process dies between the commit and the send: the worker, started again, sends it;
- the process dies while handing it over: it may have gone out, so it is not sent again;
- two workers (two server processes) pass over the same rows at once: each SMS goes once
  (run it on PostgreSQL: PARTA_TEST_DATABASE_URL);
- a post marked twice texts each parent once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from sqlalchemy import select, update

from parta import metrics
from parta.actions.base import Services
from parta.actions.urgent import (
    MAX_ATTEMPTS,
    RETRY_DELAYS,
    SENDING_LEASE,
    send_due_urgent_sms,
    urgent_sms_forever,
)
from parta.db import insert_ignoring_duplicates, make_engine, make_sessionmaker, utcnow
from parta.models import ChatMember, Message, UrgentSms, User
from parta.services.sms import SmsFailed
from tests.api.test_urgent import CLOSED, irina_in_parents_chat, say
from tests.conftest import PHONES, RecordingSms, World
from tests.helpers import API


class FlakySms:
    """A gateway that refuses the first ``refusals`` SMS, then passes them on."""

    def __init__(self, to: RecordingSms, refusals: int) -> None:
        self.to, self.refusals, self.tries = to, refusals, 0

    async def send(self, phone: str, text: str) -> None:
        self.tries += 1
        if self.tries <= self.refusals:
            raise SmsFailed("gateway says 503")
        await self.to.send(phone, text)


async def marked(world: World) -> tuple[httpx.AsyncClient, int, int]:
    """Ирина's post in the parents' chat marked urgent: one SMS, to Елена, in the outbox."""
    irina, _, chat = await irina_in_parents_chat(world)
    await world.as_("parent")  # Елена has signed in: her phone is confirmed
    message = await say(irina, chat, CLOSED)
    world.sms.sent.clear()
    r = await irina.post(f"{API}/messages/{message}/urgent")
    assert r.status_code == 201 and r.json()["sms"] == 1, r.text
    return irina, chat, message


async def rows(world: World) -> list[tuple[str, int, str | None]]:
    async with world.services.sessionmaker() as db:
        return [tuple(r) for r in (await db.execute(  # type: ignore[misc]
            select(UrgentSms.state, UrgentSms.attempts, UrgentSms.last_error)
            .order_by(UrgentSms.id))).all()]


def to_elena(world: World) -> list[str]:
    return [text for to, text in world.sms.sent if to == PHONES["parent"]]


async def test_a_refused_sms_is_tried_again_and_then_goes(world: World) -> None:
    await marked(world)
    world.services.sms = FlakySms(world.sms, refusals=2)
    now = utcnow()
    assert await send_due_urgent_sms(world.services, now) == 0
    assert await rows(world) == [("pending", 1, "gateway says 503")]
    # Not before its delay is up.
    assert await send_due_urgent_sms(world.services, now + timedelta(seconds=1)) == 0
    assert await rows(world) == [("pending", 1, "gateway says 503")]
    now += timedelta(seconds=RETRY_DELAYS[0])
    assert await send_due_urgent_sms(world.services, now) == 0  # refused again
    now += timedelta(seconds=RETRY_DELAYS[1])
    assert await send_due_urgent_sms(world.services, now) == 1
    assert await rows(world) == [("sent", 3, None)]
    assert len(to_elena(world)) == 1
    assert await send_due_urgent_sms(world.services, now + timedelta(days=1)) == 0
    assert len(to_elena(world)) == 1


async def test_an_sms_refused_every_time_is_given_up_and_counted(world: World) -> None:
    await marked(world)
    world.services.sms = FlakySms(world.sms, refusals=1000)
    before = metrics.URGENT_SMS_FAILED._value.get()
    now = utcnow()
    for attempt in range(MAX_ATTEMPTS):
        assert await send_due_urgent_sms(world.services, now) == 0
        if attempt < len(RETRY_DELAYS):
            now += timedelta(seconds=RETRY_DELAYS[attempt])
    assert await rows(world) == [("failed", MAX_ATTEMPTS, "gateway says 503")]
    assert metrics.URGENT_SMS_FAILED._value.get() == before + 1
    await send_due_urgent_sms(world.services, now + timedelta(days=1))
    assert world.services.sms.tries == MAX_ATTEMPTS  # type: ignore[attr-defined]
    assert to_elena(world) == []


async def test_the_worker_sends_at_start_what_a_crash_left_after_commit(world: World) -> None:
    """Tests run no worker: a mark commits and nothing sends, as if the process died right
    after the commit. The worker, started (as at the server's start), sends it."""
    await marked(world)
    assert await rows(world) == [("pending", 0, None)] and world.sms.sent == []
    worker = asyncio.create_task(urgent_sms_forever(world.services))
    try:
        for _ in range(500):  # handed to the gateway, then its outcome written
            if to_elena(world) and await rows(world) == [("sent", 1, None)]:
                break
            await asyncio.sleep(0.01)
        assert len(to_elena(world)) == 1
    finally:
        worker.cancel()
    assert await rows(world) == [("sent", 1, None)]


async def test_an_sms_whose_hand_over_was_interrupted_is_not_sent_again(world: World) -> None:
    await marked(world)
    async with world.services.sessionmaker() as db:  # claimed, then the process died
        await db.execute(update(UrgentSms).values(state="sending", attempts=1))
        await db.commit()
    assert await send_due_urgent_sms(world.services) == 0
    assert await rows(world) == [("sending", 1, None)]  # it may still be under way
    assert await send_due_urgent_sms(world.services, utcnow() + SENDING_LEASE) == 0
    assert await rows(world) == [("failed", 1, "outcome unknown (interrupted)")]
    assert world.sms.sent == []


async def test_a_post_marked_twice_texts_each_parent_once(world: World) -> None:
    irina, _, message = await marked(world)
    r = await irina.post(f"{API}/messages/{message}/urgent")
    assert r.status_code == 409
    await send_due_urgent_sms(world.services)
    # The outbox itself keeps one row per (message, person), whoever writes it again.
    async with world.services.sessionmaker() as db:
        row = (await db.execute(select(UrgentSms))).scalar_one()
        again = await db.execute(insert_ignoring_duplicates(db, UrgentSms.__table__), [{
            "org_id": row.org_id, "message_id": row.message_id, "user_id": row.user_id,
            "phone": row.phone, "body": row.body, "state": "pending", "attempts": 0,
            "next_at": utcnow(), "created_at": utcnow()}])
        assert again.rowcount == 0  # type: ignore[attr-defined]
        await db.commit()
    assert await send_due_urgent_sms(world.services) == 0
    assert len(to_elena(world)) == 1 and len(world.sms.sent) == 1


class SlowSms(RecordingSms):
    """A gateway that takes a moment per SMS, so two workers' passes overlap."""

    async def send(self, phone: str, text: str) -> None:
        await asyncio.sleep(0.002)
        await super().send(phone, text)


async def test_two_workers_at_once_send_each_sms_once(world: World, database_url: str) -> None:
    """Sixty parents' SMS in the outbox; the workers of two server processes (each with its
    own engine and connections) pass over them at the same moment: every SMS goes once."""
    _, _, message = await marked(world)
    async with world.services.sessionmaker() as db:
        post = await db.get(Message, message)
        assert post is not None
        people = [User(phone=f"+7901000{n:04d}", name=f"Родитель {n}") for n in range(59)]
        db.add_all(people)
        await db.flush()
        db.add_all(ChatMember(chat_id=post.chat_id, user_id=u.id) for u in people)  # not read yet
        org_id = (await db.execute(select(UrgentSms.org_id))).scalar_one()
        db.add_all(UrgentSms(org_id=org_id, message_id=message, user_id=u.id, phone=str(u.phone),
                             body=f"срочно {u.id}", state="pending", attempts=0,
                             next_at=utcnow()) for u in people)
        await db.commit()
    sms = SlowSms()
    world.services.sms = sms
    engine = make_engine(database_url)
    try:
        other = Services(settings=world.services.settings, sessionmaker=make_sessionmaker(engine),
                         sms=sms, mail=world.services.mail, bus=world.services.bus,
                         storage=world.services.storage)
        counts = await asyncio.gather(send_due_urgent_sms(world.services),
                                      send_due_urgent_sms(other))
    finally:
        await engine.dispose()
    assert sum(counts) == 60
    assert len(sms.sent) == 60 and len(set(sms.sent)) == 60
    assert {state for state, _, _ in await rows(world)} == {"sent"}
    assert all(attempts == 1 for _, attempts, _ in await rows(world))


async def test_a_retry_texts_nobody_who_has_read_the_post_since(world: World) -> None:
    """The gateway refuses the first try; before the second, Елена opens the chat and reads
    the post: the retry sends her nothing, and the row says it was not needed."""
    _, chat, message = await marked(world)
    world.services.sms = FlakySms(world.sms, refusals=1)
    now = utcnow()
    assert await send_due_urgent_sms(world.services, now) == 0
    assert await rows(world) == [("pending", 1, "gateway says 503")]
    elena = await world.as_("parent")
    world.sms.sent.clear()  # her sign-in code
    r = await elena.post(f"{API}/chats/{chat}/read", json={"message_id": message})
    assert r.status_code < 300, r.text
    assert await send_due_urgent_sms(world.services, now + timedelta(minutes=1)) == 0
    assert await rows(world) == [("unneeded", 1, "gateway says 503")]
    assert to_elena(world) == []


async def test_a_post_deleted_before_its_sms_went_texts_nobody(world: World) -> None:
    irina, chat, message = await marked(world)
    r = await irina.delete(f"{API}/chats/{chat}/messages/{message}")
    assert r.status_code < 300, r.text
    assert await send_due_urgent_sms(world.services) == 0
    assert [s for s, _, _ in await rows(world)] == ["unneeded"] and to_elena(world) == []
