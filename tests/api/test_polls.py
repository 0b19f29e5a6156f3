"""Polls (R26) in the demo school. Анна Сергеевна asks the parents of 5А «Когда едем на
экскурсию?»; Елена Иванова answers, changes her mind, takes her answer back; the teacher sees who
has not answered, reminds them and downloads the answers. In the class chat Маша asks the class
which museum they like; Петя votes; Маша closes it. Who may not, may not; the live results go
out coalesced and only to those who may see them; an anonymous poll names nobody."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from parta.models import AuditEntry, Message, Poll, PollBallot, PollChoice
from parta.realtime.coalesce import Coalescer
from tests.api.test_lessons import chat_named
from tests.conftest import World, error_code
from tests.helpers import API, register_gymnasium

QUESTION = "Когда едем на экскурсию в Музей космонавтики?"
DATES = ["В субботу, 14-го", "В воскресенье, 15-го", "В субботу, 21-го"]


def poll_body(**extra: Any) -> dict[str, Any]:
    return {"question": QUESTION, "options": DATES, **extra}


async def ask(c: httpx.AsyncClient, chat_id: int, **extra: Any) -> dict[str, Any]:
    r = await c.post(f"{API}/chats/{chat_id}/polls", json=poll_body(**extra))
    assert r.status_code == 201, r.text
    return dict(r.json())


async def stored(world: World, model: Any) -> int:
    async with world.services.sessionmaker() as db:
        return int((await db.execute(select(func.count()).select_from(model))).scalar_one())


def option(poll: dict[str, Any], n: int) -> int:
    return int(poll["options"][n]["id"])


async def results_events(world: World, poll_id: int) -> list[Any]:
    await world.services.poll_results.drain()
    return [e for e in world.events_of("poll.results") if e.event.poll_id == poll_id]


async def test_the_class_teacher_asks_the_parents_about_the_excursion_date(world: World) -> None:
    anna, elena = await world.as_("teacher"), await world.as_("parent")
    chat_id = await chat_named(anna, "5А — родители")
    anna_id, elena_id = await world.user_id("teacher"), await world.user_id("parent")

    poll = await ask(anna, chat_id, results="after_voting")
    assert poll["question"] == QUESTION and [o["text"] for o in poll["options"]] == DATES
    assert poll["multiple"] is False and poll["anonymous"] is False and poll["closed"] is False
    assert poll["created_by"]["name"] == "Анна Сергеевна Волкова"
    assert poll["can_close"] is True and poll["sees_voters"] is True and poll["can_remind"] is True
    assert poll["results_visible"] is True  # its author sees the counts as they come

    # It is a message in the chat: ordered, its question searchable.
    [ev] = [e for e in world.events_of("message.new") if e.event.message.kind == "poll"]
    assert ev.audience == {anna_id, elena_id} and ev.event.message.id == poll["id"]
    msgs = (await elena.get(f"{API}/chats/{chat_id}/messages")).json()["messages"]
    [shown] = [m for m in msgs if m["id"] == poll["id"]]
    assert shown["kind"] == "poll" and shown["body"] == QUESTION
    assert max(m["id"] for m in msgs) == poll["id"]
    found = await elena.get(f"{API}/search", params={"q": "экскурсия"})  # another word form
    assert poll["id"] in [m["id"] for m in found.json()["results"]]

    # «after voting»: the parent sees no counts until she answers.
    seen = (await elena.get(f"{API}/polls/{poll['id']}")).json()
    assert seen["results_visible"] is False and seen["can_vote"] is True
    assert all(o["votes"] is None and o["percent"] is None for o in seen["options"])
    assert seen["sees_voters"] is False and seen["can_close"] is False

    r = await elena.post(f"{API}/polls/{poll['id']}/vote", json={"option_ids": [option(poll, 0)]})
    assert r.status_code == 200, r.text
    mine = r.json()
    assert mine["mine"] == [option(poll, 0)] and mine["voters"] == 1 and mine["results_visible"]
    assert [o["votes"] for o in mine["options"]] == [1, 0, 0]
    assert [o["percent"] for o in mine["options"]] == [100, 0, 0]
    # Her own vote comes back to her other devices at once, to her alone.
    [voted] = world.events_of("poll.voted")
    assert voted.audience == {elena_id} and voted.event.poll.mine == [option(poll, 0)]

    # She changes her mind: a single-choice vote replaces the first (no second ballot).
    r = await elena.post(f"{API}/polls/{poll['id']}/vote", json={"option_ids": [option(poll, 2)]})
    assert r.status_code == 200 and r.json()["mine"] == [option(poll, 2)]
    assert [o["votes"] for o in r.json()["options"]] == [0, 0, 1]
    assert await stored(world, PollBallot) == 1 and await stored(world, PollChoice) == 1

    # The teacher sees who answered what, and who has not (nobody else in this chat).
    r = await anna.get(f"{API}/polls/{poll['id']}/voters")
    assert r.status_code == 200, r.text
    [row] = r.json()["voters"]
    assert row["person"]["name"] == "Елена Иванова" and row["option_ids"] == [option(poll, 2)]
    assert r.json()["not_answered"] == []
    r = await elena.get(f"{API}/polls/{poll['id']}/voters")
    assert (r.status_code, error_code(r)) == (403, "may_not_see_voters")

    # The answers by name as a spreadsheet and as CSV.
    r = await anna.get(f"{API}/polls/{poll['id']}/export", params={"format": "xlsx", "by": "name"})
    assert r.status_code == 200 and "spreadsheetml" in r.headers["content-type"]
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == QUESTION and values[2][:2] == ["Участник", "Ответ"]
    assert values[3][:2] == ["Елена Иванова", DATES[2]]
    r = await anna.get(f"{API}/polls/{poll['id']}/export", params={"format": "csv"})
    assert r.status_code == 200 and r.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1] == ["Вариант", "Голосов"] and rows[4] == [DATES[2], "1"]
    assert rows[5] == ["Всего ответили", "1"]
    r = await elena.get(f"{API}/polls/{poll['id']}/export", params={"by": "name"})
    assert (r.status_code, error_code(r)) == (403, "may_not_see_voters")

    # She takes her answer back; nothing of it stays.
    r = await elena.delete(f"{API}/polls/{poll['id']}/vote")
    assert r.status_code == 200 and r.json()["mine"] == [] and r.json()["voters"] == 0
    assert r.json()["results_visible"] is False
    assert await stored(world, PollBallot) == 0 and await stored(world, PollChoice) == 0
    r = await anna.get(f"{API}/polls/{poll['id']}/voters")
    assert [p["name"] for p in r.json()["not_answered"]] == ["Елена Иванова"]

    # The live results went out coalesced; with «after voting» the counts reached only those
    # who may see them (the teacher, and the parent while she had answered).
    events = await results_events(world, poll["id"])
    assert events, "no poll.results went out"
    for e in events:
        if e.event.counts is not None:
            assert anna_id in e.audience
        if elena_id in e.audience and e.event.counts is not None:
            assert e.event.voters == 1
    last_for_elena = [e for e in events if elena_id in e.audience][-1]
    assert last_for_elena.event.counts is None and last_for_elena.event.voters == 0

    # The teacher closes it: everyone sees the results at once.
    r = await anna.post(f"{API}/polls/{poll['id']}/close")
    assert r.status_code == 200 and r.json()["closed"] is True and r.json()["can_vote"] is False
    closing = [e for e in world.events_of("poll.results") if e.event.closed]
    assert len(closing) == 1 and closing[0].audience == {anna_id, elena_id}
    assert closing[0].event.counts == {option(poll, n): 0 for n in range(3)}
    seen = (await elena.get(f"{API}/polls/{poll['id']}")).json()
    assert seen["results_visible"] is True and seen["can_vote"] is False
    async with world.services.sessionmaker() as db:
        actions = list((await db.execute(select(AuditEntry.action).where(
            AuditEntry.target_type == "poll").order_by(AuditEntry.id))).scalars())
    assert actions == ["poll.created", "poll.closed"]


async def test_a_student_asks_the_class_and_closes_it_herself(world: World) -> None:
    """Students may ask in a chat where they may post (R26 sets no limit); the class chat's
    conduct filter and blocks apply as to any message. A named poll's names are for staff."""
    anna, masha, petya = [await world.as_(k) for k in ("teacher", "student", "student2")]
    chat_id = await chat_named(anna, "5А — класс")
    r = await masha.post(f"{API}/chats/{chat_id}/polls", json={
        "question": "Какой музей выберем?", "options": ["Космонавтики", "Дарвиновский", "Зоологический"],
        "multiple": True, "free_text": True})
    assert r.status_code == 201, r.text
    poll = r.json()
    assert poll["can_close"] is True and poll["sees_voters"] is False and poll["can_remind"] is False

    r = await petya.post(f"{API}/polls/{poll['id']}/vote",
                         json={"option_ids": [option(poll, 0), option(poll, 1)], "text": "Планетарий"})
    assert r.status_code == 200, r.text
    assert r.json()["mine"] == sorted([option(poll, 0), option(poll, 1)])
    assert r.json()["my_text"] == "Планетарий"
    # Counts of a multiple-choice poll are shares of those who answered.
    assert [o["percent"] for o in r.json()["options"]] == [100, 100, 0]

    for who, path in ((masha, "voters"), (masha, "remind")):
        r = await (who.get if path == "voters" else who.post)(f"{API}/polls/{poll['id']}/{path}")
        assert r.status_code == 403, r.text
        assert error_code(r) == ("may_not_see_voters" if path == "voters" else "may_not_remind")
    r = await petya.post(f"{API}/polls/{poll['id']}/close")
    assert (r.status_code, error_code(r)) == (403, "may_not_close_poll")

    r = await masha.post(f"{API}/polls/{poll['id']}/close")
    assert r.status_code == 200 and r.json()["closed"] is True
    for attempt in (petya.post(f"{API}/polls/{poll['id']}/vote", json={"option_ids": [option(poll, 2)]}),
                    petya.delete(f"{API}/polls/{poll['id']}/vote"),
                    masha.post(f"{API}/polls/{poll['id']}/close")):
        r = await attempt
        assert (r.status_code, error_code(r)) == (409, "poll_closed")
    async with world.services.sessionmaker() as db:
        [choices] = (await db.execute(select(func.count()).select_from(PollChoice))).one()
    assert choices == 2  # the refused vote changed nothing

    # The class teacher, the chat's owner, closes or removes any poll as a moderator.
    other = await ask(masha, chat_id)
    r = await anna.post(f"{API}/polls/{other['id']}/close")
    assert r.status_code == 200
    r = await anna.delete(f"{API}/chats/{chat_id}/messages/{other['id']}")
    assert r.status_code in (200, 204), r.text
    r = await masha.get(f"{API}/polls/{other['id']}")
    assert (r.status_code, error_code(r)) == (404, "not_found")


