"""Invite links to one chat, joining by them after the rules, asking to join, and the school's
directory of staff chats (R22, R23, R24)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update

from parta.db import utcnow
from parta.demo import ORG_NAME
from parta.models import Chat, ChatLink, ChatMember, Group, GroupKind, Membership
from tests.conftest import World, error_code
from tests.helpers import API, newcomer, register_gymnasium

MUSEUM_RULES = "Пишем только о поездке в музей."


async def chat_id_of(c: httpx.AsyncClient, title: str) -> int:
    chats = (await c.get(f"{API}/chats")).json()["chats"]
    return int(next(ch["id"] for ch in chats if ch["title"] == title))


async def new_chat(world: World, who: str, **body: Any) -> int:
    c = await world.as_(who)
    r = await c.post(f"{API}/orgs/{world.org_id}/chats", json=body)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def museum_chat(world: World) -> int:
    """The class teacher's chat about the museum trip, for anyone of the school."""
    return await new_chat(world, "teacher", kind="custom", title="Поездка в музей",
                          rules=MUSEUM_RULES)


async def make_link(c: httpx.AsyncClient, chat_id: int, **body: Any) -> dict[str, Any]:
    r = await c.post(f"{API}/chats/{chat_id}/links", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def member_row(world: World, chat_id: int, key: str) -> ChatMember | None:
    uid = await world.user_id(key)
    async with world.services.sessionmaker() as db:
        return (await db.execute(select(ChatMember).where(
            ChatMember.chat_id == chat_id, ChatMember.user_id == uid,
            ChatMember.left_at.is_(None)))).scalar_one_or_none()


async def link_uses(world: World, link_id: int) -> int:
    async with world.services.sessionmaker() as db:
        return int((await db.execute(select(ChatLink.uses).where(ChatLink.id == link_id))).scalar_one())


async def join(c: httpx.AsyncClient, token: str, accept: bool = True) -> httpx.Response:
    return await c.post(f"{API}/chat-links/{token}/join", json={"accept_rules": accept})


# Making links -----------------------------------------------------------------------------------

async def test_the_class_teacher_makes_a_link_to_her_chat(world: World) -> None:
    chat_id = await museum_chat(world)
    teacher = await world.as_("teacher")
    world.events.clear()
    link = await make_link(teacher, chat_id, max_uses=30, ttl_days=7, requires_approval=False)
    assert link["url"] == f"http://parta.test/chat-link/{link['token']}"
    assert len(link["token"]) >= 43
    assert (link["chat_id"], link["max_uses"], link["uses"], link["state"],
            link["requires_approval"]) == (chat_id, 30, 0, "active", False)
    assert link["created_by"]["name"] == "Анна Сергеевна Волкова"
    expires = datetime.fromisoformat(link["expires_at"])
    assert utcnow() + timedelta(days=6, hours=23) < expires <= utcnow() + timedelta(days=7)
    [changed] = world.events_of("chat.link")
    assert changed.audience == frozenset({await world.user_id("teacher")})
    listed = (await teacher.get(f"{API}/chats/{chat_id}/links")).json()["links"]
    assert [x["id"] for x in listed] == [link["id"]]
    qr = await teacher.get(f"{API}/chats/{chat_id}/links/{link['id']}/qr.svg")
    assert qr.status_code == 200 and qr.headers["content-type"] == "image/svg+xml"
    assert qr.content.startswith(b"<?xml") and b"<svg" in qr.content
    entries = (await (await world.as_("admin")).get(f"{API}/orgs/{world.org_id}/audit")).json()["entries"]
    assert entries[0]["action"] == "chat_link.created"


async def test_only_those_who_may_invite_make_or_see_links(world: World) -> None:
    teacher = await world.as_("teacher")
    class_chat = await chat_id_of(teacher, "5А — класс")
    student = await world.as_("student")
    r = await student.post(f"{API}/chats/{class_chat}/links", json={})
    assert (r.status_code, error_code(r)) == (403, "forbidden")
    r = await student.get(f"{API}/chats/{class_chat}/links")
    assert (r.status_code, error_code(r)) == (403, "not_moderator")
    link = await make_link(teacher, class_chat)
    r = await student.post(f"{API}/chats/{class_chat}/links/{link['id']}/annul")
    assert (r.status_code, error_code(r)) == (403, "forbidden")
    # Someone who is not in the chat does not see it exists, a colleague included.
    math = await world.as_("math_teacher")
    for r in (await math.post(f"{API}/chats/{class_chat}/links", json={}),
              await math.get(f"{API}/chats/{class_chat}/links"),
              await math.get(f"{API}/chats/{class_chat}/links/{link['id']}/qr.svg"),
              await math.get(f"{API}/chats/{class_chat}/join-requests")):
        assert (r.status_code, error_code(r)) == (404, "not_found")
    # A one-to-one chat and the system channels have no links.
    admin = await world.as_("admin")
    chats = (await admin.get(f"{API}/chats")).json()["chats"]
    staff_channel = next(c["id"] for c in chats if c["kind"] == "staff_channel")
    r = await admin.post(f"{API}/chats/{staff_channel}/links", json={})
    assert (r.status_code, error_code(r)) == (409, "chat_link_not_allowed")
    r = await admin.post(f"{API}/chats/{class_chat}/links", json={"ttl_days": 0})
    assert r.status_code == 422
    r = await teacher.post(f"{API}/chats/{class_chat}/links", json={"max_uses": 0})
    assert r.status_code == 422


async def test_another_schools_people_find_no_chat_to_manage(world: World) -> None:
    chat_id = await museum_chat(world)
    teacher = await world.as_("teacher")
    link = await make_link(teacher, chat_id, requires_approval=True)
    _, gym_admin = await register_gymnasium(world)
    for r in (await gym_admin.post(f"{API}/chats/{chat_id}/links", json={}),
              await gym_admin.get(f"{API}/chats/{chat_id}/links"),
              await gym_admin.post(f"{API}/chats/{chat_id}/links/{link['id']}/annul"),
              await gym_admin.get(f"{API}/chats/{chat_id}/links/{link['id']}/qr.svg"),
              await gym_admin.get(f"{API}/chats/{chat_id}/join-requests"),
              await gym_admin.post(f"{API}/chats/{chat_id}/join-requests/1/approve"),
              await gym_admin.get(f"{API}/orgs/{world.org_id}/chats/directory"),
              await gym_admin.post(f"{API}/orgs/{world.org_id}/chats/directory/{chat_id}/join",
                                   json={"accept_rules": True})):
        assert (r.status_code, error_code(r)) == (404, "not_found"), r.request.url
    assert await link_uses(world, link["id"]) == 0


# Opening a link ---------------------------------------------------------------------------------

async def test_signed_out_the_link_shows_the_school_and_the_chat_only(world: World) -> None:
    chat_id = await museum_chat(world)
    link = await make_link(await world.as_("teacher"), chat_id)
    r = await world.client().get(f"{API}/chat-links/{link['token']}")
    assert r.status_code == 200, r.text
    preview = r.json()
    assert (preview["org"]["id"], preview["org"]["name"]) == (world.org_id, ORG_NAME)
    assert (preview["chat_title"], preview["chat_kind"], preview["standing"]) == (
        "Поездка в музей", "custom", "signed_out")
    assert (preview["chat_id"], preview["rule_items"], preview["description"]) == (None, None, None)
    r = await world.client().post(f"{API}/chat-links/{link['token']}/join", json={"accept_rules": True})
    assert (r.status_code, error_code(r)) == (401, "not_authenticated")
    r = await world.client().get(f"{API}/chat-links/{'x' * 43}")
    assert (r.status_code, error_code(r)) == (404, "not_found")


async def test_a_parent_joins_by_the_link_after_accepting_the_rules(world: World) -> None:
    chat_id = await museum_chat(world)
    link = await make_link(await world.as_("teacher"), chat_id)
    parent = await world.as_("parent")
    preview = (await parent.get(f"{API}/chat-links/{link['token']}")).json()
    assert (preview["standing"], preview["chat_id"]) == ("can_join", chat_id)
    assert preview["rule_items"][-1] == {"number": len(preview["rule_items"]),
                                         "text": MUSEUM_RULES, "source": "chat"}
    r = await join(parent, link["token"], accept=False)
    assert (r.status_code, error_code(r)) == (422, "rules_not_accepted")
    assert await member_row(world, chat_id, "parent") is None
    assert await link_uses(world, link["id"]) == 0
    world.events.clear()
    r = await join(parent, link["token"])
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "joined", "chat_id": chat_id, "request_id": None}
    row = await member_row(world, chat_id, "parent")
    assert row is not None and row.role.value == "member" and row.rules_accepted_version == 1
    [joined] = world.events_of("chat.member")
    assert joined.audience == frozenset({await world.user_id("teacher"), await world.user_id("parent")})
    [changed] = world.events_of("chat.changed")
    assert changed.audience == frozenset({await world.user_id("parent")})
    assert any(c["id"] == chat_id for c in (await parent.get(f"{API}/chats")).json()["chats"])
    # Twice is the same as once: no second use, no second event.
    world.events.clear()
    r = await join(parent, link["token"])
    assert r.json() == {"status": "joined", "chat_id": chat_id, "request_id": None}
    assert await link_uses(world, link["id"]) == 1
    assert world.events_of("chat.member") == []
    assert (await parent.get(f"{API}/chat-links/{link['token']}")).json()["standing"] == "member"


