"""Web Push, the person's side: subscribing a browser, the quiet hours and previews, muted
chats; and the installation's VAPID key, made once.

A subscription is refused, changing nothing, when its endpoint is not https (plain http to the
loopback only outside production, for a push service under test), when its keys are not a P-256
point and a 16-byte secret, or when the person already has ``push_max_subscriptions``.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from parta.actions.base import Ctx, Services
from parta.config import Mode
from parta.db import utcnow
from parta.errors import Conflict, NotFound, ValidationFailed
from parta.models import (
    ChatMute,
    Membership,
    MembershipRole,
    NotificationSettings,
    Organization,
    PushSubscription,
    Role,
    VapidKey,
)
from parta.policy import Action
from parta.queries.scope import OrgScope, chat_for, org_for
from parta.quiet import DEFAULT_QUIET_END, DEFAULT_QUIET_START, DEFAULT_TIME_ZONE
from parta.schemas.push import NotificationSettingsIn, OrgQuietHoursIn, SubscriptionIn
from parta.services.push import new_key, public_key_of

__all__ = [
    "Effective",
    "installation_key",
    "mute_chat",
    "set_org_quiet_hours",
    "settings_for",
    "settings_of",
    "settings_of_user",
    "subscribe",
    "unsubscribe",
    "update_settings",
    "vapid_subject",
]

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _b64(value: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None


def _check_endpoint(ctx: Ctx, endpoint: str) -> None:
    parts = urlsplit(endpoint)
    if parts.scheme == "https" and parts.hostname:
        return
    if (parts.scheme == "http" and parts.hostname in _LOOPBACK
            and ctx.settings.mode != Mode.production):
        return
    raise ValidationFailed("push_endpoint_invalid", fields={"endpoint": "invalid"})


def _check_keys(p256dh: str, auth: str) -> None:
    point = _b64(p256dh)
    try:
        if point is None:
            raise ValueError
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        raise ValidationFailed("push_keys_invalid", fields={"keys.p256dh": "invalid"}) from None
    secret = _b64(auth)
    if secret is None or len(secret) != 16:
        raise ValidationFailed("push_keys_invalid", fields={"keys.auth": "invalid"})


async def subscribe(ctx: Ctx, body: SubscriptionIn) -> PushSubscription:
    """This browser gets the caller's pushes from now on. The same endpoint again updates its
    keys; an endpoint another person had (they signed out, this person signed in on the same
    browser) moves to the caller, so the other person's notifications stop showing here."""
    actor = ctx.require_actor()
    _check_endpoint(ctx, body.endpoint)
    _check_keys(body.keys.p256dh, body.keys.auth)
    sub = (await ctx.db.execute(select(PushSubscription).where(
        PushSubscription.endpoint == body.endpoint))).scalar_one_or_none()
    if sub is not None and sub.user_id != actor.user_id:
        await ctx.db.delete(sub)
        await ctx.db.flush()
        sub = None
    if sub is None:
        count = (await ctx.db.execute(select(func.count()).select_from(PushSubscription).where(
            PushSubscription.user_id == actor.user_id))).scalar_one()
        if count >= ctx.settings.push_max_subscriptions:
            raise Conflict("push_too_many", params={"limit": ctx.settings.push_max_subscriptions})
        sub = PushSubscription(user_id=actor.user_id, endpoint=body.endpoint)
        ctx.db.add(sub)
    sub.p256dh, sub.auth, sub.label, sub.failures = body.keys.p256dh, body.keys.auth, body.label, 0
    await ctx.db.flush()
    return sub


async def unsubscribe(ctx: Ctx, subscription_id: int) -> None:
    """Only one's own: another person's subscription is not found."""
    actor = ctx.require_actor()
    sub = await ctx.db.get(PushSubscription, subscription_id)
    if sub is None or sub.user_id != actor.user_id:
        raise NotFound()
    await ctx.db.delete(sub)


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