async def test_what_a_poll_refuses(world: World) -> None:
    anna, elena, oleg = await world.as_("teacher"), await world.as_("parent"), await world.as_("math_teacher")
    chat_id = await chat_named(anna, "5А — родители")
    url = f"{API}/chats/{chat_id}/polls"
    for body, status, code, field in (
            (poll_body(question="   "), 422, "validation_failed", "question"),
            (poll_body(options=["Одна дата"]), 422, "poll_too_few_options", "options"),
            (poll_body(options=[f"Дата {n}" for n in range(13)]), 422, "poll_too_many_options",
             "options"),
            (poll_body(options=["Суббота", "суббота"]), 422, "validation_failed", "options"),
            (poll_body(options=["Суббота", " "]), 422, "validation_failed", "options"),
            (poll_body(closes_at=(datetime.now(UTC) - timedelta(hours=1)).isoformat()), 422,
             "validation_failed", "closes_at")):
        r = await anna.post(url, json=body)
        assert (r.status_code, error_code(r)) == (status, code), r.text
        assert field in r.json()["error"]["fields"]
    r = await anna.post(url, json=poll_body(options=[f"Дата {n}" for n in range(500)]))
    assert r.status_code == 422  # far past the limit: malformed
    r = await anna.post(url, json=poll_body(question="В" * 301))
    assert r.status_code == 422
    r = await anna.post(url, json=poll_body(colour="red"))
    assert r.status_code == 422
    assert await stored(world, Poll) == 0

    poll = await ask(anna, chat_id)
    vote_url = f"{API}/polls/{poll['id']}/vote"
    # Not a member of the chat, another school's administrator: no such poll.
    _gym, natalia = await register_gymnasium(world)
    for outsider in (oleg, natalia):
        for r in (await outsider.get(f"{API}/polls/{poll['id']}"),
                  await outsider.post(vote_url, json={"option_ids": [option(poll, 0)]}),
                  await outsider.post(f"{API}/polls/{poll['id']}/close"),
                  await outsider.get(f"{API}/polls/{poll['id']}/voters"),
                  await outsider.post(f"{API}/chats/{chat_id}/polls", json=poll_body())):
            assert (r.status_code, error_code(r)) == (404, "not_found"), r.text
    r = await elena.get(f"{API}/polls/999999")
    assert (r.status_code, error_code(r)) == (404, "not_found")

    for body, code in (({"option_ids": [987654]}, "poll_no_such_option"),
                       ({"option_ids": [option(poll, 0), option(poll, 1)]}, "poll_single_choice"),
                       ({"option_ids": []}, "validation_failed"),
                       ({"option_ids": [option(poll, 0)], "text": "Другое"}, "validation_failed")):
        r = await elena.post(vote_url, json=body)
        assert (r.status_code, error_code(r)) == (422, code), r.text
    assert await stored(world, PollBallot) == 0

    # A deadline closes it by itself: a read shows it closed, a vote is refused.
    async with world.services.sessionmaker() as db:
        await db.execute(update(Poll).where(Poll.message_id == poll["id"]).values(
            closes_at=datetime.now(UTC) - timedelta(seconds=1)))
        await db.commit()
    seen = (await elena.get(f"{API}/polls/{poll['id']}")).json()
    assert seen["closed"] is True and seen["can_vote"] is False and seen["closed_at"] is not None
    r = await elena.post(vote_url, json={"option_ids": [option(poll, 0)]})
    assert (r.status_code, error_code(r)) == (409, "poll_closed")
    async with world.services.sessionmaker() as db:
        assert (await db.get(Poll, poll["id"])).closed_at is None  # type: ignore[union-attr]


