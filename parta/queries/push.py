"""Reads for Web Push: a person's own subscriptions and settings, never anyone else's."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.errors import NotFound
from parta.models import ChatMute, NotificationSettings, PushSubscription, User
from parta.queries.scope import ChatScope, OrgScope
from parta.schemas.push import (
    MuteOut,
    NotificationSettingsOut,
    OrgQuietHoursOut,
    SubscriptionOut,
)

__all__ = ["mute_of", "org_quiet_hours", "settings_out", "subscriptions_of"]


async def mute_of(db: AsyncSession, scope: ChatScope) -> MuteOut:
    """Whether the member muted the chat (the gate gave a chat the caller is in)."""
    if scope.member is None:
        raise NotFound()
    muted = (await db.execute(select(ChatMute.id).where(
        ChatMute.chat_id == scope.chat.id, ChatMute.user_id == scope.actor.user_id))).first()
    return MuteOut(chat_id=scope.chat.id, muted=muted is not None)


async def subscriptions_of(db: AsyncSession, user_id: int) -> list[SubscriptionOut]:
    rows = (await db.execute(select(PushSubscription).where(
        PushSubscription.user_id == user_id).order_by(PushSubscription.id))).scalars()
    return [SubscriptionOut(id=s.id, label=s.label, created_at=s.created_at,
                            last_success_at=s.last_success_at) for s in rows]


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def org_quiet_hours(scope: OrgScope) -> OrgQuietHoursOut:
    """The school's quiet hours (the gate gave an organization the caller may see)."""
    org = scope.org
    if org.quiet_start is None or org.quiet_end is None:
        return OrgQuietHoursOut(enabled=False, start="21:00", end="08:00", time_zone=org.time_zone)
    return OrgQuietHoursOut(enabled=True, start=_clock(org.quiet_start),
                            end=_clock(org.quiet_end), time_zone=org.time_zone)


async def settings_out(db: AsyncSession, s: NotificationSettings, quiet_source: str,
                       default_delay: int) -> NotificationSettingsOut:
    count = (await db.execute(select(func.count()).select_from(PushSubscription).where(
        PushSubscription.user_id == s.user_id))).scalar_one()
    email, confirmed = (await db.execute(select(User.email, User.email_confirmed_at).where(
        User.id == s.user_id))).one()
    return NotificationSettingsOut(
        quiet_source=quiet_source, quiet_enabled=s.quiet_enabled, quiet_start=_clock(s.quiet_start),
        quiet_end=_clock(s.quiet_end), time_zone=s.time_zone, previews=s.previews,
        subscriptions=count, email_digest=s.email_digest,
        digest_delay_minutes=s.digest_delay_minutes, digest_default_minutes=default_delay,
        email_confirmed=bool(email) and confirmed is not None, urgent_sms=s.urgent_sms)
