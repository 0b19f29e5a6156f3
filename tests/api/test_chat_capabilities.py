"""What a chat's answer says the caller may do is what the server then does (issue 11): each
flag in ``capabilities`` is checked against the request it stands for — false is refused,
true succeeds — for a parent in the school channel, its moderator, an archived class chat,
a blocked student and a one-to-one chat."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import httpx
from sqlalchemy import update

from parta.models import Chat, ChatBlock, UnblockStatus
from tests.api.test_moderation import class_chat, say, until, violations
from tests.api.test_network import municipal_admin
from tests.conftest import World
from tests.helpers import API

SAID = count(1)  # the flood filter refuses the same words twice
FLAGS = ("can_post", "can_reply", "can_react", "can_moderate", "can_pin", "can_manage", "can_invite",
         "can_remind_rules", "can_mark_urgent")


async def capabilities(c: httpx.AsyncClient, chat_id: int) -> dict[str, bool]:
    """The chat's flags from its page; the chat list must say the same."""
    detail = (await c.get(f"{API}/chats/{chat_id}")).json()["capabilities"]
    listed = {x["id"]: x for x in (await c.get(f"{API}/chats")).json()["chats"]}
    assert listed[chat_id]["capabilities"] == detail
    assert set(detail) == set(FLAGS)
    return dict(detail)


async def probe(c: httpx.AsyncClient, chat_id: int, theirs: int, flag: str) -> bool:
    """Try what ``flag`` stands for; True when the server did it. ``theirs`` is someone else's
    message in the chat (to react to, pin, or remove as a moderator)."""
    url = f"{API}/chats/{chat_id}"
    match flag:
        case "can_post":
            r = await c.post(f"{url}/messages", json={"body": f"Проверка связи №{next(SAID)}"})
        case "can_reply":
            r = await c.post(f"{url}/messages", json={"body": f"Ответ №{next(SAID)}",
                                                     "reply_to_id": theirs})
        case "can_react":
            r = await c.put(f"{url}/messages/{theirs}/reactions/👍")
        case "can_pin":
            r = await c.post(f"{url}/pins", json={"message_id": theirs})
        case "can_manage":
            r = await c.patch(url, json={"description": "Новое описание"})
        case "can_invite":
            r = await c.post(f"{url}/invitations", json={"user_ids": []})
        case "can_remind_rules":
            r = await c.post(f"{API}/chats/{chat_id}/rules-reminder", json={})
        case "can_moderate":
            r = await c.delete(f"{url}/messages/{theirs}")
        case "can_mark_urgent":  # one's own post, or (where one may not post) someone else's
            own = await c.post(f"{url}/messages", json={"body": f"Срочно №{next(SAID)}"})
            mine = own.json()["id"] if own.status_code < 400 else theirs
            r = await c.post(f"{API}/messages/{mine}/urgent")
    assert r.status_code < 500, r.text
    if r.status_code >= 400:  # a refusal from the error tree, never a crash
        assert r.json()["error"]["code"] in {
            "chat_read_only", "replies_only", "chat_archived", "forbidden", "blocked", "not_moderator",
            "validation_failed", "may_not_mark_urgent", "urgent_not_here", "not_own_message"}, r.text
    return r.status_code < 400


async def assert_flags_hold(c: httpx.AsyncClient, chat_id: int, theirs: int,
                            expected: dict[str, bool]) -> None:
    caps = await capabilities(c, chat_id)
    # where one posts, one answers too: only a chat of answers to posts says otherwise
    expected = {"can_reply": expected.get("can_post", False), **expected}
    assert caps == {f: expected.get(f, False) for f in FLAGS}
    for flag in sorted(FLAGS, key=lambda f: f == "can_moderate"):  # removing goes last
        assert await probe(c, chat_id, theirs, flag) is caps[flag], flag


async def school_channel(c: httpx.AsyncClient) -> int:
    chats = (await c.get(f"{API}/chats")).json()["chats"]
    return next(x["id"] for x in chats if x["kind"] == "school_channel")


async def test_a_parent_reads_the_school_channel_and_reacts_but_does_not_post(world: World) -> None:
    irina, elena, anna = await world.as_("admin"), await world.as_("parent"), await world.as_("teacher")
    channel = await school_channel(elena)
    first = (await say(irina, channel, "Линейка в 8:30.")).json()["id"]
    await assert_flags_hold(elena, channel, first, {"can_react": True})
    # A teacher does not post in the school channel either; its moderator does all but remind
    # the rules (a channel has no conversation to remind) and mark a post urgent (her posts in
    # the school channel are urgent already).
    assert (await capabilities(anna, channel))["can_post"] is False
    assert (await capabilities(irina, channel)) == {
        f: f not in ("can_remind_rules", "can_mark_urgent") for f in FLAGS}