QUIET_FIELDS = frozenset({"quiet_enabled", "quiet_start", "quiet_end", "time_zone"})


@dataclass
class Effective:
    """A person's notification settings as they apply (a transient row, never written), and
    whose quiet hours they are: the person's own, their school's, or the defaults."""

    settings: NotificationSettings
    quiet_source: str  # own | school | default


def _defaults(user_id: int) -> NotificationSettings:
    return NotificationSettings(user_id=user_id, quiet_own=False, quiet_enabled=True,
                                quiet_start=DEFAULT_QUIET_START, quiet_end=DEFAULT_QUIET_END,
                                time_zone=DEFAULT_TIME_ZONE,
                                previews=False, email_digest=True, digest_delay_minutes=None,
                                urgent_sms=True)


async def settings_for(db: AsyncSession, people: list[int], org_id: int | None = None
                       ) -> dict[int, Effective]:
    """Each person's settings: their own quiet hours if they chose them, else those their
    school set for its students and parents (the school ``org_id``, or any they are a student
    or parent in), else the defaults (21:00–07:00, Moscow time)."""
    stored = {s.user_id: s for s in (await db.execute(select(NotificationSettings).where(
        NotificationSettings.user_id.in_(people)))).scalars()} if people else {}
    pending = [u for u in people if u not in stored or not stored[u].quiet_own]
    schools: dict[int, tuple[int, int, str]] = {}
    if pending:
        q = (select(Membership.user_id, Organization.quiet_start, Organization.quiet_end,
                    Organization.time_zone)
             .join(Organization, Organization.id == Membership.org_id)
             .join(MembershipRole, MembershipRole.membership_id == Membership.id)
             .where(Membership.user_id.in_(pending), Membership.left_at.is_(None),
                    MembershipRole.role.in_([Role.student, Role.parent]),
                    Organization.quiet_start.is_not(None), Organization.quiet_end.is_not(None))
             .order_by(Membership.org_id))
        if org_id is not None:
            q = q.where(Membership.org_id == org_id)
        for uid, start, end, zone in (await db.execute(q)).all():
            schools.setdefault(uid, (start or 0, end or 0, str(zone)))
    out: dict[int, Effective] = {}
    for u in people:
        row, s = stored.get(u), _defaults(u)
        if row is not None:
            for name in ("quiet_own", "quiet_enabled", "quiet_start", "quiet_end", "time_zone",
                         "previews", "email_digest", "digest_delay_minutes", "urgent_sms"):
                setattr(s, name, getattr(row, name))
        source = "own" if row is not None and row.quiet_own else "default"
        if source == "default" and u in schools:
            s.quiet_enabled = True
            s.quiet_start, s.quiet_end, s.time_zone = schools[u]
            source = "school"
        elif source == "default":
            fresh = _defaults(u)
            s.quiet_enabled, s.quiet_start = fresh.quiet_enabled, fresh.quiet_start
            s.quiet_end, s.time_zone = fresh.quiet_end, fresh.time_zone
        out[u] = Effective(s, source)
    return out


async def settings_of(ctx: Ctx, user_id: int) -> Effective:
    """The person's settings as they apply (see ``settings_for``)."""
    return (await settings_for(ctx.db, [user_id]))[user_id]


async def settings_of_user(db: AsyncSession, user_id: int) -> NotificationSettings:
    return (await settings_for(db, [user_id]))[user_id].settings