async def test_joining_by_a_link_answers_an_invitation(world: World) -> None:
    chat_id = await museum_chat(world)
    teacher = await world.as_("teacher")
    r = await teacher.post(f"{API}/chats/{chat_id}/invitations",
                           json={"user_ids": [await world.user_id("student")]})
    assert r.json()["invited"] == [await world.user_id("student")]
    link = await make_link(teacher, chat_id)
    student = await world.as_("student")
    assert (await join(student, link["token"])).json()["status"] == "joined"
    assert (await student.get(f"{API}/chats")).json()["invitations"] == []


async def test_people_of_another_school_or_of_none_are_refused(world: World) -> None:
    chat_id = await museum_chat(world)
    link = await make_link(await world.as_("teacher"), chat_id)
    _, gym_admin = await register_gymnasium(world)
    stranger = await newcomer(world, "+79005550101", "Пётр Незнакомов")
    for c in (gym_admin, stranger):
        preview = (await c.get(f"{API}/chat-links/{link['token']}")).json()
        assert (preview["standing"], preview["chat_id"], preview["rule_items"]) == (
            "not_in_school", None, None)
        r = await join(c, link["token"])
        assert (r.status_code, error_code(r)) == (403, "not_in_school")
    assert await link_uses(world, link["id"]) == 0


