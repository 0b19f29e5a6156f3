"""Zulip's check for the chat actions: each person's client, fetched before the action and then
fed only the events the action produced, holds exactly what a fresh fetch shows afterwards."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.test_chats import joined, make_class_chat
from tests.conftest import World
from tests.helpers import API, groups_of
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


async def test_moderation_lessons_and_links_keep_every_client_equal_to_a_fresh_fetch(
        world: World) -> None:
    """The same check for the actions around a chat: a lesson scheduled and cancelled, a
    moderator's deletion, violations and a block (what the blocked pupil may do comes back in the
    chat's capabilities), joining by the chat's link, and a removal."""
    from datetime import UTC, datetime, timedelta

    anna, chat = await make_class_chat(world)
    cid = chat["id"]
    masha = await joined(world, "student", cid)
    petya = await joined(world, "student2", cid)
    petya_id = await world.user_id("student2")
    url = f"{API}/chats/{cid}/messages"
    await anna.post(url, json={"body": "Доброе утро, 5А!"})

    async def states() -> list[ClientState]:
        return [await ClientState.fetch(world, "student", cid),
                await ClientState.fetch(world, "student2"),
                await ClientState.fetch(world, "teacher", cid)]

    # A lesson: its notice in the chat; cancelled, another notice.
    s = await states()
    start = datetime.now(UTC) + timedelta(days=1)
    r = await anna.post(f"{API}/chats/{cid}/lessons", json={
        "title": "Онлайн-урок 5А, математика", "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(minutes=45)).isoformat()})
    assert r.status_code == 201, r.text
    applied = await fresh_after(world, s)
    assert "message.new" in applied["student"]
    s = await states()
    assert (await anna.post(f"{API}/lessons/{r.json()['id']}/cancel")).status_code == 200
    await fresh_after(world, s)

    # A moderator deletes a pupil's message.
    said = (await petya.post(url, json={"body": "Кто списал домашку — тот молодец"})).json()
    s = await states()
    assert (await anna.delete(f"{url}/{said['id']}")).status_code in (200, 204)
    applied = await fresh_after(world, s)
    assert applied["student"] == ["message.deleted"]

    # Violations, then a block: the pupil's chat list and the chat say he may not post.
    s = await states()
    for n in range(4):
        r = await anna.post(f"{API}/chats/{cid}/members/{petya_id}/violations",
                            json={"rule_number": 1, "explanation": f"Грубость №{n}"})
        assert r.status_code == 201, r.text
    await fresh_after(world, s)
    s = await states()
    r = await anna.post(f"{API}/chats/{cid}/members/{petya_id}/block", json={
        "until": (datetime.now(UTC) + timedelta(days=3)).isoformat(), "rule_number": 1})
    assert r.status_code == 201, r.text
    applied = await fresh_after(world, s)
    assert "moderation.block" in applied["student2"]
    listed = next(c for c in s[1].chats["chats"] if c["id"] == cid)
    assert listed["capabilities"]["can_post"] is False

    # Masha leaves and comes back by the chat's link.
    link = (await anna.post(f"{API}/chats/{cid}/links", json={})).json()
    assert (await masha.post(f"{API}/chats/{cid}/leave")).status_code == 200
    s = await states()
    r = await masha.post(f"{API}/chat-links/{link['token']}/join", json={"accept_rules": True})
    assert r.status_code == 200, r.text
    applied = await fresh_after(world, s)
    assert "chat.member" in applied["student"] and "chat.member" in applied["teacher"]

    # Petya is removed from the chat for the rules he broke.
    s = await states()
    r = await anna.post(f"{API}/chats/{cid}/members/{petya_id}/remove",
                        json={"rule_number": 1, "reason": "Систематические оскорбления"})
    assert r.status_code == 201, r.text
    applied = await fresh_after(world, s)
    assert "chat.member" in applied["student2"]
    assert cid not in [c["id"] for c in s[1].chats["chats"]]


async def test_a_parent_confirmed_and_a_pupil_transferred_keep_their_clients_true(
        world: World) -> None:
    """The school's actions that change whose chats are whose: a parent the school confirms is
    invited to the class's parents' chat; a pupil transferred to 5Б leaves 5А's chat and is
    invited to 5Б's — each client, fed only the events, equals a fresh fetch."""
    from tests.api.test_requests import olga_comes_for_petya
    from tests.roster.test_movement import five_b_chat, movements

    anna, chat = await make_class_chat(world)
    cid = chat["id"]
    await joined(world, "student2", cid)
    admin = await world.as_("admin")
    g5a = (await groups_of(admin, world.org_id))["5А"]["id"]
    r = await anna.post(f"{API}/orgs/{world.org_id}/chats", json={
        "kind": "parents", "title": "5А — родители Пети", "group_id": g5a, "invite_group": True})
    assert r.status_code == 201, r.text
    olga, olga_id, link_id = await olga_comes_for_petya(world)
    clients: dict[str, Any] = world.__dict__.setdefault("_client_state", {})
    clients["olga"] = olga

    async def olga_state() -> ClientState:
        state = ClientState("olga", olga_id, olga, None, {}, None, None, len(world.events))
        await state._load({"chats"})
        return state

    s = [await olga_state(), await ClientState.fetch(world, "student2", cid)]
    r = await admin.post(f"{API}/orgs/{world.org_id}/parent-links/{link_id}/confirm",
                         json={"child_user_id": await world.user_id("student2")})
    assert r.status_code == 200, r.text
    applied = await s[0].matches_fresh_after(world)
    assert "chat.invited" in applied
    await s[1].matches_fresh_after(world)

    chat_5b = await five_b_chat(world, admin)
    s = [await ClientState.fetch(world, "student2", cid), await ClientState.fetch(world, "teacher", cid)]
    r = await admin.post(movements(world.org_id), json={
        "kind": "transfer", "user_id": await world.user_id("student2"),
        "to_group_id": (await groups_of(admin, world.org_id))["5Б"]["id"], "reason": "По заявлению"})
    assert r.status_code == 201, r.text
    applied = await fresh_after(world, s)
    assert "chat.member" in applied["student2"] and "chat.invited" in applied["student2"]
    assert chat_5b in [c["id"] for c in s[0].chats["invitations"]]
