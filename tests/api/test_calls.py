"""Calls in the class chat of 5А, against a real Janus: Анна Сергеевна starts a call, Маша joins,
they leave, the chat is told; who may not, may not — and Janus itself holds the door."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from parta.models import Call, CallParticipant, Chat, Message
from parta.services.janus import Janus, JanusError
from tests.conftest import World, error_code
from tests.helpers import API, register_gymnasium
from tests.media import media_services  # noqa: F401  (the fixture)

pytestmark = pytest.mark.usefixtures("media_services")


async def class_chat(world: World, c: httpx.AsyncClient) -> int:
    chats = (await c.get(f"{API}/chats")).json()["chats"]
    return int(next(ch["id"] for ch in chats if ch["title"] == "5А — класс"))


async def stored_call(world: World, call_id: int) -> Call:
    async with world.services.sessionmaker() as db:
        call = await db.get(Call, call_id)
        assert call is not None
        return call


async def allowed_tokens(world: World, call: Call) -> list[str]:
    async with world.services.janus.videoroom() as vr:
        return await vr.allowed(call.janus_room, call.room_secret)


async def room_exists(world: World, room: int) -> bool:
    async with world.services.janus.videoroom() as vr:
        return await vr.exists(room)


async def test_teacher_starts_a_call_student_joins_and_the_last_one_out_ends_it(world: World) -> None:
    anna, masha = await world.as_("teacher"), await world.as_("student")
    chat_id = await class_chat(world, anna)
    members = {await world.user_id(k) for k in ("teacher", "student", "student2")}

    r = await masha.get(f"{API}/chats/{chat_id}/call")
    assert (r.status_code, error_code(r)) == (404, "no_call")

    r = await anna.post(f"{API}/chats/{chat_id}/call", json={"kind": "video"})
    assert r.status_code == 200, r.text
    started = r.json()
    call_id = started["call"]["id"]
    assert [p["person"]["name"] for p in started["call"]["participants"]] == ["Анна Сергеевна Волкова"]
    janus = started["janus"]
    assert janus["url"] == f"/api/v1/calls/{call_id}/janus"
    assert janus["feed_id"] == await world.user_id("teacher")
    assert "secret" not in r.text and "room_secret" not in r.text
    ice = started["ice_servers"][0]
    assert ice["urls"][0].startswith("turn:127.0.0.1:")
    assert ice["username"].endswith(f":{await world.user_id('teacher')}")

    # The room is Janus's, with the teacher's token and nobody else's on its list.
    call = await stored_call(world, call_id)
    assert await room_exists(world, call.janus_room)
    assert await allowed_tokens(world, call) == [janus["token"]]
    [ev] = world.events_of("call.started")
    assert ev.audience == members and ev.event.call["id"] == call_id  # type: ignore[attr-defined]

    # Маша sees the call, and «start» joins it: one call per chat.
    r = await masha.get(f"{API}/chats/{chat_id}/call")
    assert r.status_code == 200 and r.json()["id"] == call_id
    r = await masha.post(f"{API}/chats/{chat_id}/call", json={"kind": "audio"})
    assert r.status_code == 200, r.text
    mine = r.json()
    assert mine["call"]["id"] == call_id and mine["call"]["kind"] == "video"
    assert len(mine["call"]["participants"]) == 2
    assert mine["janus"]["token"] != janus["token"]
    assert sorted(await allowed_tokens(world, call)) == sorted([janus["token"], mine["janus"]["token"]])
    assert world.events_of("call.updated")[-1].audience == members

    # Маша leaves: her token is no longer good; the call goes on.
    r = await masha.post(f"{API}/calls/{call_id}/leave")
    assert r.status_code == 200 and len(r.json()["participants"]) == 1
    assert await allowed_tokens(world, call) == [janus["token"]]

    # The last one out ends it: the room is gone, the chat has its notice.
    r = await anna.post(f"{API}/calls/{call_id}/leave")
    assert r.status_code == 200 and r.json()["ended_at"] is not None
    assert not await room_exists(world, call.janus_room)
    [ended] = world.events_of("call.ended")
    assert ended.audience == members
    async with world.services.sessionmaker() as db:
        notice = (await db.execute(select(Message).where(
            Message.chat_id == chat_id, Message.kind == "call"))).scalar_one()
        stays = (await db.execute(select(func.count()).select_from(CallParticipant).where(
            CallParticipant.call_id == call_id, CallParticipant.left_at.is_not(None)))).scalar_one()
    assert notice.body.startswith("Звонок завершён") and notice.meta["people"] == 2  # type: ignore[index]
    assert stays == 2  # attendance: both stays recorded
    r = await masha.get(f"{API}/chats/{chat_id}/call")
    assert (r.status_code, error_code(r)) == (404, "no_call")
    r = await anna.post(f"{API}/calls/{call_id}/end")
    assert (r.status_code, error_code(r)) == (409, "call_over")


async def test_a_call_nobody_answered_is_a_missed_call_and_only_the_starter_or_a_moderator_ends_it(
        world: World) -> None:
    anna, masha, petya = await world.as_("teacher"), await world.as_("student"), await world.as_("student2")
    chat_id = await class_chat(world, anna)
    r = await masha.post(f"{API}/chats/{chat_id}/call", json={"kind": "audio"})
    call_id = r.json()["call"]["id"]
    await petya.post(f"{API}/chats/{chat_id}/call")
    r = await petya.post(f"{API}/calls/{call_id}/end")
    assert (r.status_code, error_code(r)) == (403, "forbidden")
    r = await anna.post(f"{API}/calls/{call_id}/end")  # the chat's owner, not in the call
    assert r.status_code == 200 and r.json()["participants"] == []
    assert not await room_exists(world, (await stored_call(world, call_id)).janus_room)

    r = await masha.post(f"{API}/chats/{chat_id}/call", json={"kind": "audio"})
    call_id = r.json()["call"]["id"]
    r = await masha.post(f"{API}/calls/{call_id}/end")
    assert r.status_code == 200
    async with world.services.sessionmaker() as db:
        last = (await db.execute(select(Message).where(Message.chat_id == chat_id, Message.kind == "call")
                                 .order_by(Message.id.desc()))).scalars().first()
    assert last is not None and last.body == "Пропущенный звонок" and last.meta["missed"]  # type: ignore[index]


async def test_who_may_not_call_is_refused_and_nothing_is_made(world: World) -> None:
    anna = await world.as_("teacher")
    chat_id = await class_chat(world, anna)
    parent = await world.as_("parent")  # not in the class chat
    _gym, orlova = await register_gymnasium(world)  # another school
    for outsider in (parent, orlova):
        r = await outsider.post(f"{API}/chats/{chat_id}/call")
        assert (r.status_code, error_code(r)) == (404, "not_found")
        r = await outsider.get(f"{API}/chats/{chat_id}/call")
        assert (r.status_code, error_code(r)) == (404, "not_found")

    r = await anna.post(f"{API}/chats/{chat_id}/call")
    call_id = r.json()["call"]["id"]
    for outsider in (parent, orlova):
        for path in ("leave", "end", "janus"):
            r = await outsider.post(f"{API}/calls/{call_id}/{path}", json={"janus": "create"})
            assert (r.status_code, error_code(r)) == (404, "not_found"), path
        r = await outsider.get(f"{API}/chats/{chat_id}/call")
        assert r.status_code == 404
    r = await anna.post(f"{API}/calls/{call_id}/end")
    assert r.status_code == 200

    # Last year's chat: read-only, no calls.
    async with world.services.sessionmaker() as db:
        await db.execute(update(Chat).where(Chat.id == chat_id).values(archived_at=datetime.now(UTC)))
        await db.commit()
    r = await anna.post(f"{API}/chats/{chat_id}/call")
    assert (r.status_code, error_code(r)) == (409, "chat_archived")

    # The school channel is for announcements, not calls.
    chats = (await anna.get(f"{API}/chats")).json()["chats"]
    channel = next(c["id"] for c in chats if c["kind"] == "school_channel")
    r = await anna.post(f"{API}/chats/{channel}/call")
    assert (r.status_code, error_code(r)) == (403, "call_not_here")
    async with world.services.sessionmaker() as db:
        assert (await db.execute(select(func.count()).select_from(Call))).scalar_one() == 1


async def test_when_janus_does_not_answer_the_call_is_unavailable_and_nothing_is_written(
        world: World) -> None:
    anna = await world.as_("teacher")
    chat_id = await class_chat(world, anna)
    settings = world.services.settings
    world.services.janus = Janus("http://127.0.0.1:9/janus", settings.janus_api_secret,
                                 settings.janus_admin_key, timeout=2)
    r = await anna.post(f"{API}/chats/{chat_id}/call")
    assert (r.status_code, error_code(r)) == (503, "calls_unavailable")
    assert "Звонки сейчас недоступны" in r.json()["error"]["message"]
    async with world.services.sessionmaker() as db:
        assert (await db.execute(select(func.count()).select_from(Call))).scalar_one() == 0
    assert world.events_of("call.started") == []


async def test_two_people_starting_at_once_make_one_call(world: World) -> None:
    anna, masha = await world.as_("teacher"), await world.as_("student")
    chat_id = await class_chat(world, anna)
    answers = await asyncio.gather(*(c.post(f"{API}/chats/{chat_id}/call") for c in (anna, masha)))
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    ids = {a.json()["call"]["id"] for a in answers}
    assert len(ids) == 1
    async with world.services.sessionmaker() as db:
        calls = (await db.execute(select(Call))).scalars().all()
    assert len(calls) == 1 and len(world.events_of("call.started")) == 1
    assert len(await allowed_tokens(world, calls[0])) == 2


async def _janus_via_parta(c: httpx.AsyncClient, url: str, body: dict[str, Any]) -> httpx.Response:
    return await c.post(url, json={"transaction": "t1", **body})


async def _poll_until(c: httpx.AsyncClient, url: str, want: str) -> dict[str, Any]:
    for _ in range(10):
        r = await c.get(url)
        assert r.status_code == 200, r.text
        answer = r.json()
        for event in answer if isinstance(answer, list) else [answer]:
            data = (event.get("plugindata") or {}).get("data") or {}
            if data.get("videoroom") == want or want in str(data.get("error_code", "")):
                return dict(data)
    raise AssertionError(f"no {want!r} from Janus")


async def test_the_browser_reaches_janus_only_through_parta_and_only_with_its_token(
        world: World) -> None:
    anna, masha = await world.as_("teacher"), await world.as_("student")
    chat_id = await class_chat(world, anna)
    joined = (await anna.post(f"{API}/chats/{chat_id}/call")).json()
    base, room = joined["janus"]["url"], joined["janus"]["room"]

    # Not admitted yet: Маша has no way in.
    r = await _janus_via_parta(masha, base, {"janus": "create"})
    assert (r.status_code, error_code(r)) == (403, "not_in_call")

    r = await _janus_via_parta(anna, base, {"janus": "create"})
    assert r.status_code == 200 and r.json()["janus"] == "success", r.text
    session = r.json()["data"]["id"]
    r = await _janus_via_parta(anna, f"{base}/{session}", {"janus": "attach", "plugin": "janus.plugin.echotest"})
    assert (r.status_code, error_code(r)) == (403, "janus_request_refused")
    r = await _janus_via_parta(anna, f"{base}/{session}", {"janus": "attach", "plugin": "janus.plugin.videoroom"})
    handle = r.json()["data"]["id"]
    hurl = f"{base}/{session}/{handle}"
    # Rooms' settings are Parta's: the browser cannot destroy, list or reach another room.
    for body in ({"request": "destroy", "room": room}, {"request": "join", "room": room + 1}):
        r = await _janus_via_parta(anna, hurl, {"janus": "message", "body": body})
        assert (r.status_code, error_code(r)) == (403, "janus_request_refused")

    # Маша, admitted, may not use the teacher's Janus session.
    await masha.post(f"{API}/chats/{chat_id}/call")
    r = await masha.get(f"{base}/{session}")
    assert r.status_code == 404

    # Without its token Janus itself says no; with it, the teacher is in the room, as herself.
    r = await _janus_via_parta(anna, hurl, {"janus": "message", "body": {
        "request": "join", "ptype": "publisher", "room": room, "display": "Директор"}})
    assert r.json()["janus"] == "ack"
    refused = await _poll_until(anna, f"{base}/{session}", "433")
    assert refused["error_code"] == 433
    r = await _janus_via_parta(anna, hurl, {"janus": "message", "body": {
        "request": "join", "ptype": "publisher", "room": room, "display": "Директор",
        "token": joined["janus"]["token"]}})
    data = await _poll_until(anna, f"{base}/{session}", "joined")
    assert data["room"] == room and data["id"] == await world.user_id("teacher")
    async with world.services.janus.videoroom() as vr:
        [inside] = await vr.participants(room)
    assert inside["display"] == "Анна Сергеевна Волкова"

    # After she leaves, her token opens nothing.
    await masha.post(f"{API}/calls/{joined['call']['id']}/leave")
    await anna.post(f"{API}/calls/{joined['call']['id']}/leave")
    with pytest.raises(JanusError):
        async with world.services.janus.videoroom() as vr:
            await vr.participants(room)


async def test_the_host_mutes_and_removes_and_nobody_else_may(world: World) -> None:
    anna, masha, petya = await world.as_("teacher"), await world.as_("student"), await world.as_("student2")
    chat_id = await class_chat(world, anna)
    call_id = (await anna.post(f"{API}/chats/{chat_id}/call")).json()["call"]["id"]
    mine = (await masha.post(f"{API}/chats/{chat_id}/call")).json()
    await petya.post(f"{API}/chats/{chat_id}/call")
    masha_id, anna_id = await world.user_id("student"), await world.user_id("teacher")

    # A student runs nobody's microphone; another school does not even see the call.
    r = await petya.post(f"{API}/calls/{call_id}/participants/{masha_id}/mute", json={"audio": True})
    assert (r.status_code, error_code(r)) == (403, "forbidden")
    r = await petya.post(f"{API}/calls/{call_id}/participants/{masha_id}/remove")
    assert (r.status_code, error_code(r)) == (403, "forbidden")
    _gym, orlova = await register_gymnasium(world)
    r = await orlova.post(f"{API}/calls/{call_id}/participants/{masha_id}/mute", json={"audio": True})
    assert (r.status_code, error_code(r)) == (404, "not_found")

    r = await anna.post(f"{API}/calls/{call_id}/participants/{masha_id}/mute", json={"audio": True})
    assert r.status_code == 200, r.text
    flags = {p["person"]["id"]: (p["muted_audio"], p["muted_video"]) for p in r.json()["participants"]}
    assert flags[masha_id] == (True, False) and flags[anna_id] == (False, False)
    assert world.events_of("call.updated")[-1].event.call["participants"][1]["muted_audio"]  # type: ignore[attr-defined]

    r = await anna.post(f"{API}/calls/{call_id}/participants/{anna_id}/remove")
    assert (r.status_code, error_code(r)) == (409, "cannot_remove_self")
    r = await anna.post(f"{API}/calls/{call_id}/participants/{masha_id}/remove")
    assert r.status_code == 200 and masha_id not in [p["person"]["id"] for p in r.json()["participants"]]
    call = await stored_call(world, call_id)
    assert mine["janus"]["token"] not in await allowed_tokens(world, call)
    r = await masha.post(f"{API}/chats/{chat_id}/call")
    assert (r.status_code, error_code(r)) == (403, "removed_from_call")
    r = await anna.post(f"{API}/calls/{call_id}/participants/{masha_id}/mute", json={"audio": False})
    assert (r.status_code, error_code(r)) == (404, "not_in_call")


async def test_who_went_without_leaving_is_let_out_and_a_lost_room_ends_the_call(world: World) -> None:
    from parta.actions.calls import reconcile_calls

    anna, masha = await world.as_("teacher"), await world.as_("student")
    chat_id = await class_chat(world, anna)
    joined = (await anna.post(f"{API}/chats/{chat_id}/call")).json()
    call_id, base, room = joined["call"]["id"], joined["janus"]["url"], joined["janus"]["room"]
    await masha.post(f"{API}/chats/{chat_id}/call")  # admitted, but her page never reaches Janus

    # The teacher is really in the room (her page joined through Parta).
    session = (await _janus_via_parta(anna, base, {"janus": "create"})).json()["data"]["id"]
    handle = (await _janus_via_parta(anna, f"{base}/{session}", {
        "janus": "attach", "plugin": "janus.plugin.videoroom"})).json()["data"]["id"]
    await _janus_via_parta(anna, f"{base}/{session}/{handle}", {"janus": "message", "body": {
        "request": "join", "ptype": "publisher", "room": room, "token": joined["janus"]["token"]}})
    await _poll_until(anna, f"{base}/{session}", "joined")

    assert await reconcile_calls(world.services, grace_seconds=3600) == 0  # still in grace
    assert await reconcile_calls(world.services, grace_seconds=0) == 1
    r = await anna.get(f"{API}/chats/{chat_id}/call")
    assert [p["person"]["name"] for p in r.json()["participants"]] == ["Анна Сергеевна Волкова"]
    assert world.events_of("call.updated")[-1].audience == {
        await world.user_id(k) for k in ("teacher", "student", "student2")}

    # Janus lost the room (a restart): the call is over for Parta too.
    call = await stored_call(world, call_id)
    async with world.services.janus.videoroom() as vr:
        await vr.destroy_room(call.janus_room, call.room_secret)
    assert await reconcile_calls(world.services, grace_seconds=0) == 1
    r = await anna.get(f"{API}/chats/{chat_id}/call")
    assert (r.status_code, error_code(r)) == (404, "no_call")
    assert world.events_of("call.ended")


async def test_a_one_to_one_call_in_a_direct_chat(world: World) -> None:
    anna, masha = await world.as_("teacher"), await world.as_("student")
    masha_id = await world.user_id("student")
    r = await anna.post(f"{API}/orgs/{world.org_id}/direct", json={"user_id": masha_id})
    assert r.status_code == 200, r.text
    direct = r.json()["id"]
    r = await anna.post(f"{API}/chats/{direct}/call", json={"kind": "audio"})
    assert r.status_code == 200 and r.json()["call"]["kind"] == "audio"
    assert world.events_of("call.started")[-1].audience == {await world.user_id("teacher"), masha_id}
    r = await masha.get(f"{API}/chats/{direct}/call")
    assert r.status_code == 200
    petya = await world.as_("student2")  # not one of the two
    r = await petya.post(f"{API}/chats/{direct}/call")
    assert (r.status_code, error_code(r)) == (404, "not_found")
