"""Moderation through the API (issue 5): rules, reports, violations, blocks and their early end,
removal and appeal, held messages, the conduct filter's modes, flood limits — every power and
every limit the regulation sets, with its refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select, update

from parta.models import AuditEntry, Chat, ChatBlock, ChatRemoval, HeldMessage, Message, Violation
from parta.rules import DEFAULT_RULES, rule_items
from tests.api.test_chats import joined, make_class_chat
from tests.conftest import World, error_code
from tests.helpers import API, groups_of, register_gymnasium

RULE_COUNT = len(rule_items(DEFAULT_RULES)) + 2  # the school's eight, then the chat's own two
CHAT_RULE = RULE_COUNT  # «Не делимся чужими данными.»


async def class_chat(world: World) -> tuple[httpx.AsyncClient, dict[str, Any], httpx.AsyncClient,
                                             httpx.AsyncClient]:
    """5А's class chat with Анна Сергеевна (owner), Маша and Петя in it."""
    anna, chat = await make_class_chat(world)
    masha = await joined(world, "student", chat["id"])
    petya = await joined(world, "student2", chat["id"])
    return anna, chat, masha, petya


async def say(c: httpx.AsyncClient, chat_id: int, body: str, **extra: Any) -> httpx.Response:
    return await c.post(f"{API}/chats/{chat_id}/messages", json={"body": body, **extra})


