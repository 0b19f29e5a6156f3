"""Who is calling: the unit of work for a request, with the caller resolved from cookie or token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Annotated

from fastapi import Depends, Path, Query, Request

from parta.actions.auth import note_seen, session_token_hash, touch_session
from parta.actions.base import Ctx, Services, unit_of_work
from parta.errors import CsrfFailed, NotAuthenticated
from parta.i18n import pick_language
from parta.models import SessionKind
from parta.proxies import client_address, parse_networks
from parta.queries.actors import caller_by_token_hash, seen_long_ago
from parta.schemas.common import MAX_ID
from parta.security import same

__all__ = [
    "CSRF_COOKIE",
    "SESSION_COOKIE",
    "AnyCtx",
    "AuthCtx",
    "AuthReadingCtx",
    "PathId",
    "QueryId",
    "client_ip",
    "services_of",
]

# A path id outside the range names nothing: «not found» (see api/errors.py).
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]

SESSION_COOKIE = "parta_session"
CSRF_COOKIE = "parta_csrf"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def client_ip(request: Request) -> str:
    """The caller's address — the one place it is decided (see ``parta.proxies``)."""
    trusted = parse_networks(services_of(request).settings.trusted_proxies)
    return client_address(request.scope, trusted)


async def _ctx(request: Request) -> AsyncIterator[Ctx]:
    # GET and HEAD only read: their transactions never wait for (or hold up) a writer.
    async with _request_ctx(request, read_only=request.method in SAFE_METHODS) as ctx:
        yield ctx


async def _reading_ctx(request: Request) -> AsyncIterator[Ctx]:
    async with _request_ctx(request, read_only=True) as ctx:
        yield ctx


@asynccontextmanager
async def _request_ctx(request: Request, read_only: bool) -> AsyncIterator[Ctx]:
    # A context manager, not a generator looped over: the endpoint's exception must reach
    # the unit of work (a CommitThenRefuse commits before it refuses).
    services = services_of(request)
    lang = pick_language(request.headers.get("accept-language"), services.settings.default_language)
    async with unit_of_work(services, read_only=read_only, ip=client_ip(request),
                            lang=lang) as ctx:
        request.state.lang = lang
        await _authenticate(ctx, request, read_only)
        yield ctx


async def _authenticate(ctx: Ctx, request: Request, read_only: bool) -> None:
    auth = request.headers.get("authorization", "")
    token, kind = "", None
    if auth.lower().startswith("bearer "):
        token, kind = auth[7:].strip(), SessionKind.bearer
    elif request.cookies.get(SESSION_COOKIE):
        token, kind = request.cookies[SESSION_COOKIE], SessionKind.cookie
    if not token:
        return
    found = await caller_by_token_hash(ctx.db, session_token_hash(ctx.settings.secret_key, token))
    if found is None or found[0].kind != kind:
        return
    session, user, caller = found
    if kind == SessionKind.cookie and request.method not in SAFE_METHODS:
        # Double submit: the page's script echoes the CSRF cookie into a header.
        header = request.headers.get("x-csrf-token", "")
        if not header or not same(header, session.csrf_token):
            raise CsrfFailed()
    ctx.user = user
    ctx.session_id = session.id
    ctx.actor, ctx.verified_in = caller.actor, caller.verified_in
    if seen_long_ago(session):  # a write at most every few minutes
        if read_only:  # a GET's transaction only reads: the write gets one of its own
            ctx.after_commit.append(partial(touch_session, ctx.services, session.id))
        else:
            note_seen(ctx, session)
    ctx.lang = user.language or ctx.lang
    request.state.lang = ctx.lang


def _require_user(ctx: Annotated[Ctx, Depends(_ctx, scope="function")]) -> Ctx:
    if ctx.user is None:
        raise NotAuthenticated()
    return ctx


def _require_user_reading(ctx: Annotated[Ctx, Depends(_reading_ctx, scope="function")]) -> Ctx:
    return _require_user(ctx)


# The caller may be anyone (sign-in), or must be signed in.
AnyCtx = Annotated[Ctx, Depends(_ctx, scope="function")]
AuthCtx = Annotated[Ctx, Depends(_require_user, scope="function")]
# Signed in, in a transaction that only reads, whatever the method: for a write whose slow part
# (an upload's decoding) must come before its transaction — the action opens that itself.
AuthReadingCtx = Annotated[Ctx, Depends(_require_user_reading, scope="function")]
