"""Zulip's check for the chat actions: each person's client, fetched before the action and then
fed only the events the action produced, holds exactly what a fresh fetch shows afterwards."""

from __future__ import annotations

import pytest

from tests.api.test_chats import joined, make_class_chat
from tests.conftest import World
from tests.helpers import API
from tests.realtime.client_state import ClientState, fresh_after


async def test_a_class_chats_day_keeps_every_client_equal_to_a_fresh_fetch(world: World) -> None:
    anna, chat = await make_class_chat(world)
    cid = chat["id"]
    masha = await joined(world, "student", cid)
    petya = await joined(world, "student2", cid)
    url = f"{API}/chats/{cid}/messages"
    first = (await anna.post(url, json={"body": "Доброе утро, 5А!"})).json()

    async def states() -> list[ClientState]:
        # Masha reads the chat; Petya is on his chat list; Anna, the teacher, reads the chat.
        return [await ClientState.fetch(world, "student", cid),
                await ClientState.fetch(world, "student2"),
                await ClientState.fetch(world, "teacher", cid)]

    # Send.
    s = await states()
    r = await petya.post(url, json={"body": "Доброе утро! А что задано по математике?"})
    assert r.status_code == 200, r.text
    mid = r.json()["id"]
    applied = await fresh_after(world, s)
    assert applied["student"] == ["message.new"] and applied["teacher"] == ["message.new"]

    # Edit.
    s = await states()
    r = await petya.patch(f"{url}/{mid}", json={"body": "А что задано по математике на завтра?"})
    assert r.status_code == 200, r.text
    applied = await fresh_after(world, s)
    assert applied["student"] == ["message.edited"]

    # React.
    s = await states()
    r = await anna.put(f"{url}/{first['id']}/reactions/👍")
    assert r.status_code == 200, r.text
    applied = await fresh_after(world, s[:2])  # the reactor's own client applies its answer
    assert applied["student"] == ["message.reactions"]

    # Pin.
    s = await states()
    r = await anna.post(f"{API}/chats/{cid}/pins", json={"message_id": first["id"]})
    assert r.status_code == 200, r.text
    applied = await fresh_after(world, s)
    assert applied["student"] == ["chat.pins"]

    # Read.
    s = await states()
    r = await masha.post(f"{API}/chats/{cid}/read", json={"message_id": mid})
    assert r.status_code == 200, r.text
    await fresh_after(world, s)

    # Rename.
    s = await states()
    r = await anna.patch(f"{API}/chats/{cid}", json={"title": "5А — наш класс"})
    assert r.status_code == 200, r.text
    applied = await fresh_after(world, s)
    assert "chat.changed" in applied["student2"]

    # Delete.
    s = await states()
    r = await petya.delete(f"{url}/{mid}")
    assert r.status_code in (200, 204), r.text
    applied = await fresh_after(world, s)
    assert applied["student"] == ["message.deleted"]

    # Leave, and join again.
    s = await states()
    r = await masha.post(f"{API}/chats/{cid}/leave")
    assert r.status_code == 200, r.text
    applied = await fresh_after(world, s)
    assert "chat.member" in applied["student"] and "chat.member" in applied["teacher"]
    s = await states()
    r = await anna.post(f"{API}/chats/{cid}/invitations",
                        json={"user_ids": [await world.user_id("student")]})
    assert r.status_code == 200, r.text
    applied = await fresh_after(world, s)
    assert "chat.invited" in applied["student"]
    s = await states()
    r = await masha.post(f"{API}/chats/{cid}/join", json={"accept_rules": True})
    assert r.status_code == 200, r.text
    applied = await fresh_after(world, s)
    assert "chat.member" in applied["student"]


async def test_the_check_catches_an_event_that_says_less_than_the_answer(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """A positive control: a client that ignored edits is caught by the fresh fetch."""
    anna, chat = await make_class_chat(world)
    cid = chat["id"]
    await joined(world, "student", cid)
    url = f"{API}/chats/{cid}/messages"
    mid = (await anna.post(url, json={"body": "Контрольная в пятницу"})).json()["id"]
    state = await ClientState.fetch(world, "student", cid)
    real = ClientState.apply
    monkeypatch.setattr(ClientState, "apply", lambda self, event: None if (
        event["type"] == "message.edited") else real(self, event))
    r = await anna.patch(f"{url}/{mid}", json={"body": "Контрольная в четверг"})
    assert r.status_code == 200, r.text
    with pytest.raises(AssertionError, match="body"):
        await state.matches_fresh_after(world)