def until(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


async def violations(anna: httpx.AsyncClient, chat_id: int, user_id: int, n: int) -> None:
    for i in range(n):
        r = await anna.post(f"{API}/chats/{chat_id}/members/{user_id}/violations",
                            json={"rule_number": 1, "explanation": f"Грубость на перемене №{i}"})
        assert r.status_code == 201, r.text


# Rules (R24, R28) -----------------------------------------------------------------------------

async def test_every_group_chat_has_the_schools_rules_then_its_own(world: World) -> None:
    anna, chat = await make_class_chat(world)
    items = chat["rule_items"]
    assert [i["number"] for i in items] == list(range(1, RULE_COUNT + 1))
    assert items[0]["source"] == "org" and items[-1] == {
        "number": CHAT_RULE, "text": "Не делимся чужими данными.", "source": "chat"}
    # Even a chat with no rules of its own asks for acceptance: the school's rules apply.
    bare = (await anna.post(f"{API}/orgs/{world.org_id}/chats", json={
        "kind": "custom", "title": "Кружок", "invite_group": False})).json()
    await anna.post(f"{API}/chats/{bare['id']}/invitations",
                    json={"user_ids": [await world.user_id("student")]})
    masha = await world.as_("student")
    r = await masha.post(f"{API}/chats/{bare['id']}/join", json={})
    assert (r.status_code, error_code(r)) == (422, "rules_not_accepted")
    r = await masha.post(f"{API}/chats/{bare['id']}/join", json={"accept_rules": True})
    assert r.status_code == 200 and r.json()["org_rules_accepted_version"] == 1


async def test_the_administrator_edits_the_schools_rules(world: World) -> None:
    admin = await world.as_("admin")
    url = f"{API}/orgs/{world.org_id}/chat-rules"
    first = (await admin.get(url)).json()
    assert first["rules"] is None and first["version"] == 1 and first["items"] == rule_items(DEFAULT_RULES)
    r = await admin.put(url, json={"rules": "1. Вежливо.\n2. По делу."})
    assert r.status_code == 200 and r.json()["items"] == ["Вежливо.", "По делу."]
    assert r.json()["version"] == 2
    r = await admin.put(url, json={"rules": "  \n "})
    assert (r.status_code, error_code(r)) == (422, "validation_failed")
    for key in ("teacher", "student", "parent"):
        r = await (await world.as_(key)).put(url, json={"rules": "Всё можно."})
        assert r.status_code == 403, key
    _, other_admin = await register_gymnasium(world)
    r = await other_admin.put(url, json={"rules": "Чужие правила."})
    assert r.status_code == 404
    assert (await admin.get(url)).json()["version"] == 2  # refusals changed nothing
    r = await admin.put(url, json={"rules": None})  # back to Parta's default
    assert r.json()["rules"] is None and r.json()["version"] == 3


async def test_a_moderator_reminds_the_chat_of_its_rules_in_one_step(world: World) -> None:
    anna, chat, masha, _ = await class_chat(world)
    r = await anna.post(f"{API}/chats/{chat['id']}/rules-reminder", json={})
    assert r.status_code == 201
    msg = r.json()
    assert msg["kind"] == "rules_reminder" and f"{CHAT_RULE}. Не делимся чужими данными." in msg["body"]
    page = (await masha.get(f"{API}/chats/{chat['id']}/messages")).json()["messages"]
    assert page[0]["id"] == msg["id"] and page[0]["kind"] == "rules_reminder"
    r = await masha.post(f"{API}/chats/{chat['id']}/rules-reminder", json={})
    assert (r.status_code, error_code(r)) == (403, "not_moderator")
    async with world.services.sessionmaker() as db:  # last year's chat: read-only
        await db.execute(update(Chat).values(archived_at=datetime.now(UTC)))
        await db.commit()
    r = await anna.post(f"{API}/chats/{chat['id']}/rules-reminder", json={})
    assert (r.status_code, error_code(r)) == (409, "chat_archived")


# Reports and the queue (R27) ---------------------------------------------------------------------

async def test_reports_reach_the_moderators_without_naming_the_reporter(world: World) -> None:
    anna, chat, masha, petya = await class_chat(world)
    cid = chat["id"]
    await say(anna, cid, "Завтра контрольная.")
    bad = (await say(petya, cid, "Маша опять всё списала")).json()
    r = await petya.post(f"{API}/chats/{cid}/messages/{bad['id']}/reports", json={"reason": "other"})
    assert (r.status_code, error_code(r)) == (422, "own_message")
    r = await masha.post(f"{API}/chats/{cid}/messages/{bad['id']}/reports",
                         json={"reason": "insult", "comment": "Это неправда"})
    assert r.status_code == 201
    r = await masha.post(f"{API}/chats/{cid}/messages/{bad['id']}/reports", json={"reason": "insult"})
    assert (r.status_code, error_code(r)) == (409, "already_reported")
    r = await masha.post(f"{API}/chats/{cid}/messages/{bad['id']}/reports", json={"reason": "rude"})
    assert r.status_code == 422
    changed = world.events_of("moderation.changed")[-1]
    assert await world.user_id("teacher") in changed.audience
    assert await world.user_id("student2") not in changed.audience

    queue = (await anna.get(f"{API}/orgs/{world.org_id}/moderation")).json()
    [item] = queue["reports"]
    assert [r["number"] for r in queue["rules"][str(cid)]] == list(range(1, RULE_COUNT + 1))
    assert item["message"]["id"] == bad["id"] and item["reasons"] == {"insult": 1}
    assert item["comments"] == ["Это неправда"]
    assert [m["body"] for m in item["context"]] == ["Завтра контрольная.", "Маша опять всё списала"]
    # Who reported is not in the queue at all, so it cannot reach the person reported.
    assert set(item) == {"report_ids", "chat_id", "chat_title", "message", "reasons", "comments",
                         "first_reported_at", "context"}
    admin = await world.as_("admin")  # the administration oversees every chat's queue
    assert len((await admin.get(f"{API}/orgs/{world.org_id}/moderation")).json()["reports"]) == 1
    for key in ("student", "math_teacher"):  # no chat to moderate: no queue
        r = await (await world.as_(key)).get(f"{API}/orgs/{world.org_id}/moderation")
        assert (r.status_code, error_code(r)) == (403, "not_moderator"), key
    _, other_admin = await register_gymnasium(world)
    r = await other_admin.get(f"{API}/orgs/{world.org_id}/moderation")
    assert r.status_code == 404


async def test_resolving_a_report_dismisses_deletes_or_records_a_violation(world: World) -> None:
    anna, chat, masha, petya = await class_chat(world)
    cid, petya_id = chat["id"], await world.user_id("student2")
    first = (await say(petya, cid, "Скиньте адрес Маши")).json()
    report = (await masha.post(f"{API}/chats/{cid}/messages/{first['id']}/reports",
                               json={"reason": "personal_data"})).json()
    url = f"{API}/reports/{report['id']}/resolve"
    r = await masha.post(url, json={"resolution": "dismiss"})
    assert (r.status_code, error_code(r)) == (403, "not_moderator")
    _, other_admin = await register_gymnasium(world)
    assert (await other_admin.post(url, json={"resolution": "dismiss"})).status_code == 404
    r = await anna.post(url, json={"resolution": "violation", "rule_number": 999})
    assert (r.status_code, error_code(r)) == (422, "rule_required")
    r = await anna.post(url, json={"resolution": "violation", "rule_number": CHAT_RULE,
                                   "delete": True})
    assert r.status_code == 200 and r.json()["status"] == "violation"
    msgs = (await masha.get(f"{API}/chats/{cid}/messages")).json()["messages"]
    assert next(m for m in msgs if m["id"] == first["id"])["deleted"] is True
    record = (await petya.get(f"{API}/chats/{cid}/members/{petya_id}/record")).json()
    [v] = record["violations"]
    assert v["rule_number"] == CHAT_RULE and v["message_excerpt"] == "Скиньте адрес Маши"
    assert record["counted_toward_block"] == 1 and record["block_allowed"] is False
    assert (await anna.post(url, json={"resolution": "dismiss"})).status_code == 409
    second = (await say(petya, cid, "Ладно, не надо")).json()
    report = (await masha.post(f"{API}/chats/{cid}/messages/{second['id']}/reports",
                               json={"reason": "other"})).json()
    r = await anna.post(f"{API}/reports/{report['id']}/resolve", json={"resolution": "dismiss"})
    assert r.json()["status"] == "dismissed"
    assert (await anna.get(f"{API}/orgs/{world.org_id}/moderation")).json()["reports"] == []
    async with world.services.sessionmaker() as db:
        audits = (await db.execute(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action.in_(["report.resolved", "violation.recorded"])))).scalar_one()
    assert audits == 3


