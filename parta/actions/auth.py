"""Sign-in by phone and one-time code (R10), sessions and sign-out (R18)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from sqlalchemy import func, select, update

from parta.actions import throttle
from parta.actions.base import CommitThenRefuse, Ctx, Services, unit_of_work
from parta.db import utcnow
from parta.errors import CodeRefused, DeliveryFailed, NotFound, RateLimited, ValidationFailed
from parta.i18n import t
from parta.models import AuthSession, Group, GroupMember, LoginCode, SessionKind, User
from parta.models.enums import GroupKind
from parta.realtime.events import SessionEnded
from parta.security import keyed_hash, new_code, new_token, same
from parta.services.mail import Mailer, MailFailed
from parta.services.phones import mask_phone, normalize_phone
from parta.services.sms import SmsFailed

__all__ = [
    "CodeSent",
    "SignedIn",
    "end_other_sessions",
    "end_session",
    "note_seen",
    "request_code",
    "session_token_hash",
    "touch_session",
    "verify_code",
]


@dataclass
class CodeSent:
    channel: str
    masked_destination: str
    expires_in: int
    resend_after: int


@dataclass
class SignedIn:
    user: User
    session: AuthSession
    token: str


log = logging.getLogger("parta.auth")


def session_token_hash(secret_key: str, token: str) -> str:
    return keyed_hash(secret_key, token, "session")


async def _check_cooldown(ctx: Ctx, phone: str) -> None:
    s = ctx.settings
    since = utcnow() - timedelta(seconds=s.otp_cooldown_seconds)
    count, latest = (await ctx.db.execute(
        select(func.count(), func.max(LoginCode.burned_at))
        .where(LoginCode.phone == phone, LoginCode.burned_at > since)
    )).one()
    if count >= s.otp_failed_codes_before_cooldown and latest is not None:
        ends = latest + timedelta(seconds=s.otp_cooldown_seconds)
        raise RateLimited(max(int((ends - utcnow()).total_seconds()), 1), "cooldown")


async def _take_code_quota(ctx: Ctx, phone: str) -> None:
    """One more code for this phone and this address, or a refusal: counted atomically, so
    simultaneous requests cannot all pass (``parta.actions.throttle``)."""
    s = ctx.settings
    now, hour = utcnow(), timedelta(hours=1)
    await throttle.take(ctx.db, f"otp:phone:{phone}", now, limit=s.otp_per_phone_per_hour,
                        window=hour, min_gap=timedelta(seconds=s.otp_resend_seconds))
    if ctx.ip:
        await throttle.take(ctx.db, f"otp:ip:{ctx.ip}", now, limit=s.otp_per_ip_per_hour,
                            window=hour)


async def _parent_email_for(ctx: Ctx, phone: str) -> tuple[User, str] | None:
    """A primary-school student's code may go to the parent's e-mail on file (R10); None when
    it may not. The caller answers the same either way: whether a phone is a young child's
    is nobody's business who does not already know."""
    user = (await ctx.db.execute(select(User).where(User.phone == phone))).scalar_one_or_none()
    if user is None or not user.parent_email or not await is_primary_pupil(ctx, user.id):
        return None
    return user, user.parent_email


async def is_primary_pupil(ctx: Ctx, user_id: int) -> bool:
    """In a primary-school class now (grades up to ``primary_school_max_grade``)."""
    return (await ctx.db.execute(
        select(Group.id).join(GroupMember, GroupMember.group_id == Group.id)
        .where(GroupMember.user_id == user_id, Group.kind == GroupKind.class_,
               Group.grade <= ctx.settings.primary_school_max_grade, Group.archived_at.is_(None))
        .limit(1)
    )).scalar_one_or_none() is not None


async def _burned(ctx: Ctx, code_id: int) -> bool:
    burned_at = (await ctx.db.execute(
        select(LoginCode.burned_at).where(LoginCode.id == code_id))).scalar_one()
    return burned_at is not None


