"""A school's video as a broadcast (R38): Ирина Петровна chooses the verified film «Правила
дорожного движения» of the library for the assembly and starts it; the server plays it into
Janus, Маша watches it through Parta's proxy (which adds the pin her browser never sees), and
when the film ends the broadcast is over, its mountpoint and its ffmpeg gone. What is not a
verified video of the school's own is refused, and so is a second start."""

from __future__ import annotations

import asyncio
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from parta.models import Broadcast, Material, MaterialVersion
from parta.services.janus import NO_SUCH_MOUNTPOINT, JanusError
from tests.api.test_broadcast_air import planned
from tests.api.test_calls import _janus_via_parta
from tests.conftest import World, error_code
from tests.helpers import API, register_gymnasium
from tests.media import media_services  # noqa: F401  (the fixture)

pytestmark = pytest.mark.usefixtures("media_services")


def film(seconds: float = 2, *, audio: bool = True) -> bytes:
    """A short film as a school would upload it: a test pattern with a tone, made by ffmpeg."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "film.mp4"
        tone = ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"] if audio else []
        subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-f", "lavfi",
                        "-i", f"testsrc=duration={seconds}:size=320x240:rate=25", *tone,
                        "-c:v", "libx264", "-pix_fmt", "yuv420p", *(["-c:a", "aac"] if audio else []),
                        "-shortest", str(out)], check=True, timeout=120)
        return out.read_bytes()


async def library_video(world: World, irina: httpx.AsyncClient, *, verified: bool = True,
                        data: bytes | None = None, title: str = "Правила дорожного движения") -> int:
    r = await irina.post(f"{API}/orgs/{world.org_id}/materials", data={"title": title},
                         files={"file": ("пдд.mp4", data or film(), "application/octet-stream")})
    assert r.status_code == 201, r.text
    mid = int(r.json()["id"])
    if verified:
        r = await irina.post(f"{API}/materials/{mid}/verify", json={"verified": True})
        assert r.status_code == 200, r.text
    return mid


async def stream_of(world: World, bid: int) -> Broadcast:
    async with world.services.sessionmaker() as db:
        b = await db.get(Broadcast, bid)
        assert b is not None
        return b


async def mountpoint_exists(world: World, mountpoint: int, secret: str) -> bool:
    try:
        async with world.services.janus.streaming() as st:
            await st.info(mountpoint, secret)
    except JanusError as exc:
        assert exc.code == NO_SUCH_MOUNTPOINT, exc
        return False
    return True


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split()[2] != "Z"


async def until(check: Any, seconds: float = 30) -> None:
    for _ in range(int(seconds * 10)):
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("not in time")


async def test_the_film_plays_for_the_audience_and_ends_the_broadcast_at_its_end(
        world: World) -> None:
    irina, masha = await world.as_("admin"), await world.as_("student")
    bid = await planned(world, irina)
    mid = await library_video(world, irina, data=film(3))
    r = await irina.post(f"{API}/broadcasts/{bid}/video", json={"material_id": mid})
    assert r.status_code == 200, r.text
    assert r.json()["video"] == {"id": mid, "name": "Правила дорожного движения"}
    assert r.json()["streaming"] is False

    r = await irina.post(f"{API}/broadcasts/{bid}/video/start")
    assert r.status_code == 200, r.text
    assert r.json()["on_air"] is True and r.json()["streaming"] is True
    b = await stream_of(world, bid)
    assert b.stream_id and b.stream_secret and b.stream_pin
    assert await mountpoint_exists(world, b.stream_id, b.stream_secret)
    [pid] = world.services.streamer.pids()
    assert alive(pid)
    r = await irina.post(f"{API}/broadcasts/{bid}/video/start")
    assert (r.status_code, error_code(r)) == (409, "broadcast_on_air")
    r = await irina.post(f"{API}/broadcasts/{bid}/on-air")  # no camera beside the film
    assert (r.status_code, error_code(r)) == (409, "broadcast_on_air")

    # Маша watches through Parta: the Streaming plugin, the pin added by Parta.
    r = await masha.post(f"{API}/broadcasts/{bid}/watch")
    assert r.status_code == 200, r.text
    seat = r.json()["janus"]
    assert seat["stream"] == b.stream_id and seat["room"] is None and seat["token"] is None
    assert b.stream_pin not in r.text and b.stream_secret not in r.text
    base = seat["url"]
    session = (await _janus_via_parta(masha, base, {"janus": "create"})).json()["data"]["id"]
    r = await _janus_via_parta(masha, f"{base}/{session}", {"janus": "attach",
                                                            "plugin": "janus.plugin.videoroom"})
    assert (r.status_code, error_code(r)) == (403, "janus_request_refused")
    r = await _janus_via_parta(masha, f"{base}/{session}", {"janus": "attach",
                                                            "plugin": "janus.plugin.streaming"})
    hurl = f"{base}/{session}/{r.json()['data']['id']}"
    for body in ({"request": "destroy", "id": b.stream_id}, {"request": "list"},
                 {"request": "watch", "id": b.stream_id + 1}):
        r = await _janus_via_parta(masha, hurl, {"janus": "message", "body": body})
        assert (r.status_code, error_code(r)) == (403, "janus_request_refused"), body
    r = await _janus_via_parta(masha, hurl, {"janus": "message", "body": {"request": "start"},
                                             "jsep": {"type": "offer", "sdp": "v=0\r\n"}})
    assert (r.status_code, error_code(r)) == (403, "viewers_do_not_send")
    r = await _janus_via_parta(masha, hurl, {"janus": "message", "body": {"request": "watch"}})
    assert r.status_code == 200 and r.json()["janus"] == "ack", r.text
    offer = None
    for _ in range(10):
        events = (await masha.get(f"{base}/{session}")).json()
        for event in events if isinstance(events, list) else [events]:
            if (event.get("jsep") or {}).get("type") == "offer":
                offer = event["jsep"]["sdp"]
        if offer:
            break
    assert offer and "VP8" in offer and "opus" in offer

    # The film ends (three seconds): the broadcast is over, nothing is left behind.
    async def over() -> bool:
        return (await stream_of(world, bid)).off_air_at is not None
    await until(over)
    b2 = await stream_of(world, bid)
    assert b2.stream_ended_at is not None and b2.stream_error is None
    assert not alive(pid) and world.services.streamer.pids() == []
    await until(lambda: _gone(world, b.stream_id, b.stream_secret))
    r = await masha.get(f"{API}/broadcasts/{bid}")
    assert r.json()["on_air"] is False and r.json()["streaming"] is False


async def _gone(world: World, mountpoint: int | None, secret: str | None) -> bool:
    assert mountpoint is not None and secret is not None
    return not await mountpoint_exists(world, mountpoint, secret)


async def test_the_presenter_ends_the_film_early(world: World) -> None:
    irina = await world.as_("admin")
    bid = await planned(world, irina)
    mid = await library_video(world, irina, data=film(30, audio=False))
    await irina.post(f"{API}/broadcasts/{bid}/video", json={"material_id": mid})
    r = await irina.post(f"{API}/broadcasts/{bid}/video/start")
    assert r.status_code == 200, r.text
    b = await stream_of(world, bid)
    [pid] = world.services.streamer.pids()
    r = await irina.post(f"{API}/broadcasts/{bid}/off-air")
    assert r.status_code == 200 and r.json()["on_air"] is False, r.text
    assert not alive(pid) and world.services.streamer.pids() == []
    assert b.stream_id and b.stream_secret
    assert not await mountpoint_exists(world, b.stream_id, b.stream_secret)


async def test_what_is_not_a_verified_video_of_the_school_is_refused(world: World) -> None:
    irina, anna = await world.as_("admin"), await world.as_("teacher")
    bid = await planned(world, irina)
    r = await irina.post(f"{API}/broadcasts/{bid}/video/start")
    assert (r.status_code, error_code(r)) == (409, "broadcast_has_no_video")
    unverified = await library_video(world, irina, verified=False)
    r = await irina.post(f"{API}/orgs/{world.org_id}/articles",
                         json={"title": "Памятка", "body": "Текст"})
    article = r.json()["id"]
    await irina.post(f"{API}/materials/{article}/verify", json={"verified": True})
    good = await library_video(world, irina)
    gym_id, natalia = await register_gymnasium(world)
    r = await natalia.post(f"{API}/orgs/{gym_id}/materials", data={"title": "Чужой фильм"},
                           files={"file": ("f.mp4", film(1), "application/octet-stream")})
    theirs = r.json()["id"]
    for who, body, want in (
            (irina, {"material_id": unverified}, (422, "material_not_verified")),
            (irina, {"material_id": article}, (422, "not_a_video")),
            (irina, {"material_id": theirs}, (404, "not_found")),
            (irina, {"material_id": 999999}, (404, "not_found")),
            (anna, {"material_id": good}, (403, "may_not_plan_broadcasts")),
            (natalia, {"material_id": good}, (404, "not_found"))):
        r = await who.post(f"{API}/broadcasts/{bid}/video", json=body)
        assert (r.status_code, error_code(r)) == want, (body, r.text)
    assert (await stream_of(world, bid)).material_id is None
    r = await natalia.post(f"{API}/broadcasts/{bid}/video/start")
    assert (r.status_code, error_code(r)) == (404, "not_found")
    r = await anna.post(f"{API}/broadcasts/{bid}/video/start")
    assert (r.status_code, error_code(r)) == (403, "not_presenter")


async def test_a_file_ffmpeg_cannot_play_is_a_clear_error_that_changes_nothing(
        world: World) -> None:
    irina = await world.as_("admin")
    bid = await planned(world, irina)
    mid = await library_video(world, irina)
    r = await irina.post(f"{API}/broadcasts/{bid}/video", json={"material_id": mid})
    assert r.status_code == 200
    # The stored file went bad on the disk since it was checked.
    async with world.services.sessionmaker() as db:
        m = await db.get(Material, mid)
        assert m is not None
        version = await db.get(MaterialVersion, m.current_version_id)
        assert version is not None and version.storage_key
        key = version.storage_key
    path = world.services.storage.path(key)  # type: ignore[attr-defined]
    path.write_bytes(b"\x00" * 4096)
    r = await irina.post(f"{API}/broadcasts/{bid}/video/start")
    assert (r.status_code, error_code(r)) == (503, "stream_failed"), r.text
    b = await stream_of(world, bid)
    assert b.on_air_at is None and b.stream_id is None
    assert world.services.streamer.pids() == []


async def test_cancelling_a_playing_broadcast_stops_its_film(world: World) -> None:
    irina = await world.as_("admin")
    bid = await planned(world, irina)
    mid = await library_video(world, irina, data=film(30, audio=False))
    await irina.post(f"{API}/broadcasts/{bid}/video", json={"material_id": mid})
    assert (await irina.post(f"{API}/broadcasts/{bid}/video/start")).status_code == 200
    b = await stream_of(world, bid)
    [pid] = world.services.streamer.pids()
    r = await irina.post(f"{API}/broadcasts/{bid}/cancel")
    assert r.status_code == 200 and r.json()["streaming"] is False, r.text
    assert not alive(pid) and world.services.streamer.pids() == []
    assert b.stream_id and b.stream_secret
    assert not await mountpoint_exists(world, b.stream_id, b.stream_secret)


async def test_a_film_shorter_than_its_start_still_ends_the_broadcast(world: World) -> None:
    """A one-second film may end before its start is recorded: the broadcast still goes off
    the air, never stays on it with nothing playing."""
    irina = await world.as_("admin")
    bid = await planned(world, irina)
    mid = await library_video(world, irina, data=film(1))
    await irina.post(f"{API}/broadcasts/{bid}/video", json={"material_id": mid})
    r = await irina.post(f"{API}/broadcasts/{bid}/video/start")
    assert r.status_code == 200, r.text

    async def over() -> bool:
        return (await stream_of(world, bid)).off_air_at is not None
    await until(over)
    assert world.services.streamer.pids() == []


async def test_a_film_whose_server_process_is_gone_goes_off_the_air_but_not_a_live_ones(
        world: World) -> None:
    """Two films play at once, each run by a server process. The process of «Правила дорожного
    движения» crashes: its ffmpeg dies with it and nobody is left to close the broadcast, which
    stays «on the air» with Маша watching. The sweep of a live process (which runs neither film)
    ends it — off the air, Маша told, the audit entry, the mountpoint gone — and leaves the film
    the other live process still plays alone."""
    from parta.actions.broadcast_video import end_silent_videos
    from parta.models import AuditEntry
    from parta.services.streamer import Streamer

    irina, masha = await world.as_("admin"), await world.as_("student")
    masha_id = await world.user_id("student")
    crashed, live = await planned(world, irina), await planned(world, irina)
    mid = await library_video(world, irina, data=film(60, audio=False))
    for bid in (crashed, live):
        await irina.post(f"{API}/broadcasts/{bid}/video", json={"material_id": mid})
        r = await irina.post(f"{API}/broadcasts/{bid}/video/start")
        assert r.status_code == 200, r.text
    r = await masha.post(f"{API}/broadcasts/{crashed}/watch")
    assert r.status_code == 200, r.text
    b, other = await stream_of(world, crashed), await stream_of(world, live)
    assert b.stream_id and b.stream_secret and other.stream_id and other.stream_secret

    # The crash: the run ends without its end being told to anyone (as SIGKILL leaves it).
    runs = world.services.streamer
    pids = set(runs.pids())
    assert await runs.stop(crashed)
    [live_pid] = runs.pids()
    assert not any(alive(p) for p in pids - {live_pid})
    assert (await stream_of(world, crashed)).off_air_at is None  # still «on the air»
    assert await mountpoint_exists(world, b.stream_id, b.stream_secret)

    # The sweeping process runs no film of its own; the live film's run is another process's.
    world.services.streamer = Streamer()
    try:
        ended = 0
        for _ in range(200):  # until Janus has heard nothing on the crashed one for 2 s
            ended = await end_silent_videos(world.services, 2)
            if ended:
                break
            await asyncio.sleep(0.1)
        assert ended == 1
        assert await end_silent_videos(world.services, 2) == 0  # once
    finally:
        world.services.streamer = runs

    gone = await stream_of(world, crashed)
    assert gone.off_air_at is not None and gone.stream_ended_at is not None
    assert gone.stream_error == "stream_interrupted"
    r = await masha.get(f"{API}/broadcasts/{crashed}")
    assert r.json()["on_air"] is False and r.json()["streaming"] is False
    r = await masha.post(f"{API}/broadcasts/{crashed}/watch")
    assert (r.status_code, error_code(r)) == (409, "broadcast_over")
    told = [e for e in world.events_of("broadcast.changed")
            if e.event.broadcast_id == crashed]  # type: ignore[attr-defined]
    assert told[-1].event.change == "off_air" and masha_id in told[-1].audience  # type: ignore[attr-defined]
    async with world.services.sessionmaker() as db:
        entries = list((await db.execute(select(AuditEntry).where(
            AuditEntry.action == "broadcast.off_air", AuditEntry.target_id == crashed))).scalars())
    assert [(e.actor_id, e.details) for e in entries] == [(None, {"error": "stream_interrupted"})]
    await until(lambda: _gone(world, b.stream_id, b.stream_secret))

    # The other film plays on, untouched.
    assert (await stream_of(world, live)).off_air_at is None and alive(live_pid)
    assert await mountpoint_exists(world, other.stream_id, other.stream_secret)
    r = await irina.get(f"{API}/broadcasts/{live}")
    assert r.json()["on_air"] is True and r.json()["streaming"] is True
    r = await irina.post(f"{API}/broadcasts/{live}/off-air")
    assert r.status_code == 200, r.text


async def test_a_crashed_film_janus_lost_ends_but_not_while_janus_does_not_answer(
        world: World) -> None:
    """The film's process crashed and Janus restarted meanwhile (the mountpoint is gone): the
    broadcast goes off the air. While Janus does not answer, nothing is known and nothing ends."""
    from parta.actions.broadcast_video import end_silent_videos
    from parta.services.janus import Janus

    irina = await world.as_("admin")
    bid = await planned(world, irina)
    mid = await library_video(world, irina, data=film(30, audio=False))
    await irina.post(f"{API}/broadcasts/{bid}/video", json={"material_id": mid})
    assert (await irina.post(f"{API}/broadcasts/{bid}/video/start")).status_code == 200
    b = await stream_of(world, bid)
    assert b.stream_id and b.stream_secret
    assert await world.services.streamer.stop(bid)  # the crash
    async with world.services.janus.streaming() as st:
        await st.destroy(b.stream_id, b.stream_secret)  # Janus's restart

    real = world.services.janus
    world.services.janus = Janus("http://127.0.0.1:9/janus", "secret", "key", 2.0)
    try:
        assert await end_silent_videos(world.services, 0) == 0
    finally:
        await world.services.janus.aclose()
        world.services.janus = real
    assert (await stream_of(world, bid)).off_air_at is None

    assert await end_silent_videos(world.services, 0) == 1
    gone = await stream_of(world, bid)
    assert gone.off_air_at is not None and gone.stream_error == "stream_interrupted"
    r = await irina.get(f"{API}/broadcasts/{bid}")
    assert r.json()["on_air"] is False
