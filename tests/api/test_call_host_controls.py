"""Анна Сергеевна runs a lesson call in 5А, against a real Janus: she mutes everyone and
Маша cannot unmute herself until allowed; she locks the room; hands go up in a queue; Олег
Викторович, the assistant teacher, is made co-host; Маша may share her screen only once
allowed. Every refusal is a clear error that changes nothing."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from parta.actions.base import unit_of_work
from parta.actions.calls import SCREEN_FEED_BASE
from parta.models import Call, CallParticipant, Chat, ChatRole
from tests.api.test_calls import (
    _janus_via_parta,
    _poll_until,
    allowed_tokens,
    class_chat,
    stored_call,
)
from tests.conftest import World, error_code
from tests.helpers import API, register_gymnasium
from tests.media import media_services  # noqa: F401  (the fixture)

pytestmark = pytest.mark.usefixtures("media_services")

AUDIO_AND_VIDEO = ("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
                   "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=sendonly\r\n"
                   "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=sendonly\r\n")
VIDEO_ONLY = ("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
              "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\na=sendonly\r\n")
TWO_VIDEOS = VIDEO_ONLY + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=sendonly\r\n"


def flags(call: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {p["person"]["id"]: p for p in call["participants"]}


class Handle:
    """A browser's VideoRoom handle, through Parta's proxy."""

    def __init__(self, c: httpx.AsyncClient, base: str, session: int, handle: int) -> None:
        self.c, self.base, self.session, self.url = c, base, session, f"{base}/{session}/{handle}"

    @classmethod
    async def open(cls, c: httpx.AsyncClient, joined: dict[str, Any], session: int | None = None) -> Handle:
        base = joined["janus"]["url"]
        if session is None:
            session = (await _janus_via_parta(c, base, {"janus": "create"})).json()["data"]["id"]
        r = await _janus_via_parta(c, f"{base}/{session}", {"janus": "attach", "plugin": "janus.plugin.videoroom"})
        return cls(c, base, session, r.json()["data"]["id"])

    async def send(self, body: dict[str, Any], sdp: str | None = None) -> httpx.Response:
        msg: dict[str, Any] = {"janus": "message", "body": body}
        if sdp is not None:
            msg["jsep"] = {"type": "offer", "sdp": sdp}
        return await _janus_via_parta(self.c, self.url, msg)


async def add_assistant(world: World) -> None:
    """Олег Викторович joins the class chat (he helps in Анна Сергеевна's lessons)."""
    from parta.actions.chats import add_chat_member

    oleg_id = await world.user_id("math_teacher")
    async with unit_of_work(world.services) as ctx:
        chat = (await ctx.db.execute(select(Chat).where(Chat.title == "5А — класс"))).scalar_one()
        await add_chat_member(ctx, chat, oleg_id, ChatRole.member, rules_accepted=True)


async def test_after_mute_all_a_student_cannot_unmute_until_the_host_allows(world: World) -> None:
    anna, masha, petya = await world.as_("teacher"), await world.as_("student"), await world.as_("student2")
    anna_id, masha_id, petya_id = [await world.user_id(k) for k in ("teacher", "student", "student2")]
    chat_id = await class_chat(world, anna)
    call_id = (await anna.post(f"{API}/chats/{chat_id}/call")).json()["call"]["id"]
    mine = (await masha.post(f"{API}/chats/{chat_id}/call")).json()

    # Not the host: 403; another school, or a parent outside the chat: the call does not exist.
    r = await masha.post(f"{API}/calls/{call_id}/mute-all", json={"audio": True})
    assert (r.status_code, error_code(r)) == (403, "forbidden")
    _gym, orlova = await register_gymnasium(world)
    for outsider in (orlova, await world.as_("parent")):
        r = await outsider.post(f"{API}/calls/{call_id}/mute-all", json={"audio": True})
        assert (r.status_code, error_code(r)) == (404, "not_found")
    assert not (await stored_call(world, call_id)).audio_held

    r = await anna.post(f"{API}/calls/{call_id}/mute-all", json={"audio": True})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["audio_held"] is True
    assert flags(out)[masha_id]["muted_audio"] and not flags(out)[anna_id]["muted_audio"]
    assert flags(out)[anna_id]["host"] and not flags(out)[masha_id]["host"]
    assert world.events_of("call.updated")[-1].event.call["audio_held"] is True  # type: ignore[attr-defined]

    # Who joins now joins held.
    r = await petya.post(f"{API}/chats/{chat_id}/call")
    assert flags(r.json()["call"])[petya_id]["muted_audio"] is True

    # Маша's page tries to unmute herself through Parta: refused, nothing reaches Janus.
    h = await Handle.open(masha, mine)
    r = await h.send({"request": "join", "ptype": "publisher", "room": mine["janus"]["room"],
                      "token": mine["janus"]["token"]})
    assert r.status_code == 200
    await _poll_until(masha, f"{h.base}/{h.session}", "joined")
    for body, sdp in (({"request": "configure", "streams": [{"mid": "0", "send": True}]}, None),
                      ({"request": "configure", "audio": True}, None),
                      ({"request": "publish"}, AUDIO_AND_VIDEO)):
        r = await h.send(body, sdp)
        assert (r.status_code, error_code(r)) == (403, "muted_by_host"), body
        assert "включить его можно, когда ведущий разрешит" in r.json()["error"]["message"]
    # An offer is only for publishing; her camera alone she may publish.
    r = await h.send({"request": "join", "ptype": "publisher"}, VIDEO_ONLY)
    assert (r.status_code, error_code(r)) == (403, "janus_request_refused")
    r = await h.send({"request": "publish"}, VIDEO_ONLY)
    assert r.status_code == 200 and "janus" in r.json(), r.text  # Janus's own answer: it passed
    async with world.services.sessionmaker() as db:
        row = (await db.execute(select(CallParticipant).where(
            CallParticipant.user_id == masha_id, CallParticipant.left_at.is_(None)))).scalar_one()
    assert (row.audio_mids, row.video_mids) == ("", "0")
    r = await h.send({"request": "configure", "streams": [{"mid": "0", "send": False}]})
    assert r.status_code == 200

    # The teacher allows Маша: now her own unmute goes through to Janus.
    r = await anna.post(f"{API}/calls/{call_id}/participants/{masha_id}/mute", json={"audio": False})
    assert flags(r.json())[masha_id]["muted_audio"] is False and flags(r.json())[petya_id]["muted_audio"]
    r = await h.send({"request": "configure", "streams": [{"mid": "0", "send": True}]})
    assert r.status_code == 200 and "janus" in r.json(), r.text

    # The hold lifted for all: Петя too; who joins later is not held.
    r = await anna.post(f"{API}/calls/{call_id}/mute-all", json={"audio": False})
    assert r.json()["audio_held"] is False and not flags(r.json())[petya_id]["muted_audio"]


async def test_a_locked_call_admits_nobody_new(world: World) -> None:
    anna, masha, petya = await world.as_("teacher"), await world.as_("student"), await world.as_("student2")
    chat_id = await class_chat(world, anna)
    call_id = (await anna.post(f"{API}/chats/{chat_id}/call")).json()["call"]["id"]
    await masha.post(f"{API}/chats/{chat_id}/call")
    r = await masha.post(f"{API}/calls/{call_id}/lock", json={"locked": True})
    assert (r.status_code, error_code(r)) == (403, "forbidden")
    _gym, orlova = await register_gymnasium(world)
    r = await orlova.post(f"{API}/calls/{call_id}/lock", json={"locked": True})
    assert (r.status_code, error_code(r)) == (404, "not_found")

    r = await anna.post(f"{API}/calls/{call_id}/lock", json={"locked": True})
    assert r.status_code == 200 and r.json()["locked"] is True
    tokens = await allowed_tokens(world, await stored_call(world, call_id))
    r = await petya.post(f"{API}/chats/{chat_id}/call")
    assert (r.status_code, error_code(r)) == (409, "call_locked")
    assert "новых участников не впускают" in r.json()["error"]["message"]
    assert await allowed_tokens(world, await stored_call(world, call_id)) == tokens  # nothing new
    async with world.services.sessionmaker() as db:
        assert (await db.execute(select(func.count()).select_from(CallParticipant).where(
            CallParticipant.user_id == await world.user_id("student2")))).scalar_one() == 0
    # Who is in stays in (a reload rejoins); the host herself is never locked out.
    r = await masha.post(f"{API}/chats/{chat_id}/call")
    assert r.status_code == 200
    r = await anna.post(f"{API}/chats/{chat_id}/call")
    assert r.status_code == 200

    r = await anna.post(f"{API}/calls/{call_id}/lock", json={"locked": False})
    assert r.json()["locked"] is False
    r = await petya.post(f"{API}/chats/{chat_id}/call")
    assert r.status_code == 200
    await anna.post(f"{API}/calls/{call_id}/end")
    r = await anna.post(f"{API}/calls/{call_id}/lock", json={"locked": True})
    assert (r.status_code, error_code(r)) == (409, "call_over")


async def test_who_was_in_a_locked_call_comes_back_after_the_grace_but_not_the_removed(
        world: World) -> None:
    """The lock keeps newcomers out, not the people who were in: Маша's connection dropped and
    the presence grace let her out; she comes back into the locked call (and again after leaving).
    Петя, removed by the host, stays out; Олег Викторович, never in, is refused as new."""
    from parta.actions.calls import reconcile_calls

    await add_assistant(world)
    anna, masha, petya = await world.as_("teacher"), await world.as_("student"), await world.as_("student2")
    oleg = await world.as_("math_teacher")
    masha_id, petya_id, oleg_id = [await world.user_id(k) for k in ("student", "student2", "math_teacher")]
    chat_id = await class_chat(world, anna)
    joined = (await anna.post(f"{API}/chats/{chat_id}/call")).json()
    call_id = joined["call"]["id"]
    # The teacher is really in the room (her page joined through Parta); Маша's never gets there.
    h = await Handle.open(anna, joined)
    await h.send({"request": "join", "ptype": "publisher", "room": joined["janus"]["room"],
                  "token": joined["janus"]["token"]})
    await _poll_until(anna, f"{h.base}/{h.session}", "joined")
    await masha.post(f"{API}/chats/{chat_id}/call")
    await petya.post(f"{API}/chats/{chat_id}/call")
    r = await anna.post(f"{API}/calls/{call_id}/participants/{petya_id}/remove")
    assert r.status_code == 200, r.text
    r = await anna.post(f"{API}/calls/{call_id}/lock", json={"locked": True})
    assert r.json()["locked"] is True

    assert await reconcile_calls(world.services, grace_seconds=0) == 1  # Маша: gone, let out
    r = await anna.get(f"{API}/chats/{chat_id}/call")
    assert masha_id not in flags(r.json()) and r.json()["locked"] is True

    # Her page rejoins (accept: exactly this call), long after the grace: she is back.
    r = await masha.post(f"{API}/calls/{call_id}/accept")
    assert r.status_code == 200, r.text
    assert masha_id in flags(r.json()["call"]) and r.json()["janus"]["token"]
    assert r.json()["janus"]["token"] in await allowed_tokens(world, await stored_call(world, call_id))
    await masha.post(f"{API}/calls/{call_id}/leave")
    r = await masha.post(f"{API}/chats/{chat_id}/call")
    assert r.status_code == 200, r.text

    # The removed stays out; the newcomer is kept out, and nothing of him is written.
    for path in (f"{API}/chats/{chat_id}/call", f"{API}/calls/{call_id}/accept"):
        r = await petya.post(path)
        assert (r.status_code, error_code(r)) == (403, "removed_from_call"), path
    r = await oleg.post(f"{API}/chats/{chat_id}/call")
    assert (r.status_code, error_code(r)) == (409, "call_locked")
    r = await anna.get(f"{API}/chats/{chat_id}/call")
    assert set(flags(r.json())) == {await world.user_id("teacher"), masha_id}
    async with world.services.sessionmaker() as db:
        assert (await db.execute(select(func.count()).select_from(CallParticipant).where(
            CallParticipant.call_id == call_id, CallParticipant.user_id == oleg_id))).scalar_one() == 0
        assert (await db.execute(select(func.count()).select_from(CallParticipant).where(
            CallParticipant.call_id == call_id, CallParticipant.user_id == petya_id))).scalar_one() == 1


async def test_raised_hands_queue_and_the_host_answers(world: World) -> None:
    anna, masha, petya = await world.as_("teacher"), await world.as_("student"), await world.as_("student2")
    masha_id, petya_id = await world.user_id("student"), await world.user_id("student2")
    chat_id = await class_chat(world, anna)
    call_id = (await anna.post(f"{API}/chats/{chat_id}/call")).json()["call"]["id"]
    await masha.post(f"{API}/chats/{chat_id}/call")

    r = await petya.post(f"{API}/calls/{call_id}/hand", json={"raised": True})  # not in the call
    assert (r.status_code, error_code(r)) == (403, "not_in_call")
    await petya.post(f"{API}/chats/{chat_id}/call")
    assert (await masha.post(f"{API}/calls/{call_id}/hand", json={"raised": True})).json()["hands"] == [masha_id]
    assert (await petya.post(f"{API}/calls/{call_id}/hand", json={"raised": True})).json()["hands"] == [masha_id, petya_id]
    # Raising it again keeps her place.
    assert (await masha.post(f"{API}/calls/{call_id}/hand", json={"raised": True})).json()["hands"] == [masha_id, petya_id]
    assert world.events_of("call.updated")[-1].event.call["hands"] == [masha_id, petya_id]  # type: ignore[attr-defined]

    r = await masha.post(f"{API}/calls/{call_id}/participants/{petya_id}/lower-hand")
    assert (r.status_code, error_code(r)) == (403, "forbidden")
    r = await anna.post(f"{API}/calls/{call_id}/participants/{masha_id}/lower-hand")
    assert r.json()["hands"] == [petya_id]
    assert flags(r.json())[masha_id]["hand_raised_at"] is None
    assert (await petya.post(f"{API}/calls/{call_id}/hand", json={"raised": False})).json()["hands"] == []
    await petya.post(f"{API}/calls/{call_id}/leave")
    r = await anna.post(f"{API}/calls/{call_id}/participants/{petya_id}/lower-hand")
    assert (r.status_code, error_code(r)) == (404, "not_in_call")


async def test_the_host_makes_the_assistant_teacher_a_cohost(world: World) -> None:
    await add_assistant(world)
    anna, oleg, masha = await world.as_("teacher"), await world.as_("math_teacher"), await world.as_("student")
    oleg_id, masha_id, anna_id = [await world.user_id(k) for k in ("math_teacher", "student", "teacher")]
    chat_id = await class_chat(world, anna)
    call_id = (await anna.post(f"{API}/chats/{chat_id}/call")).json()["call"]["id"]
    await anna.post(f"{API}/calls/{call_id}/mute-all", json={"audio": True})
    r = await oleg.post(f"{API}/chats/{chat_id}/call")
    assert flags(r.json()["call"])[oleg_id]["muted_audio"] is True  # held, like everyone
    await masha.post(f"{API}/chats/{chat_id}/call")

    r = await oleg.post(f"{API}/calls/{call_id}/participants/{masha_id}/mute", json={"audio": False})
    assert (r.status_code, error_code(r)) == (403, "forbidden")
    r = await masha.post(f"{API}/calls/{call_id}/participants/{oleg_id}/cohost", json={"cohost": True})
    assert (r.status_code, error_code(r)) == (403, "forbidden")
    r = await anna.post(f"{API}/calls/{call_id}/participants/{anna_id}/cohost", json={"cohost": True})
    assert (r.status_code, error_code(r)) == (409, "cannot_cohost_self")

    r = await anna.post(f"{API}/calls/{call_id}/participants/{oleg_id}/cohost", json={"cohost": True})
    assert r.status_code == 200, r.text
    assert flags(r.json())[oleg_id] | {} and flags(r.json())[oleg_id]["cohost"] and flags(r.json())[oleg_id]["host"]
    assert flags(r.json())[oleg_id]["muted_audio"] is False  # a co-host is never held
    # He runs the lesson with her: mutes, locks, answers hands, lets a screen be shared...
    r = await oleg.post(f"{API}/calls/{call_id}/participants/{masha_id}/mute", json={"audio": False})
    assert r.status_code == 200 and not flags(r.json())[masha_id]["muted_audio"]
    assert (await oleg.post(f"{API}/calls/{call_id}/lock", json={"locked": True})).json()["locked"]
    r = await oleg.post(f"{API}/calls/{call_id}/participants/{masha_id}/screen", json={"allowed": True})
    assert flags(r.json())[masha_id]["may_share_screen"] is True
    # ...but names no co-hosts and ends nothing.
    r = await oleg.post(f"{API}/calls/{call_id}/participants/{masha_id}/cohost", json={"cohost": True})
    assert (r.status_code, error_code(r)) == (403, "forbidden")
    r = await oleg.post(f"{API}/calls/{call_id}/end")
    assert (r.status_code, error_code(r)) == (403, "forbidden")

    # He drops out and comes back into the locked call: still co-host.
    await oleg.post(f"{API}/calls/{call_id}/leave")
    r = await oleg.post(f"{API}/chats/{chat_id}/call")
    assert r.status_code == 200 and flags(r.json()["call"])[oleg_id]["cohost"]

    r = await anna.post(f"{API}/calls/{call_id}/participants/{oleg_id}/cohost", json={"cohost": False})
    assert not flags(r.json())[oleg_id]["host"]
    r = await oleg.post(f"{API}/calls/{call_id}/lock", json={"locked": False})
    assert (r.status_code, error_code(r)) == (403, "forbidden")


async def test_a_screen_is_shared_only_with_the_hosts_leave_and_janus_ends_it(world: World) -> None:
    anna, masha = await world.as_("teacher"), await world.as_("student")
    masha_id = await world.user_id("student")
    chat_id = await class_chat(world, anna)
    call_id = (await anna.post(f"{API}/chats/{chat_id}/call")).json()["call"]["id"]
    mine = (await masha.post(f"{API}/chats/{chat_id}/call")).json()
    assert mine["janus"]["screen_feed_base"] == SCREEN_FEED_BASE
    room, token = mine["janus"]["room"], mine["janus"]["token"]
    camera = await Handle.open(masha, mine)
    screen = await Handle.open(masha, mine, camera.session)
    join_screen = {"request": "join", "ptype": "publisher", "room": room, "token": token, "screen": True}

    r = await screen.send(join_screen)
    assert (r.status_code, error_code(r)) == (403, "screen_not_allowed")
    # Her camera feed carries one video: a second one would be a screen past the host.
    await camera.send({"request": "join", "ptype": "publisher", "room": room, "token": token})
    await _poll_until(masha, f"{camera.base}/{camera.session}", "joined")
    r = await camera.send({"request": "publish"}, TWO_VIDEOS)
    assert (r.status_code, error_code(r)) == (403, "one_video_stream")

    r = await anna.post(f"{API}/calls/{call_id}/participants/{masha_id}/screen", json={"allowed": True})
    assert r.status_code == 200 and flags(r.json())[masha_id]["may_share_screen"]
    r = await screen.send(join_screen)
    assert r.status_code == 200 and r.json()["janus"] == "ack", r.text
    joined = await _poll_until(masha, f"{screen.base}/{screen.session}", "joined")
    assert joined["id"] == SCREEN_FEED_BASE + masha_id  # the feed id is Parta's, not the page's
    r = await screen.send({"request": "publish"}, AUDIO_AND_VIDEO)  # a screen is video only
    assert (r.status_code, error_code(r)) == (403, "one_video_stream")
    async with world.services.janus.videoroom() as vr:
        inside = {p["id"] for p in await vr.participants(room)}
    assert {masha_id, SCREEN_FEED_BASE + masha_id} <= inside

    # The host stops it: Janus sends the screen feed away; her camera stays.
    r = await anna.post(f"{API}/calls/{call_id}/participants/{masha_id}/screen", json={"allowed": False})
    assert r.status_code == 200 and not flags(r.json())[masha_id]["may_share_screen"]
    async with world.services.janus.videoroom() as vr:
        inside = {p["id"] for p in await vr.participants(room)}
    assert masha_id in inside and SCREEN_FEED_BASE + masha_id not in inside
    r = await screen.send(join_screen)
    assert (r.status_code, error_code(r)) == (403, "screen_not_allowed")


async def test_mute_all_and_a_join_at_the_same_moment_leave_the_newcomer_held(world: World) -> None:
    anna, masha = await world.as_("teacher"), await world.as_("student")
    chat_id = await class_chat(world, anna)
    call_id = (await anna.post(f"{API}/chats/{chat_id}/call")).json()["call"]["id"]
    held, joined = await asyncio.gather(
        anna.post(f"{API}/calls/{call_id}/mute-all", json={"audio": True}),
        masha.post(f"{API}/chats/{chat_id}/call"))
    assert held.status_code == 200 and joined.status_code == 200, (held.text, joined.text)
    r = await anna.get(f"{API}/chats/{chat_id}/call")
    assert flags(r.json())[await world.user_id("student")]["muted_audio"] is True
    async with world.services.sessionmaker() as db:
        assert (await db.get(Call, call_id)).audio_held  # type: ignore[union-attr]


async def test_with_the_waiting_room_on_students_wait_until_the_teacher_admits_or_denies(
        world: World) -> None:
    anna, masha, petya = await world.as_("teacher"), await world.as_("student"), await world.as_("student2")
    masha_id, petya_id = await world.user_id("student"), await world.user_id("student2")
    chat_id = await class_chat(world, anna)
    call_id = (await anna.post(f"{API}/chats/{chat_id}/call")).json()["call"]["id"]
    r = await masha.post(f"{API}/calls/{call_id}/waiting-room", json={"enabled": True})
    assert (r.status_code, error_code(r)) == (403, "forbidden")
    r = await anna.post(f"{API}/calls/{call_id}/waiting-room", json={"enabled": True})
    assert r.status_code == 200 and r.json()["waiting_room"] is True
    tokens = await allowed_tokens(world, await stored_call(world, call_id))

    # Петя waits: no way into the room, not on Janus's list, not a participant.
    r = await petya.post(f"{API}/chats/{chat_id}/call")
    assert r.status_code == 200, r.text
    waiting = r.json()
    assert waiting["waiting"] is True and waiting["janus"] is None
    assert [p["id"] for p in waiting["call"]["waiting"]] == [petya_id]
    assert petya_id not in flags(waiting["call"])
    assert await allowed_tokens(world, await stored_call(world, call_id)) == tokens
    assert world.events_of("call.updated")[-1].event.call["waiting"][0]["id"] == petya_id  # type: ignore[attr-defined]
    r = await _janus_via_parta(petya, f"{API}/calls/{call_id}/janus", {"janus": "create"})
    assert (r.status_code, error_code(r)) == (403, "not_in_call")
    # Asking again keeps his place (one wait); Маша waits after him.
    assert (await petya.post(f"{API}/chats/{chat_id}/call")).json()["waiting"] is True
    r = await masha.post(f"{API}/chats/{chat_id}/call")
    assert [p["id"] for p in r.json()["call"]["waiting"]] == [petya_id, masha_id]

    # Only the host decides; another school sees nothing; nobody waiting is 404.
    r = await masha.post(f"{API}/calls/{call_id}/waiting/{petya_id}/admit")
    assert (r.status_code, error_code(r)) == (403, "forbidden")
    _gym, orlova = await register_gymnasium(world)
    r = await orlova.post(f"{API}/calls/{call_id}/waiting/{petya_id}/admit")
    assert (r.status_code, error_code(r)) == (404, "not_found")
    r = await anna.post(f"{API}/calls/{call_id}/waiting/{await world.user_id('teacher')}/admit")
    assert (r.status_code, error_code(r)) == (404, "not_waiting")

    r = await anna.post(f"{API}/calls/{call_id}/waiting/{petya_id}/admit")
    assert r.status_code == 200 and [p["id"] for p in r.json()["waiting"]] == [masha_id]
    [told] = world.events_of("call.admitted")
    assert told.audience == {petya_id} and told.event.admitted is True  # type: ignore[attr-defined]
    r = await petya.post(f"{API}/chats/{chat_id}/call")
    assert r.status_code == 200 and r.json()["waiting"] is False and r.json()["janus"]["token"]
    assert petya_id in flags(r.json()["call"])

    r = await anna.post(f"{API}/calls/{call_id}/waiting/{masha_id}/deny")
    assert r.status_code == 200 and r.json()["waiting"] == []
    assert world.events_of("call.admitted")[-1].event.admitted is False  # type: ignore[attr-defined]
    r = await masha.post(f"{API}/chats/{chat_id}/call")
    assert (r.status_code, error_code(r)) == (403, "entry_denied")
    assert "не впустил" in r.json()["error"]["message"]

    # Петя drops out and comes back: he was in, so he does not wait again.
    await petya.post(f"{API}/calls/{call_id}/leave")
    r = await petya.post(f"{API}/chats/{chat_id}/call")
    assert r.json()["waiting"] is False


async def test_turning_the_waiting_room_off_lets_everyone_waiting_in_and_giving_up_leaves_it(
        world: World) -> None:
    anna, masha, petya = await world.as_("teacher"), await world.as_("student"), await world.as_("student2")
    masha_id = await world.user_id("student")
    chat_id = await class_chat(world, anna)
    call_id = (await anna.post(f"{API}/chats/{chat_id}/call")).json()["call"]["id"]
    await anna.post(f"{API}/calls/{call_id}/waiting-room", json={"enabled": True})
    await masha.post(f"{API}/chats/{chat_id}/call")
    await petya.post(f"{API}/chats/{chat_id}/call")
    r = await petya.post(f"{API}/calls/{call_id}/leave")  # he gives up waiting
    assert [p["id"] for p in r.json()["waiting"]] == [masha_id]

    r = await anna.post(f"{API}/calls/{call_id}/waiting-room", json={"enabled": False})
    assert r.json()["waiting_room"] is False and r.json()["waiting"] == []
    assert [e.audience for e in world.events_of("call.admitted")] == [{masha_id}]
    r = await masha.post(f"{API}/chats/{chat_id}/call")
    assert r.json()["waiting"] is False and r.json()["janus"] is not None
    r = await petya.post(f"{API}/chats/{chat_id}/call")
    assert r.json()["waiting"] is False
