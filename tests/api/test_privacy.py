"""A person's own data (152-ФЗ): Маша downloads everything Parta holds about her as an
archive; Елена Иванова asks to delete her data and may change her mind for a week; a parent
asks for her child's deletion; a student who left a year ago is deleted by the retention job.
Deleted people's messages stay in their chats, written by «удалённый пользователь»."""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from parta.actions.privacy import (
    plan_retention,
    run_deletions,
    run_exports,
    run_privacy_jobs,
)
from parta.db import utcnow
from parta.models import (
    AuthSession,
    DataExport,
    DeletionRequest,
    Membership,
    MembershipRole,
    ParentLink,
    Role,
    User,
)
from tests.api.test_attachments import photo_with_location
from tests.api.test_consent import class_chat, consent, say
from tests.conftest import PHONES, World, error_code
from tests.helpers import API, members, register_gymnasium

LATER = timedelta(days=8)  # past the week's grace period


async def upload(client: httpx.AsyncClient, chat_id: int, name: str, data: bytes,
                 mime: str) -> dict[str, Any]:
    r = await client.post(f"{API}/chats/{chat_id}/attachments", files={"file": (name, data, mime)})
    assert r.status_code == 201, r.text
    return dict(r.json())


async def code_for(world: World, client: httpx.AsyncClient, key: str) -> str:
    r = await client.post(f"{API}/auth/code", json={"phone": PHONES[key]})
    assert r.status_code == 200, r.text
    return world.sms.last_code(PHONES[key])


async def messages(client: httpx.AsyncClient, chat_id: int) -> list[dict[str, Any]]:
    r = await client.get(f"{API}/chats/{chat_id}/messages")
    assert r.status_code == 200, r.text
    return list(r.json()["messages"])


# The archive ------------------------------------------------------------------------------------

async def test_masha_downloads_everything_about_her(world: World) -> None:
    elena = await world.as_("parent")
    masha_id = await world.user_id("student")
    await consent(elena, world.org_id, masha_id, "given", ["processing", "chats"])
    masha = await world.as_("student")
    chat_id = await class_chat(masha)
    essay = "Мой доклад о музее".encode()
    att = await upload(masha, chat_id, "доклад.txt", essay, "text/plain")
    r = await masha.post(f"{API}/chats/{chat_id}/messages",
                         json={"body": "Вот мой доклад", "attachment_ids": [att["id"]]})
    assert r.status_code == 200, r.text
    first = (await messages(masha, chat_id))[0]
    r = await masha.put(f"{API}/chats/{chat_id}/messages/{first['id']}/reactions/👍")
    assert r.status_code == 200, r.text

    assert (await masha.get(f"{API}/me/export")).json() == {
        "state": "none", "id": None, "created_at": None, "finished_at": None, "expires_at": None,
        "size": None, "files": 0, "files_left_out": 0, "download_url": None, "keep_hours": 48}
    world.events.clear()
    r = await masha.post(f"{API}/me/export")
    assert (r.status_code, r.json()["state"]) == (202, "pending"), r.text
    [event] = world.events_of("privacy.changed")
    assert (event.event.model_dump()["what"], event.audience) == ("export", {masha_id})
    r = await masha.post(f"{API}/me/export")
    assert (r.status_code, error_code(r)) == (409, "export_in_progress")

    assert await run_exports(world.services) == 1
    assert await run_exports(world.services) == 0  # nothing is built twice
    state = (await masha.get(f"{API}/me/export")).json()
    assert (state["state"], state["files"], state["files_left_out"]) == ("done", 1, 0)
    r = await masha.get(state["download_url"])
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert r.headers["content-disposition"].startswith('attachment; filename="parta-data-')
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    data = json.loads(archive.read("data.json"))
    assert data["profile"]["name"] == "Маша Иванова"
    assert data["profile"]["phone"] == PHONES["student"]
    [membership] = data["memberships"]
    assert (membership["roles"], membership["classes"]) == (["student"], ["5А"])
    assert [(f["as"], f["parent"]) for f in data["family"]] == [("child", "Елена Иванова")]
    assert {(c["purpose"], c["status"]) for c in data["consents"]} == {
        ("processing", "given"), ("chats", "given")}
    mine = [m for m in data["messages"] if m["body"] == "Вот мой доклад"]
    assert mine[0]["chat"]["title"] == "5А — класс"
    inside = mine[0]["files"][0]
    assert archive.read(inside) == essay
    assert data["files"][0]["in_archive"] == inside
    assert data["sessions"] and all(s["kind"] == "bearer" for s in data["sessions"])
    assert "privacy.export_requested" in [a["action"] for a in data["audit"]]
    assert [(x["emoji"], x["chat"]) for x in data["reactions"]] == [("👍", "5А — класс")]

    # Only Маша gets it; to anyone else it does not exist.
    for key in ("student2", "parent", "admin", "operator"):
        r = await (await world.as_(key)).get(state["download_url"])
        assert (r.status_code, error_code(r)) == (404, "not_found"), key
    r = await masha.get(f"{API}/me/export/{state['id'] + 1}/download")
    assert (r.status_code, error_code(r)) == (404, "not_found")

    # Two days later it is gone, from the storage too.
    async with world.services.sessionmaker() as db:
        key = (await db.get(DataExport, state["id"])).storage_key  # type: ignore[union-attr]
    assert key and await world.services.storage.exists(key)
    done = await run_privacy_jobs(world.services, utcnow() + timedelta(hours=49))
    assert done["expired"] == 1
    assert not await world.services.storage.exists(key)
    assert (await masha.get(f"{API}/me/export")).json()["state"] == "expired"
    r = await masha.get(state["download_url"])
    assert (r.status_code, error_code(r)) == (410, "export_expired")