async def update_settings(ctx: Ctx, body: NotificationSettingsIn) -> Effective:
    """Only what the body names changes, but for the quiet hours: sending any of them makes
    them the person's own (``quiet_own``), and ``quiet_own: false`` gives them back to the
    school's (or the defaults)."""
    actor = ctx.require_actor()
    sent = body.model_fields_set
    try:
        ZoneInfo(body.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(fields={"time_zone": "invalid"}) from None
    found = await ctx.db.get(NotificationSettings, actor.user_id)
    if found is None:
        current = (await settings_for(ctx.db, [actor.user_id]))[actor.user_id].settings
        found = NotificationSettings(
            user_id=actor.user_id, quiet_own=False, quiet_enabled=current.quiet_enabled,
            quiet_start=current.quiet_start, quiet_end=current.quiet_end,
            time_zone=current.time_zone, previews=False, email_digest=True, urgent_sms=True)
        ctx.db.add(found)
    if body.quiet_own is False:
        found.quiet_own = False
    elif sent & QUIET_FIELDS:
        found.quiet_own = True
        found.quiet_enabled = body.quiet_enabled
        found.quiet_start, found.quiet_end = _minutes(body.quiet_start), _minutes(body.quiet_end)
        found.time_zone = body.time_zone
    if "previews" in sent:
        found.previews = body.previews
    if "email_digest" in sent:
        found.email_digest = body.email_digest
    if "digest_delay_minutes" in sent:
        found.digest_delay_minutes = body.digest_delay_minutes
    if "urgent_sms" in sent:
        found.urgent_sms = body.urgent_sms
    found.updated_at = utcnow()
    await ctx.db.flush()
    return (await settings_for(ctx.db, [actor.user_id]))[actor.user_id]


async def set_org_quiet_hours(ctx: Ctx, org_id: int, body: OrgQuietHoursIn) -> OrgScope:
    """The school's administrator sets its quiet hours for students and parents (or none)."""
    actor = ctx.require_actor()
    scope = await org_for(ctx.db, actor, org_id, Action.org_edit)
    try:
        ZoneInfo(body.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(fields={"time_zone": "invalid"}) from None
    org = scope.org
    if body.enabled:
        org.quiet_start, org.quiet_end = _minutes(body.start), _minutes(body.end)
    else:
        org.quiet_start = org.quiet_end = None
    org.time_zone = body.time_zone
    ctx.audit("org.quiet_hours", org.id, "organization", org.id, enabled=body.enabled,
              start=body.start, end=body.end, time_zone=body.time_zone)
    await ctx.db.flush()
    return scope


async def mute_chat(ctx: Ctx, chat_id: int, muted: bool) -> bool:
    """Mute or unmute a chat one is a member of (anyone else: the chat does not exist)."""
    actor = ctx.require_actor()
    scope = await chat_for(ctx.db, actor, chat_id)
    chat, me = scope.chat, scope.member
    if me is None:
        raise NotFound()
    if not muted:
        await ctx.db.execute(delete(ChatMute).where(ChatMute.user_id == actor.user_id,
                                                    ChatMute.chat_id == chat.id))
        return False
    exists = (await ctx.db.execute(select(ChatMute.id).where(
        ChatMute.user_id == actor.user_id, ChatMute.chat_id == chat.id))).first()
    if exists is None:
        ctx.db.add(ChatMute(user_id=actor.user_id, chat_id=chat.id))
        await ctx.db.flush()
    return True


async def installation_key(services: Services) -> str:
    """The VAPID private key: the settings', or the one stored in the database, made on first
    use (two processes starting together agree on the first one stored)."""
    if services.settings.vapid_private_key:
        return services.settings.vapid_private_key
    async with services.sessionmaker() as db:
        stored = (await db.execute(select(VapidKey.private_key).where(VapidKey.id == 1))).scalar()
        if stored:
            return str(stored)
        key = new_key()
        db.add(VapidKey(id=1, private_key=key, public_key=public_key_of(key)))
        try:
            await db.commit()
        except IntegrityError:
            await db.rollback()
            return str((await db.execute(select(VapidKey.private_key).where(
                VapidKey.id == 1))).scalar_one())
        return key


def vapid_subject(services: Services) -> str:
    s = services.settings
    if s.vapid_subject:
        return s.vapid_subject
    return s.base_url if s.base_url.startswith("https://") else f"mailto:{s.mail_from}"
