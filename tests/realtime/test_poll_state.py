"""Zulip's check for polls: each person's poll, fetched before a vote or the closing and then fed
only the events that went to them (as the web client's polls store applies them:
parta/web/js/polls/store.js), holds what a fresh fetch shows — for «always» and «after voting»
results alike, where the counts must not reach a person who may not see them yet."""

from __future__ import annotations

from typing import Any

import httpx

from parta.queries.polls import percent
from tests.api.test_lessons import chat_named
from tests.conftest import World
from tests.helpers import API

PEOPLE = ("teacher", "student", "student2")
SHOWN = ("voters", "closed", "results_visible", "mine")


def apply(poll: dict[str, Any], event: Any) -> dict[str, Any] | None:
    """The store's rules; None: the store fetches the poll again."""
    if event.type == "poll.voted":
        return dict(event.poll.model_dump(mode="json"))
    if event.type != "poll.results":
        return poll
    if event.closed and not poll["closed"]:
        return None
    if event.counts is None:
        return {**poll, "voters": event.voters}
    options = [{**o, "votes": event.counts.get(o["id"], 0),
                "percent": percent(event.counts.get(o["id"], 0), event.voters)}
               for o in poll["options"]]
    return {**poll, "voters": event.voters, "options": options, "results_visible": True,
            "closed": poll["closed"] or event.closed}


def view(poll: dict[str, Any]) -> dict[str, Any]:
    return {**{k: poll[k] for k in SHOWN},
            "options": [(o["id"], o["votes"], o["percent"]) for o in poll["options"]]}


async def check(world: World, clients: dict[str, httpx.AsyncClient], poll_id: int,
                act: Any) -> dict[str, list[str]]:
    """Fetch every person's poll, do ``act``, feed each the events addressed to them; each must
    equal a fresh fetch. Returns the event types each applied."""
    await world.services.poll_results.drain()
    before = {k: (await c.get(f"{API}/polls/{poll_id}")).json() for k, c in clients.items()}
    start = len(world.events)
    await act()
    await world.services.poll_results.drain()
    applied: dict[str, list[str]] = {}
    for key, c in clients.items():
        uid = await world.user_id(key)
        state: dict[str, Any] | None = before[key]
        fresh = (await c.get(f"{API}/polls/{poll_id}")).json()
        applied[key] = []
        for env in world.events[start:]:
            if uid not in env.audience or not env.event.type.startswith("poll."):
                continue
            applied[key].append(env.event.type)
            assert state is not None
            state = apply(state, env.event)
            if state is None:
                state = fresh  # told to fetch again
        assert state is not None and view(state) == view(fresh), (key, applied[key])
    return applied


async def _day_of(world: World, clients: dict[str, httpx.AsyncClient], chat_id: int,
                  results: str) -> None:
    anna, masha, petya = (clients[k] for k in PEOPLE)
    r = await anna.post(f"{API}/chats/{chat_id}/polls", json={
        "question": f"Когда контрольная? ({results})", "options": ["Во вторник", "В четверг"],
        "results": results})
    assert r.status_code == 201, r.text
    poll = r.json()
    a, b = (o["id"] for o in poll["options"])
    url = f"{API}/polls/{poll['id']}/vote"

    async def masha_votes(option: int = a) -> None:
        assert (await masha.post(url, json={"option_ids": [option]})).status_code == 200

    applied = await check(world, clients, poll["id"], masha_votes)
    assert applied["student"][0] == "poll.voted"  # her own vote, at once
    assert "poll.results" in applied["student2"]  # Петя hears of it (with counts or not)

    async def petya_votes() -> None:
        assert (await petya.post(url, json={"option_ids": [b]})).status_code == 200

    await check(world, clients, poll["id"], petya_votes)
    await check(world, clients, poll["id"], lambda: masha_votes(b))  # she changes her vote

    async def masha_takes_it_back() -> None:
        assert (await masha.delete(url)).status_code == 200

    await check(world, clients, poll["id"], masha_takes_it_back)

    async def anna_closes() -> None:
        assert (await anna.post(f"{API}/polls/{poll['id']}/close")).status_code == 200

    applied = await check(world, clients, poll["id"], anna_closes)
    assert all(types == ["poll.results"] for types in applied.values())


async def test_votes_and_the_closing_keep_every_poll_equal_to_a_fresh_fetch(world: World) -> None:
    clients = {k: await world.as_(k) for k in PEOPLE}
    chat_id = await chat_named(clients["teacher"], "5А — класс")
    for results in ("always", "after_voting"):
        await _day_of(world, clients, chat_id, results)


async def test_the_check_catches_a_results_event_that_leaks_or_lags(world: World) -> None:
    """A positive control: a client that missed an event is caught."""
    clients = {k: await world.as_(k) for k in PEOPLE}
    anna, masha = clients["teacher"], clients["student"]
    chat_id = await chat_named(anna, "5А — класс")
    poll = (await anna.post(f"{API}/chats/{chat_id}/polls", json={
        "question": "Контрольная?", "options": ["Да", "Нет"]})).json()
    stale = (await masha.get(f"{API}/polls/{poll['id']}")).json()
    r = await clients["student2"].post(f"{API}/polls/{poll['id']}/vote",
                                       json={"option_ids": [poll["options"][0]["id"]]})
    assert r.status_code == 200
    fresh = (await masha.get(f"{API}/polls/{poll['id']}")).json()
    assert view(stale) != view(fresh)