async def test_the_archive_is_bounded_and_a_new_one_replaces_the_old(world: World) -> None:
    masha = await world.as_("student")
    chat_id = await class_chat(masha)
    for n in range(2):
        att = await upload(masha, chat_id, f"фото{n}.jpg", photo_with_location(), "image/jpeg")
        await masha.post(f"{API}/chats/{chat_id}/messages",
                         json={"body": "", "attachment_ids": [att["id"]]})
    world.services.settings.export_max_files_mb = 0
    await masha.post(f"{API}/me/export")
    await run_exports(world.services)
    first = (await masha.get(f"{API}/me/export")).json()
    assert (first["state"], first["files"], first["files_left_out"]) == ("done", 0, 2)
    data = json.loads(zipfile.ZipFile(io.BytesIO(
        (await masha.get(first["download_url"])).content)).read("data.json"))
    assert [f["in_archive"] for f in data["files"]] == [None, None]
    async with world.services.sessionmaker() as db:
        old_key = (await db.get(DataExport, first["id"])).storage_key  # type: ignore[union-attr]
    r = await masha.post(f"{API}/me/export")
    assert r.status_code == 202 and r.json()["id"] != first["id"]
    assert old_key and not await world.services.storage.exists(old_key)
    r = await masha.get(first["download_url"])
    assert (r.status_code, error_code(r)) == (410, "export_expired")


# Deletion ---------------------------------------------------------------------------------------