async def test_an_anonymous_poll_names_nobody(world: World) -> None:
    anna, elena = await world.as_("teacher"), await world.as_("parent")
    chat_id = await chat_named(anna, "5А — родители")
    poll = await ask(anna, chat_id, anonymous=True, results="after_closing")
    r = await elena.post(f"{API}/polls/{poll['id']}/vote", json={"option_ids": [option(poll, 1)]})
    assert r.status_code == 200 and r.json()["results_visible"] is False  # until it closes
    seen = (await anna.get(f"{API}/polls/{poll['id']}")).json()
    assert seen["sees_voters"] is False and [o["votes"] for o in seen["options"]] == [0, 1, 0]
    for path in ("voters", "export?by=name", "export?by=name&format=csv"):
        r = await anna.get(f"{API}/polls/{poll['id']}/{path}")
        assert (r.status_code, error_code(r)) == (403, "poll_anonymous")
    r = await anna.post(f"{API}/polls/{poll['id']}/remind")
    assert (r.status_code, error_code(r)) == (403, "poll_anonymous")
    r = await elena.get(f"{API}/polls/{poll['id']}/export")
    assert (r.status_code, error_code(r)) == (403, "poll_results_hidden")
    r = await anna.get(f"{API}/polls/{poll['id']}/export", params={"format": "csv"})
    assert r.status_code == 200 and "Елена" not in r.content.decode("utf-8-sig")
    # No event carries a name or who voted what to anyone but the voter herself.
    for e in await results_events(world, poll["id"]):
        assert set(e.event.model_dump()) == {"type", "org_id", "chat_id", "poll_id", "voters",
                                             "counts", "closed"}
        if e.event.counts is not None:
            assert e.audience == {await world.user_id("teacher")}  # after closing: the author