async def test_a_chat_for_parents_is_not_for_a_student(world: World) -> None:
    teacher = await world.as_("teacher")
    parents_chat = await chat_id_of(teacher, "5А — родители")
    link = await make_link(teacher, parents_chat)
    student = await world.as_("student")
    assert (await student.get(f"{API}/chat-links/{link['token']}")).json()["standing"] == "chat_not_for_role"
    r = await join(student, link["token"])
    assert (r.status_code, error_code(r)) == (403, "chat_not_for_role")
    assert await member_row(world, parents_chat, "student") is None


async def test_links_that_no_longer_work_are_gone(world: World) -> None:
    chat_id = await museum_chat(world)
    teacher = await world.as_("teacher")
    expired = await make_link(teacher, chat_id)
    annulled = await make_link(teacher, chat_id)
    used = await make_link(teacher, chat_id, max_uses=1)
    async with world.services.sessionmaker() as db:
        await db.execute(update(ChatLink).where(ChatLink.id == expired["id"])
                         .values(expires_at=utcnow() - timedelta(minutes=1)))
        await db.commit()
    world.events.clear()
    r = await teacher.post(f"{API}/chats/{chat_id}/links/{annulled['id']}/annul")
    assert r.status_code == 200 and r.json()["state"] == "annulled"
    [event] = world.events_of("chat.link")
    assert event.event.model_dump()["state"] == "annulled"
    r = await teacher.post(f"{API}/chats/{chat_id}/links/{annulled['id']}/annul")
    assert (r.status_code, error_code(r)) == (409, "invite_not_active")
    assert (await join(await world.as_("student"), used["token"])).status_code == 200
    parent = await world.as_("parent")
    for link, code in ((expired, "invite_expired"), (annulled, "invite_annulled"),
                       (used, "invite_used_up")):
        for r in (await parent.get(f"{API}/chat-links/{link['token']}"),
                  await join(parent, link["token"]),
                  await world.client().get(f"{API}/chat-links/{link['token']}")):
            assert (r.status_code, error_code(r)) == (410, code)
    assert await member_row(world, chat_id, "parent") is None
    states = {x["id"]: x["state"] for x in (await teacher.get(
        f"{API}/chats/{chat_id}/links", params={"state": "all"})).json()["links"]}
    assert states == {expired["id"]: "expired", annulled["id"]: "annulled", used["id"]: "used_up"}
    assert (await teacher.get(f"{API}/chats/{chat_id}/links")).json()["links"] == []


