"""Moderators of a joint chat from a guest school (R41): Анна Сергеевна, who started the
olympiad chat at Школа № 1, makes Сергей Ильич of Гимназия № 5 a moderator — he keeps order
among his own school's people — and later takes it back. Only the owner school appoints: the
gymnasium's own moderator does not; someone not in the chat, or of another municipality, is
not there to appoint; and a refusal changes nothing."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from parta.models import AuditEntry, ChatMember, ChatRole
from tests.api.test_network import LIDIA, accepted, far_school
from tests.conftest import World, error_code

API = "/api/v1"


async def role_of(world: World, chat_id: int, user_id: int) -> ChatRole | None:
    async with world.services.sessionmaker() as db:
        return (await db.execute(select(ChatMember.role).where(
            ChatMember.chat_id == chat_id, ChatMember.user_id == user_id,
            ChatMember.left_at.is_(None)))).scalar_one_or_none()


async def set_role(who: httpx.AsyncClient, chat_id: int, user_id: int,
                   role: str) -> httpx.Response:
    return await who.put(f"{API}/chats/{chat_id}/members/{user_id}/role", json={"role": role})


async def test_the_owner_school_makes_a_guest_teacher_a_moderator_and_takes_it_back(
        world: World) -> None:
    s = await accepted(world)
    anna, natalia, sergey = s["anna"], s["natalia"], s["sergey"]
    chat_id, sergey_id, gym_id = s["chat_id"], s["sergey_id"], s["gym_id"]
    # The members' page offers her the control for him; the gymnasium's moderator none.
    natalia_id = int((await natalia.get(f"{API}/me")).json()["id"])
    offered = {m["user"]["id"]: m["can_set_role"] for m in (await anna.get(
        f"{API}/chats/{chat_id}/members")).json()["members"]}
    assert offered[sergey_id] and offered[natalia_id]
    assert not any(m["can_set_role"] for m in (await natalia.get(
        f"{API}/chats/{chat_id}/members")).json()["members"])
    before = len(world.events_of("chat.member"))
    r = await set_role(anna, chat_id, sergey_id, "moderator")
    assert r.status_code == 200, r.text
    assert await role_of(world, chat_id, sergey_id) == ChatRole.moderator
    [told] = world.events_of("chat.member")[before:]
    assert (told.event.user_id, told.event.change) == (sergey_id, "role:moderator")
    assert {sergey_id, natalia_id} <= set(told.audience)
    async with world.services.sessionmaker() as db:
        entry = (await db.execute(select(AuditEntry).where(
            AuditEntry.action == "chat.role_set"))).scalars().one()
    assert (entry.org_id, entry.target_id) == (world.org_id, chat_id)
    assert entry.details == {"user_id": sergey_id, "role": "moderator", "school_id": gym_id}
    # He sees himself a moderator, and the members' list says so to everyone.
    assert (await sergey.get(f"{API}/chats/{chat_id}")).json()["capabilities"]["can_moderate"]
    listed = {m["user"]["id"]: m["role"] for m in (await anna.get(
        f"{API}/chats/{chat_id}/members")).json()["members"]}
    assert listed[sergey_id] == "moderator"

    # Taken back: a member again.
    r = await set_role(anna, chat_id, sergey_id, "member")
    assert r.status_code == 200, r.text
    assert await role_of(world, chat_id, sergey_id) == ChatRole.member
    assert not (await sergey.get(f"{API}/chats/{chat_id}")).json()["capabilities"][
        "can_moderate"]


async def test_only_the_owner_school_appoints_and_only_people_in_the_chat(world: World) -> None:
    s = await accepted(world)
    anna, natalia, chat_id, sergey_id = s["anna"], s["natalia"], s["chat_id"], s["sergey_id"]
    anna_id = int((await anna.get(f"{API}/me")).json()["id"])
    # The gymnasium's own moderator (its administrator, who accepted) appoints nobody —
    # not her own teacher, not the owner school's people.
    for target in (sergey_id, anna_id):
        r = await set_role(natalia, chat_id, target, "moderator")
        assert r.status_code == 403 and error_code(r) == "not_owner_school", target
    # A member who is no moderator: no right to appoint at all.
    sergey = s["sergey"]
    natalia_id = int((await natalia.get(f"{API}/me")).json()["id"])
    r = await set_role(sergey, chat_id, natalia_id, "member")
    assert r.status_code == 403
    # Лидия Марковна of the gymnasium is not in the chat; the far school's administrator is of
    # another municipality: neither is there to appoint.
    lidia = await world.sign_in(LIDIA)
    lidia_id = int((await lidia.get(f"{API}/me")).json()["id"])
    _, far_admin = await far_school(world)
    far_id = int((await far_admin.get(f"{API}/me")).json()["id"])
    for target in (lidia_id, far_id):
        r = await set_role(anna, chat_id, target, "moderator")
        assert r.status_code == 404, target
    # Nor do they see the chat to appoint anyone in it.
    for who in (lidia, far_admin):
        r = await set_role(who, chat_id, sergey_id, "moderator")
        assert r.status_code == 404
    assert await role_of(world, chat_id, sergey_id) == ChatRole.member
    assert await role_of(world, chat_id, natalia_id) == ChatRole.moderator
    async with world.services.sessionmaker() as db:
        assert (await db.execute(select(AuditEntry).where(
            AuditEntry.action == "chat.role_set"))).scalars().all() == []


async def test_a_guest_moderator_of_a_school_that_left_is_no_one_to_appoint(
        world: World) -> None:
    """Once the gymnasium leaves, its people leave the chat with it: there is nobody of it to
    make a moderator."""
    s = await accepted(world)
    anna, natalia, chat_id, sergey_id = s["anna"], s["natalia"], s["chat_id"], s["sergey_id"]
    r = await natalia.post(f"{API}/orgs/{s['gym_id']}/joint-chats/{chat_id}/leave")
    assert r.status_code == 200, r.text
    r = await set_role(anna, chat_id, sergey_id, "moderator")
    assert r.status_code == 404
