"""Mentions (R25): «@[name](u:id)» in a message pings a member of the chat, and nobody else."""

from __future__ import annotations

from tests.api.test_chats import joined, make_class_chat
from tests.conftest import World
from tests.helpers import API


async def test_a_mention_of_a_member_is_kept_and_an_outsiders_is_plain_text(world: World) -> None:
    anna, chat = await make_class_chat(world)
    cid = chat["id"]
    masha = await joined(world, "student", cid)
    masha_id, elena_id = await world.user_id("student"), await world.user_id("parent")
    body = f"@[Маша Иванова](u:{masha_id}), принеси дневник. @[Елена Иванова](u:{elena_id}), спасибо!"
    r = await anna.post(f"{API}/chats/{cid}/messages", json={"body": body})
    assert r.status_code == 200
    sent = r.json()
    assert sent["mentions"] == [masha_id]  # Елена is not in the class chat
    assert sent["body"] == f"@[Маша Иванова](u:{masha_id}), принеси дневник. @Елена Иванова, спасибо!"
    event = world.events_of("message.new")[-1].event
    assert event.message.mentions == [masha_id]  # type: ignore[attr-defined]
    page = (await masha.get(f"{API}/chats/{cid}/messages")).json()["messages"]
    assert page[0]["mentions"] == [masha_id]
    # An edit follows the same rule.
    r = await anna.patch(f"{API}/chats/{cid}/messages/{sent['id']}",
                         json={"body": f"@[Кто-то](u:{elena_id}) и @[Маша](u:{masha_id})"})
    assert r.json()["mentions"] == [masha_id] and r.json()["body"].startswith("@Кто-то и")
    # Malformed tokens are just text.
    r = await anna.post(f"{API}/chats/{cid}/messages", json={"body": "@[](u:1) @[x](u:abc) @[y](12)"})
    assert r.json()["mentions"] == []
