"""A school's video file as a broadcast (R38, «verified educational content»): the server plays
it into Janus, and everyone in the audience watches it together.

The school's administration chooses the broadcast's video: a verified material of the school's
library whose current file is a video. A presenter (or the administration) starts it: Parta
makes a private RTP mountpoint in Janus's Streaming plugin (its secret and its viewers' pin are
Parta's alone; the browser never sees either — the proxy adds the pin to a viewer's «watch»),
and runs ffmpeg to send the file there at its own pace (``-re``). The broadcast is on the air
until the file ends, the presenter ends it, or ffmpeg fails; then the mountpoint goes and the
broadcast is over. The ffmpeg runs belong to ``services.streamer`` (``parta.services.streamer``):
they die with this server process; when it crashed, the round of any live process ends the
broadcast it left «on the air» (``end_silent_videos``: Janus hears nothing on its mountpoint).

As with the camera room, Janus and ffmpeg are spoken to outside the database transaction: the
mountpoint and the run are made first, then one short transaction records them; if it refuses
(someone else went on the air meanwhile), both are undone.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from parta.actions.base import Ctx, Services, unit_of_work
from parta.actions.broadcasts import audience_chats, notify_audience
from parta.db import utcnow
from parta.errors import Conflict, Forbidden, NotFound, Unavailable, ValidationFailed
from parta.models import (
    Broadcast,
    BroadcastGroup,
    BroadcastPresenter,
    BroadcastViewer,
    Material,
    MaterialVersion,
    Organization,
)
from parta.queries.broadcasts import BroadcastView, broadcast_answer, broadcast_in
from parta.schemas.broadcasts import BroadcastOut, BroadcastVideoIn
from parta.services.janus import NO_SUCH_MOUNTPOINT, JanusError, JanusUnavailable, new_room_id
from parta.services.storage import LocalStorage
from parta.services.streamer import StreamFailed, ffmpeg_rtp_args

__all__ = ["choose_video", "close_air", "end_silent_videos", "forget_stream", "start_video",
           "stop_all"]

log = logging.getLogger("parta.broadcasts")
VIDEO = "video"


def _playable(b: Broadcast) -> None:
    if b.cancelled_at is not None:
        raise Conflict("broadcast_cancelled")
    if b.off_air_at is not None or (b.on_air_at is None and b.ends_at <= utcnow()):
        raise Conflict("broadcast_over")


async def _video_of(ctx: Ctx, b: Broadcast, material_id: int) -> MaterialVersion:
    """The material's current file, when it is a verified video of the broadcast's school:
    404 for none or another school's, 422 ``material_not_verified`` / ``not_a_video``."""
    m = await ctx.db.get(Material, material_id)
    if m is None or m.org_id != b.org_id:
        raise NotFound()
    version = await ctx.db.get(MaterialVersion, m.current_version_id) \
        if m.current_version_id is not None else None
    if version is None or version.file_kind != VIDEO or version.storage_key is None:
        raise ValidationFailed("not_a_video", fields={"material_id": "not_a_video"})
    if m.verified_at is None:
        raise ValidationFailed("material_not_verified", fields={"material_id": "not_verified"})
    return version


async def choose_video(ctx: Ctx, broadcast_id: int, body: BroadcastVideoIn) -> BroadcastOut:
    """The school's administration makes a verified video of the library the broadcast's source
    (``material_id`` None: presenters' cameras again). Not while it is on the air."""
    view = await broadcast_in(ctx.db, ctx.require_actor(), broadcast_id)
    if not view.manages:
        raise Forbidden("may_not_plan_broadcasts")
    b = view.broadcast
    _playable(b)
    if body.material_id is not None:
        await _video_of(ctx, b, body.material_id)
    if b.on_air_at is not None:
        raise Conflict("broadcast_on_air")
    b.material_id = body.material_id
    ctx.audit("broadcast.video", b.org_id, "broadcast", b.id, material_id=body.material_id)
    await _tell(ctx, view, "video")
    return await broadcast_answer(ctx.db, view)