# Violations and blocks (R29, R31) -----------------------------------------------------------------

async def test_a_violation_names_a_rule_and_a_message_or_an_explanation(world: World) -> None:
    anna, chat, masha, petya = await class_chat(world)
    cid, petya_id = chat["id"], await world.user_id("student2")
    url = f"{API}/chats/{cid}/members/{petya_id}/violations"
    r = await anna.post(url, json={"rule_number": 1})
    assert (r.status_code, error_code(r)) == (422, "validation_failed")  # nothing to tie it to
    r = await anna.post(url, json={"explanation": "Грубил"})
    assert r.status_code == 422  # no rule
    anna_msg = (await say(anna, cid, "Напоминаю про экскурсию")).json()
    r = await anna.post(url, json={"rule_number": 1, "message_id": anna_msg["id"]})
    assert r.status_code == 422  # not his message
    r = await masha.post(url, json={"rule_number": 1, "explanation": "Грубил"})
    assert (r.status_code, error_code(r)) == (403, "not_moderator")  # a student never moderates
    r = await anna.post(f"{API}/chats/{cid}/members/{await world.user_id('teacher')}/violations",
                        json={"rule_number": 1, "explanation": "Себе"})
    assert r.status_code == 422
    r = await anna.post(url, json={"rule_number": 1, "explanation": "Грубил на перемене"})
    assert r.status_code == 201
    assert world.events_of("moderation.violation")[-1].audience >= {petya_id}
    mine = (await petya.get(f"{API}/me/violations")).json()["violations"]
    assert [v["explanation"] for v in mine] == ["Грубил на перемене"]
    r = await masha.get(f"{API}/chats/{cid}/members/{petya_id}/record")
    assert r.status_code == 403  # another member's record is not hers to see


async def test_a_record_in_a_chat_one_was_never_in_is_not_found_like_no_chat(world: World) -> None:
    """Asking for one's own record names no chat into existence: another school's chat, a chat
    of one's own school one is not in, and no chat at all answer alike."""
    _, chat, _, petya = await class_chat(world)
    cid = chat["id"]
    _, other_admin = await register_gymnasium(world)
    elena = await world.as_("parent")  # of the same school, not in 5А's class chat
    for who in (other_admin, elena):
        me = (await who.get(f"{API}/me")).json()["id"]
        there = await who.get(f"{API}/chats/{cid}/members/{me}/record")
        nowhere = await who.get(f"{API}/chats/{2**31 - 1}/members/{me}/record")
        assert there.status_code == nowhere.status_code == 404
        assert there.json() == nowhere.json()
    petya_id = await world.user_id("student2")
    mine = await petya.get(f"{API}/chats/{cid}/members/{petya_id}/record")
    assert mine.status_code == 200 and mine.json()["violations"] == []


