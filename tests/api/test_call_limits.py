"""Limits of a call from Parta's settings (R37): the room Janus makes for 5А's call carries the
school's bitrate cap and codec, the browser is told how to send (simulcast layers) and when to
take the lowest layer, and a call that is full says so — a clear 409, nothing changed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from parta.models import CallParticipant
from tests.api.test_calls import allowed_tokens, class_chat, stored_call
from tests.conftest import World, error_code
from tests.helpers import API
from tests.media import media_services  # noqa: F401  (the fixture)

pytestmark = pytest.mark.usefixtures("media_services")


async def test_the_room_and_the_answer_carry_the_schools_video_settings(world: World) -> None:
    settings = world.services.settings
    settings.call_video_bitrate = 300_000
    settings.call_videocodec = "vp9"
    settings.call_simulcast = True
    settings.call_video_layers = 2
    settings.call_low_layer_from = 4
    anna = await world.as_("teacher")
    chat_id = await class_chat(world, anna)
    r = await anna.post(f"{API}/chats/{chat_id}/call", json={"kind": "video"})
    assert r.status_code == 200, r.text
    joined = r.json()
    assert joined["media"] == {"videocodec": "vp9", "max_bitrate": 300_000, "simulcast": True,
                               "layers": 2, "low_layer_from": 4}
    call = await stored_call(world, joined["call"]["id"])
    async with world.services.janus.videoroom() as vr:
        room = await vr.room(call.janus_room)
    assert room is not None
    assert room["bitrate"] == 300_000 and room["videocodec"] == "vp9"
    assert room["bitrate_cap"] is True
    assert room["max_publishers"] == 2 * settings.call_max_participants
    await anna.post(f"{API}/calls/{joined['call']['id']}/end")

    # Without simulcast: one layer, nobody asked to take a lower one.
    settings.call_simulcast = False
    r = await anna.post(f"{API}/chats/{chat_id}/call", json={"kind": "video"})
    assert r.json()["media"]["simulcast"] is False
    assert r.json()["media"]["layers"] == 1 and r.json()["media"]["low_layer_from"] == 0
    await anna.post(f"{API}/calls/{r.json()['call']['id']}/end")

    # An audio call's room carries speech only: no video layers, a small cap.
    r = await anna.post(f"{API}/chats/{chat_id}/call", json={"kind": "audio"})
    media = r.json()["media"]
    assert media["simulcast"] is False and media["max_bitrate"] == 128_000
    call = await stored_call(world, r.json()["call"]["id"])
    async with world.services.janus.videoroom() as vr:
        room = await vr.room(call.janus_room)
    assert room is not None and room["bitrate"] == 128_000


async def test_a_full_call_says_so_and_lets_nobody_more_in(world: World) -> None:
    world.services.settings.call_max_participants = 2
    anna, masha = await world.as_("teacher"), await world.as_("student")
    petya = await world.as_("student2")
    chat_id = await class_chat(world, anna)
    r = await anna.post(f"{API}/chats/{chat_id}/call")
    call_id = r.json()["call"]["id"]
    assert (await masha.post(f"{API}/chats/{chat_id}/call")).status_code == 200
    call = await stored_call(world, call_id)
    tokens = await allowed_tokens(world, call)

    r = await petya.post(f"{API}/chats/{chat_id}/call")
    assert (r.status_code, error_code(r)) == (409, "call_full")
    assert "2" in r.json()["error"]["message"]
    r = await petya.post(f"{API}/calls/{call_id}/accept")
    assert (r.status_code, error_code(r)) == (409, "call_full")
    # Nothing changed: no stay for Петя, no token of his in Janus.
    assert sorted(await allowed_tokens(world, call)) == sorted(tokens)
    async with world.services.sessionmaker() as db:
        assert (await db.execute(select(func.count()).select_from(CallParticipant).where(
            CallParticipant.call_id == call_id))).scalar_one() == 2

    # Маша, already in, comes back from another tab: her place is hers.
    r = await masha.post(f"{API}/chats/{chat_id}/call")
    assert r.status_code == 200, r.text
    # Маша leaves: there is room for Петя.
    await masha.post(f"{API}/calls/{call_id}/leave")
    r = await petya.post(f"{API}/chats/{chat_id}/call")
    assert r.status_code == 200, r.text
    assert len(r.json()["call"]["participants"]) == 2
