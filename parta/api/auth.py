"""Sign-in, sign-out, the caller's own profile and sessions."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from parta.actions import auth as auth_actions
from parta.actions.profile import confirm_email, request_email_confirmation, update_profile
from parta.api.deps import CSRF_COOKIE, SESSION_COOKIE, AnyCtx, AuthCtx, PathId
from parta.api.responses import errors
from parta.config import Mode
from parta.models import SessionKind
from parta.queries.actors import active_sessions
from parta.queries.people import me
from parta.schemas.auth import (
    CodeIn,
    CodeOut,
    EmailCodeOut,
    EmailConfirmIn,
    EndedOut,
    MeOut,
    MePatch,
    SessionOut,
    SessionsOut,
    SignedInOut,
    VerifyIn,
)
from parta.schemas.common import Ok

router = APIRouter(tags=["auth"])


@router.post("/auth/code", response_model=CodeOut, responses=errors(413, 422, 429))
async def request_code(body: CodeIn, ctx: AnyCtx) -> CodeOut:
    sent = await auth_actions.request_code(ctx, body.phone, body.channel)
    return CodeOut(channel=sent.channel, masked_destination=sent.masked_destination,
                   expires_in=sent.expires_in, resend_after=sent.resend_after)


@router.post("/auth/verify", response_model=SignedInOut, responses=errors(400, 413, 422, 429))
async def verify_code(body: VerifyIn, request: Request, response: Response,
                      ctx: AnyCtx) -> SignedInOut:
    kind = SessionKind.cookie if body.client == "web" else SessionKind.bearer
    device = body.device or request.headers.get("user-agent", "")[:300]
    signed = await auth_actions.verify_code(ctx, body.phone, body.code, kind, device)
    if kind == SessionKind.cookie:
        s = ctx.settings
        secure = s.cookie_secure or s.mode == Mode.production
        max_age = s.session_ttl_days * 86400
        response.set_cookie(SESSION_COOKIE, signed.token, max_age=max_age, httponly=True,
                            secure=secure, samesite="lax", path="/")
        response.set_cookie(CSRF_COOKIE, signed.session.csrf_token, max_age=max_age,
                            httponly=False, secure=secure, samesite="strict", path="/")
    return SignedInOut(user=await me(ctx.db, signed.user),
                       token=signed.token if kind == SessionKind.bearer else None)


@router.post("/auth/logout", response_model=Ok, responses=errors(401, 403, 404))
async def logout(response: Response, ctx: AuthCtx) -> Ok:
    assert ctx.session_id is not None
    await auth_actions.end_session(ctx, ctx.session_id)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return Ok()


@router.get("/me", response_model=MeOut, responses=errors(401))
async def get_me(ctx: AuthCtx) -> MeOut:
    assert ctx.user is not None
    return await me(ctx.db, ctx.user)


@router.patch("/me", response_model=MeOut, responses=errors(401, 403, 413, 422))
async def patch_me(body: MePatch, ctx: AuthCtx) -> MeOut:
    user = await update_profile(ctx, **body.model_dump(exclude_unset=True))
    return await me(ctx.db, user)


@router.post("/me/email/code", response_model=EmailCodeOut, status_code=202,
             responses=errors(401, 403, 409, 429))  # 409 email_missing, email_already_confirmed
async def request_email_code(ctx: AuthCtx) -> EmailCodeOut:
    """Send a code to one's own e-mail address; entering it back confirms the address."""
    return EmailCodeOut(masked_destination=await request_email_confirmation(ctx))


@router.post("/me/email/confirm", response_model=MeOut,
             responses=errors(400, 401, 403, 413, 422, 429))  # 400 code_invalid, code_expired, code_attempts
async def confirm_own_email(body: EmailConfirmIn, ctx: AuthCtx) -> MeOut:
    return await me(ctx.db, await confirm_email(ctx, body.code))


@router.get("/me/sessions", response_model=SessionsOut, responses=errors(401))
async def my_sessions(ctx: AuthCtx) -> SessionsOut:
    assert ctx.user is not None
    rows = await active_sessions(ctx.db, ctx.user.id)
    return SessionsOut(sessions=[SessionOut(
        id=s.id, kind=s.kind.value, device=s.device, ip=s.ip, created_at=s.created_at,
        last_seen_at=s.last_seen_at, current=s.id == ctx.session_id) for s in rows])


@router.delete("/me/sessions/{session_id}", response_model=Ok, responses=errors(401, 403, 404))
async def end_session(session_id: PathId, ctx: AuthCtx) -> Ok:
    await auth_actions.end_session(ctx, session_id)
    return Ok()


@router.post("/me/sessions/end-others", response_model=EndedOut, responses=errors(401, 403))
async def end_others(ctx: AuthCtx) -> EndedOut:
    return EndedOut(ended=await auth_actions.end_other_sessions(ctx))