async def test_elena_asks_to_delete_her_data_and_changes_her_mind(world: World) -> None:
    elena = await world.as_("parent")
    r = await elena.post(f"{API}/me/deletion", json={"code": "000000"})
    assert (r.status_code, error_code(r)) == (400, "code_expired")  # no code was sent
    code = await code_for(world, elena, "parent")
    wrong = "111111" if code != "111111" else "222222"
    r = await elena.post(f"{API}/me/deletion", json={"code": wrong})
    assert (r.status_code, error_code(r)) == (400, "code_invalid")
    r = await elena.post(f"{API}/me/deletion", json={})
    assert (r.status_code, error_code(r)) == (422, "validation_failed")
    assert (await elena.get(f"{API}/me/deletion")).json()["state"] == "none"
    r = await elena.post(f"{API}/me/deletion", json={"code": code})
    assert r.status_code == 201, r.text
    asked = r.json()
    assert (asked["state"], asked["reason"], asked["can_cancel"], asked["grace_days"]) == (
        "pending", "own", True, 7)
    due = datetime.fromisoformat(asked["due_at"]) - datetime.fromisoformat(asked["created_at"])
    assert abs(due - timedelta(days=7)) < timedelta(minutes=1)
    r = await elena.post(f"{API}/me/deletion", json={"code": code})
    assert (r.status_code, error_code(r)) == (409, "deletion_pending")
    r = await elena.delete(f"{API}/me/deletion")
    assert r.json()["state"] == "cancelled"
    r = await elena.delete(f"{API}/me/deletion")
    assert (r.status_code, error_code(r)) == (404, "not_found")
    assert await run_deletions(world.services, utcnow() + LATER) == 0
    assert (await elena.get(f"{API}/me")).status_code == 200
    admin = await world.as_("admin")
    entries = (await admin.get(f"{API}/orgs/{world.org_id}/audit")).json()["entries"]
    assert "privacy.deletion_requested" not in [e["action"] for e in entries]  # not the school's


async def test_after_the_grace_period_elena_is_gone_and_her_words_stay(world: World) -> None:
    elena = await world.as_("parent")
    elena_id = await world.user_id("parent")
    chats = (await elena.get(f"{API}/chats")).json()["chats"]
    parents_chat = next(c["id"] for c in chats if c["title"] == "5А — родители")
    r = await say(elena, parents_chat, "Я приду на собрание")
    assert r.status_code == 200
    att = await upload(elena, parents_chat, "справка.txt", "справка".encode(), "text/plain")
    await elena.post(f"{API}/chats/{parents_chat}/messages",
                     json={"body": "Справка", "attachment_ids": [att["id"]]})
    await elena.post(f"{API}/me/export")
    await run_exports(world.services)
    async with world.services.sessionmaker() as db:
        keys = [k for k in (await db.execute(select(DataExport.storage_key))).scalars() if k]
    r = await elena.post(f"{API}/me/deletion", json={"code": await code_for(world, elena, "parent")})
    assert r.status_code == 201
    assert await run_deletions(world.services) == 0  # not yet: a week to change her mind
    world.events.clear()
    assert await run_deletions(world.services, utcnow() + LATER) == 1
    assert [e.audience for e in world.events_of("session.ended")] and all(
        e.audience == {elena_id} for e in world.events_of("session.ended"))

    r = await elena.get(f"{API}/me")
    assert (r.status_code, error_code(r)) == (401, "not_authenticated")
    anna = await world.as_("teacher")
    said = await messages(anna, parents_chat)
    hers = [m for m in said if m["body"] in ("Я приду на собрание", "Справка")]
    assert len(hers) == 2
    assert {m["author"]["name"] for m in hers} == {"удалённый пользователь"}
    assert all(m["attachments"] == [] for m in hers)
    r = await anna.get(f"{API}/attachments/{att['id']}")
    assert (r.status_code, error_code(r)) == (404, "not_found")
    for key in keys:
        assert not await world.services.storage.exists(key)
    admin = await world.as_("admin")
    assert elena_id not in await members(admin, world.org_id)
    async with world.services.sessionmaker() as db:
        user = await db.get(User, elena_id)
        assert user is not None
        assert (user.phone, user.email, user.name) == (None, "", "удалённый пользователь")
        assert user.deleted_at is not None
        for model, column in ((AuthSession, AuthSession.user_id), (Membership, Membership.user_id),
                              (ParentLink, ParentLink.parent_id)):
            assert (await db.execute(select(func.count()).select_from(model).where(
                column == elena_id))).scalar() == 0, model
    # Her phone is free: signing in with it starts a new, empty account.
    again = await world.as_("parent")
    me = (await again.get(f"{API}/me")).json()
    assert me["id"] != elena_id and me["memberships"] == []