async def test_a_link_to_a_chat_archived_since_lets_nobody_in(world: World) -> None:
    chat_id = await museum_chat(world)
    link = await make_link(await world.as_("teacher"), chat_id)
    async with world.services.sessionmaker() as db:
        await db.execute(update(Chat).where(Chat.id == chat_id).values(archived_at=datetime.now(UTC)))
        await db.commit()
    r = await join(await world.as_("parent"), link["token"])
    assert (r.status_code, error_code(r)) == (410, "invite_annulled")


async def test_the_last_use_is_won_once(world: World) -> None:
    """Six people race for a link of two uses: two get in, four are told it is used up."""
    chat_id = await museum_chat(world)
    link = await make_link(await world.as_("teacher"), chat_id, max_uses=2)
    people = [await world.as_(k) for k in ("admin", "math_teacher", "student", "student2",
                                            "little", "parent")]
    answers = await asyncio.gather(*(join(c, link["token"]) for c in people))
    seen = Counter(r.json().get("status") or error_code(r) for r in answers)
    assert seen == {"joined": 2, "invite_used_up": 4}, seen
    assert await link_uses(world, link["id"]) == 2
    async with world.services.sessionmaker() as db:
        members = (await db.execute(select(ChatMember.id).where(
            ChatMember.chat_id == chat_id, ChatMember.left_at.is_(None)))).all()
    assert len(members) == 3  # the teacher and the two who won


# Approval -------------------------------------------------------------------------------------------

async def test_with_approval_the_moderator_lets_the_parent_in(world: World) -> None:
    chat_id = await museum_chat(world)
    teacher = await world.as_("teacher")
    student = await world.as_("student")
    assert (await join(student, (await make_link(teacher, chat_id))["token"])).status_code == 200
    link = await make_link(teacher, chat_id, requires_approval=True)
    parent = await world.as_("parent")
    assert (await parent.get(f"{API}/chat-links/{link['token']}")).json()["requires_approval"] is True
    r = await join(parent, link["token"], accept=False)
    assert (r.status_code, error_code(r)) == (422, "rules_not_accepted")
    world.events.clear()
    r = await join(parent, link["token"])
    assert r.status_code == 200, r.text
    answer = r.json()
    assert (answer["status"], answer["chat_id"]) == ("requested", chat_id)
    assert await member_row(world, chat_id, "parent") is None
    [asked] = world.events_of("chat.join_request")
    assert asked.audience == frozenset({await world.user_id("teacher")})
    assert asked.event.model_dump()["request_id"] == answer["request_id"]
    # Asking twice is the same request.
    again = (await join(parent, link["token"])).json()
    assert again == answer
    assert await link_uses(world, link["id"]) == 1
    assert (await parent.get(f"{API}/chat-links/{link['token']}")).json()["standing"] == "requested"
    # A member who does not moderate neither sees nor decides.
    r = await student.get(f"{API}/chats/{chat_id}/join-requests")
    assert (r.status_code, error_code(r)) == (403, "not_moderator")
    r = await student.post(f"{API}/chats/{chat_id}/join-requests/{answer['request_id']}/approve")
    assert (r.status_code, error_code(r)) == (403, "not_moderator")
    [waiting] = (await teacher.get(f"{API}/chats/{chat_id}/join-requests")).json()["requests"]
    assert (waiting["id"], waiting["user"]["name"], waiting["via"], waiting["status"]) == (
        answer["request_id"], "Елена Иванова", "link", "pending")
    world.events.clear()
    r = await teacher.post(f"{API}/chats/{chat_id}/join-requests/{answer['request_id']}/approve")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "approved"
    row = await member_row(world, chat_id, "parent")
    assert row is not None and row.rules_accepted_version == 1
    [decided] = world.events_of("chat.join_decided")
    assert decided.audience == frozenset({await world.user_id("teacher"), await world.user_id("parent")})
    assert (decided.event.model_dump()["status"], decided.event.model_dump()["user_id"]) == (
        "approved", await world.user_id("parent"))
    [joined] = world.events_of("chat.member")
    assert await world.user_id("student") in joined.audience
    assert (await teacher.get(f"{API}/chats/{chat_id}/join-requests")).json()["requests"] == []
    r = await teacher.post(f"{API}/chats/{chat_id}/join-requests/{answer['request_id']}/deny")
    assert (r.status_code, error_code(r)) == (409, "already_decided")