async def test_a_block_needs_more_than_three_violations_and_lasts_at_most_a_month(world: World) -> None:
    anna, chat, masha, petya = await class_chat(world)
    cid, petya_id = chat["id"], await world.user_id("student2")
    said = (await say(petya, cid, "Последнее слово")).json()
    block_url = f"{API}/chats/{cid}/members/{petya_id}/block"
    await violations(anna, cid, petya_id, 3)
    r = await anna.post(block_url, json={"until": until(7), "rule_number": 1})
    assert (r.status_code, error_code(r)) == (409, "not_enough_violations")  # three is not enough
    assert r.json()["error"]["params"] == {"count": 3, "needed": 4}
    await violations(anna, cid, petya_id, 1)
    r = await anna.post(block_url, json={"until": until(32), "rule_number": 1})
    assert (r.status_code, error_code(r)) == (422, "block_too_long")
    r = await anna.post(block_url, json={"until": until(-1), "rule_number": 1})
    assert r.status_code == 422
    r = await anna.post(block_url, json={"until": until(7), "rule_number": 500})
    assert (r.status_code, error_code(r)) == (422, "rule_required")
    r = await masha.post(block_url, json={"until": until(7), "rule_number": 1})
    assert (r.status_code, error_code(r)) == (403, "not_moderator")
    r = await anna.post(block_url, json={"until": until(7), "rule_number": 1, "reason": "Грубость"})
    assert r.status_code == 201, r.text
    block = r.json()
    assert block["violations"] == 4 and block["rule_text"] == rule_items(DEFAULT_RULES)[0]
    r = await anna.post(block_url, json={"until": until(7), "rule_number": 1})
    assert (r.status_code, error_code(r)) == (409, "already_blocked")

    # Blocked: reads, but neither posts nor reacts, and is told until when and why.
    r = await say(petya, cid, "Можно сказать?")
    assert (r.status_code, error_code(r)) == (403, "blocked")
    assert r.json()["error"]["params"]["until"] == block["ends_at"]
    ends = datetime.fromisoformat(block["ends_at"])
    assert ends.strftime("%d.%m.%Y %H:%M") in r.json()["error"]["message"]
    r = await petya.put(f"{API}/chats/{cid}/messages/{said['id']}/reactions/👍")
    assert (r.status_code, error_code(r)) == (403, "blocked")
    assert (await petya.get(f"{API}/chats/{cid}/messages")).status_code == 200
    detail = (await petya.get(f"{API}/chats/{cid}")).json()
    assert detail["my_block"]["id"] == block["id"]
    assert (await say(masha, cid, "А я могу")).status_code == 200

    # It ends by itself.
    async with world.services.sessionmaker() as db:
        await db.execute(update(ChatBlock).values(ends_at=datetime.now(UTC) - timedelta(seconds=1)))
        await db.commit()
    assert (await say(petya, cid, "Снова с вами")).status_code == 200
    # The next block needs more than three new violations: the old four were its ground.
    await violations(anna, cid, petya_id, 1)
    r = await anna.post(block_url, json={"until": until(1), "rule_number": 1})
    assert (r.status_code, error_code(r)) == (409, "not_enough_violations")


async def test_early_unblock_after_an_apology_unless_someone_objects(world: World) -> None:
    anna, chat, masha, petya = await class_chat(world)
    cid, petya_id = chat["id"], await world.user_id("student2")
    await violations(anna, cid, petya_id, 4)
    block = (await anna.post(f"{API}/chats/{cid}/members/{petya_id}/block",
                             json={"until": until(14), "rule_number": 1})).json()
    bid = block["id"]
    r = await anna.post(f"{API}/blocks/{bid}/propose-unblock")
    assert (r.status_code, error_code(r)) == (409, "no_apology")
    r = await masha.post(f"{API}/blocks/{bid}/apology", json={"text": "Это не я"})
    assert r.status_code == 403  # only the blocked member apologizes
    r = await petya.post(f"{API}/blocks/{bid}/apology", json={"text": "Простите, больше не буду."})
    assert r.status_code == 200 and r.json()["apology"] == "Простите, больше не буду."
    r = await masha.post(f"{API}/blocks/{bid}/propose-unblock")
    assert (r.status_code, error_code(r)) == (403, "not_moderator")
    r = await masha.post(f"{API}/blocks/{bid}/objections", json={})
    assert (r.status_code, error_code(r)) == (409, "no_proposal")
    r = await anna.post(f"{API}/blocks/{bid}/propose-unblock")
    assert r.status_code == 200 and r.json()["unblock_status"] == "proposed"
    # The chat is told, and may object within the window.
    notice = (await masha.get(f"{API}/chats/{cid}/messages")).json()["messages"][0]
    assert notice["kind"] == "unblock_proposal" and notice["meta"]["block_id"] == bid
    assert "Петя Соколов" in notice["body"]
    blocks = (await masha.get(f"{API}/chats/{cid}/blocks")).json()["blocks"]
    assert [b["id"] for b in blocks] == [bid]
    r = await petya.post(f"{API}/blocks/{bid}/objections", json={})
    assert r.status_code == 403  # not his to object to
    r = await masha.post(f"{API}/blocks/{bid}/objections", json={"reason": "Он опять начнёт"})
    assert r.status_code == 200 and r.json()["unblock_status"] == "objected"
    # One objection keeps the block, even after the window.
    async with world.services.sessionmaker() as db:
        await db.execute(update(ChatBlock).values(
            objection_deadline=datetime.now(UTC) - timedelta(minutes=1)))
        await db.commit()
    assert error_code(await say(petya, cid, "Ну пожалуйста")) == "blocked"


