"""A family's side of the school (R10, R17): where a young child's sign-in codes go.

A primary-school pupil may sign in with a code mailed to a parent instead of an SMS (R10). The
address is set by a confirmed parent, who proves it is theirs with a code sent to it, or by the
school's administrator from the school's records (the roster import too).
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from sqlalchemy import select, update

from parta.actions import throttle
from parta.actions.auth import deliver, is_primary_pupil
from parta.actions.base import CommitThenRefuse, Ctx
from parta.actions.roles import membership_of, roles_of
from parta.db import utcnow
from parta.errors import CodeRefused, Conflict, NotFound, ValidationFailed
from parta.i18n import t
from parta.models import CodeEmailConfirmation, ParentLink, ParentLinkStatus, Role, User
from parta.policy import Action
from parta.queries.scope import org_for
from parta.security import keyed_hash, new_code, same
from parta.services.phones import mask_email

__all__ = ["clear_code_email", "confirm_code_email", "request_code_email", "set_code_email"]

CONFIRM_TTL = timedelta(minutes=30)
CONFIRM_ATTEMPTS = 5


async def my_child(ctx: Ctx, child_id: int) -> User:
    """A child the caller is the confirmed parent of; anyone else's child does not exist."""
    actor = ctx.require_actor()
    linked = (await ctx.db.execute(select(ParentLink.id).where(
        ParentLink.parent_id == actor.user_id, ParentLink.child_id == child_id,
        ParentLink.status == ParentLinkStatus.confirmed))).first()
    child = await ctx.db.get(User, child_id) if linked else None
    if child is None or child.deleted_at is not None:
        raise NotFound()
    return child


async def _require_primary(ctx: Ctx, child: User) -> None:
    if not await is_primary_pupil(ctx, child.id):
        raise Conflict("not_primary_school")


def _purpose(child_id: int, email: str) -> str:
    return f"code-email:{child_id}:{email.casefold()}"


async def request_code_email(ctx: Ctx, child_id: int, email: str) -> str:
    """Send a confirmation code to ``email``; the address takes effect once it is entered back.
    Returns the address masked, as the screen shows it."""
    actor = ctx.require_actor()
    child = await my_child(ctx, child_id)
    await _require_primary(ctx, child)
    email = email.strip()
    if not email:
        raise ValidationFailed(fields={"email": "required"})
    now = utcnow()
    await throttle.take(ctx.db, f"code-email:{actor.user_id}", now, limit=5,
                        window=timedelta(hours=1), min_gap=timedelta(seconds=30),
                        code="code_email_limit")
    # One pending confirmation per parent and child: a new request replaces the old one.
    await ctx.db.execute(update(CodeEmailConfirmation).where(
        CodeEmailConfirmation.parent_id == actor.user_id,
        CodeEmailConfirmation.child_id == child.id,
        CodeEmailConfirmation.used_at.is_(None)).values(used_at=now))
    code = new_code()
    ctx.db.add(CodeEmailConfirmation(
        parent_id=actor.user_id, child_id=child.id, email=email,
        code_hash=keyed_hash(ctx.settings.secret_key, code, _purpose(child.id, email)),
        expires_at=now + CONFIRM_TTL))
    lang = ctx.lang
    body = t(lang, "mail.code_email.body", child=child.name, code=code,
             minutes=int(CONFIRM_TTL.total_seconds() // 60))
    ctx.after_commit.append(partial(deliver, ctx.services.mail.send, email,
                                    t(lang, "mail.code_email.subject"), body))
    ctx.audit("code_email.requested", None, "user", child.id, by="parent")
    return mask_email(email)


async def confirm_code_email(ctx: Ctx, child_id: int, code: str) -> str:
    """The code from the mail: the address becomes the one the child's codes go to."""
    actor = ctx.require_actor()
    child = await my_child(ctx, child_id)
    await _require_primary(ctx, child)
    now = utcnow()
    row = (await ctx.db.execute(select(CodeEmailConfirmation).where(
        CodeEmailConfirmation.parent_id == actor.user_id,
        CodeEmailConfirmation.child_id == child.id,
        CodeEmailConfirmation.used_at.is_(None)).order_by(
        CodeEmailConfirmation.id.desc()).limit(1))).scalar_one_or_none()
    if row is None or row.expires_at <= now:
        raise CodeRefused("code_expired")
    # One attempt is taken before the code is compared, by a conditional UPDATE: simultaneous
    # guesses cannot get more than their share.
    took = (await ctx.db.execute(update(CodeEmailConfirmation).where(
        CodeEmailConfirmation.id == row.id, CodeEmailConfirmation.used_at.is_(None),
        CodeEmailConfirmation.attempts < CONFIRM_ATTEMPTS).values(
        attempts=CodeEmailConfirmation.attempts + 1).returning(
        CodeEmailConfirmation.attempts))).first()
    if took is None:
        raise CodeRefused("code_attempts")
    code = (code or "").strip()
    if not same(keyed_hash(ctx.settings.secret_key, code, _purpose(child.id, row.email)),
                row.code_hash):
        # The try counts even though the answer is a refusal.
        raise CommitThenRefuse(CodeRefused(
            "code_invalid", params={"attempts_left": CONFIRM_ATTEMPTS - int(took[0])}))
    done = await ctx.db.execute(update(CodeEmailConfirmation).where(
        CodeEmailConfirmation.id == row.id, CodeEmailConfirmation.used_at.is_(None)).values(
        used_at=now).returning(CodeEmailConfirmation.id))
    if done.first() is None:
        raise CodeRefused("code_expired")
    child.parent_email = row.email
    ctx.audit("code_email.set", None, "user", child.id, by="parent")
    return mask_email(row.email)


async def clear_code_email(ctx: Ctx, child_id: int) -> None:
    child = await my_child(ctx, child_id)
    child.parent_email = ""
    ctx.audit("code_email.cleared", None, "user", child.id, by="parent")


async def set_code_email(ctx: Ctx, org_id: int, user_id: int, email: str) -> User:
    """The administrator sets it from the school's records (a primary-school pupil of the
    school only)."""
    actor = ctx.require_actor()
    allowed = await org_for(ctx.db, actor, org_id, Action.code_email_set)
    m = await membership_of(ctx, allowed.org.id, user_id)
    if m is None or Role.student not in await roles_of(ctx, m.id):
        raise NotFound()
    child = await ctx.db.get(User, user_id)
    assert child is not None
    await _require_primary(ctx, child)
    child.parent_email = email.strip()
    ctx.audit("code_email.set" if child.parent_email else "code_email.cleared", allowed.org.id, "user",
              child.id, by="school")
    return child