async def test_a_denied_request_leaves_the_person_out_and_tells_them(world: World) -> None:
    chat_id = await museum_chat(world)
    teacher = await world.as_("teacher")
    link = await make_link(teacher, chat_id, requires_approval=True)
    parent = await world.as_("parent")
    request_id = (await join(parent, link["token"])).json()["request_id"]
    world.events.clear()
    r = await teacher.post(f"{API}/chats/{chat_id}/join-requests/{request_id}/deny")
    assert r.status_code == 200 and r.json()["status"] == "denied"
    assert await member_row(world, chat_id, "parent") is None
    [decided] = world.events_of("chat.join_decided")
    assert await world.user_id("parent") in decided.audience
    assert world.events_of("chat.member") == []
    r = await teacher.post(f"{API}/chats/{chat_id}/join-requests/999999/approve")
    assert (r.status_code, error_code(r)) == (404, "not_found")


# The directory of staff chats (R22: «join chats that others created») ---------------------------

async def staff_chats(world: World) -> dict[str, int]:
    """The deputy's chats: the management's, one of the staff room, and one for everyone."""
    async with world.services.sessionmaker() as db:
        staff_room = (await db.execute(select(Group.id).where(
            Group.org_id == world.org_id, Group.kind == GroupKind.staff_room))).scalar_one()
    return {
        "management": await new_chat(world, "admin", kind="management_staff",
                                     title="Совещание при директоре"),
        "staff_room": await new_chat(world, "admin", kind="custom", title="Учительская: обеды",
                                     group_id=staff_room),
        "open": await new_chat(world, "admin", kind="custom", title="Школьный хор"),
        "archived": await new_chat(world, "admin", kind="management_deputies",
                                   title="Завучи 2025"),
    }


async def test_a_colleague_finds_the_staff_chats_and_asks_to_join(world: World) -> None:
    chats = await staff_chats(world)
    async with world.services.sessionmaker() as db:
        await db.execute(update(Chat).where(Chat.id == chats["archived"])
                         .values(archived_at=datetime.now(UTC)))
        await db.commit()
    math = await world.as_("math_teacher")
    r = await math.get(f"{API}/orgs/{world.org_id}/chats/directory")
    assert r.status_code == 200, r.text
    listed = {c["title"]: c for c in r.json()["chats"]}
    assert set(listed) == {"Совещание при директоре", "Учительская: обеды"}
    entry = listed["Совещание при директоре"]
    assert (entry["id"], entry["kind"], entry["members_count"], entry["is_member"],
            entry["requested"]) == (chats["management"], "management_staff", 1, False, False)
    assert entry["rule_items"] and entry["rules_version"] == 1
    ask = f"{API}/orgs/{world.org_id}/chats/directory/{chats['management']}/join"
    r = await math.post(ask, json={})
    assert (r.status_code, error_code(r)) == (422, "rules_not_accepted")
    for other in (chats["open"], chats["archived"], 999999):
        r = await math.post(f"{API}/orgs/{world.org_id}/chats/directory/{other}/join",
                            json={"accept_rules": True})
        assert (r.status_code, error_code(r)) == (404, "not_found")
    world.events.clear()
    r = await math.post(ask, json={"accept_rules": True})
    assert r.status_code == 200, r.text
    request_id = r.json()["request_id"]
    assert r.json()["status"] == "requested"
    [asked] = world.events_of("chat.join_request")
    assert asked.audience == frozenset({await world.user_id("admin")})
    assert (await math.post(ask, json={"accept_rules": True})).json()["request_id"] == request_id
    listed = {c["id"]: c for c in (await math.get(
        f"{API}/orgs/{world.org_id}/chats/directory")).json()["chats"]}
    assert listed[chats["management"]]["requested"] is True
    admin = await world.as_("admin")
    [waiting] = (await admin.get(f"{API}/chats/{chats['management']}/join-requests")).json()["requests"]
    assert (waiting["via"], waiting["user"]["name"]) == ("directory", "Олег Викторович Лебедев")
    r = await admin.post(f"{API}/chats/{chats['management']}/join-requests/{request_id}/approve")
    assert r.status_code == 200, r.text
    listed = {c["id"]: c for c in (await math.get(
        f"{API}/orgs/{world.org_id}/chats/directory")).json()["chats"]}
    assert (listed[chats["management"]]["is_member"], listed[chats["management"]]["requested"],
            listed[chats["management"]]["members_count"]) == (True, False, 2)
    r = await math.post(ask, json={"accept_rules": True})
    assert r.json()["status"] == "joined"


