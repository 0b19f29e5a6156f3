"""The municipality's instructions (R2): Ольга Николаевна, the municipal administrator, tells
the schools to hold a fire drill by Friday; Школа № 1 takes it up at once, Гимназия № 5 is
reminded; who has and has not is plain to her, and to nobody outside the municipality."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import update

from parta.db import utcnow
from parta.models import Instruction
from tests.api.test_network import far_school, gymnasium, municipal_admin
from tests.conftest import World, error_code

API = "/api/v1"


def soon(days: float = 3) -> str:
    return (utcnow() + timedelta(days=days)).isoformat()


async def send(olga: httpx.AsyncClient, muni_id: int, **extra: Any) -> httpx.Response:
    return await olga.post(f"{API}/municipalities/{muni_id}/instructions", json={
        "title": "Учебная пожарная эвакуация",
        "body": "Провести учебную эвакуацию до пятницы и сдать акт.",
        "deadline": soon(), **extra})


async def test_schools_take_an_instruction_up_and_the_municipality_sees_who(world: World) -> None:
    gym_id, natalia = await gymnasium(world)
    olga, muni_id = await municipal_admin(world)
    r = await send(olga, muni_id)
    assert r.status_code == 201, r.text
    ins = r.json()
    assert ins["schools"] == 2 and ins["acknowledged"] == 0 and ins["state"] == "open"
    received = world.events_of("instruction.received")
    admin = await world.as_("admin")
    admin_id = int((await admin.get(f"{API}/me")).json()["id"])
    assert any(admin_id in e.audience and e.event.org_id == world.org_id for e in received)

    listed = (await admin.get(f"{API}/orgs/{world.org_id}/instructions")).json()["instructions"]
    assert [(i["title"], i["author"]["name"], i["acknowledged_at"]) for i in listed] == [
        ("Учебная пожарная эвакуация", "Ольга Николаевна Руденко", None)]
    r = await admin.post(f"{API}/orgs/{world.org_id}/instructions/{ins['id']}/acknowledge")
    assert r.status_code == 200 and r.json()["acknowledged_at"]
    again = await admin.post(f"{API}/orgs/{world.org_id}/instructions/{ins['id']}/acknowledge")
    assert again.json()["acknowledged_at"] == r.json()["acknowledged_at"]  # taken up once

    seen = (await olga.get(f"{API}/municipalities/{muni_id}/instructions/{ins['id']}")).json()
    state = {s["org"]["name"]: (s["acknowledged_by"] or {}).get("name") for s in
             seen["recipients"]}
    assert state == {"Школа № 1 (демо)": "Ирина Петровна Смирнова", "Гимназия № 5": None}
    listed = (await olga.get(f"{API}/municipalities/{muni_id}/instructions")).json()
    assert [(i["schools"], i["acknowledged"]) for i in listed["instructions"]] == [(2, 1)]

    # A reminder goes to the gymnasium alone, and not twice in an hour.
    before = len(world.events_of("instruction.received"))
    r = await olga.post(f"{API}/municipalities/{muni_id}/instructions/{ins['id']}/remind")
    assert r.status_code == 200, r.text
    reminded = world.events_of("instruction.received")[before:]
    assert {e.event.org_id for e in reminded} == {gym_id} and reminded[0].event.reminder
    assert [s["reminded_at"] is not None for s in r.json()["recipients"]] == [True, False]
    r = await olga.post(f"{API}/municipalities/{muni_id}/instructions/{ins['id']}/remind")
    assert r.status_code == 409 and error_code(r) == "reminded_recently"
    r = await natalia.post(f"{API}/orgs/{gym_id}/instructions/{ins['id']}/acknowledge")
    assert r.status_code == 200
    r = await olga.post(f"{API}/municipalities/{muni_id}/instructions/{ins['id']}/remind")
    assert r.status_code == 409 and error_code(r) == "all_acknowledged"


async def test_an_instruction_to_some_schools_reaches_only_them(world: World) -> None:
    gym_id, _ = await gymnasium(world)
    olga, muni_id = await municipal_admin(world)
    r = await send(olga, muni_id, org_ids=[gym_id])
    assert r.status_code == 201 and r.json()["schools"] == 1
    ins_id = r.json()["id"]
    admin = await world.as_("admin")
    assert (await admin.get(f"{API}/orgs/{world.org_id}/instructions")).json()[
        "instructions"] == []
    r = await admin.post(f"{API}/orgs/{world.org_id}/instructions/{ins_id}/acknowledge")
    assert r.status_code == 404
    # Another school's administrator answers nothing for the gymnasium.
    r = await admin.post(f"{API}/orgs/{gym_id}/instructions/{ins_id}/acknowledge")
    assert r.status_code == 404
    # A teacher does not answer for the school.
    anna = await world.as_("teacher")
    assert (await anna.get(f"{API}/orgs/{world.org_id}/instructions")).status_code == 403


async def test_who_may_send_and_what(world: World) -> None:
    _, natalia = await gymnasium(world)
    far_id, far_admin = await far_school(world)
    olga, muni_id = await municipal_admin(world)
    # A school's administrator, a teacher, the operator: no municipality to instruct.
    for who in (natalia, await world.as_("teacher"), await world.as_("operator"), far_admin):
        r = await send(who, muni_id)
        assert r.status_code == 404, r.text
        assert (await who.get(f"{API}/municipalities/{muni_id}/instructions")).status_code == 404
    # A school of another municipality is not hers to instruct.
    r = await send(olga, muni_id, org_ids=[far_id])
    assert r.status_code == 422 and r.json()["error"]["field_codes"] == {"org_ids": "invalid"}
    for extra, field in (({"deadline": soon(-1)}, "in_the_past"),
                         ({"deadline": soon(400)}, "too_far"),
                         ({"deadline": "2026-12-31T10:00:00"}, "invalid")):
        r = await send(olga, muni_id, **extra)
        assert r.status_code == 422 and r.json()["error"]["field_codes"] == {"deadline": field}
    for extra in ({"org_ids": []}, {"org_ids": list(range(1, 502))}, {"title": ""},
                  {"body": "x" * 10001}, {"org_ids": "all"}, {"extra": True}):
        r = await send(olga, muni_id, **extra)
        assert r.status_code == 422, (extra, r.text)
    r = await olga.post(f"{API}/municipalities/{muni_id}/instructions",
                        content=b'{"body": "' + b"x" * (2 * 1024 * 1024) + b'"}',
                        headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert (await olga.get(f"{API}/municipalities/{muni_id}/instructions")).json()[
        "instructions"] == []
    # The far municipality's administrator sees nothing of this one.
    r = await send(olga, muni_id)
    ins_id = r.json()["id"]
    assert (await far_admin.get(f"{API}/orgs/{far_id}/instructions")).json()[
        "instructions"] == []
    r = await far_admin.post(f"{API}/orgs/{far_id}/instructions/{ins_id}/acknowledge")
    assert r.status_code == 404


async def test_after_the_deadline_the_instruction_is_closed(world: World) -> None:
    await gymnasium(world)
    olga, muni_id = await municipal_admin(world)
    ins_id = (await send(olga, muni_id)).json()["id"]
    async with world.services.sessionmaker() as db:  # the deadline passes
        await db.execute(update(Instruction).where(Instruction.id == ins_id).values(
            deadline=utcnow() - timedelta(minutes=1)))
        await db.commit()
    admin = await world.as_("admin")
    r = await admin.post(f"{API}/orgs/{world.org_id}/instructions/{ins_id}/acknowledge")
    assert r.status_code == 409 and error_code(r) == "instruction_closed"
    r = await olga.post(f"{API}/municipalities/{muni_id}/instructions/{ins_id}/remind")
    assert r.status_code == 409 and error_code(r) == "instruction_closed"
    seen = (await olga.get(f"{API}/municipalities/{muni_id}/instructions/{ins_id}")).json()
    assert seen["state"] == "closed" and seen["acknowledged"] == 0


async def test_the_municipality_channel_is_for_its_schools_administrators(world: World) -> None:
    """Made the first time Ольга Николаевна opens it; the schools' administrators are in it and
    read (and answer her posts: the next test); she posts; a teacher, and another municipality, see nothing of it."""
    gym_id, natalia = await gymnasium(world)
    olga, muni_id = await municipal_admin(world)
    r = await olga.post(f"{API}/municipalities/{muni_id}/channel")
    assert r.status_code == 200, r.text
    channel = r.json()
    chat_id = channel["chat_id"]
    assert channel["kind"] == "channel"
    again = await olga.post(f"{API}/municipalities/{muni_id}/channel")
    assert again.json()["chat_id"] == chat_id  # one channel per municipality
    r = await olga.post(f"{API}/chats/{chat_id}/messages",
                        json={"body": "Совещание директоров в среду в 15:00."})
    assert r.status_code in (200, 201), r.text
    admin = await world.as_("admin")
    for who, school in ((admin, world.org_id), (natalia, gym_id)):
        listed = {c["id"] for c in (await who.get(f"{API}/chats", params={
            "org_id": school})).json()["chats"]}
        assert chat_id in listed
        page = (await who.get(f"{API}/chats/{chat_id}/messages")).json()["messages"]
        assert page[0]["body"] == "Совещание директоров в среду в 15:00."
        r = await who.post(f"{API}/chats/{chat_id}/messages", json={"body": "Принято"})
        assert r.status_code == 403 and error_code(r) == "replies_only"  # they answer posts
    anna = await world.as_("teacher")
    assert (await anna.get(f"{API}/chats/{chat_id}")).status_code == 404
    _, far_admin = await far_school(world)
    assert (await far_admin.get(f"{API}/chats/{chat_id}")).status_code == 404
    for who in (admin, anna, far_admin):
        assert (await who.post(f"{API}/municipalities/{muni_id}/channel")).status_code == 404


async def test_school_administrators_answer_the_municipalitys_posts(world: World) -> None:
    """Ольга Николаевна asks in the channel who comes to Wednesday's meeting; Ирина Петровна
    answers the post, and every administrator of the channel — Наталья Сергеевна of the
    gymnasium too — reads the answer live. An answer is to a post only: nothing of one's own,
    no answer to an answer, no files; and the refusals change nothing."""
    _, natalia = await gymnasium(world)
    olga, muni_id = await municipal_admin(world)
    chat_id = (await olga.post(f"{API}/municipalities/{muni_id}/channel")).json()["chat_id"]
    r = await olga.post(f"{API}/chats/{chat_id}/messages",
                        json={"body": "Кто будет на совещании в среду?"})
    post_id = r.json()["id"]
    admin = await world.as_("admin")
    me = await admin.get(f"{API}/chats/{chat_id}")
    assert me.json()["post_policy"] == "replies"
    caps = me.json()["capabilities"]
    assert (caps["can_post"], caps["can_reply"]) == (False, True)
    assert (await olga.get(f"{API}/chats/{chat_id}")).json()["capabilities"]["can_post"]

    before = len(world.events_of("message.new"))
    r = await admin.post(f"{API}/chats/{chat_id}/messages",
                         json={"body": "Школа № 1 будет, директор и завуч.",
                               "reply_to_id": post_id})
    assert r.status_code in (200, 201), r.text
    answer_id = r.json()["id"]
    [told] = world.events_of("message.new")[before:]
    natalia_id = int((await natalia.get(f"{API}/me")).json()["id"])
    olga_id = int((await olga.get(f"{API}/me")).json()["id"])
    assert {natalia_id, olga_id} <= set(told.audience)
    for who in (olga, natalia):
        page = (await who.get(f"{API}/chats/{chat_id}/messages")).json()["messages"]
        mine = [m for m in page if m["id"] == answer_id]
        assert [(m["body"], m["reply_to_id"]) for m in mine] == [
            ("Школа № 1 будет, директор и завуч.", post_id)]
    # She corrects her own answer; the municipality answers her answer.
    r = await admin.patch(f"{API}/chats/{chat_id}/messages/{answer_id}",
                          json={"body": "Школа № 1 будет: директор."})
    assert r.status_code == 200, r.text
    r = await olga.post(f"{API}/chats/{chat_id}/messages",
                        json={"body": "Спасибо!", "reply_to_id": answer_id})
    assert r.status_code in (200, 201), r.text

    async def count() -> int:
        return len((await olga.get(f"{API}/chats/{chat_id}/messages")).json()["messages"])

    had = await count()
    # Refusals: a post of her own, an answer to an answer, a message of another chat, too
    # long, empty — and a teacher, another municipality's administrator: no such chat.
    r = await natalia.post(f"{API}/chats/{chat_id}/messages", json={"body": "Объявление"})
    assert (r.status_code, error_code(r)) == (403, "replies_only")
    r = await natalia.post(f"{API}/chats/{chat_id}/messages",
                           json={"body": "И мы", "reply_to_id": answer_id})
    assert r.status_code == 422 and r.json()["error"]["field_codes"] == {"reply_to_id": "not_a_post"}
    staff = (await admin.get(f"{API}/chats", params={"org_id": world.org_id})).json()["chats"]
    elsewhere = next(c["id"] for c in staff
                     if c["id"] != chat_id and c["capabilities"]["can_post"])
    other_msg = (await admin.post(f"{API}/chats/{elsewhere}/messages",
                                  json={"body": "Коллеги, совещание в среду."})).json()["id"]
    r = await natalia.post(f"{API}/chats/{chat_id}/messages",
                           json={"body": "Да", "reply_to_id": other_msg})
    assert r.status_code == 404
    r = await natalia.post(f"{API}/chats/{chat_id}/messages",
                           json={"body": "я" * 10_001, "reply_to_id": post_id})
    assert r.status_code == 422
    r = await natalia.post(f"{API}/chats/{chat_id}/messages",
                           json={"body": "   ", "reply_to_id": post_id})
    assert r.status_code == 422
    anna = await world.as_("teacher")
    _, far_admin = await far_school(world)
    for who in (anna, far_admin):
        r = await who.post(f"{API}/chats/{chat_id}/messages",
                           json={"body": "Я тоже", "reply_to_id": post_id})
        assert r.status_code == 404
    assert await count() == had
    # Answers are a member's messages: a flood of them is stopped as anywhere else.
    for i in range(world.services.settings.flood_burst_messages):
        r = await natalia.post(f"{API}/chats/{chat_id}/messages",
                               json={"body": f"Уточнение {i}", "reply_to_id": post_id})
        assert r.status_code in (200, 201), (i, r.text)
    r = await natalia.post(f"{API}/chats/{chat_id}/messages",
                           json={"body": "Ещё уточнение", "reply_to_id": post_id})
    assert (r.status_code, error_code(r)) == (429, "flood")