async def test_with_no_objection_the_block_ends_when_the_window_closes(world: World) -> None:
    anna, chat, masha, petya = await class_chat(world)
    cid, petya_id = chat["id"], await world.user_id("student2")
    await violations(anna, cid, petya_id, 4)
    block = (await anna.post(f"{API}/chats/{cid}/members/{petya_id}/block",
                             json={"until": until(30), "rule_number": 1})).json()
    await petya.post(f"{API}/blocks/{block['id']}/apology", json={"text": "Извините"})
    proposal = (await anna.post(f"{API}/blocks/{block['id']}/propose-unblock")).json()
    deadline = datetime.fromisoformat(proposal["objection_deadline"])
    assert timedelta(hours=23) < deadline - datetime.now(UTC) <= timedelta(hours=24)
    r = await anna.post(f"{API}/blocks/{block['id']}/propose-unblock")
    assert (r.status_code, error_code(r)) == (409, "already_proposed")
    assert error_code(await say(petya, cid, "Ещё рано")) == "blocked"  # the window is open
    async with world.services.sessionmaker() as db:
        await db.execute(update(ChatBlock).values(
            objection_deadline=datetime.now(UTC) - timedelta(minutes=1)))
        await db.commit()
    r = await masha.post(f"{API}/blocks/{block['id']}/objections", json={})
    assert (r.status_code, error_code(r)) == (409, "block_ended")
    assert (await say(petya, cid, "Спасибо всем")).status_code == 200
    # Reading and sending wrote nothing about it: the minute timer records the end, with its
    # audit entry and its event (it used to find the block already ended and skip both).
    async with world.services.sessionmaker() as db:
        assert (await db.get(ChatBlock, block["id"])).ended_at is None  # type: ignore[union-attr]
    from parta.actions.blocks import settle_due_blocks

    assert await settle_due_blocks(world.services) == 1
    assert world.events_of("moderation.block")[-1].event.block is None  # type: ignore[attr-defined]
    async with world.services.sessionmaker() as db:
        granted = (await db.execute(select(AuditEntry).where(
            AuditEntry.action == "unblock.granted"))).scalars().all()
    assert len(granted) == 1
    record = (await anna.get(f"{API}/chats/{cid}/members/{petya_id}/record")).json()
    assert record["blocks"][0]["unblock_status"] == "granted" and record["blocks"][0]["ended_at"]


# Removal and appeal (R31) ------------------------------------------------------------------------

async def test_removal_needs_a_rule_and_can_be_appealed_and_reversed(world: World) -> None:
    anna, chat, masha, petya = await class_chat(world)
    cid, petya_id = chat["id"], await world.user_id("student2")
    url = f"{API}/chats/{cid}/members/{petya_id}/remove"
    r = await anna.post(url, json={"reason": "Надоел"})
    assert r.status_code == 422  # no rule: refused (R31)
    r = await anna.post(url, json={"rule_number": 77, "reason": "Надоел"})
    assert (r.status_code, error_code(r)) == (422, "rule_required")
    r = await anna.post(url, json={"rule_number": 1, "reason": "  "})
    assert r.status_code == 422
    r = await masha.post(url, json={"rule_number": 1, "reason": "Грубит"})
    assert (r.status_code, error_code(r)) == (403, "not_moderator")
    assert (await petya.get(f"{API}/chats/{cid}")).status_code == 200  # refusals changed nothing
    r = await anna.post(url, json={"rule_number": 1, "reason": "Оскорблял одноклассников"})
    assert r.status_code == 201
    removal = r.json()
    assert (await petya.get(f"{API}/chats/{cid}")).status_code == 404
    assert (await say(petya, cid, "Эй")).status_code == 404
    # His open sockets hear nothing more of the chat: its events go to its members only.
    assert (await say(anna, cid, "Продолжаем урок")).status_code == 200
    latest = world.events_of("message.new")[-1]
    assert latest.event.chat_id == cid and petya_id not in latest.audience  # type: ignore[attr-defined]
    mine = (await petya.get(f"{API}/me/removals")).json()["removals"]
    assert mine[0]["rule_text"] == rule_items(DEFAULT_RULES)[0] and mine[0]["appeal_status"] == "none"

    r = await masha.post(f"{API}/removals/{removal['id']}/appeal", json={"text": "За Петю"})
    assert r.status_code == 404  # only the removed person appeals
    r = await petya.post(f"{API}/removals/{removal['id']}/appeal",
                         json={"text": "Я извинился перед всеми, верните меня."})
    assert r.status_code == 200 and r.json()["appeal_status"] == "pending"
    r = await petya.post(f"{API}/removals/{removal['id']}/appeal", json={"text": "Ещё раз"})
    assert (r.status_code, error_code(r)) == (409, "already_appealed")
    admin = await world.as_("admin")
    appeals = (await admin.get(f"{API}/orgs/{world.org_id}/appeals")).json()["appeals"]
    assert appeals[0]["user_name"] == "Петя Соколов"
    r = await anna.post(f"{API}/removals/{removal['id']}/decision", json={"reverse": True})
    assert r.status_code == 403  # a teacher is not the administration
    assert (await anna.get(f"{API}/orgs/{world.org_id}/appeals")).status_code == 403
    _, other_admin = await register_gymnasium(world)
    r = await other_admin.post(f"{API}/removals/{removal['id']}/decision", json={"reverse": True})
    assert r.status_code == 404
    r = await admin.post(f"{API}/removals/{removal['id']}/decision",
                         json={"reverse": True, "note": "Извинился"})
    assert r.status_code == 200 and r.json()["appeal_status"] == "reversed"
    assert (await petya.get(f"{API}/chats/{cid}")).json()["my_role"] == "member"
    r = await admin.post(f"{API}/removals/{removal['id']}/decision", json={"reverse": False})
    assert (r.status_code, error_code(r)) == (409, "already_decided")
    async with world.services.sessionmaker() as db:
        actions = set((await db.execute(select(AuditEntry.action))).scalars())
        assert (await db.execute(select(func.count()).select_from(ChatRemoval))).scalar_one() == 1
    assert {"chat.member_removed", "removal.appealed", "removal.appeal_decided"} <= actions