async def test_reminding_those_who_have_not_answered(world: World) -> None:
    anna, masha = await world.as_("teacher"), await world.as_("student")
    chat_id = await chat_named(anna, "5А — класс")
    poll = await ask(anna, chat_id)
    r = await masha.post(f"{API}/polls/{poll['id']}/vote", json={"option_ids": [option(poll, 0)]})
    assert r.status_code == 200
    r = await anna.post(f"{API}/polls/{poll['id']}/remind")
    assert r.status_code == 200 and r.json()["reminded"] == 1
    [ev] = world.events_of("poll.reminder")
    assert ev.audience == {await world.user_id("student2")}  # Петя only: not Маша, not the chat
    assert ev.event.question == QUESTION
    r = await anna.post(f"{API}/polls/{poll['id']}/remind")
    assert (r.status_code, error_code(r)) == (429, "poll_reminded")
    assert int(r.headers["Retry-After"]) > 3500
    assert len(world.events_of("poll.reminder")) == 1
    r = await masha.post(f"{API}/polls/{poll['id']}/remind")
    assert (r.status_code, error_code(r)) == (403, "may_not_remind")


async def test_a_blocked_member_reads_the_poll_but_does_not_vote(world: World) -> None:
    anna, petya = await world.as_("teacher"), await world.as_("student2")
    chat_id = await chat_named(anna, "5А — класс")
    petya_id = await world.user_id("student2")
    poll = await ask(anna, chat_id)
    for n in range(4):
        r = await anna.post(f"{API}/chats/{chat_id}/members/{petya_id}/violations",
                            json={"rule_number": 1, "explanation": f"Грубость №{n}"})
        assert r.status_code == 201, r.text
    r = await anna.post(f"{API}/chats/{chat_id}/members/{petya_id}/block", json={
        "until": (datetime.now(UTC) + timedelta(days=3)).isoformat(), "rule_number": 1})
    assert r.status_code == 201, r.text
    seen = (await petya.get(f"{API}/polls/{poll['id']}")).json()
    assert seen["can_vote"] is False
    r = await petya.post(f"{API}/polls/{poll['id']}/vote", json={"option_ids": [option(poll, 0)]})
    assert (r.status_code, error_code(r)) == (403, "blocked")
    r = await petya.post(f"{API}/chats/{chat_id}/polls", json=poll_body())
    assert (r.status_code, error_code(r)) == (403, "blocked")
    assert await stored(world, PollBallot) == 0 and await stored(world, Poll) == 1