async def test_two_servers_never_carry_out_the_same_deletion_twice(world: World) -> None:
    elena = await world.as_("parent")
    await elena.post(f"{API}/me/deletion", json={"code": await code_for(world, elena, "parent")})
    later = utcnow() + LATER
    done = await asyncio.gather(run_deletions(world.services, later),
                                run_deletions(world.services, later))
    assert sorted(done) == [0, 1]
    async with world.services.sessionmaker() as db:
        states = list((await db.execute(select(DeletionRequest.state))).scalars())
    assert [s.value for s in states] == ["done"]


async def test_a_student_asks_through_a_parent(world: World) -> None:
    masha = await world.as_("student")
    masha_id = await world.user_id("student")
    r = await masha.post(f"{API}/me/deletion", json={"code": "123456"})
    assert (r.status_code, error_code(r)) == (403, "deletion_needs_parent")
    assert "родитель" in r.json()["error"]["message"]
    for key in ("teacher", "student2"):
        someone = await world.as_(key)
        r = await someone.post(f"{API}/me/children/{masha_id}/deletion", json={
            "code": await code_for(world, someone, key)})
        assert (r.status_code, error_code(r)) == (404, "not_found"), key
        r = await someone.get(f"{API}/me/children/{masha_id}/deletion")
        assert (r.status_code, error_code(r)) == (404, "not_found"), key

    elena = await world.as_("parent")
    r = await elena.post(f"{API}/me/children/{masha_id}/deletion",
                         json={"code": await code_for(world, elena, "parent")})
    assert r.status_code == 201, r.text
    assert r.json()["reason"] == "parent"
    mine = (await masha.get(f"{API}/me/deletion")).json()
    assert (mine["state"], mine["reason"]) == ("pending", "parent")
    r = await masha.delete(f"{API}/me/deletion")
    assert (r.status_code, error_code(r)) == (403, "forbidden")  # her mother asked
    r = await elena.get(f"{API}/me/children/{masha_id}/deletion")
    assert r.json()["state"] == "pending"

    chat_id = await class_chat(masha)
    await say(masha, chat_id, "Пока, класс!")
    assert await run_deletions(world.services, utcnow() + LATER) == 1
    petya = await world.as_("student2")
    [gone] = [m for m in await messages(petya, chat_id) if m["body"] == "Пока, класс!"]
    assert gone["author"] == {"id": masha_id, "name": "удалённый пользователь",
                              "verified_teacher": False}
    assert [c["child"]["name"] for c in (await elena.get(f"{API}/me/consents")).json()[
        "children"]] == ["Ваня Иванов"]


async def test_students_who_left_a_year_ago_are_deleted_by_retention(world: World) -> None:
    admin = await world.as_("admin")
    petya_id = await world.user_id("student2")
    r = await admin.post(f"{API}/orgs/{world.org_id}/movements", json={
        "kind": "departure", "user_id": petya_id, "reason": "Переехали в другой город"})
    assert r.status_code == 201, r.text
    assert await plan_retention(world.services, utcnow() + timedelta(days=300)) == 0
    year_later = utcnow() + timedelta(days=366)
    done = await run_privacy_jobs(world.services, year_later)
    assert (done["retention"], done["deleted"]) == (1, 1)
    assert await plan_retention(world.services, year_later) == 0  # once is enough
    async with world.services.sessionmaker() as db:
        petya = await db.get(User, petya_id)
        assert petya is not None and petya.deleted_at is not None and petya.phone is None
        # Маша, still at school, stays; so does everyone else.
        left = (await db.execute(select(func.count()).select_from(User).where(
            User.deleted_at.is_not(None)))).scalar()
        assert left == 1


async def test_retention_zero_keeps_everyone(world: World) -> None:
    admin = await world.as_("admin")
    petya_id = await world.user_id("student2")
    await admin.post(f"{API}/orgs/{world.org_id}/movements", json={
        "kind": "departure", "user_id": petya_id, "reason": "Переехали"})
    world.services.settings.retention_after_leaving_days = 0
    assert await plan_retention(world.services, utcnow() + timedelta(days=3000)) == 0


