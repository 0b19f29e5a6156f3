"""Reads never write; every write is an action (issue 11 §3).

A school's day is read from every side — the class chat, its members and blocks, a pupil's
record, the moderation queue, the school's lists — while a block released early waits for the
timer, and not one INSERT, UPDATE or DELETE reaches the database. The one write a read may
cause is «last seen» on the caller's session (``actions.auth.touch_session``), at most every
few minutes, in a transaction of its own: the sessions here are fresh, so it does not happen.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, func, select, update

from parta.actions.blocks import settle_due_blocks
from parta.models import AuditEntry, ChatBlock, Poll
from tests.api.test_moderation import class_chat, say, until, violations
from tests.conftest import World
from tests.helpers import API

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
# The documented exception: «last seen», throttled (see the module's docstring).
SEEN = re.compile(r"^\s*UPDATE auth_session SET last_seen_at=\S+ WHERE auth_session\.id = ",
                  re.IGNORECASE)


@contextmanager
def writes(world: World) -> Iterator[list[str]]:
    """Every write statement the server sends to the database while the block runs."""
    engine = world.services.sessionmaker.kw["bind"].sync_engine
    seen: list[str] = []

    def listen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if WRITE.match(statement) and not SEEN.match(statement):
            seen.append(statement.split("\n")[0][:120])

    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listen)


async def _released_early_block(world: World) -> tuple[Any, dict[str, Any], Any, Any, int]:
    """Петя's block in 5А's chat, proposed for an early end nobody objected to, its window
    closed a minute ago: no longer in force, its end not yet recorded."""
    anna, chat, masha, petya = await class_chat(world)
    cid, petya_id = chat["id"], await world.user_id("student2")
    await say(petya, cid, "Я больше не буду")
    await violations(anna, cid, petya_id, 4)
    block = (await anna.post(f"{API}/chats/{cid}/members/{petya_id}/block",
                             json={"until": until(30), "rule_number": 1})).json()
    await petya.post(f"{API}/blocks/{block['id']}/apology", json={"text": "Извините"})
    await anna.post(f"{API}/blocks/{block['id']}/propose-unblock")
    async with world.services.sessionmaker() as db:
        await db.execute(update(ChatBlock).values(
            objection_deadline=datetime.now(UTC) - timedelta(minutes=1)))
        await db.commit()
    return anna, chat, masha, petya, block["id"]


async def test_a_days_reading_writes_nothing(world: World) -> None:
    anna, chat, masha, petya, _ = await _released_early_block(world)
    cid, org = chat["id"], world.org_id
    petya_id = await world.user_id("student2")
    admin = await world.as_("admin")
    elena = await world.as_("parent")
    reads = [
        (anna, "/me"), (anna, "/me/sessions"), (anna, "/chats"), (anna, f"/chats/{cid}"),
        (anna, f"/chats/{cid}/messages"), (anna, f"/chats/{cid}/members"),
        (anna, f"/chats/{cid}/blocks"), (anna, f"/chats/{cid}/members/{petya_id}/record"),
        (anna, f"/chats/{cid}/quiet"),
        (anna, f"/orgs/{org}/moderation"), (anna, "/search?q=буду"),
        (petya, f"/chats/{cid}"), (petya, f"/chats/{cid}/messages"), (petya, "/me/violations"),
        (petya, f"/chats/{cid}/held"), (petya, "/me/removals"),
        (masha, f"/chats/{cid}/blocks"),
        (admin, "/organizations"), (admin, "/regions"), (admin, f"/orgs/{org}"), (admin, f"/orgs/{org}/members"),
        (admin, f"/orgs/{org}/groups"), (admin, f"/orgs/{org}/figures"),
        (admin, f"/orgs/{org}/audit"), (admin, f"/orgs/{org}/appeals"), (admin, "/support/tickets"),
        (admin, f"/orgs/{org}/chat-rules"), (admin, f"/orgs/{org}/conduct"),
        (admin, f"/orgs/{org}/invites"), (admin, f"/orgs/{org}/join-requests"),
        (admin, f"/orgs/{org}/parent-links"), (admin, f"/orgs/{org}/movements"),
        (admin, f"/orgs/{org}/consents/gaps"), (admin, f"/orgs/{org}/reconciliation/status"),
        (admin, f"/orgs/{org}/reconciliation"), (admin, f"/orgs/{org}/roster/imports"),
        (elena, "/me/consents"), (elena, "/me/export"), (elena, "/me/deletion"),
        (elena, "/me/offers"),
    ]
    # A poll whose deadline passed since: read as closed, and nobody writes that down.
    poll = (await anna.post(f"{API}/chats/{cid}/polls", json={
        "question": "Во сколько сбор?", "options": ["В 8:30", "В 9:00"]})).json()
    await masha.post(f"{API}/polls/{poll['id']}/vote", json={"option_ids": [poll["options"][0]["id"]]})
    async with world.services.sessionmaker() as db:
        await db.execute(update(Poll).values(closes_at=datetime.now(UTC) - timedelta(minutes=1)))
        await db.commit()
    await world.services.poll_results.drain()
    reads += [(masha, f"/polls/{poll['id']}"), (anna, f"/polls/{poll['id']}/voters"),
              (anna, f"/polls/{poll['id']}/export?format=csv&by=name"),
              (anna, f"/polls/{poll['id']}/export?format=xlsx")]
    with writes(world) as seen:
        for client, path in reads:
            r = await client.get(f"{API}{path}")
            assert r.status_code == 200, (path, r.status_code, r.text)
    assert seen == []
    # The listener hears writes (a positive control): a message is one.
    with writes(world) as seen:
        assert (await say(petya, cid, "Спасибо")).status_code == 200
    assert any(s.upper().startswith("INSERT INTO MESSAGE") for s in seen), seen


async def test_the_sender_and_two_timers_see_one_expired_block_and_end_it_once(
        world: World) -> None:
    """Петя writes just as two server processes' timers wake: the send goes through (the
    block is no longer in force), and the block's end is recorded once — one audit entry,
    one event — whoever gets there first."""
    _, chat, _, petya, block_id = await _released_early_block(world)
    petya_id = await world.user_id("student2")
    before = len(world.events_of("moderation.block"))
    sent, first, second = await asyncio.gather(
        say(petya, chat["id"], "Спасибо, что сняли"),
        settle_due_blocks(world.services), settle_due_blocks(world.services))
    assert sent.status_code == 200, sent.text
    assert first + second == 1
    assert await settle_due_blocks(world.services) == 0
    ended = world.events_of("moderation.block")[before:]
    assert len(ended) == 1 and ended[0].event.block is None  # type: ignore[attr-defined]
    assert petya_id in ended[0].audience
    async with world.services.sessionmaker() as db:
        granted = (await db.execute(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "unblock.granted"))).scalar_one()
        block = await db.get(ChatBlock, block_id)
    assert granted == 1
    assert block is not None and block.ended_at is not None