async def _tell(ctx: Ctx, view: BroadcastView, change: str) -> None:
    from parta.realtime.events import BroadcastChanged

    b = view.broadcast
    chats = await audience_chats(ctx, view.scope.org, b.audience, view.group_ids)
    from parta.actions.chats import active_member_ids

    audience: set[int] = set((await ctx.db.execute(select(BroadcastPresenter.user_id).where(
        BroadcastPresenter.broadcast_id == b.id))).scalars())
    for chat in chats:
        audience |= set(await active_member_ids(ctx, chat.id))
    ctx.emit(BroadcastChanged(org_id=b.org_id, broadcast_id=b.id, change=change), audience)


async def _has_audio(path: str) -> bool:
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        raise Unavailable("stream_failed")
    proc = await asyncio.create_subprocess_exec(
        ffprobe, "-v", "error", "-select_streams", "a", "-show_entries", "stream=index",
        "-of", "csv=p=0", path, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL, stdin=asyncio.subprocess.DEVNULL)
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), 30)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise Unavailable("stream_failed") from None
    return bool(out.strip())


async def _local_file(services: Services, key: str, broadcast_id: int) -> tuple[str, bool]:
    """A path ffmpeg can read the stored file at, and whether it is a copy to delete after."""
    storage = services.storage
    if isinstance(storage, LocalStorage):
        return str(storage.path(key)), False
    # Another storage (S3): a copy on disk for ffmpeg, deleted when the run ends.
    fd, name = tempfile.mkstemp(prefix=f"parta-broadcast-{broadcast_id}-")
    try:
        async for chunk in await storage.open(key):
            await asyncio.to_thread(os.write, fd, chunk)
    finally:
        os.close(fd)
    return name, True


async def start_video(ctx: Ctx, broadcast_id: int) -> BroadcastOut:
    """A presenter (or the administration) starts the broadcast's video: on the air for its
    audience until the file ends. 409 ``broadcast_has_no_video``, ``broadcast_on_air`` (already
    playing, or presenters on camera), ``broadcast_not_yet``; 422 when the material is no longer
    a verified video; 503 ``stream_failed`` when ffmpeg cannot play it (nothing changes), and
    ``calls_unavailable`` when Janus does not answer. ``ctx`` only reads."""
    from parta.actions.broadcast_air import EARLY

    services = ctx.services
    async with unit_of_work(services, read_only=True, **ctx.caller()) as r:
        view = await broadcast_in(r.db, r.require_actor(), broadcast_id)
        if not view.moderates:
            raise Forbidden("not_presenter")
        b = view.broadcast
        _playable(b)
        if b.material_id is None:
            raise Conflict("broadcast_has_no_video")
        if b.on_air_at is not None or services.streamer.running(b.id):
            raise Conflict("broadcast_on_air")
        if b.starts_at - EARLY > utcnow():
            raise Conflict("broadcast_not_yet")
        version = await _video_of(r, b, b.material_id)
        key = version.storage_key
        assert key is not None
    path, temporary = await _local_file(services, key, broadcast_id)
    mountpoint_id, secret, pin = new_room_id(), secrets.token_urlsafe(24), secrets.token_urlsafe(16)
    started = False
    try:
        audio = await _has_audio(path)
        try:
            async with services.janus.streaming() as st:
                mp = await st.create_rtp(mountpoint_id, secret, pin, audio=audio,
                                         host=services.settings.broadcast_rtp_host,
                                         description=f"parta broadcast {broadcast_id}")
        except JanusError as exc:
            log.warning("janus refused or did not answer: %s", exc)
            raise Unavailable("calls_unavailable") from exc
        ffmpeg = shutil.which("ffmpeg") or "ffmpeg"
        argv = ffmpeg_rtp_args(ffmpeg, path, services.settings.broadcast_rtp_host,
                               mp.video_port, mp.audio_port)
        caller = ctx.caller()
        recorded = asyncio.Event()  # a very short file may end before its start is recorded

        async def ended(key: int, status: int, output: str) -> None:
            await recorded.wait()
            if temporary:
                Path(path).unlink(missing_ok=True)
            await _ended(services, caller, key, mountpoint_id, secret, status, output)

        try:
            await services.streamer.start(broadcast_id, argv, ended)
        except StreamFailed as exc:
            log.warning("ffmpeg could not play broadcast %s: %s", broadcast_id, exc)
            await forget_stream(services, broadcast_id, mountpoint_id, secret)
            raise Unavailable("stream_failed") from exc
        except RuntimeError as exc:  # a run for this broadcast started meanwhile
            await forget_stream(services, None, mountpoint_id, secret)
            raise Conflict("broadcast_on_air") from exc
        started = True
        async with unit_of_work(services, **caller) as w:
            view = await broadcast_in(w.db, w.require_actor(), broadcast_id)
            b = view.broadcast
            _playable(b)
            if b.on_air_at is not None:
                raise Conflict("broadcast_on_air")
            now = utcnow()
            b.on_air_at = b.stream_started_at = now
            b.stream_id, b.stream_secret, b.stream_pin = mountpoint_id, secret, pin
            b.stream_ended_at, b.stream_error = None, None
            chats = await audience_chats(w, view.scope.org, b.audience, view.group_ids)
            await notify_audience(w, b, chats, "on_air")
            w.audit("broadcast.on_air", b.org_id, "broadcast", b.id, material_id=b.material_id)
            return await broadcast_answer(w.db, view)
    except BaseException:
        if started:
            await forget_stream(services, broadcast_id, mountpoint_id, secret)
        if temporary:
            Path(path).unlink(missing_ok=True)
        raise
    finally:
        if started:
            recorded.set()