async def test_the_directory_is_not_for_students_and_parents(world: World) -> None:
    chats = await staff_chats(world)
    for key in ("student", "parent"):
        c = await world.as_(key)
        r = await c.get(f"{API}/orgs/{world.org_id}/chats/directory")
        assert (r.status_code, error_code(r)) == (403, "forbidden")
        r = await c.post(f"{API}/orgs/{world.org_id}/chats/directory/{chats['management']}/join",
                         json={"accept_rules": True})
        assert (r.status_code, error_code(r)) == (403, "forbidden")
    # Nor does a staff chat's link let them in.
    link = await make_link(await world.as_("admin"), chats["staff_room"])
    r = await join(await world.as_("parent"), link["token"])
    assert (r.status_code, error_code(r)) == (403, "chat_not_for_role")


async def test_a_use_is_counted_on_the_row_as_stored_not_as_read(world: World) -> None:
    """What decides the last use is the conditional UPDATE on the row as it is when written:
    another transaction may have taken the use since this one read the link (on PostgreSQL;
    on SQLite the writers queue, so the race above needs PostgreSQL — this shows the same on
    either). The refused claim takes back the membership it came with."""
    from sqlalchemy import text

    from parta.actions import chat_links as link_actions
    from parta.actions.base import unit_of_work
    from parta.errors import InviteRefused
    from parta.models import User
    from parta.queries.actors import load_actor

    chat_id = await museum_chat(world)
    link = await make_link(await world.as_("teacher"), chat_id, max_uses=1)
    refused = None
    try:
        async with unit_of_work(world.services) as ctx:
            ctx.user = await ctx.db.get_one(User, await world.user_id("parent"))
            ctx.actor = await load_actor(ctx.db, ctx.user)
            row = await ctx.db.get(ChatLink, link["id"])
            assert row is not None and row.uses == 0  # read: one use left
            await ctx.db.execute(text("UPDATE chat_link SET uses = 1 WHERE id = :id"), {"id": row.id})
            await link_actions.join_by_link(ctx, link["token"], accept_rules=True)
    except InviteRefused as caught:
        refused = caught.code
    assert refused == "invite_used_up"
    assert await member_row(world, chat_id, "parent") is None
    assert await link_uses(world, link["id"]) == 0  # rolled back with the rest


async def test_reading_links_requests_and_the_directory_writes_nothing(world: World) -> None:
    from tests.api.test_pure_reads import writes

    chats = await staff_chats(world)
    teacher = await world.as_("teacher")
    chat_id = await museum_chat(world)
    link = await make_link(teacher, chat_id, requires_approval=True)
    parent = await world.as_("parent")
    await join(parent, link["token"])
    math = await world.as_("math_teacher")
    admin = await world.as_("admin")
    signed_out = world.client()
    with writes(world) as seen:
        for c, path in ((signed_out, f"/chat-links/{link['token']}"),
                        (parent, f"/chat-links/{link['token']}"),
                        (teacher, f"/chats/{chat_id}/links?state=all"),
                        (teacher, f"/chats/{chat_id}/links/{link['id']}/qr.svg"),
                        (teacher, f"/chats/{chat_id}/join-requests"),
                        (math, f"/orgs/{world.org_id}/chats/directory"),
                        (admin, f"/chats/{chats['management']}/join-requests")):
            r = await c.get(f"{API}{path}")
            assert r.status_code == 200, (path, r.text)
    assert seen == []


async def test_someone_removed_for_the_rules_comes_back_only_if_a_moderator_lets_them(
        world: World) -> None:
    chat_id = await museum_chat(world)
    teacher = await world.as_("teacher")
    link = await make_link(teacher, chat_id)
    student = await world.as_("student")
    assert (await join(student, link["token"])).json()["status"] == "joined"
    r = await teacher.post(f"{API}/chats/{chat_id}/members/{await world.user_id('student')}/remove",
                           json={"rule_number": 1, "reason": "Грубил одноклассникам"})
    assert r.status_code == 201, r.text
    preview = (await student.get(f"{API}/chat-links/{link['token']}")).json()
    assert (preview["standing"], preview["requires_approval"]) == ("can_join", True)
    r = await join(student, link["token"])
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "requested"
    assert await member_row(world, chat_id, "student") is None
    [waiting] = (await teacher.get(f"{API}/chats/{chat_id}/join-requests")).json()["requests"]
    assert waiting["user"]["name"] == "Маша Иванова"


