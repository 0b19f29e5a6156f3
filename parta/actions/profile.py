"""A person's own profile (R18): name, e-mail, language; proving the e-mail is theirs.

An e-mail address typed by the person (or brought by the school's roster) is not yet known to
be theirs: mail about their chats (the e-mail digest) goes only to a confirmed one. Confirming
is a code sent to the address and entered back; changing the address un-confirms it.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from sqlalchemy import select, update

from parta.actions import throttle
from parta.actions.auth import deliver
from parta.actions.base import CommitThenRefuse, Ctx
from parta.db import utcnow
from parta.errors import CodeRefused, Conflict
from parta.i18n import t
from parta.models import EmailConfirmation, User
from parta.security import keyed_hash, new_code, same
from parta.services.phones import mask_email

__all__ = ["confirm_email", "request_email_confirmation", "update_profile"]

CONFIRM_TTL = timedelta(minutes=30)
CONFIRM_ATTEMPTS = 5


async def update_profile(ctx: Ctx, *, name: str | None = None, email: str | None = None,
                         language: str | None = None) -> User:
    ctx.require_actor()
    user = ctx.user
    assert user is not None
    changed = []
    for field, value in (("name", name), ("email", email), ("language", language)):
        if value is not None and getattr(user, field) != value:
            setattr(user, field, value)
            changed.append(field)
    if "email" in changed:
        user.email_confirmed_at = None  # a new address is not yet known to be theirs
    if changed:
        ctx.audit("profile.updated", None, "user", user.id, fields=changed)
    return user


def _purpose(user_id: int, email: str) -> str:
    return f"own-email:{user_id}:{email.casefold()}"


async def request_email_confirmation(ctx: Ctx) -> str:
    """Send a code to the caller's e-mail address; returns it masked, as the screen shows it."""
    actor = ctx.require_actor()
    user = ctx.user
    assert user is not None
    if not user.email:
        raise Conflict("email_missing")
    if user.email_confirmed_at is not None:
        raise Conflict("email_already_confirmed")
    now = utcnow()
    await throttle.take(ctx.db, f"own-email:{actor.user_id}", now, limit=5,
                        window=timedelta(hours=1), min_gap=timedelta(seconds=30),
                        code="code_email_limit")
    await ctx.db.execute(update(EmailConfirmation).where(
        EmailConfirmation.user_id == user.id, EmailConfirmation.used_at.is_(None)).values(
        used_at=now))  # one pending code: a new request replaces the old one
    code = new_code()
    ctx.db.add(EmailConfirmation(
        user_id=user.id, email=user.email,
        code_hash=keyed_hash(ctx.settings.secret_key, code, _purpose(user.id, user.email)),
        expires_at=now + CONFIRM_TTL))
    lang = ctx.lang
    body = t(lang, "mail.own_email.body", code=code,
             minutes=int(CONFIRM_TTL.total_seconds() // 60))
    ctx.after_commit.append(partial(deliver, ctx.services.mail.send, user.email,
                                    t(lang, "mail.own_email.subject"), body))
    ctx.audit("email.confirmation_requested", None, "user", user.id)
    return mask_email(user.email)


async def confirm_email(ctx: Ctx, code: str) -> User:
    """The code from the mail: the address it was sent to is confirmed, if it is still the
    person's address."""
    actor = ctx.require_actor()
    user = ctx.user
    assert user is not None
    now = utcnow()
    row = (await ctx.db.execute(select(EmailConfirmation).where(
        EmailConfirmation.user_id == actor.user_id, EmailConfirmation.used_at.is_(None))
        .order_by(EmailConfirmation.id.desc()).limit(1))).scalar_one_or_none()
    if row is None or row.expires_at <= now or row.email != user.email:
        raise CodeRefused("code_expired")
    # The try is taken before the code is compared, by a conditional UPDATE: simultaneous
    # guesses cannot get more than their share.
    took = (await ctx.db.execute(update(EmailConfirmation).where(
        EmailConfirmation.id == row.id, EmailConfirmation.used_at.is_(None),
        EmailConfirmation.attempts < CONFIRM_ATTEMPTS).values(
        attempts=EmailConfirmation.attempts + 1).returning(EmailConfirmation.attempts))).first()
    if took is None:
        raise CodeRefused("code_attempts")
    if not same(keyed_hash(ctx.settings.secret_key, code.strip(), _purpose(user.id, row.email)),
                row.code_hash):
        raise CommitThenRefuse(CodeRefused(
            "code_invalid", params={"attempts_left": CONFIRM_ATTEMPTS - int(took[0])}))
    done = await ctx.db.execute(update(EmailConfirmation).where(
        EmailConfirmation.id == row.id, EmailConfirmation.used_at.is_(None)).values(
        used_at=now).returning(EmailConfirmation.id))
    if done.first() is None:
        raise CodeRefused("code_expired")
    user.email_confirmed_at = now
    ctx.audit("email.confirmed", None, "user", user.id)
    return user