async def test_a_channel_poll_is_posted_by_its_moderators_and_answered_by_its_readers(
        world: World) -> None:
    irina, masha = await world.as_("admin"), await world.as_("student")
    chats = (await masha.get(f"{API}/chats")).json()["chats"]
    channel = next((c for c in chats if c["kind"] in ("school_channel", "channel", "school")), None)
    if channel is None:
        channel = next(c for c in chats if not c.get("capabilities", {}).get("can_post", True))
    r = await masha.post(f"{API}/chats/{channel['id']}/polls", json=poll_body())
    assert (r.status_code, error_code(r)) == (403, "chat_read_only")
    poll = await ask(irina, channel["id"])
    r = await masha.post(f"{API}/polls/{poll['id']}/vote", json={"option_ids": [option(poll, 1)]})
    assert r.status_code == 200, r.text


async def test_two_votes_at_once_make_one_ballot_and_a_vote_racing_the_close(world: World) -> None:
    """Also runs on PostgreSQL (the suite's PG run): the poll's row orders the writers."""
    anna, elena = await world.as_("teacher"), await world.as_("parent")
    chat_id = await chat_named(anna, "5А — родители")
    poll = await ask(anna, chat_id)
    url = f"{API}/polls/{poll['id']}/vote"
    first, second = await asyncio.gather(
        elena.post(url, json={"option_ids": [option(poll, 0)]}),
        elena.post(url, json={"option_ids": [option(poll, 1)]}))
    assert first.status_code == second.status_code == 200, (first.text, second.text)
    async with world.services.sessionmaker() as db:
        ballots = (await db.execute(select(PollBallot))).scalars().all()
        choices = (await db.execute(select(PollChoice.option_id))).scalars().all()
    assert len(ballots) == 1 and len(choices) == 1  # one of the two, never both
    assert choices[0] in (option(poll, 0), option(poll, 1))

    voted, closed = await asyncio.gather(
        elena.post(url, json={"option_ids": [option(poll, 2)]}),
        anna.post(f"{API}/polls/{poll['id']}/close"))
    assert closed.status_code == 200
    async with world.services.sessionmaker() as db:
        row = await db.get(Poll, poll["id"])
        ballot = (await db.execute(select(PollBallot))).scalar_one()
        [choice] = (await db.execute(select(PollChoice.option_id))).scalars().all()
    assert row is not None and row.closed_at is not None
    if voted.status_code == 200:  # it came first: counted, and before the closing
        assert choice == option(poll, 2) and ballot.voted_at <= row.closed_at
    else:  # the closing came first: refused, nothing changed
        assert (voted.status_code, error_code(voted)) == (409, "poll_closed")
        assert choice != option(poll, 2)


async def test_a_retried_poll_is_the_same_poll(world: World) -> None:
    anna = await world.as_("teacher")
    chat_id = await chat_named(anna, "5А — родители")
    one = await ask(anna, chat_id, client_id="poll-1")
    two = await ask(anna, chat_id, client_id="poll-1")
    assert one["id"] == two["id"] and await stored(world, Poll) == 1
    # Its question is what people answer: the message is not edited.
    r = await anna.patch(f"{API}/chats/{chat_id}/messages/{one['id']}", json={"body": "Другой вопрос?"})
    assert (r.status_code, error_code(r)) == (409, "poll_not_editable")
    async with world.services.sessionmaker() as db:
        kinds = (await db.execute(select(Message.kind).where(Message.chat_id == chat_id))).scalars().all()
    assert list(kinds).count("poll") == 1


