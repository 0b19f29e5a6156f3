"""Web Push, the person's side: subscribing a browser, the quiet hours and previews, muted
chats; and the installation's VAPID key, made once.

A subscription is refused, changing nothing, when its endpoint is not https (plain http to the
loopback only outside production, for a push service under test), when its keys are not a P-256
point and a 16-byte secret, or when the person already has ``push_max_subscriptions``.
"""

from __future__ import annotations

import base64
import binascii
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
from parta.models import ChatMute, NotificationSettings, PushSubscription, VapidKey
from parta.queries.scope import chat_for
from parta.schemas.push import NotificationSettingsIn, SubscriptionIn
from parta.services.push import new_key, public_key_of

__all__ = ["installation_key", "mute_chat", "settings_of", "settings_of_user", "subscribe",
           "unsubscribe", "update_settings", "vapid_subject"]

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


async def settings_of(ctx: Ctx, user_id: int) -> NotificationSettings:
    """The person's settings, or the defaults (not stored)."""
    return await settings_of_user(ctx.db, user_id)


async def settings_of_user(db: AsyncSession, user_id: int) -> NotificationSettings:
    found = await db.get(NotificationSettings, user_id)
    return found or NotificationSettings(user_id=user_id, quiet_enabled=True, quiet_start=21 * 60,
                                         quiet_end=7 * 60, time_zone="Europe/Moscow",
                                         previews=False, email_digest=True,
                                         digest_delay_minutes=None)


async def update_settings(ctx: Ctx, body: NotificationSettingsIn) -> NotificationSettings:
    actor = ctx.require_actor()
    try:
        ZoneInfo(body.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(fields={"time_zone": "invalid"}) from None
    found = await ctx.db.get(NotificationSettings, actor.user_id)
    if found is None:
        found = NotificationSettings(user_id=actor.user_id)
        ctx.db.add(found)
    found.quiet_enabled, found.previews = body.quiet_enabled, body.previews
    found.quiet_start, found.quiet_end = _minutes(body.quiet_start), _minutes(body.quiet_end)
    found.time_zone, found.updated_at = body.time_zone, utcnow()
    # The digest's two settings change only when sent (a client of before the digest keeps them).
    if "email_digest" in body.model_fields_set or found.email_digest is None:
        found.email_digest = body.email_digest
    if "digest_delay_minutes" in body.model_fields_set:
        found.digest_delay_minutes = body.digest_delay_minutes
    await ctx.db.flush()
    return found


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
