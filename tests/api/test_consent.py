"""The consent ledger (152-ФЗ): Елена Иванова, mother of Маша (5А) and Ваня (1А), gives and
withdraws consent in the app; Ирина Петровна records a paper form; a withdrawal of chats stops
Маша posting until her mother gives it again; the administrator sees who has gaps."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.actions.base import unit_of_work
from parta.actions.sending import Outgoing, send_messages
from parta.errors import ConsentRequired
from parta.models import ConsentRecord, Purpose, User
from parta.policy import Action
from parta.queries.actors import load_actor
from parta.queries.privacy import consent_allows
from parta.queries.scope import OrgScope, org_for
from tests.api.test_attachments import photo_with_location
from tests.api.test_send_batch import sender
from tests.conftest import World, error_code
from tests.helpers import API, groups_of, register_gymnasium

ALL = ["processing", "chats", "photos", "calls"]


async def class_chat(client: httpx.AsyncClient) -> int:
    chats = (await client.get(f"{API}/chats")).json()["chats"]
    return int(next(c["id"] for c in chats if c["title"] == "5А — класс"))


async def consents(parent: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    r = await parent.get(f"{API}/me/consents")
    assert r.status_code == 200, r.text
    return {c["child"]["name"]: c for c in r.json()["children"]}


async def consent(parent: httpx.AsyncClient, org_id: int, child_id: int, status: str,
                  purposes: list[str]) -> httpx.Response:
    return await parent.post(f"{API}/me/consents", json={
        "org_id": org_id, "child_id": child_id, "purposes": purposes, "status": status})


async def say(client: httpx.AsyncClient, chat_id: int, body: str) -> httpx.Response:
    return await client.post(f"{API}/chats/{chat_id}/messages", json={"body": body})


async def test_nothing_on_record_is_a_gap_not_a_restriction(world: World) -> None:
    elena = await world.as_("parent")
    mine = await consents(elena)
    assert set(mine) == {"Маша Иванова", "Ваня Иванов"}
    masha = mine["Маша Иванова"]
    assert (masha["purposes"], masha["missing"], masha["restricted"], masha["group"]["name"]) == (
        dict.fromkeys(ALL, "none"), ALL, False, "5А")
    doc = (await elena.get(f"{API}/me/consents")).json()["document"]
    assert doc["version"] and len(doc["sha256"]) == 64 and "152-ФЗ" in doc["text"]
    student = await world.as_("student")
    r = await say(student, await class_chat(student), "Всем привет!")
    assert r.status_code == 200, r.text  # an existing school does not break overnight


async def test_a_withdrawal_stops_the_child_posting_until_renewed(world: World) -> None:
    elena = await world.as_("parent")
    masha_id = await world.user_id("student")
    r = await consent(elena, world.org_id, masha_id, "given", ALL)
    assert r.status_code == 200, r.text
    assert (r.json()["missing"], r.json()["restricted"]) == ([], False)
    masha = await world.as_("student")
    chat_id = await class_chat(masha)
    assert (await say(masha, chat_id, "Я сделала домашку")).status_code == 200

    world.events.clear()
    r = await consent(elena, world.org_id, masha_id, "withdrawn", ["chats"])
    assert (r.json()["purposes"]["chats"], r.json()["restricted"]) == ("withdrawn", True)
    [event] = world.events_of("consent.changed")
    assert event.event.model_dump() == {"type": "consent.changed", "org_id": world.org_id,
                                        "child_id": masha_id, "purpose": "chats",
                                        "status": "withdrawn"}
    assert event.audience == {masha_id, await world.user_id("parent")}
    before = (await masha.get(f"{API}/chats/{chat_id}/messages")).json()["messages"]
    r = await say(masha, chat_id, "А можно мне?")
    assert (r.status_code, error_code(r)) == (403, "consent_required")
    assert r.json()["error"]["params"] == {"purpose": "chats"}
    assert "согласие" in r.json()["error"]["message"]
    r = await masha.post(f"{API}/chats/{chat_id}/messages", json={"body": "hi"},
                         headers={"Accept-Language": "en"})
    assert (await masha.get(f"{API}/chats/{chat_id}/messages")).json()["messages"] == before
    # Masha still reads; her classmate and the teacher still post.
    petya = await world.as_("student2")
    assert (await say(petya, chat_id, "Я тоже")).status_code == 200

    r = await consent(elena, world.org_id, masha_id, "given", ["chats"])
    assert r.json()["restricted"] is False
    assert (await say(masha, chat_id, "Спасибо, мама!")).status_code == 200


async def _school(db: AsyncSession, world: World) -> OrgScope:
    """The school as its administration reads it (the scope the calls feature will hold)."""
    admin = await load_actor(db, await db.get_one(User, await world.user_id("admin")))
    return await org_for(db, admin, world.org_id, Action.consent_view)


async def test_withdrawing_processing_restricts_everything(world: World) -> None:
    elena = await world.as_("parent")
    masha_id = await world.user_id("student")
    await consent(elena, world.org_id, masha_id, "given", ALL)
    r = await consent(elena, world.org_id, masha_id, "withdrawn", ["processing"])
    assert r.json()["restricted"] is True
    async with unit_of_work(world.services, read_only=True) as ctx:
        school = await _school(ctx.db, world)
        assert not await consent_allows(ctx.db, school, masha_id, Purpose.calls)
        assert await consent_allows(ctx.db, school, await world.user_id("student2"),
                                    Purpose.calls)
    masha = await world.as_("student")
    r = await say(masha, await class_chat(masha), "Привет")
    assert (r.status_code, error_code(r)) == (403, "consent_required")


async def test_photos_withdrawn_refuses_the_childs_photos_not_her_files(world: World) -> None:
    elena = await world.as_("parent")
    masha_id = await world.user_id("student")
    await consent(elena, world.org_id, masha_id, "withdrawn", ["photos"])
    masha = await world.as_("student")
    chat_id = await class_chat(masha)
    r = await masha.post(f"{API}/chats/{chat_id}/attachments",
                         files={"file": ("я.jpg", photo_with_location(), "image/jpeg")})
    assert (r.status_code, error_code(r)) == (403, "consent_required")
    assert r.json()["error"]["params"] == {"purpose": "photos"}
    r = await masha.post(f"{API}/chats/{chat_id}/attachments",
                         files={"file": ("доклад.txt", "Доклад о музее".encode(), "text/plain")})
    assert r.status_code == 201, r.text
    assert (await say(masha, chat_id, "Фото пришлю потом")).status_code == 200
    async with unit_of_work(world.services, read_only=True) as ctx:
        school = await _school(ctx.db, world)
        assert not await consent_allows(ctx.db, school, masha_id, Purpose.photos)
        assert await consent_allows(ctx.db, school, masha_id, Purpose.chats)


async def test_a_batch_of_sends_reads_restrictions_once_and_refuses_only_the_child(
        world: World) -> None:
    elena = await world.as_("parent")
    masha_id, petya_id = await world.user_id("student"), await world.user_id("student2")
    await consent(elena, world.org_id, masha_id, "withdrawn", ["chats"])
    chat_id = await class_chat(await world.as_("student"))
    statements: list[str] = []
    from sqlalchemy import event

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = world.services.sessionmaker.kw["bind"].sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        async with unit_of_work(world.services) as uow:
            masha, petya = await sender(uow, world, masha_id), await sender(uow, world, petya_id)
            statements.clear()
            results = await send_messages(uow, [
                Outgoing(masha, chat_id, "раз"), Outgoing(petya, chat_id, "два"),
                Outgoing(masha, chat_id, "три"), Outgoing(petya, chat_id, "четыре")])
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert [type(r).__name__ for r in results] == ["ConsentRequired", "Sent", "ConsentRequired",
                                                   "Sent"]
    assert isinstance(results[0], ConsentRequired)
    assert sum("consent_state" in s for s in statements) == 1


async def test_only_the_childs_own_parent_may_consent(world: World) -> None:
    masha_id = await world.user_id("student")
    for key in ("teacher", "student2", "admin"):
        someone = await world.as_(key)
        r = await consent(someone, world.org_id, masha_id, "withdrawn", ["chats"])
        assert (r.status_code, error_code(r)) == (404, "not_found"), key
    elena = await world.as_("parent")
    petya_id = await world.user_id("student2")
    r = await consent(elena, world.org_id, petya_id, "given", ["chats"])
    assert (r.status_code, error_code(r)) == (404, "not_found")
    gym_id, _ = await register_gymnasium(world)
    r = await consent(elena, gym_id, masha_id, "given", ["chats"])
    assert (r.status_code, error_code(r)) == (404, "not_found")
    r = await elena.post(f"{API}/me/consents", json={
        "org_id": world.org_id, "child_id": masha_id, "purposes": ["selfies"], "status": "given"})
    assert (r.status_code, error_code(r)) == (422, "validation_failed")
    r = await elena.post(f"{API}/me/consents", json={
        "org_id": world.org_id, "child_id": masha_id, "purposes": ["chats"], "status": "given",
        "document_version": "1999-old"})
    assert (r.status_code, error_code(r)) == (422, "consent_document_changed")
    async with world.services.sessionmaker() as db:
        assert (await db.execute(select(func.count()).select_from(ConsentRecord))).scalar() == 0


async def test_the_ledger_keeps_every_change_and_who_made_it(world: World) -> None:
    elena = await world.as_("parent")
    masha_id = await world.user_id("student")
    await consent(elena, world.org_id, masha_id, "given", ["processing", "chats"])
    await consent(elena, world.org_id, masha_id, "given", ["chats"])  # already so: no new row
    await consent(elena, world.org_id, masha_id, "withdrawn", ["chats"])
    admin = await world.as_("admin")
    r = await admin.post(f"{API}/orgs/{world.org_id}/consents/paper", json={
        "child_id": masha_id, "purposes": ["chats", "photos"], "status": "given",
        "parent_name": "Елена Иванова", "note": "заявление № 17"})
    assert r.status_code == 201, r.text
    history = r.json()
    assert history["child"]["purposes"] == {"processing": "given", "chats": "given",
                                            "photos": "given", "calls": "none"}
    rows = [(x["purpose"], x["status"], x["channel"], x["parent"]["name"] if x["parent"] else None,
             x["recorded_by"]["name"]) for x in history["records"]]
    assert rows == [
        ("photos", "given", "paper", "Елена Иванова", "Ирина Петровна Смирнова"),
        ("chats", "given", "paper", "Елена Иванова", "Ирина Петровна Смирнова"),
        ("chats", "withdrawn", "app", "Елена Иванова", "Елена Иванова"),
        ("chats", "given", "app", "Елена Иванова", "Елена Иванова"),
        ("processing", "given", "app", "Елена Иванова", "Елена Иванова"),
    ]
    assert {x["document_hash"] for x in history["records"]} == {
        (await elena.get(f"{API}/me/consents")).json()["document"]["sha256"]}
    assert history["records"][0]["note"] == "заявление № 17"
    entries = (await admin.get(f"{API}/orgs/{world.org_id}/audit")).json()["entries"]
    assert [e["action"] for e in entries[:3]] == ["consent.given", "consent.withdrawn",
                                                  "consent.given"]
    assert entries[0]["details"]["channel"] == "paper"


async def test_paper_forms_are_the_administrations_and_stay_in_the_school(world: World) -> None:
    masha_id = await world.user_id("student")
    body = {"child_id": masha_id, "purposes": ["chats"], "status": "given",
            "parent_name": "Елена Иванова"}
    for key in ("teacher", "student", "parent"):
        someone = await world.as_(key)
        r = await someone.post(f"{API}/orgs/{world.org_id}/consents/paper", json=body)
        assert (r.status_code, error_code(r)) == (403, "forbidden"), key
    gym_id, natalia = await register_gymnasium(world)
    r = await natalia.post(f"{API}/orgs/{world.org_id}/consents/paper", json=body)
    assert (r.status_code, error_code(r)) == (404, "not_found")
    r = await natalia.post(f"{API}/orgs/{gym_id}/consents/paper", json=body)
    assert (r.status_code, error_code(r)) == (404, "not_found")  # Маша is not theirs
    r = await natalia.get(f"{API}/orgs/{world.org_id}/consents/children/{masha_id}")
    assert (r.status_code, error_code(r)) == (404, "not_found")
    admin = await world.as_("admin")
    teacher_id = await world.user_id("teacher")
    r = await admin.post(f"{API}/orgs/{world.org_id}/consents/paper",
                         json={**body, "child_id": teacher_id})
    assert (r.status_code, error_code(r)) == (404, "not_found")
    r = await admin.post(f"{API}/orgs/{world.org_id}/consents/paper",
                         json={**body, "parent_name": ""})
    assert (r.status_code, error_code(r)) == (422, "validation_failed")


async def test_the_administrator_sees_the_gaps_by_class(world: World) -> None:
    elena = await world.as_("parent")
    masha_id = await world.user_id("student")
    vanya_id = await world.user_id("little")
    await consent(elena, world.org_id, masha_id, "given", ALL)
    await consent(elena, world.org_id, vanya_id, "withdrawn", ["photos"])
    admin = await world.as_("admin")
    r = await admin.get(f"{API}/orgs/{world.org_id}/consents/gaps")
    assert r.status_code == 200, r.text
    gaps = r.json()
    assert (gaps["children"], gaps["complete"], gaps["gaps"]) == (3, 1, 2)
    by_class = {c["group"]["name"]: c for c in gaps["classes"]}
    assert {k: (c["children"], c["complete"], c["not_recorded"], c["withdrawn"])
            for k, c in by_class.items()} == {"1А": (1, 0, 0, 1), "5А": (2, 1, 1, 0)}
    assert [g["child"]["name"] for g in by_class["5А"]["gaps"]] == ["Петя Соколов"]
    vanya = by_class["1А"]["gaps"][0]
    assert (vanya["missing"], vanya["restricted"]) == (ALL, False)

    # The class teacher of 5А sees her class; not the whole school, not another class.
    anna = await world.as_("teacher")
    groups = await groups_of(anna, world.org_id)
    r = await anna.get(f"{API}/orgs/{world.org_id}/consents/gaps",
                       params={"group_id": groups["5А"]["id"]})
    assert r.status_code == 200 and [c["group"]["name"] for c in r.json()["classes"]] == ["5А"]
    for params in ({}, {"group_id": groups["1А"]["id"]}):
        r = await anna.get(f"{API}/orgs/{world.org_id}/consents/gaps", params=params)
        assert (r.status_code, error_code(r)) == (403, "forbidden")
    for key in ("student", "parent", "math_teacher"):
        r = await (await world.as_(key)).get(f"{API}/orgs/{world.org_id}/consents/gaps")
        assert (r.status_code, error_code(r)) == (403, "forbidden"), key
    _, natalia = await register_gymnasium(world)
    r = await natalia.get(f"{API}/orgs/{world.org_id}/consents/gaps")
    assert (r.status_code, error_code(r)) == (404, "not_found")