async def test_many_votes_make_one_results_event_per_interval() -> None:
    """The coalescer: marks while a flush waits join it; the first after a quiet spell goes at
    once; the next waits out the interval."""
    flushed: list[tuple[int, float]] = []
    loop = asyncio.get_running_loop()

    def flush(key: int) -> Any:
        async def run() -> None:
            flushed.append((key, loop.time()))
        return run

    c = Coalescer(0.2)
    start = loop.time()
    for _ in range(100):
        c.mark(7, flush(7))
    await c.drain()
    assert len(flushed) == 1 and flushed[0][1] - start < 0.1
    for _ in range(100):
        c.mark(7, flush(7))
        c.mark(8, flush(8))
    await c.drain()
    assert [k for k, _ in flushed] == [7, 8, 7] and c.flushes == 3
    assert flushed[2][1] - flushed[0][1] >= 0.19  # key 7 waited out its interval
    assert flushed[1][1] - flushed[0][1] < 0.1  # key 8 had no flush to wait for


async def _caller(world: World, c: httpx.AsyncClient) -> dict[str, Any]:
    """Who ``c`` is, as a vote's request reads them (for the queue, without HTTP)."""
    from parta.actions.auth import session_token_hash
    from parta.queries.actors import caller_by_token_hash

    token = c.headers["Authorization"][7:]
    async with world.services.sessionmaker() as db:
        found = await caller_by_token_hash(db, session_token_hash(world.services.settings.secret_key, token))
    assert found is not None
    session, user, caller = found
    return {"user": user, "actor": caller.actor, "session_id": session.id,
            "verified_in": caller.verified_in}


async def test_votes_at_once_are_written_together_and_a_refused_one_fails_no_other(
        world: World) -> None:
    """Group commit: the votes that arrive together are one batch, one transaction; each
    caller gets its own answer, or its own refusal, and a refusal changes nothing. Also runs
    on PostgreSQL."""
    from parta.actions.base import Ctx
    from parta.schemas.polls import VoteIn

    anna, elena = await world.as_("teacher"), await world.as_("parent")
    oleg = await world.as_("math_teacher")
    chat_id = await chat_named(anna, "5А — родители")
    poll = await ask(anna, chat_id, results="always")
    queue = world.app.state.vote_queue
    before = queue.batches
    async with world.services.sessionmaker() as db:
        ctxs = [Ctx(db=db, services=world.services, **await _caller(world, c))
                for c in (anna, elena, oleg, elena)]
    bodies = [VoteIn(option_ids=[option(poll, 0)]), VoteIn(option_ids=[987654]),
              VoteIn(option_ids=[option(poll, 1)]), VoteIn(option_ids=[option(poll, 2)])]
    outcomes = await asyncio.gather(*(queue.vote(ctx, poll["id"], body)
                                      for ctx, body in zip(ctxs, bodies, strict=True)),
                                    return_exceptions=True)
    assert queue.batches == before + 1  # the four in one transaction
    annas, elenas_wrong, olegs, elenas = outcomes
    assert not isinstance(annas, BaseException) and annas.mine == [option(poll, 0)]
    assert getattr(elenas_wrong, "code", None) == "poll_no_such_option"  # her own refusal
    assert getattr(olegs, "code", None) == "not_found"  # not in the chat: no such poll
    assert not isinstance(elenas, BaseException) and elenas.mine == [option(poll, 2)]
    assert elenas.voters == 2 and [o.votes for o in elenas.options] == [1, 0, 1]
    # Each answer is made after the batch's last vote: the first one counts the whole batch.
    assert annas.voters == 2 and [o.votes for o in annas.options] == [1, 0, 1]
    async with world.services.sessionmaker() as db:
        choices = sorted((await db.execute(select(PollChoice.option_id))).scalars().all())
    assert choices == [option(poll, 0), option(poll, 2)]  # the refused two wrote nothing

    # Over HTTP the same: votes answered after their batch committed, the counts agree.
    r = await elena.post(f"{API}/polls/{poll['id']}/vote", json={"option_ids": [option(poll, 1)]})
    assert r.status_code == 200 and r.json()["mine"] == [option(poll, 1)]
    assert [o["votes"] for o in r.json()["options"]] == [1, 1, 0]
    r = await elena.delete(f"{API}/polls/{poll['id']}/vote")
    assert r.status_code == 200 and r.json()["mine"] == [] and r.json()["voters"] == 1