async def forget_stream(services: Services, broadcast_id: int | None, mountpoint_id: int,
                        secret: str) -> None:
    """Stop the broadcast's ffmpeg and destroy its mountpoint; failures are logged, not raised."""
    if broadcast_id is not None:
        await services.streamer.stop(broadcast_id)
    try:
        async with services.janus.streaming() as st:
            await st.destroy(mountpoint_id, secret)
    except JanusError as exc:
        if exc.code != NO_SUCH_MOUNTPOINT:
            log.warning("janus clean-up of mountpoint %s failed: %s", mountpoint_id, exc)


async def close_air(ctx: Ctx, view: BroadcastView, *, error: str | None = None) -> None:
    """The broadcast goes off the air for everyone: every stay ends, presenters lose their
    tokens, the audience is told; after commit its room or mountpoint goes from Janus (and its
    ffmpeg stops). Precondition: on the air and not over."""
    await _close_air(ctx, view.broadcast, view.scope.org, view.group_ids, error=error)


async def _close_air(ctx: Ctx, b: Broadcast, org: Organization, group_ids: list[int], *,
                     error: str | None) -> None:
    """``close_air`` for the broadcast ``b`` of ``org`` (its classes: ``group_ids``), with or
    without a caller."""
    from parta.actions.broadcast_air import forget_room

    now = utcnow()
    b.off_air_at = now
    for row in (await ctx.db.execute(select(BroadcastViewer).where(
            BroadcastViewer.broadcast_id == b.id, BroadcastViewer.left_at.is_(None)))).scalars():
        row.left_at = now
    for p in (await ctx.db.execute(select(BroadcastPresenter).where(
            BroadcastPresenter.broadcast_id == b.id))).scalars():
        p.token, p.janus_session = None, None
    chats = await audience_chats(ctx, org, b.audience, group_ids)
    await notify_audience(ctx, b, chats, "off_air")
    ctx.audit("broadcast.off_air", b.org_id, "broadcast", b.id, error=error)
    services = ctx.services
    room, room_secret = b.janus_room, b.room_secret
    if room is not None and room_secret is not None:
        ctx.after_commit.append(lambda: forget_room(services, room, room_secret))
    mountpoint, secret, broadcast_id = b.stream_id, b.stream_secret, b.id
    if mountpoint is not None and secret is not None:
        b.stream_ended_at, b.stream_error = now, error
        ctx.after_commit.append(lambda: forget_stream(services, broadcast_id, mountpoint, secret))


async def _ended(services: Services, caller: dict[str, Any], broadcast_id: int,
                 mountpoint_id: int, secret: str, status: int, output: str) -> None:
    """ffmpeg ended by itself: at the end of the file (status 0) the broadcast is over; a
    failure ends it too, with ``stream_failed`` for the presenter to read."""
    error = None if status == 0 else "stream_interrupted" if status < 0 else "stream_failed"
    if error:
        log.warning("ffmpeg of broadcast %s failed (%s): %s", broadcast_id, status, output[-500:])
    try:
        async with unit_of_work(services, **caller) as w:
            view = await broadcast_in(w.db, w.require_actor(), broadcast_id)
            b = view.broadcast
            if b.stream_id == mountpoint_id and b.off_air_at is None and b.cancelled_at is None:
                await close_air(w, view, error=error)
                await w.db.flush()
                return
    except Exception:
        log.exception("closing broadcast %s after its video failed", broadcast_id)
    await forget_stream(services, None, mountpoint_id, secret)