async def test_the_administration_asks_for_a_students_deletion(world: World) -> None:
    admin = await world.as_("admin")
    petya_id = await world.user_id("student2")
    path = f"{API}/orgs/{world.org_id}/students/{petya_id}/deletion"
    for key in ("teacher", "parent", "student"):
        someone = await world.as_(key)
        r = await someone.post(path, json={"code": await code_for(world, someone, key)})
        assert (r.status_code, error_code(r)) == (403, "forbidden"), key
    operator = await world.as_("operator")
    r = await operator.post(path, json={"code": await code_for(world, operator, "operator")})
    assert (r.status_code, error_code(r)) == (403, "forbidden")  # the school decides, not us
    gym_id, natalia = await register_gymnasium(world)
    r = await natalia.get(path)
    assert (r.status_code, error_code(r)) == (404, "not_found")
    r = await natalia.get(f"{API}/orgs/{gym_id}/students/{petya_id}/deletion")
    assert (r.status_code, error_code(r)) == (404, "not_found")  # not their student
    teacher_id = await world.user_id("teacher")
    r = await admin.get(f"{API}/orgs/{world.org_id}/students/{teacher_id}/deletion")
    assert (r.status_code, error_code(r)) == (404, "not_found")  # not a student at all

    r = await admin.post(path, json={"code": await code_for(world, admin, "admin")})
    assert r.status_code == 201, r.text
    assert (r.json()["state"], r.json()["reason"]) == ("pending", "school")
    entries = (await admin.get(f"{API}/orgs/{world.org_id}/audit")).json()["entries"]
    assert (entries[0]["action"], entries[0]["target_id"]) == (
        "privacy.deletion_requested", petya_id)
    petya = await world.as_("student2")
    r = await petya.delete(f"{API}/me/deletion")
    assert (r.status_code, error_code(r)) == (403, "forbidden")
    r = await admin.delete(path)
    assert r.json()["state"] == "cancelled"
    r = await admin.post(path, json={"code": await code_for(world, admin, "admin")})
    assert r.status_code == 201
    assert await run_deletions(world.services, utcnow() + LATER) == 1
    r = await admin.get(path)
    assert (r.status_code, error_code(r)) == (404, "not_found")  # nobody is there any more


async def test_the_school_cannot_delete_someone_with_another_place(world: World) -> None:
    admin = await world.as_("admin")
    gym_id, natalia = await register_gymnasium(world)
    petya_id = await world.user_id("student2")
    # Петя also studies at the gymnasium's music club: the school cannot delete his account.
    async with world.services.sessionmaker() as db:
        m = Membership(org_id=gym_id, user_id=petya_id)
        db.add(m)
        await db.flush()
        db.add(MembershipRole(membership_id=m.id, role=Role.student))
        await db.commit()
    r = await admin.post(f"{API}/orgs/{world.org_id}/students/{petya_id}/deletion",
                         json={"code": await code_for(world, admin, "admin")})
    assert (r.status_code, error_code(r)) == (403, "not_only_student")
    assert "не только ученик" in r.json()["error"]["message"]
    async with world.services.sessionmaker() as db:
        assert (await db.execute(select(func.count()).select_from(DeletionRequest))).scalar() == 0
    r = await natalia.get(f"{API}/orgs/{gym_id}/students/{petya_id}/deletion")
    assert (r.status_code, error_code(r)) == (403, "not_only_student")


async def test_two_export_requests_at_once_start_one_archive(world: World) -> None:
    masha = await world.as_("student")
    answers = await asyncio.gather(masha.post(f"{API}/me/export"), masha.post(f"{API}/me/export"))
    assert sorted(r.status_code for r in answers) == [202, 409]
    [refused] = [r for r in answers if r.status_code == 409]
    assert error_code(refused) == "export_in_progress"
    async with world.services.sessionmaker() as db:
        assert (await db.execute(select(func.count()).select_from(DataExport))).scalar() == 1