async def test_a_moderator_appointed_in_a_class_chat_may_do_everything(world: World) -> None:
    anna, chat, masha, _ = await class_chat(world)
    cid, irina_id = chat["id"], await world.user_id("admin")
    r = await anna.post(f"{API}/chats/{cid}/invitations", json={"user_ids": [irina_id]})
    assert r.status_code == 200, r.text
    irina = await world.as_("admin")
    assert (await irina.post(f"{API}/chats/{cid}/join", json={"accept_rules": True})).status_code == 200
    theirs = (await say(masha, cid, "Можно выйти?")).json()["id"]
    # The administration marks its own posts urgent where it may post.
    await assert_flags_hold(irina, cid, theirs, {"can_post": True, "can_react": True,
                                                 "can_mark_urgent": True})
    r = await anna.put(f"{API}/chats/{cid}/members/{irina_id}/role", json={"role": "moderator"})
    assert r.status_code == 200, r.text
    await assert_flags_hold(irina, cid, theirs, {f: True for f in FLAGS})


async def test_an_archived_class_chat_is_read_and_cleaned_but_nothing_more(world: World) -> None:
    anna, chat, masha, _ = await class_chat(world)
    cid = chat["id"]
    theirs = (await say(masha, cid, "До свидания, 5А!")).json()["id"]
    annas = (await say(anna, cid, "Хорошего лета!")).json()["id"]
    async with world.services.sessionmaker() as db:
        await db.execute(update(Chat).where(Chat.id == cid).values(archived_at=datetime.now(UTC)))
        await db.commit()
    # The class teacher still removes what breaks the rules and pins; nothing else.
    await assert_flags_hold(anna, cid, theirs, {"can_moderate": True, "can_pin": True})
    await assert_flags_hold(masha, cid, annas, {})


async def test_a_blocked_student_reads_but_neither_posts_nor_reacts_until_it_ends(world: World) -> None:
    anna, chat, masha, petya = await class_chat(world)
    cid, petya_id = chat["id"], await world.user_id("student2")
    theirs = (await say(masha, cid, "Кто идёт в музей?")).json()["id"]
    await assert_flags_hold(petya, cid, theirs, {"can_post": True, "can_react": True})
    await violations(anna, cid, petya_id, 4)
    r = await anna.post(f"{API}/chats/{cid}/members/{petya_id}/block",
                        json={"until": until(7), "rule_number": 1})
    assert r.status_code == 201, r.text
    other = (await say(masha, cid, "Я иду")).json()["id"]
    await assert_flags_hold(petya, cid, other, {})
    # An early unblock nobody objected to frees him at its deadline, as the send path sees it.
    async with world.services.sessionmaker() as db:
        await db.execute(update(ChatBlock).values(
            unblock_status=UnblockStatus.proposed, objection_deadline=datetime.now(UTC) - timedelta(minutes=1)))
        await db.commit()
    last = (await say(masha, cid, "И я")).json()["id"]
    await assert_flags_hold(petya, cid, last, {"can_post": True, "can_react": True})


async def test_in_a_one_to_one_chat_both_pin_and_nobody_manages(world: World) -> None:
    masha, anna = await world.as_("student"), await world.as_("teacher")
    r = await masha.post(f"{API}/orgs/{world.org_id}/direct",
                         json={"user_id": await world.user_id("teacher")})
    assert r.status_code == 200, r.text
    cid = r.json()["id"]
    theirs = (await say(anna, cid, "Маша, принеси дневник.")).json()["id"]
    await assert_flags_hold(masha, cid, theirs, {"can_post": True, "can_react": True, "can_pin": True})


async def test_a_member_invites_where_the_chat_lets_members_invite(world: World) -> None:
    anna, chat, masha, _ = await class_chat(world)
    cid = chat["id"]
    theirs = (await say(anna, cid, "Всем привет")).json()["id"]
    assert (await capabilities(masha, cid))["can_invite"] is False
    assert await probe(masha, cid, theirs, "can_invite") is False
    r = await anna.patch(f"{API}/chats/{cid}", json={"members_invite": True})
    assert r.status_code == 200, r.text
    caps: dict[str, Any] = await capabilities(masha, cid)
    assert caps["can_invite"] is True and caps["can_manage"] is False
    assert await probe(masha, cid, theirs, "can_invite") is True


async def test_a_school_administrator_answers_the_municipalitys_posts_only(world: World) -> None:
    """The municipality's channel (R2): a school's administrator reads, reacts and answers a
    post of the municipal administrator; posts nothing of her own."""
    olga, muni_id = await municipal_admin(world)
    channel = (await olga.post(f"{API}/municipalities/{muni_id}/channel")).json()["chat_id"]
    post = (await say(olga, channel, "Совещание директоров в среду.")).json()["id"]
    irina = await world.as_("admin")
    await assert_flags_hold(irina, channel, post, {"can_reply": True, "can_react": True})