async def stop_all(services: Services) -> None:
    """The server stops: every ffmpeg run ends with it, and its broadcast goes off the air
    (``stream_interrupted``) with its mountpoint destroyed."""
    await services.streamer.stop_all()


async def end_silent_videos(services: Services, silent_seconds: float) -> int:
    """End every video broadcast on the air whose film nobody plays any more — the server
    process that ran its ffmpeg crashed or was killed (the ffmpeg died with it, and nobody was
    left to close the broadcast), or Janus lost its mountpoint (a restart) — as the presenter's
    «end» would, with ``stream_interrupted``: off the air, every stay over, the audience told,
    the audit entry written, the mountpoint gone.

    Who plays a film is not written down; Janus says whether it is played: a mountpoint that
    received nothing for ``silent_seconds`` has no ffmpeg sending to it. So a film another live
    server process plays (its packets arrive) is left alone, and so are this process's own runs
    (they close themselves). Janus not answering tells nothing: nothing ends then. Returns how
    many broadcasts ended."""
    since = utcnow() - timedelta(seconds=silent_seconds)
    async with unit_of_work(services, read_only=True) as r:
        playing = [(b.id, b.stream_id, b.stream_secret) for b in (await r.db.execute(
            select(Broadcast).where(
                Broadcast.on_air_at.is_not(None), Broadcast.off_air_at.is_(None),
                Broadcast.cancelled_at.is_(None), Broadcast.stream_id.is_not(None),
                Broadcast.stream_started_at <= since).order_by(Broadcast.id))).scalars()]
    ended = 0
    for broadcast_id, mountpoint, secret in playing:
        if services.streamer.running(broadcast_id) or mountpoint is None or secret is None:
            continue
        try:
            async with services.janus.streaming() as st:
                info: dict[str, Any] | None = await st.info(mountpoint, secret)
        except JanusUnavailable:
            return ended
        except JanusError as exc:
            if exc.code != NO_SUCH_MOUNTPOINT:
                log.warning("janus could not tell of mountpoint %s: %s", mountpoint, exc)
                continue
            info = None  # Janus lost it: nothing plays there
        if info is not None and not _silent(info, silent_seconds):
            continue
        async with unit_of_work(services) as w:
            ended += await _end_silent(w, broadcast_id, mountpoint)
    return ended


def _silent(info: dict[str, Any], silent_seconds: float) -> bool:
    """Janus received nothing on any of the mountpoint's streams for ``silent_seconds``
    (``age_ms``: since the last packet). A Janus that does not say is not taken for silence."""
    ages = [m.get("age_ms") for m in info.get("media") or []]
    return bool(ages) and all(isinstance(a, int) and a >= silent_seconds * 1000 for a in ages)


async def _end_silent(ctx: Ctx, broadcast_id: int, mountpoint: int) -> int:
    # Ordered with another process's sweep or its own end of the film (PostgreSQL): once.
    b = (await ctx.db.execute(select(Broadcast).where(Broadcast.id == broadcast_id)
                              .with_for_update())).scalar_one_or_none()
    if b is None or b.stream_id != mountpoint or b.off_air_at is not None \
            or b.cancelled_at is not None or ctx.services.streamer.running(broadcast_id):
        return 0
    org = await ctx.db.get(Organization, b.org_id)
    assert org is not None
    group_ids = list((await ctx.db.execute(select(BroadcastGroup.group_id).where(
        BroadcastGroup.broadcast_id == b.id).order_by(BroadcastGroup.id))).scalars())
    log.warning("broadcast %s: nothing plays its video any more (its server process is gone); "
                "it goes off the air", broadcast_id)
    await _close_air(ctx, b, org, group_ids, error="stream_interrupted")
    await ctx.db.flush()
    return 1
