"""Chats and messages through the API: the class chat of 5А from invitation to conversation."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from parta.models import AuditEntry, Message
from tests.conftest import World, error_code
from tests.helpers import API, groups_of, register_gymnasium

RULES = "1. Пишем вежливо.\n2. Не делимся чужими данными."


async def make_class_chat(world: World, **extra: Any) -> tuple[httpx.AsyncClient, dict[str, Any]]:
    anna = await world.as_("teacher")  # the class teacher of 5А
    groups = await groups_of(anna, world.org_id)
    body = {"kind": "class", "title": "5А — класс", "rules": RULES,
            "group_id": groups["5А"]["id"], "invite_group": True, **extra}
    r = await anna.post(f"{API}/orgs/{world.org_id}/chats", json=body)
    assert r.status_code == 201, r.text
    return anna, r.json()


async def joined(world: World, key: str, chat_id: int) -> httpx.AsyncClient:
    c = await world.as_(key)
    r = await c.post(f"{API}/chats/{chat_id}/join", json={"accept_rules": True})
    assert r.status_code == 200, r.text
    return c


async def test_nobody_is_forced_in_they_accept_the_rules_and_join(world: World) -> None:
    _anna, chat = await make_class_chat(world)
    assert chat["my_role"] == "owner" and chat["members_count"] == 1
    masha = await world.as_("student")
    mine = (await masha.get(f"{API}/chats")).json()
    assert [i["id"] for i in mine["invitations"]] == [chat["id"]]
    assert chat["id"] not in [c["id"] for c in mine["chats"]]  # invited is not a member
    r = await masha.get(f"{API}/chats/{chat['id']}/messages")
    assert r.status_code == 404  # nothing to read before joining
    r = await masha.post(f"{API}/chats/{chat['id']}/join", json={})
    assert (r.status_code, error_code(r)) == (422, "rules_not_accepted")
    r = await masha.post(f"{API}/chats/{chat['id']}/join", json={"accept_rules": True})
    assert r.status_code == 200 and r.json()["rules_accepted_version"] == 1
    joined_events = world.events_of("chat.member")
    assert joined_events[-1].event.change == "joined"  # type: ignore[attr-defined]
    assert joined_events[-1].audience == {await world.user_id("teacher"), await world.user_id("student")}
    async with world.services.sessionmaker() as db:
        audits = (await db.execute(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "chat.joined"))).scalar_one()
    assert audits == 1
    r = await masha.post(f"{API}/chats/{chat['id']}/join", json={"accept_rules": True})
    assert (r.status_code, error_code(r)) == (409, "already_member")


async def test_students_and_parents_cannot_create_group_chats(world: World) -> None:
    for key in ("student", "parent"):
        c = await world.as_(key)
        r = await c.post(f"{API}/orgs/{world.org_id}/chats", json={"title": "Свой чат"})
        assert r.status_code == 403, key


async def test_a_message_reaches_every_member_once_and_a_retry_creates_nothing(world: World) -> None:
    anna, chat = await make_class_chat(world)
    masha = await joined(world, "student", chat["id"])
    petya_id = await world.user_id("student2")  # invited, not joined: hears nothing
    before = len(world.events_of("message.new"))
    body = {"body": "Завтра экскурсия в музей, сбор в 9:00.", "client_id": "anna-1"}
    r = await anna.post(f"{API}/chats/{chat['id']}/messages", json=body)
    assert r.status_code == 200 and r.json()["created"] is True
    again = await anna.post(f"{API}/chats/{chat['id']}/messages", json=body)
    assert again.json()["id"] == r.json()["id"] and again.json()["created"] is False
    events = world.events_of("message.new")[before:]
    assert len(events) == 1
    assert events[0].audience == {await world.user_id("teacher"), await world.user_id("student")}
    assert petya_id not in events[0].audience
    page = (await masha.get(f"{API}/chats/{chat['id']}/messages")).json()
    assert [m["body"] for m in page["messages"]] == [body["body"]]
    assert page["messages"][0]["author"]["verified_teacher"] is True


async def test_refusals_leave_no_message_behind(world: World) -> None:
    anna, chat = await make_class_chat(world, post_policy="moderators")
    masha = await joined(world, "student", chat["id"])
    url = f"{API}/chats/{chat['id']}/messages"
    r = await masha.post(url, json={"body": "можно спросить?"})
    assert (r.status_code, error_code(r)) == (403, "chat_read_only")
    for bad in ({"body": "   "}, {"body": "x" * 10_001}, {"body": "a\x00b"},
                {"body": "ок", "client_id": "bad id!"}, {"body": "ок", "reply_to_id": 999999}):
        r = await anna.post(url, json=bad)
        assert r.status_code in (404, 422), (bad, r.text)
    parent = await world.as_("parent")  # not in the class chat at all
    r = await parent.post(url, json={"body": "здравствуйте"})
    assert r.status_code == 404
    async with world.services.sessionmaker() as db:
        assert (await db.execute(select(func.count()).select_from(Message).where(
            Message.chat_id == chat["id"]))).scalar_one() == 0


async def test_slow_mode_spaces_out_a_members_messages(world: World) -> None:
    anna, chat = await make_class_chat(world, slow_mode_seconds=30)
    masha = await joined(world, "student", chat["id"])
    url = f"{API}/chats/{chat['id']}/messages"
    assert (await masha.post(url, json={"body": "первое"})).status_code == 200
    r = await masha.post(url, json={"body": "второе"})
    assert (r.status_code, error_code(r)) == (429, "slow_mode")
    assert 25 <= int(r.headers["Retry-After"]) <= 31
    assert (await anna.post(url, json={"body": "модератору можно"})).status_code == 200


async def test_edit_and_delete(world: World) -> None:
    anna, chat = await make_class_chat(world)
    masha = await joined(world, "student", chat["id"])
    url = f"{API}/chats/{chat['id']}/messages"
    mid = (await masha.post(url, json={"body": "Домашка на стр. 15"})).json()["id"]
    r = await masha.patch(f"{url}/{mid}", json={"body": "Домашка на стр. 16"})
    assert r.status_code == 200 and r.json()["edited_at"]
    r = await anna.patch(f"{url}/{mid}", json={"body": "чужое"})
    assert r.status_code == 403
    petya = await joined(world, "student2", chat["id"])
    r = await petya.delete(f"{url}/{mid}")
    assert r.status_code == 403  # a classmate is no moderator
    r = await anna.delete(f"{url}/{mid}")
    assert r.status_code == 200 and r.json()["deleted"] is True and r.json()["body"] == ""
    page = (await petya.get(url)).json()["messages"]
    assert page[0]["deleted"] is True and page[0]["body"] == ""
    async with world.services.sessionmaker() as db:
        n = (await db.execute(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "message.deleted_by_moderator"))).scalar_one()
    assert n == 1
    r = await masha.patch(f"{url}/{mid}", json={"body": "вернуть"})
    assert (r.status_code, error_code(r)) == (409, "message_deleted")


async def test_unread_counts_read_marks_and_read_by(world: World) -> None:
    anna, chat = await make_class_chat(world)
    masha = await joined(world, "student", chat["id"])
    await joined(world, "student2", chat["id"])
    url = f"{API}/chats/{chat['id']}/messages"
    ids = [(await anna.post(url, json={"body": f"Объявление {i}"})).json()["id"] for i in range(3)]
    listing = {c["id"]: c for c in (await masha.get(f"{API}/chats")).json()["chats"]}
    assert listing[chat["id"]]["unread"] == 3
    assert listing[chat["id"]]["last_message"]["body"] == "Объявление 2"
    r = await masha.post(f"{API}/chats/{chat['id']}/read", json={"message_id": ids[1]})
    assert r.json()["last_read_message_id"] == ids[1]
    r = await masha.post(f"{API}/chats/{chat['id']}/read", json={"message_id": ids[0]})
    assert r.json()["last_read_message_id"] == ids[1]  # never backwards
    listing = {c["id"]: c for c in (await masha.get(f"{API}/chats")).json()["chats"]}
    assert listing[chat["id"]]["unread"] == 1
    page = {m["id"]: m for m in (await anna.get(url)).json()["messages"]}
    assert (page[ids[1]]["read_by"], page[ids[1]]["read_of"]) == (1, 2)
    assert page[ids[1]]["read_by_ids"] == [await world.user_id("student")]  # staff see who
    own = (await masha.post(url, json={"body": "Прочитала"})).json()["id"]
    mine = {m["id"]: m for m in (await masha.get(url)).json()["messages"]}
    assert "read_by_ids" not in mine[own]  # a student sees only how many


async def test_reactions_and_pins(world: World) -> None:
    anna, chat = await make_class_chat(world)
    masha = await joined(world, "student", chat["id"])
    url = f"{API}/chats/{chat['id']}/messages"
    mid = (await anna.post(url, json={"body": "Молодцы!"})).json()["id"]
    r = await masha.put(f"{url}/{mid}/reactions/👍")
    assert r.json()["reactions"] == {"👍": 1}
    assert (await masha.put(f"{url}/{mid}/reactions/👍")).json()["reactions"] == {"👍": 1}
    assert (await masha.put(f"{url}/{mid}/reactions/💩")).status_code == 422
    assert (await masha.delete(f"{url}/{mid}/reactions/👍")).json()["reactions"] == {}
    r = await masha.post(f"{API}/chats/{chat['id']}/pins", json={"message_id": mid})
    assert r.status_code == 403
    r = await anna.post(f"{API}/chats/{chat['id']}/pins", json={"message_id": mid})
    assert r.json()["pinned"] == [mid]
    assert (await masha.get(f"{API}/chats/{chat['id']}")).json()["pinned"] == [mid]


async def test_history_pages_and_jumps(world: World) -> None:
    anna, chat = await make_class_chat(world)
    url = f"{API}/chats/{chat['id']}/messages"
    ids = [(await anna.post(url, json={"body": f"№{i}"})).json()["id"] for i in range(120)]
    first = (await anna.get(url, params={"limit": 50})).json()
    assert [m["id"] for m in first["messages"]] == ids[::-1][:50]
    second = (await anna.get(url, params={"limit": 50, "before_id": first["next_before_id"]})).json()
    assert [m["id"] for m in second["messages"]] == ids[::-1][50:100]
    third = (await anna.get(url, params={"limit": 50, "before_id": second["next_before_id"]})).json()
    assert len(third["messages"]) == 20 and third["next_before_id"] is None
    around = (await anna.get(url, params={"limit": 10, "around_id": ids[60]})).json()["messages"]
    assert ids[60] in [m["id"] for m in around] and len(around) == 10


async def test_who_may_write_to_whom_directly(world: World) -> None:
    masha = await world.as_("student")
    anna_id = await world.user_id("teacher")  # her class teacher
    irina_id = await world.user_id("admin")  # the administration
    petya_id = await world.user_id("student2")  # a classmate
    parent_id = await world.user_id("parent")  # her mother
    vanya_id = await world.user_id("little")  # a pupil of 1А
    for person in (anna_id, petya_id, irina_id, parent_id):
        r = await masha.post(f"{API}/orgs/{world.org_id}/direct", json={"user_id": person})
        assert r.status_code == 200, r.text
    r = await masha.post(f"{API}/orgs/{world.org_id}/direct", json={"user_id": vanya_id})
    assert (r.status_code, error_code(r)) == (403, "direct_not_allowed")  # see test_safe_mode
    elena = await world.as_("parent")
    r1 = await elena.post(f"{API}/orgs/{world.org_id}/direct", json={"user_id": anna_id})
    r2 = await elena.post(f"{API}/orgs/{world.org_id}/direct", json={"user_id": anna_id})
    assert r1.status_code == 200 and r1.json()["id"] == r2.json()["id"]  # one chat, not two
    assert r1.json()["title"] == "Анна Сергеевна Волкова"
    r = await elena.post(f"{API}/orgs/{world.org_id}/direct", json={"user_id": petya_id})
    assert (r.status_code, error_code(r)) == (403, "not_your_student")  # not her child
    assert (await elena.post(f"{API}/orgs/{world.org_id}/direct", json={"user_id": irina_id})).status_code == 200


async def test_system_channels_are_read_by_all_and_written_by_administrators(world: World) -> None:
    masha = await world.as_("student")
    chats = (await masha.get(f"{API}/chats")).json()["chats"]
    kinds = {c["kind"]: c for c in chats}
    assert "school_channel" in kinds and "staff_channel" not in kinds
    school = kinds["school_channel"]["id"]
    r = await masha.post(f"{API}/chats/{school}/messages", json={"body": "привет всем"})
    assert (r.status_code, error_code(r)) == (403, "chat_read_only")
    assert (await masha.post(f"{API}/chats/{school}/leave")).status_code == 409
    irina = await world.as_("admin")
    r = await irina.post(f"{API}/chats/{school}/messages", json={"body": "Линейка в 8:30."})
    assert r.status_code == 200
    anna = await world.as_("teacher")
    staff = {c["kind"]: c["id"] for c in (await anna.get(f"{API}/chats")).json()["chats"]}
    assert "staff_channel" in staff
    r = await masha.get(f"{API}/chats/{staff['staff_channel']}/messages")
    assert r.status_code == 404


async def test_another_schools_chat_does_not_exist_for_us(world: World) -> None:
    other_org, natalia = await register_gymnasium(world)
    r = await natalia.post(f"{API}/orgs/{other_org}/chats", json={"title": "Педсовет"})
    their_chat = r.json()["id"]
    anna = await world.as_("teacher")
    for path in ("", "/messages", "/members"):
        assert (await anna.get(f"{API}/chats/{their_chat}{path}")).status_code == 404
    r = await anna.post(f"{API}/chats/{their_chat}/messages", json={"body": "эй"})
    assert r.status_code == 404
    r = await natalia.post(f"{API}/chats/{their_chat}/invitations",
                         json={"user_ids": [await world.user_id("teacher")]})
    assert r.status_code == 422  # not a person of that school


async def test_the_last_moderator_hands_over_before_leaving(world: World) -> None:
    anna, chat = await make_class_chat(world)
    masha = await joined(world, "student", chat["id"])
    r = await anna.post(f"{API}/chats/{chat['id']}/leave")
    assert (r.status_code, error_code(r)) == (409, "last_moderator")
    r = await anna.put(f"{API}/chats/{chat['id']}/members/{await world.user_id('student')}/role",
                       json={"role": "moderator"})
    assert (r.status_code, error_code(r)) == (422, "not_staff")  # a student cannot moderate
    assert (await masha.post(f"{API}/chats/{chat['id']}/leave")).status_code == 200
    assert (await masha.get(f"{API}/chats/{chat['id']}/messages")).status_code == 404


async def test_forwarding_stays_inside_the_school_and_ones_own_chats(world: World) -> None:
    anna, chat = await make_class_chat(world)
    masha = await joined(world, "student", chat["id"])
    url = f"{API}/chats/{chat['id']}/messages"
    src = (await anna.post(url, json={"body": "Расписание на неделю"})).json()["id"]
    petya_id = await world.user_id("student2")
    direct = (await masha.post(f"{API}/orgs/{world.org_id}/direct", json={"user_id": petya_id})).json()
    r = await masha.post(f"{API}/chats/{direct['id']}/messages", json={"body": "", "forward_of": src})
    assert r.status_code == 200 and r.json()["forwarded_from_id"] == src
    assert r.json()["body"] == "Расписание на неделю"
    petya = await world.as_("student2")  # invited to the class chat but not in it
    r = await petya.post(f"{API}/chats/{direct['id']}/messages", json={"body": "", "forward_of": src})
    assert r.status_code == 404  # he cannot forward what he cannot read
    # Another school's message answers exactly like one that never was.
    _other, natalia = await register_gymnasium(world)
    theirs = next(c["id"] for c in (await natalia.get(f"{API}/chats")).json()["chats"]
                  if c["kind"] == "school_channel")
    foreign = (await natalia.post(f"{API}/chats/{theirs}/messages",
                                  json={"body": "Объявление гимназии"})).json()["id"]
    answers = [await masha.post(f"{API}/chats/{direct['id']}/messages",
                                json={"body": "", "forward_of": source})
               for source in (foreign, 10**12)]
    assert [a.status_code for a in answers] == [404, 404]
    assert answers[0].json() == answers[1].json()


async def test_typing_is_told_to_the_others_and_never_stored(world: World) -> None:
    from parta.models import UserEvent

    anna, chat = await make_class_chat(world)
    await joined(world, "student", chat["id"])
    assert (await anna.post(f"{API}/chats/{chat['id']}/typing")).status_code == 200
    typing = world.events_of("chat.typing")
    assert len(typing) == 1 and typing[0].audience == {await world.user_id("student")}
    assert typing[0].ephemeral and typing[0].ids == {}
    async with world.services.sessionmaker() as db:
        stored = (await db.execute(select(func.count()).select_from(UserEvent).where(
            UserEvent.type == "chat.typing"))).scalar_one()
    assert stored == 0


async def test_reactions_and_typing_are_rate_limited_per_person(world: World) -> None:
    """A script cannot flood a class with reactions or «typing» (the probe found no limit)."""
    world.services.settings.reactions_per_minute = 10
    world.services.settings.typing_per_minute = 5
    anna, chat = await make_class_chat(world)
    masha = await joined(world, "student", chat["id"])
    url = f"{API}/chats/{chat['id']}/messages"
    mid = (await anna.post(url, json={"body": "Молодцы!"})).json()["id"]
    for i in range(10):
        r = await (masha.put if i % 2 == 0 else masha.delete)(f"{url}/{mid}/reactions/👍")
        assert r.status_code == 200, (i, r.text)
    r = await masha.put(f"{url}/{mid}/reactions/👍")
    assert (r.status_code, error_code(r)) == (429, "rate_limited")
    assert int(r.headers["Retry-After"]) >= 1
    assert (await anna.put(f"{url}/{mid}/reactions/👍")).status_code == 200  # others are not held
    before = len(world.events_of("chat.typing"))
    answers = [(await masha.post(f"{API}/chats/{chat['id']}/typing")).status_code for _ in range(8)]
    assert answers == [200] * 5 + [429] * 3
    assert len(world.events_of("chat.typing")) == before + 5


async def test_channel_posts_count_their_views_once_per_person(world: World) -> None:
    irina = await world.as_("admin")
    school = next(c["id"] for c in (await irina.get(f"{API}/chats")).json()["chats"]
                  if c["kind"] == "school_channel")
    post = (await irina.post(f"{API}/chats/{school}/messages",
                             json={"body": "Каникулы с 28 октября."})).json()["id"]
    for key in ("student", "student2", "student"):
        c = await world.as_(key)
        r = await c.post(f"{API}/chats/{school}/views", json={"message_ids": [post, 999999]})
        assert r.status_code == 200
    page = (await irina.get(f"{API}/chats/{school}/messages")).json()["messages"]
    assert page[0]["id"] == post and page[0]["views"] == 2
    anna, chat = await make_class_chat(world)
    r = await anna.post(f"{API}/chats/{chat['id']}/views", json={"message_ids": [post]})
    assert r.status_code == 422  # views are counted in channels only


async def test_a_new_message_event_names_its_author_and_deleting_unpins(world: World) -> None:
    anna, chat = await make_class_chat(world)
    await joined(world, "student", chat["id"])
    url = f"{API}/chats/{chat['id']}/messages"
    mid = (await anna.post(url, json={"body": "Важно: сменка обязательна."})).json()["id"]
    event = world.events_of("message.new")[-1].event
    assert event.message.author.model_dump() == {  # type: ignore[attr-defined]
        "id": await world.user_id("teacher"),
        "name": "Анна Сергеевна Волкова", "verified_teacher": True}
    await anna.post(f"{API}/chats/{chat['id']}/pins", json={"message_id": mid})
    await anna.delete(f"{url}/{mid}")
    assert (await anna.get(f"{API}/chats/{chat['id']}")).json()["pinned"] == []
    assert world.events_of("chat.pins")[-1].event.pinned == []  # type: ignore[attr-defined]


async def test_an_administrators_channel_powers_follow_the_role(world: World) -> None:
    irina = await world.as_("admin")
    oleg_id = await world.user_id("math_teacher")
    r = await irina.post(f"{API}/orgs/{world.org_id}/members/{oleg_id}/roles",
                         json={"role": "administration"})
    assert r.status_code == 200
    oleg = await world.as_("math_teacher")
    school = next(c["id"] for c in (await oleg.get(f"{API}/chats")).json()["chats"]
                  if c["kind"] == "school_channel")
    assert (await oleg.post(f"{API}/chats/{school}/messages", json={"body": "Объявление"})).status_code == 200
    r = await irina.delete(f"{API}/orgs/{world.org_id}/members/{oleg_id}/roles/administration")
    assert r.status_code == 200
    r = await oleg.post(f"{API}/chats/{school}/messages", json={"body": "Ещё одно"})
    assert (r.status_code, error_code(r)) == (403, "chat_read_only")


async def test_only_moderators_change_settings_invite_and_unpin(world: World) -> None:
    anna, chat = await make_class_chat(world)
    masha = await joined(world, "student", chat["id"])
    cid = chat["id"]
    r = await masha.patch(f"{API}/chats/{cid}", json={"title": "Наш чат"})
    assert r.status_code == 403
    r = await anna.patch(f"{API}/chats/{cid}", json={"colour": "red"})
    assert r.status_code == 422
    r = await masha.post(f"{API}/chats/{cid}/invitations",
                         json={"user_ids": [await world.user_id("parent")]})
    assert r.status_code == 403  # members invite only where the chat allows it
    mid = (await anna.post(f"{API}/chats/{cid}/messages", json={"body": "Важно"})).json()["id"]
    await anna.post(f"{API}/chats/{cid}/pins", json={"message_id": mid})
    assert (await masha.delete(f"{API}/chats/{cid}/pins/{mid}")).status_code == 403
    r = await anna.put(f"{API}/chats/{cid}/members/{await world.user_id('teacher')}/role",
                       json={"role": "member"})
    assert (r.status_code, error_code(r)) == (409, "role_not_allowed")  # the owner stays owner
    after = (await anna.get(f"{API}/chats/{cid}")).json()
    assert after["title"] == "5А — класс" and after["pinned"] == [mid]
    # Changing the rules asks new joiners to accept the new version.
    r = await anna.patch(f"{API}/chats/{cid}", json={"rules": RULES + "\n3. Без рекламы."})
    assert r.json()["rules_version"] == 2
    petya = await world.as_("student2")
    r = await petya.post(f"{API}/chats/{cid}/join", json={"accept_rules": True})
    assert r.json()["rules_accepted_version"] == 2


async def test_a_declined_invitation_leaves_nothing_to_read(world: World) -> None:
    _, chat = await make_class_chat(world)
    petya = await world.as_("student2")
    assert (await petya.post(f"{API}/chats/{chat['id']}/decline")).status_code == 200
    mine = (await petya.get(f"{API}/chats")).json()
    assert chat["id"] not in [i["id"] for i in mine["invitations"]]
    assert (await petya.post(f"{API}/chats/{chat['id']}/join",
                             json={"accept_rules": True})).status_code == 404
    parent = await world.as_("parent")  # never invited
    assert (await parent.post(f"{API}/chats/{chat['id']}/decline")).status_code == 404


async def test_a_direct_chat_left_without_a_word_is_in_nobodys_list(world: World) -> None:
    """«Написать» opens the chat at once; until its first message it is in neither person's list
    (tapping «Написать» and going back left empty chats behind, issue 14)."""
    elena, anna = await world.as_("parent"), await world.as_("teacher")
    anna_id = await world.user_id("teacher")
    direct = (await elena.post(f"{API}/orgs/{world.org_id}/direct", json={"user_id": anna_id})).json()

    async def listed(who: Any) -> bool:
        return direct["id"] in [c["id"] for c in (await who.get(f"{API}/chats")).json()["chats"]]

    assert not await listed(elena) and not await listed(anna)
    assert (await elena.get(f"{API}/chats/{direct['id']}")).status_code == 200  # it opens
    r = await elena.post(f"{API}/chats/{direct['id']}/messages", json={"body": "Добрый день!"})
    assert r.status_code == 200, r.text
    assert await listed(elena) and await listed(anna)