async def test_where_members_invite_a_member_makes_links_and_annuls_only_her_own(
        world: World) -> None:
    chat_id = await museum_chat(world)
    teacher = await world.as_("teacher")
    moderators_link = await make_link(teacher, chat_id)
    student = await world.as_("student")
    assert (await join(student, moderators_link["token"])).status_code == 200
    r = await student.post(f"{API}/chats/{chat_id}/links", json={})
    assert (r.status_code, error_code(r)) == (403, "forbidden")
    r = await teacher.patch(f"{API}/chats/{chat_id}", json={"members_invite": True})
    assert r.status_code == 200, r.text
    own = await make_link(student, chat_id, max_uses=5)
    # A member sees the links she made, not the moderators'; the moderators see them all.
    assert [x["id"] for x in (await student.get(f"{API}/chats/{chat_id}/links")).json()["links"]] == [own["id"]]
    assert {x["id"] for x in (await teacher.get(f"{API}/chats/{chat_id}/links")).json()["links"]} == {
        own["id"], moderators_link["id"]}
    r = await student.post(f"{API}/chats/{chat_id}/links/{moderators_link['id']}/annul")
    assert (r.status_code, error_code(r)) == (403, "not_moderator")
    r = await student.post(f"{API}/chats/{chat_id}/links/{own['id']}/annul")
    assert r.status_code == 200 and r.json()["state"] == "annulled"
    # And she decides no requests: that is the moderators'.
    r = await student.get(f"{API}/chats/{chat_id}/join-requests")
    assert (r.status_code, error_code(r)) == (403, "not_moderator")


async def test_a_request_from_someone_who_has_since_lost_their_place_is_not_approved(
        world: World) -> None:
    chat_id = await new_chat(world, "teacher", kind="custom",
                             title="Совет родителей 5А")
    teacher = await world.as_("teacher")
    link = await make_link(teacher, chat_id, requires_approval=True)
    request_id = (await join(await world.as_("parent"), link["token"])).json()["request_id"]
    async with world.services.sessionmaker() as db:  # she left the school since (a departure)
        await db.execute(update(Membership).where(
            Membership.org_id == world.org_id, Membership.user_id == await world.user_id("parent"))
            .values(left_at=utcnow()))
        await db.commit()
    r = await teacher.post(f"{API}/chats/{chat_id}/join-requests/{request_id}/approve")
    assert (r.status_code, error_code(r)) == (409, "not_in_school")
    assert await member_row(world, chat_id, "parent") is None
    [still] = (await teacher.get(f"{API}/chats/{chat_id}/join-requests")).json()["requests"]
    assert still["id"] == request_id


async def test_a_link_used_up_by_her_own_join_still_answers_her_as_before(world: World) -> None:
    """Joining twice is the same as once, even when the first join took the last use."""
    chat_id = await museum_chat(world)
    teacher = await world.as_("teacher")
    single = await make_link(teacher, chat_id, max_uses=1)
    parent = await world.as_("parent")
    assert (await join(parent, single["token"])).json()["status"] == "joined"
    assert (await parent.get(f"{API}/chat-links/{single['token']}")).json()["standing"] == "member"
    assert (await join(parent, single["token"])).json() == {
        "status": "joined", "chat_id": chat_id, "request_id": None}
    assert await link_uses(world, single["id"]) == 1
    for c in (await world.as_("student"), world.client()):
        r = await c.get(f"{API}/chat-links/{single['token']}")
        assert (r.status_code, error_code(r)) == (410, "invite_used_up")
    # The same for a request waiting on a link annulled since.
    asking = await make_link(teacher, chat_id, requires_approval=True)
    student = await world.as_("student")
    request_id = (await join(student, asking["token"])).json()["request_id"]
    await teacher.post(f"{API}/chats/{chat_id}/links/{asking['id']}/annul")
    assert (await join(student, asking["token"])).json() == {
        "status": "requested", "chat_id": chat_id, "request_id": request_id}
    r = await join(await world.as_("student2"), asking["token"])
    assert (r.status_code, error_code(r)) == (410, "invite_annulled")
