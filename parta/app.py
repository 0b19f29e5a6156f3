"""``create_app(settings)``: routers, middleware, static web client, lifespan."""

from __future__ import annotations

import asyncio
import functools
import gc
from collections.abc import AsyncIterator, MutableMapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response, WebSocket
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.routing import BaseRoute
from starlette.types import Receive, Scope, Send

from parta import __version__, conduct, metrics
from parta.actions import acks as ack_actions
from parta.actions import blocks as block_actions
from parta.actions import broadcast_video
from parta.actions import calls as call_actions
from parta.actions import digest as digest_actions
from parta.actions import lessons as lesson_actions
from parta.actions import privacy as privacy_actions
from parta.actions import push as push_actions
from parta.actions import scheduled as scheduled_actions
from parta.actions import sweep as sweep_actions
from parta.actions import urgent as urgent_actions
from parta.actions.base import Services
from parta.actions.notifier import Notifier
from parta.actions.poll_votes import VoteQueue
from parta.api import (
    acks,
    audit,
    auth,
    broadcasts,
    calls,
    chat_links,
    chats,
    events,
    families,
    instructions,
    invites,
    lessons,
    materials,
    moderation,
    network,
    offers,
    orgs,
    oversight,
    polls,
    requests,
    stats,
    support,
    urgent,
    year,
)
from parta.api import movement as movement_api
from parta.api import privacy as privacy_api
from parta.api import push as push_api
from parta.api import roster as roster_api
from parta.api.errors import error_response, install_error_handlers
from parta.api.responses import document_errors_honestly
from parta.api.socket_send import SendQueue
from parta.config import Settings
from parta.db import make_engine, make_sessionmaker
from parta.http_limits import BodyLimits, route_limits
from parta.http_log import RequestLog
from parta.i18n import LANGUAGES, catalog
from parta.pwa import VersionedStatic, shell_page
from parta.pwa import router as pwa_router
from parta.realtime import eventlog
from parta.realtime.bus import make_bus
from parta.realtime.gateway import Hub
from parta.roster import MAX_UPLOAD as ROSTER_UPLOAD
from parta.services.mail import make_mailer
from parta.services.media import limits_from_settings, max_upload_size
from parta.services.sms import make_sms
from parta.services.storage import make_storage
from parta.web_pages import page_paths

__all__ = ["create_app"]

EVENTS_PATH = "/api/v1/events"