async def test_moderators_and_owners_are_not_removed_or_blocked_by_moderators(world: World) -> None:
    anna, chat, _masha, _petya = await class_chat(world)
    admin = await world.as_("admin")  # leads 1А, a teacher in the staff room; joins as staff
    await anna.post(f"{API}/chats/{chat['id']}/invitations",
                    json={"user_ids": [await world.user_id("math_teacher")]})
    oleg = await joined(world, "math_teacher", chat["id"])
    oleg_id = await world.user_id("math_teacher")
    await anna.put(f"{API}/chats/{chat['id']}/members/{oleg_id}/role", json={"role": "moderator"})
    r = await oleg.post(f"{API}/chats/{chat['id']}/members/{await world.user_id('teacher')}/remove",
                        json={"rule_number": 1, "reason": "Переворот"})
    assert (r.status_code, error_code(r)) == (409, "target_is_moderator")
    r = await anna.post(f"{API}/chats/{chat['id']}/members/{oleg_id}/violations",
                        json={"rule_number": 1, "explanation": "Опоздал"})
    assert (r.status_code, error_code(r)) == (409, "target_is_moderator")
    assert admin is not None


# The conduct filter (R33) -----------------------------------------------------------------------

PROFANE = "да это полная хуйня, а не контрольная"


async def test_a_flagged_message_in_a_childrens_chat_is_held_for_a_moderator(world: World) -> None:
    anna, chat, masha, petya = await class_chat(world)
    cid = chat["id"]
    r = await say(petya, cid, PROFANE, client_id="held-1")
    assert r.status_code == 202, r.text
    held = r.json()["held"]
    assert held["status"] == "pending" and held["matches"]
    again = await say(petya, cid, PROFANE, client_id="held-1")  # a retry holds nothing new
    assert again.status_code == 202 and again.json()["held"]["id"] == held["id"]
    assert not [m for m in (await masha.get(f"{API}/chats/{cid}/messages")).json()["messages"]
                if m["author_id"] == await world.user_id("student2")]
    assert world.events_of("message.new") == [] or all(
        e.event.message.body != PROFANE for e in world.events_of("message.new"))  # type: ignore[attr-defined]
    assert [h["id"] for h in (await petya.get(f"{API}/chats/{cid}/held")).json()["held"]] == [held["id"]]
    queue = (await anna.get(f"{API}/orgs/{world.org_id}/moderation")).json()
    assert [h["id"] for h in queue["held"]] == [held["id"]]
    assert queue["held"][0]["author_name"] == "Петя Соколов"
    r = await masha.post(f"{API}/held/{held['id']}/decision", json={"approve": True})
    assert (r.status_code, error_code(r)) == (403, "not_moderator")
    r = await anna.post(f"{API}/held/{held['id']}/decision", json={"approve": True})
    assert r.status_code == 200 and r.json()["status"] == "approved"
    page = (await masha.get(f"{API}/chats/{cid}/messages")).json()["messages"]
    assert page[0]["body"] == PROFANE and page[0]["id"] == r.json()["message_id"]
    assert world.events_of("moderation.held")[-1].audience == {await world.user_id("student2")}
    r = await anna.post(f"{API}/held/{held['id']}/decision", json={"approve": False})
    assert (r.status_code, error_code(r)) == (409, "already_decided")

    rejected = (await say(petya, cid, "ну ты и сука")).json()["held"]
    r = await anna.post(f"{API}/held/{rejected['id']}/decision", json={"approve": False})
    assert r.json()["status"] == "rejected"
    async with world.services.sessionmaker() as db:
        bodies = set((await db.execute(select(Message.body))).scalars())
    assert "ну ты и сука" not in bodies
    # An edit cannot wait for a moderator: in a «hold» chat a flagged edit is refused.
    fine = (await say(petya, cid, "Всем привет")).json()
    r = await petya.patch(f"{API}/chats/{cid}/messages/{fine['id']}", json={"body": PROFANE})
    assert (r.status_code, error_code(r)) == (422, "conduct_rejected")
    # The moderator's own message is never held: she is warned instead.
    r = await say(anna, cid, "Слово «хуйня» в сочинении писать нельзя")
    assert (r.status_code, error_code(r)) == (422, "conduct_warning")