# Mail to a parent goes out on its own, after the answer: neither the answer's status nor its
# delay may tell that there was someone to write to. A failure is logged for the operator.
_mail_in_flight: set[asyncio.Task[None]] = set()


async def _mail_quietly(mail: Mailer, to: str, subject: str, body: str) -> None:
    async def send() -> None:
        try:
            await mail.send(to, subject, body)
        except Exception as exc:  # noqa: BLE001 - nobody awaits this task; the log is where it goes
            log.warning("parent e-mail code delivery failed: %s", exc)

    task = asyncio.create_task(send())
    _mail_in_flight.add(task)
    task.add_done_callback(_mail_in_flight.discard)


async def deliver(send: Callable[..., Awaitable[None]], *args: str) -> None:
    """Send after commit; a gateway's failure is the caller's clear error, not a crash."""
    try:
        await send(*args)
    except (SmsFailed, MailFailed) as exc:
        log.warning("code delivery failed: %s", exc)
        raise DeliveryFailed() from None


async def request_code(ctx: Ctx, raw_phone: str, channel: str = "sms") -> CodeSent:
    s = ctx.settings
    phone = normalize_phone(raw_phone, s.default_phone_region)
    if channel not in ("sms", "parent_email"):
        raise ValidationFailed(fields={"channel": "invalid"})
    await _check_cooldown(ctx, phone)
    await _take_code_quota(ctx, phone)
    code = new_code()
    ctx.db.add(LoginCode(
        phone=phone, code_hash=keyed_hash(s.secret_key, code, f"otp:{phone}"), ip=ctx.ip,
        channel="email" if channel == "parent_email" else "sms",
        expires_at=utcnow() + timedelta(seconds=s.otp_ttl_seconds),
    ))
    if channel == "parent_email":
        found = await _parent_email_for(ctx, phone)
        if found is not None:
            child, email = found
            lang = child.language
            body = t(lang, "mail.code.body", name=child.name, code=code,
                     minutes=s.otp_ttl_seconds // 60)
            ctx.after_commit.append(partial(_mail_quietly, ctx.services.mail, email,
                                            t(lang, "mail.code.subject"), body))
        # The same answer whatever the phone: a code is stored (so the limits count alike),
        # and the destination is named, never shown.
        return CodeSent("email", t(ctx.lang, "auth.parent_email_destination"),
                        s.otp_ttl_seconds, s.otp_resend_seconds)
    ctx.after_commit.append(partial(deliver, ctx.services.sms.send, phone,
                                    t(ctx.lang, "sms.code", code=code)))
    return CodeSent("sms", mask_phone(phone), s.otp_ttl_seconds, s.otp_resend_seconds)


async def verify_code(ctx: Ctx, raw_phone: str, code: str, kind: SessionKind,
                      device: str = "") -> SignedIn:
    s = ctx.settings
    phone = normalize_phone(raw_phone, s.default_phone_region)
    code = (code or "").strip()
    if not (len(code) == 6 and code.isdigit()):
        raise ValidationFailed(fields={"code": "invalid"})
    await _check_cooldown(ctx, phone)
    now = utcnow()
    row = (await ctx.db.execute(
        select(LoginCode.id, LoginCode.code_hash, LoginCode.expires_at)
        .where(LoginCode.phone == phone, LoginCode.consumed_at.is_(None),
               LoginCode.burned_at.is_(None))
        .order_by(LoginCode.id.desc()).limit(1)
    )).one_or_none()
    if row is None or row.expires_at <= now:
        raise CodeRefused("code_expired")
    # Every try, right or wrong, first takes one of the code's attempts in one conditional
    # UPDATE: simultaneous tries queue on the row, and the ones past the limit are refused
    # whatever they guessed.
    live = (LoginCode.id == row.id, LoginCode.consumed_at.is_(None),
            LoginCode.burned_at.is_(None))
    attempts = (await ctx.db.execute(
        update(LoginCode).where(*live, LoginCode.attempts < s.otp_max_attempts)
        .values(attempts=LoginCode.attempts + 1).returning(LoginCode.attempts)
        .execution_options(synchronize_session=False)
    )).scalar_one_or_none()
    if attempts is None:  # used meanwhile, or burned by other tries
        raise CodeRefused("code_attempts" if await _burned(ctx, row.id) else "code_expired")
    if not same(row.code_hash, keyed_hash(s.secret_key, code, f"otp:{phone}")):
        if attempts >= s.otp_max_attempts:
            await ctx.db.execute(update(LoginCode).where(*live).values(burned_at=now)
                                 .execution_options(synchronize_session=False))
            raise CommitThenRefuse(CodeRefused("code_attempts"))
        raise CommitThenRefuse(CodeRefused(
            "code_invalid", params={"attempts_left": s.otp_max_attempts - attempts}))
    used = await ctx.db.execute(update(LoginCode).where(*live).values(consumed_at=now)
                                .execution_options(synchronize_session=False))
    if used.rowcount != 1:  # type: ignore[attr-defined]
        raise CodeRefused("code_expired")  # the same code signed in another request first
    user = (await ctx.db.execute(select(User).where(User.phone == phone))).scalar_one_or_none()
    if user is None:
        user = User(phone=phone, language=ctx.lang)
        ctx.db.add(user)
    if user.activated_at is None:
        user.activated_at = now
    await ctx.db.flush()
    token = new_token()
    session = AuthSession(
        user_id=user.id, token_hash=session_token_hash(s.secret_key, token),
        csrf_token=new_token(24) if kind == SessionKind.cookie else "", kind=kind,
        device=device[:300], ip=ctx.ip, created_at=now, last_seen_at=now,
        expires_at=now + timedelta(days=s.session_ttl_days),
    )
    ctx.db.add(session)
    await ctx.db.flush()
    ctx.audit("auth.sign_in", None, "user", user.id, session_id=session.id, kind=kind.value)
    return SignedIn(user=user, session=session, token=token)


# «Last seen» (R18: the list of one's sessions shows it) ----------------------------------------
# The one write a GET may cause, and only every few minutes (``queries.actors.seen_long_ago``
# decides): not audited — it is a clock, not a decision, and would drown the log.

def note_seen(ctx: Ctx, session: AuthSession) -> None:
    """«Last seen now», in the caller's own write transaction."""
    session.last_seen_at = utcnow()


async def touch_session(services: Services, session_id: int) -> None:
    """«Last seen now» in a transaction of its own, after a request or a socket that only
    reads (its own transaction was read only)."""
    async with unit_of_work(services) as ctx:
        await ctx.db.execute(update(AuthSession).where(AuthSession.id == session_id)
                             .values(last_seen_at=utcnow()))


async def end_session(ctx: Ctx, session_id: int) -> None:
    """End one of the caller's own sessions (another person's is «not found»)."""
    ctx.require_actor()
    assert ctx.user is not None
    sess = await ctx.db.get(AuthSession, session_id)
    if sess is None or sess.user_id != ctx.user.id or sess.ended_at is not None:
        raise NotFound()
    sess.ended_at = utcnow()
    ctx.audit("auth.session_ended", None, "session", session_id)
    ctx.emit(SessionEnded(session_id=session_id), {ctx.user.id})


async def end_other_sessions(ctx: Ctx) -> int:
    ctx.require_actor()
    assert ctx.user is not None
    ids = list((await ctx.db.execute(
        select(AuthSession.id).where(AuthSession.user_id == ctx.user.id,
                                     AuthSession.ended_at.is_(None),
                                     AuthSession.id != ctx.session_id)
    )).scalars())
    if ids:
        await ctx.db.execute(update(AuthSession).where(AuthSession.id.in_(ids))
                             .values(ended_at=utcnow()))
        ctx.audit("auth.other_sessions_ended", None, "user", ctx.user.id, count=len(ids))
        for sid in ids:
            ctx.emit(SessionEnded(session_id=sid), {ctx.user.id})
    return len(ids)
