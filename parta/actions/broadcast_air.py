"""Broadcasts on the air (R38): presenters publish, viewers only receive — and Janus holds it.

Going on the air makes the broadcast's VideoRoom in Janus (private, a secret only Parta holds,
an allowed list that starts empty) and puts the presenter's fresh token on the list. A viewer
is admitted by Parta (a stay row, counted against ``broadcast_max_viewers``) and given no token:
Janus refuses a publisher join without one («not in the allowed list»), so a viewer cannot send
even past Parta's proxy, which also refuses every request of a viewer's browser but subscribing
(``viewers_do_not_send``). How many watch goes to the presenters and viewers as
``broadcast.viewers``, at most once a second per broadcast (coalesced after commit).

Like calls, Janus is spoken to outside the database transaction: the room is made first, then
one short transaction records it; if another presenter's room won, ours is destroyed.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from parta.actions.base import Ctx, Services, unit_of_work
from parta.actions.broadcast_video import close_air
from parta.actions.broadcasts import audience_chats, notify_audience, watching_ids
from parta.db import utcnow
from parta.errors import Conflict, Forbidden, NotFound, Unavailable
from parta.models import Broadcast, BroadcastPresenter, BroadcastViewer
from parta.queries.broadcasts import BroadcastView, broadcast_answer, broadcast_in, viewers_now
from parta.realtime.events import BroadcastViewers, Envelope
from parta.schemas.broadcasts import BroadcastJoined, BroadcastOut, ViewerAccess
from parta.schemas.calls import IceServer
from parta.services.janus import NO_SUCH_ROOM, JanusError, new_room_id
from parta.services.turn import turn_credentials

__all__ = ["EARLY", "PROXY_PATH", "bind_janus_session", "go_off_air", "go_on_air",
           "leave_broadcast", "proxy_access", "watch"]

log = logging.getLogger("parta.broadcasts")
PROXY_PATH = "/api/v1/broadcasts/{broadcast_id}/janus"
EARLY = timedelta(minutes=30)  # a presenter may go on the air this long before the start


def _unavailable(exc: Exception) -> Unavailable:
    log.warning("janus refused or did not answer: %s", exc)
    return Unavailable("calls_unavailable")


def _open(view: BroadcastView) -> Broadcast:
    b = view.broadcast
    if b.cancelled_at is not None:
        raise Conflict("broadcast_cancelled")
    if b.off_air_at is not None or (b.on_air_at is None and b.ends_at <= utcnow()):
        raise Conflict("broadcast_over")
    return b


def _access(ctx: Ctx, b: Broadcast, token: str | None) -> tuple[ViewerAccess, list[IceServer],
                                                                 int]:
    user = ctx.user
    assert user is not None and (b.janus_room is not None or b.stream_id is not None)
    creds = turn_credentials(ctx.settings.turn_secret, user.id, ctx.settings.turn_url_list,
                             ctx.settings.turn_ttl_seconds)
    ice = [IceServer(urls=creds.urls, username=creds.username, credential=creds.password)] \
        if creds.urls else []
    return (ViewerAccess(url=PROXY_PATH.format(broadcast_id=b.id), room=b.janus_room,
                         stream=b.stream_id, feed_id=user.id, display=user.name, token=token,
                         publish=token is not None), ice, creds.expires_at)


# Presenters ------------------------------------------------------------------------------------

async def go_on_air(ctx: Ctx, broadcast_id: int) -> BroadcastJoined:
    """A presenter goes on the air (from ``EARLY`` before the start): the broadcast's room is
    made when it has none, and the presenter's token goes on its allowed list.
    ``ctx`` only reads; the writes are units of work of their own, after Janus answered."""
    services = ctx.services
    async with unit_of_work(services, read_only=True, **ctx.caller()) as r:
        view = await broadcast_in(r.db, r.require_actor(), broadcast_id)
        if view.presenter is None:
            raise Forbidden("not_presenter")
        b = _open(view)
        if b.stream_id is not None:
            raise Conflict("broadcast_on_air")  # its video plays: no camera beside it
        if b.on_air_at is None and b.starts_at - EARLY > utcnow():
            raise Conflict("broadcast_not_yet")
        room, secret = b.janus_room, b.room_secret
    made = room is None
    if made:
        room, secret = new_room_id(), secrets.token_urlsafe(24)
    assert room is not None and secret is not None
    token = secrets.token_urlsafe(24)
    try:
        async with services.janus.videoroom() as vr:
            if made:
                await vr.create_room(room, secret, description=f"parta broadcast {broadcast_id}",
                                     publishers=services.settings.broadcast_max_presenters)
            await vr.allow(room, secret, [token])
    except JanusError as exc:
        raise _unavailable(exc) from exc
    try:
        async with unit_of_work(services, **ctx.caller()) as w:
            view = await broadcast_in(w.db, w.require_actor(), broadcast_id)
            b = _open(view)
            assert view.presenter is not None
            if made and b.janus_room is not None:
                raise _Retry()  # another presenter's room won meanwhile: use that one
            if made:
                b.janus_room, b.room_secret = room, secret
            if b.on_air_at is None:
                b.on_air_at = utcnow()
                chats = await audience_chats(w, view.scope.org, b.audience, view.group_ids)
                await notify_audience(w, b, chats, "on_air")
                w.audit("broadcast.on_air", b.org_id, "broadcast", b.id)
            view.presenter.token = token
            view.presenter.janus_session = None
            await w.db.flush()
            access, ice, expires = _access(w, b, token)
            joined = BroadcastJoined(broadcast=await broadcast_answer(w.db, view), janus=access,
                                     ice_servers=ice, turn_expires_at=expires)
    except _Retry:
        await _forget(services, room, secret, destroy=True)
        return await go_on_air(ctx, broadcast_id)
    except BaseException:
        await _forget(services, room, secret, destroy=made, tokens=[token])
        raise
    return joined


class _Retry(Exception):
    """The broadcast got its room from another presenter meanwhile."""


async def _forget(services: Services, room: int, secret: str, *, destroy: bool,
                  tokens: list[str] | None = None, feeds: list[int] | None = None) -> None:
    """Undo in Janus what Parta no longer stands behind; failures are logged, not raised."""
    try:
        async with services.janus.videoroom() as vr:
            if destroy:
                await vr.destroy_room(room, secret)
                return
            if tokens:
                await vr.allow(room, secret, tokens, add=False)
            for feed in feeds or []:
                try:
                    await vr.kick(room, secret, feed)
                except JanusError:
                    pass  # not publishing: nothing to send away
    except JanusError as exc:
        if exc.code != NO_SUCH_ROOM:
            log.warning("janus clean-up of broadcast room %s failed: %s", room, exc)


async def go_off_air(ctx: Ctx, broadcast_id: int) -> BroadcastOut:
    """A presenter or the administration ends the broadcast for everyone: the room (or the
    video's mountpoint and its ffmpeg) goes from Janus after commit, every viewer's stay ends."""
    view = await broadcast_in(ctx.db, ctx.require_actor(), broadcast_id)
    if not view.moderates:
        raise Forbidden("not_presenter")
    b = _open(view)
    if b.on_air_at is None:
        raise Conflict("broadcast_not_on_air")
    await close_air(ctx, view)
    return await broadcast_answer(ctx.db, view)


async def forget_room(services: Services, room: int, secret: str) -> None:
    """Destroy the broadcast's room in Janus (after it went off the air)."""
    await _forget(services, room, secret, destroy=True)


# Viewers ---------------------------------------------------------------------------------------

async def watch(ctx: Ctx, broadcast_id: int) -> BroadcastJoined:
    """Someone of the audience starts watching: admitted by Parta, counted, given no token.
    409 ``broadcast_not_on_air`` before a presenter went on the air, ``broadcast_full`` when
    ``broadcast_max_viewers`` already watch (someone already watching may reload)."""
    actor = ctx.require_actor()
    view = await broadcast_in(ctx.db, actor, broadcast_id)
    b = _open(view)
    if b.on_air_at is None or b.janus_room is None and b.stream_id is None:
        raise Conflict("broadcast_not_on_air")
    # Ordered with other joins (PostgreSQL): the count below is not raced past the limit.
    await ctx.db.execute(select(Broadcast.id).where(Broadcast.id == b.id).with_for_update())
    mine = (await ctx.db.execute(select(BroadcastViewer).where(
        BroadcastViewer.broadcast_id == b.id, BroadcastViewer.user_id == actor.user_id,
        BroadcastViewer.left_at.is_(None)))).scalars().first()
    if mine is None:
        watching = (await ctx.db.execute(select(func.count(func.distinct(
            BroadcastViewer.user_id))).where(BroadcastViewer.broadcast_id == b.id,
                                             BroadcastViewer.left_at.is_(None)))).scalar_one()
        if watching >= ctx.settings.broadcast_max_viewers:
            raise Conflict("broadcast_full", params={"count": ctx.settings.broadcast_max_viewers})
        mine = BroadcastViewer(broadcast_id=b.id, user_id=actor.user_id, joined_at=utcnow())
        ctx.db.add(mine)
    mine.janus_session = None  # a new page makes a new session
    await ctx.db.flush()
    _count_later(ctx, b)
    access, ice, expires = _access(ctx, b, None)
    return BroadcastJoined(broadcast=await broadcast_answer(ctx.db, view), janus=access,
                           ice_servers=ice, turn_expires_at=expires)


async def leave_broadcast(ctx: Ctx, broadcast_id: int) -> BroadcastOut:
    """The caller stops watching (or presenting: their token leaves the room's list)."""
    actor = ctx.require_actor()
    view = await broadcast_in(ctx.db, actor, broadcast_id)
    b = view.broadcast
    now = utcnow()
    for row in (await ctx.db.execute(select(BroadcastViewer).where(
            BroadcastViewer.broadcast_id == b.id, BroadcastViewer.user_id == actor.user_id,
            BroadcastViewer.left_at.is_(None)))).scalars():
        row.left_at = now
    p = view.presenter
    if p is not None and p.token and b.janus_room is not None and b.room_secret is not None:
        room, secret, token = b.janus_room, b.room_secret, p.token
        p.token, p.janus_session = None, None
        ctx.after_commit.append(lambda: _forget(ctx.services, room, secret, destroy=False,
                                                tokens=[token], feeds=[actor.user_id]))
    _count_later(ctx, b)
    return await broadcast_answer(ctx.db, view)


# The live count, coalesced -------------------------------------------------------------------

def _count_later(ctx: Ctx, b: Broadcast) -> None:
    """After commit: within ``broadcast_count_seconds``, one ``broadcast.viewers`` with the count
    then, however many joined or left meanwhile."""
    services, broadcast_id, org_id = ctx.services, b.id, b.org_id

    async def send() -> None:
        await asyncio.sleep(services.settings.broadcast_count_seconds)
        services.broadcast_counts.pop(broadcast_id, None)
        try:
            async with unit_of_work(services, read_only=True) as r:
                count = (await viewers_now(r.db, [broadcast_id])).get(broadcast_id, 0)
                presenters = set((await r.db.execute(select(BroadcastPresenter.user_id).where(
                    BroadcastPresenter.broadcast_id == broadcast_id))).scalars())
                r.events.append(Envelope(
                    event=BroadcastViewers(org_id=org_id, broadcast_id=broadcast_id,
                                           viewers=count),
                    audience=frozenset(presenters | await watching_ids(r, broadcast_id)),
                    ephemeral=True))
        except Exception:
            log.exception("counting the viewers of broadcast %s failed", broadcast_id)

    async def start() -> None:
        if broadcast_id not in services.broadcast_counts:
            services.broadcast_counts[broadcast_id] = asyncio.create_task(
                send(), name=f"parta-broadcast-count-{broadcast_id}")

    ctx.after_commit.append(start)


# The browser's way to Janus --------------------------------------------------------------------

async def proxy_access(ctx: Ctx, broadcast_id: int, session_id: int | None
                       ) -> tuple[Broadcast, bool]:
    """The broadcast on the air and whether the caller presents it — for the proxy: only a
    presenter on the air or an admitted viewer, only through the Janus session their browser
    made through Parta (``session_id`` None: making it)."""
    actor = ctx.require_actor()
    view = await broadcast_in(ctx.db, actor, broadcast_id)
    b = _open(view)
    if b.janus_room is None and b.stream_id is None:
        raise Conflict("broadcast_not_on_air")
    p = view.presenter
    if p is not None and p.token and b.janus_room is not None:
        if session_id is not None and p.janus_session != session_id:
            raise NotFound()
        return b, True
    row = (await ctx.db.execute(select(BroadcastViewer).where(
        BroadcastViewer.broadcast_id == b.id, BroadcastViewer.user_id == actor.user_id,
        BroadcastViewer.left_at.is_(None)))).scalars().first()
    if row is None:
        raise Forbidden("not_watching")
    if session_id is not None and row.janus_session != session_id:
        raise NotFound()
    return b, False


async def bind_janus_session(ctx: Ctx, broadcast_id: int,
                             create: Callable[[], Awaitable[Any]]) -> Any:
    """Make a Janus session for the admitted caller and remember it as theirs."""
    await proxy_access(ctx, broadcast_id, None)
    answer = await create()
    if isinstance(answer, dict) and answer.get("janus") == "success":
        session = int(answer["data"]["id"])
        async with unit_of_work(ctx.services, **ctx.caller()) as w:
            actor = w.require_actor()
            view = await broadcast_in(w.db, actor, broadcast_id)
            if view.presenter is not None and view.presenter.token:
                view.presenter.janus_session = session
            else:
                for row in (await w.db.execute(select(BroadcastViewer).where(
                        BroadcastViewer.broadcast_id == broadcast_id,
                        BroadcastViewer.user_id == actor.user_id,
                        BroadcastViewer.left_at.is_(None)))).scalars():
                    row.janus_session = session
    return answer