async def test_modes_per_kind_of_chat_warn_reject_or_off(world: World) -> None:
    anna = await world.as_("teacher")
    groups = await groups_of(anna, world.org_id)
    chat = (await anna.post(f"{API}/orgs/{world.org_id}/chats", json={
        "kind": "parents", "title": "5А — родители", "group_id": groups["5А"]["id"],
        "invite_group": True})).json()
    elena = await joined(world, "parent", chat["id"])
    cid = chat["id"]
    r = await say(elena, cid, PROFANE)  # a parents' chat warns by default
    assert (r.status_code, error_code(r)) == (422, "conduct_warning")
    assert r.json()["error"]["params"]["matches"]
    r = await say(elena, cid, PROFANE, confirm_conduct=True)
    assert r.status_code == 200
    admin = await world.as_("admin")
    url = f"{API}/orgs/{world.org_id}/conduct"
    modes = (await admin.get(url)).json()["modes"]
    assert modes["class"] == "hold" and modes["parents"] == "warn"
    r = await anna.put(url, json={"modes": {"parents": "off"}})
    assert r.status_code == 403
    r = await admin.put(url, json={"modes": {"lunchroom": "off"}})
    assert r.status_code == 422
    r = await admin.put(url, json={"modes": {"parents": "loud"}})
    assert r.status_code == 422
    r = await admin.put(url, json={"modes": {"parents": "reject"}})
    assert r.json()["modes"]["parents"] == "reject"
    r = await say(elena, cid, "ну это просто хуйня какая-то", confirm_conduct=True)
    assert (r.status_code, error_code(r)) == (422, "conduct_rejected")
    await admin.put(url, json={"modes": {"parents": "off"}})
    assert (await say(elena, cid, "ну и хуйня же, прости господи")).status_code == 200
    assert (await say(elena, cid, "Спасибо за собрание!")).status_code == 200


# Flooding (R33) ---------------------------------------------------------------------------------

async def test_flood_limits_and_repeated_messages(world: World) -> None:
    anna, chat, masha, _petya = await class_chat(world)
    cid = chat["id"]
    async with world.services.sessionmaker() as db:  # the demo's own messages are long past
        await db.execute(update(Message).values(created_at=datetime.now(UTC) - timedelta(hours=1)))
        await db.commit()
    r = await say(masha, cid, "Кто знает домашку?")
    assert r.status_code == 200
    r = await say(masha, cid, "кто  знает домашку?")
    assert (r.status_code, error_code(r)) == (409, "duplicate_message")
    for i in range(world.services.settings.flood_burst_messages - 1):
        r = await say(masha, cid, f"сообщение {i}")
        assert r.status_code == 200, (i, r.text)
    r = await say(masha, cid, "и ещё одно")
    assert (r.status_code, error_code(r)) == (429, "flood") and int(r.headers["Retry-After"]) >= 1
    for i in range(10):  # the moderator is not limited
        r = await say(anna, cid, f"Пункт {i}")
        assert r.status_code == 200, r.text
    async with world.services.sessionmaker() as db:
        assert (await db.execute(select(func.count()).select_from(Violation))).scalar_one() == 0