@functools.cache
def _api_routes() -> tuple[BaseRoute, ...]:
    """The API's routes (``/api/v1``), built once per process.

    Including the routers builds every route's dependencies and response models: about a second
    of CPU for ~280 routes, paid again by every ``create_app``. A server makes one app, but the
    test suite makes one per test (nearly half its time went here). The routes keep no state of
    their own (handlers reach the services through ``request.app.state``), so each app takes
    the same built route objects. Nothing here may use ``app.dependency_overrides``: those
    would be read from the first app, the throwaway one below."""
    api = APIRouter(prefix="/api/v1")
    for module in (auth, orgs, invites, requests, audit, offers, support, families, chats, chat_links,
                   calls, lessons, materials, polls, acks, moderation, events, year, stats,
                   network, instructions, oversight, broadcasts, urgent):
        api.include_router(module.router)
    api.include_router(roster_api.router)
    api.include_router(movement_api.router)
    api.include_router(privacy_api.router)
    api.include_router(push_api.router)
    built = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    before = len(built.router.routes)
    built.include_router(api)
    return tuple(built.router.routes[before:])


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    settings = settings or Settings()
    settings.check_production()
    engine = make_engine(settings.database_url)
    services = services or Services(
        settings=settings, sessionmaker=make_sessionmaker(engine), sms=make_sms(settings),
        mail=make_mailer(settings), bus=make_bus(settings.redis_url),
        storage=make_storage(settings),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await services.bus.start()
        conduct.default_filter()  # compile the lexicon now, not on the first message
        pruning = asyncio.create_task(eventlog.prune_forever(
            services.sessionmaker, settings.event_retention_days), name="parta-event-pruning")
        unblocking = asyncio.create_task(block_actions.settle_forever(services),
                                         name="parta-early-unblocks")
        sweeping = asyncio.create_task(sweep_actions.sweep_forever(services),
                                       name="parta-hourly-sweep")
        expiring = asyncio.create_task(app.state.hub.end_expired_forever(),
                                       name="parta-expired-sockets")
        personal_data = asyncio.create_task(privacy_actions.privacy_forever(services),
                                            name="parta-personal-data")
        calls = asyncio.create_task(call_actions.reconcile_forever(services),
                                    name="parta-calls-presence") if settings.calls_enabled else None
        reminding = asyncio.create_task(lesson_actions.remind_forever(services),
                                        name="parta-lesson-reminders")
        digests = asyncio.create_task(digest_actions.digest_forever(services, live=app.state.hub.live),
                                      name="parta-email-digest")
        escalating = asyncio.create_task(ack_actions.escalate_forever(services),
                                         name="parta-ack-escalation")
        scheduling = asyncio.create_task(scheduled_actions.schedule_forever(services),
                                         name="parta-scheduled-messages")
        urgent_sms = asyncio.create_task(urgent_actions.urgent_sms_forever(services),
                                         name="parta-urgent-sms")
        await push_actions.installation_key(services)  # made once, before anyone asks for it
        notifier.start()
        try:
            yield
        finally:
            if calls is not None:
                calls.cancel()
            personal_data.cancel()
            reminding.cancel()
            escalating.cancel()
            scheduling.cancel()
            urgent_sms.cancel()
            digests.cancel()
            pruning.cancel()
            unblocking.cancel()
            sweeping.cancel()
            expiring.cancel()
            await send_queue.drain()
            await vote_queue.drain()
            await services.poll_results.drain()  # the last votes' results go out
            await broadcast_video.stop_all(services)  # no ffmpeg outlives the server
            await services.janus.aclose()
            await notifier.stop()
            await services.bus.stop()
            await engine.dispose()

    app = FastAPI(title="Parta", version=__version__, lifespan=lifespan,
                  openapi_url="/api/v1/openapi.json", docs_url=None, redoc_url=None)
    app.state.services = services
    app.state.settings = settings
    app.state.hub = hub = Hub()
    hub.attach(services.bus)
    app.state.send_queue = send_queue = SendQueue(services)
    app.state.vote_queue = vote_queue = VoteQueue(services)
    # Web Push for what this process commits, to people with no socket open here.
    app.state.notifier = notifier = Notifier(services, live=hub.live)
    services.committed.append(notifier.offer)
    install_error_handlers(app)
    document_errors_honestly(app)

    # Added innermost first: the request log sees (and counts) the body limit's refusals too.
    app.add_middleware(BodyLimits, limit_for=route_limits(
        upload=max_upload_size(limits_from_settings(settings)), roster=ROSTER_UPLOAD))
    app.add_middleware(RequestLog, hsts=settings.hsts)

    app.router.routes.extend(_api_routes())

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, bool]:
        return {"ok": True}

    app.include_router(metrics.router)  # /metrics (for the monitoring host only), /readyz

    @app.get("/api/v1/i18n/{lang}.json", include_in_schema=False)
    async def server_catalog(lang: str) -> JSONResponse:
        return JSONResponse(catalog(lang if lang in LANGUAGES else "ru"))

    app.include_router(pwa_router)  # /manifest.webmanifest, /sw.js (before the pages' catch-all)
    web: Path = settings.web_dir
    # The shell's versioned URLs (immutable), before the plain ones (revalidated).
    app.mount("/static/v/{version}", VersionedStatic(web), name="static-versioned")
    app.mount("/static", StaticFiles(directory=web, check_dir=False), name="static")

    pages = page_paths(web)

    @app.get("/{path:path}", include_in_schema=False)
    async def spa(path: str, request: Request) -> Response:
        """The web client: each of its page paths returns the one HTML shell (History API
        routing). Any other path is 404 — to a browser, the same shell with that status,
        so a person who mistyped an address sees the client's own «page not found»."""
        index = web / "index.html"
        if not index.exists() or path.startswith(("api/", "static/")):
            return error_response(request, 404, "not_found")
        if pages.fullmatch(request.url.path):
            return HTMLResponse(shell_page(web), headers={"Cache-Control": "no-cache"})
        if "text/html" in request.headers.get("accept", "") and "." not in path:
            return HTMLResponse(shell_page(web), status_code=404,
                                headers={"Cache-Control": "no-cache"})
        return error_response(request, 404, "not_found")

    return app


class Served:
    """The app as ``parta serve`` runs it. The event socket, which stays open for as long as a
    client is connected, goes straight to its handler rather than through the framework's
    middleware: each layer would keep a coroutine frame (and some a deque or a dict) alive for
    every idle connection. Everything else — the socket's authentication included — is the
    same app's."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, _freezing_when_started(send))
            return
        if scope["type"] == "websocket" and scope["path"] == EVENTS_PATH:
            scope["app"] = self.app
            await events.events(WebSocket(scope, receive, send))
            return
        await self.app(scope, receive, send)


def _freezing_when_started(send: Send) -> Send:
    """Once the server has started (every module imported, the routes and the conduct lexicon
    built), what exists lives as long as the process: ``gc.freeze()`` moves it out of the
    cyclic collector's sight, so a full pass no longer walks a few hundred thousand objects
    that never become garbage (the passes that made the history pages' ~85 ms maxima, and
    a share of every request's CPU). Only the served process does this: tests make an app
    per test and must not keep each one's objects for good."""

    async def sending(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "lifespan.startup.complete":
            gc.collect()
            gc.freeze()
        await send(message)

    return sending