async def test_messages_held_for_a_moderator_count_toward_the_flood_limits(world: World) -> None:
    """An outside probe had one student send 60 held messages in 6 seconds."""
    _anna, chat, _masha, petya = await class_chat(world)
    cid = chat["id"]
    async with world.services.sessionmaker() as db:  # the demo's own messages are long past
        await db.execute(update(Message).values(created_at=datetime.now(UTC) - timedelta(hours=1)))
        await db.commit()
    burst = world.services.settings.flood_burst_messages
    for i in range(burst):
        r = await say(petya, cid, f"{PROFANE} {i}")
        assert r.status_code == 202, (i, r.text)
    r = await say(petya, cid, f"{PROFANE} ещё")
    assert (r.status_code, error_code(r)) == (429, "flood")
    r = await say(petya, cid, "а это обычное сообщение")
    assert (r.status_code, error_code(r)) == (429, "flood")
    async with world.services.sessionmaker() as db:
        assert (await db.execute(select(func.count()).select_from(HeldMessage))).scalar_one() == burst


async def test_members_accept_the_rules_again_after_they_change(world: World) -> None:
    anna, chat, masha, _petya = await class_chat(world)
    cid = chat["id"]
    admin = await world.as_("admin")
    await admin.put(f"{API}/orgs/{world.org_id}/chat-rules", json={"rules": "1. Вежливо."})
    await anna.patch(f"{API}/chats/{cid}", json={"rules": "Без спама."})
    before = (await masha.get(f"{API}/chats/{cid}")).json()
    assert (before["rules_accepted_version"], before["org_rules_accepted_version"]) == (1, 1)
    assert (before["rules_version"], before["org_rules_version"]) == (2, 2)
    assert [r["text"] for r in before["rule_items"]] == ["Вежливо.", "Без спама."]
    after = (await masha.post(f"{API}/chats/{cid}/accept-rules")).json()
    assert (after["rules_accepted_version"], after["org_rules_accepted_version"]) == (2, 2)
    outsider = await world.as_("parent")
    assert (await outsider.post(f"{API}/chats/{cid}/accept-rules")).status_code == 404


async def test_an_unopposed_early_unblock_is_announced_when_its_window_closes(world: World) -> None:
    from parta.actions.blocks import settle_due_blocks

    anna, chat, _masha, petya = await class_chat(world)
    cid, petya_id = chat["id"], await world.user_id("student2")
    await violations(anna, cid, petya_id, 4)
    block = (await anna.post(f"{API}/chats/{cid}/members/{petya_id}/block",
                             json={"until": until(10), "rule_number": 1})).json()
    await petya.post(f"{API}/blocks/{block['id']}/apology", json={"text": "Простите"})
    await anna.post(f"{API}/blocks/{block['id']}/propose-unblock")
    assert await settle_due_blocks(world.services) == 0  # the window is still open
    async with world.services.sessionmaker() as db:
        await db.execute(update(ChatBlock).values(
            objection_deadline=datetime.now(UTC) - timedelta(seconds=1)))
        await db.commit()
    assert await settle_due_blocks(world.services) == 1
    ended = world.events_of("moderation.block")[-1]
    assert ended.event.block is None and petya_id in ended.audience  # type: ignore[attr-defined]
    assert await settle_due_blocks(world.services) == 0
    queue = (await anna.get(f"{API}/orgs/{world.org_id}/moderation")).json()
    assert queue["rules"] == {} and queue["reports"] == []


async def test_a_moderator_does_not_judge_a_complaint_they_made(world: World) -> None:
    """A teacher who reported a message leaves it to another moderator or the administration:
    it is not in her queue and she cannot resolve it (issue 14)."""
    anna, chat, masha, petya = await class_chat(world)
    cid = chat["id"]
    rude = (await say(petya, cid, "Маша опять всё списала у меня")).json()
    r = await anna.post(f"{API}/chats/{cid}/messages/{rude['id']}/reports", json={"reason": "insult"})
    assert r.status_code == 201, r.text
    report = r.json()
    assert (await anna.get(f"{API}/orgs/{world.org_id}/moderation")).json()["reports"] == []
    r = await anna.post(f"{API}/reports/{report['id']}/resolve", json={"resolution": "dismiss"})
    assert (r.status_code, error_code(r)) == (403, "own_report")
    # Masha's report on the same message changes nothing for Anna: she is still one who reported.
    await masha.post(f"{API}/chats/{cid}/messages/{rude['id']}/reports", json={"reason": "insult"})
    r = await anna.post(f"{API}/reports/{report['id']}/resolve", json={"resolution": "dismiss"})
    assert (r.status_code, error_code(r)) == (403, "own_report")
    admin = await world.as_("admin")  # the administration decides it
    [item] = (await admin.get(f"{API}/orgs/{world.org_id}/moderation")).json()["reports"]
    assert item["message"]["id"] == rude["id"]
    r = await admin.post(f"{API}/reports/{report['id']}/resolve", json={"resolution": "dismiss"})
    assert r.status_code == 200 and r.json()["status"] == "dismissed"
