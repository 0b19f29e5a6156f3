"""Whether a message written now will wake people up: how many of a chat's other members are in
their quiet hours at this moment, and when they will hear of it (issue 14).

Each member's quiet hours as the notifier applies them: their own if they chose them, else
those the chat's school set for its students and parents, else the defaults (21:00–07:00,
Moscow time). Counts and times only — never who. Mutes and missing devices are not looked at:
the line is about the clock, not about who subscribed.

Urgent: the one kind of message that does not wait for the morning is an administrator's post
in the school channel (the notifier's rule). For such a caller there the answer is
``urgent: true`` with nobody waiting. A call rings now or not at all, and an acknowledgement's
reminders keep their own «urgent» flag: neither is about the composer.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.db import utcnow
from parta.errors import NotFound
from parta.models import (
    ADMIN_ROLES,
    ChatKind,
    ChatMember,
    Membership,
    MembershipRole,
    NotificationSettings,
    Organization,
    Role,
)
from parta.queries.scope import ChatScope
from parta.quiet import DEFAULT_QUIET_END, DEFAULT_QUIET_START, DEFAULT_TIME_ZONE, quiet_until
from parta.schemas.push import ChatQuietOut

__all__ = ["chat_quiet"]


async def chat_quiet(db: AsyncSession, scope: ChatScope) -> ChatQuietOut:
    """For a member of the chat (the gate gave it): of its other active members, how many are
    in quiet hours now, the earliest and the most common time those end (the latter also as
    «HH:MM» in the school's time zone; of equally common ones the earlier). Two queries whatever the chat's size."""
    if scope.member is None or scope.member.left_at is not None:
        raise NotFound()
    chat, actor = scope.chat, scope.actor
    org = await db.get(Organization, chat.org_id)
    if org is None:
        raise NotFound()
    zone = org.time_zone or DEFAULT_TIME_ZONE
    urgent = chat.kind == ChatKind.school_channel and bool(
        actor.roles_in(chat.org_id) & ADMIN_ROLES)
    school_sets = org.quiet_start is not None and org.quiet_end is not None
    family = exists(select(MembershipRole.id)
                    .join(Membership, Membership.id == MembershipRole.membership_id)
                    .where(Membership.user_id == ChatMember.user_id,
                           Membership.org_id == chat.org_id, Membership.left_at.is_(None),
                           MembershipRole.role.in_([Role.student, Role.parent])))
    rows = (await db.execute(
        select(NotificationSettings.quiet_own, NotificationSettings.quiet_enabled,
               NotificationSettings.quiet_start, NotificationSettings.quiet_end,
               NotificationSettings.time_zone,
               family.label("family"))
        .select_from(ChatMember)
        .outerjoin(NotificationSettings, and_(NotificationSettings.user_id == ChatMember.user_id,
                                              NotificationSettings.quiet_own.is_(True)))
        .where(ChatMember.chat_id == chat.id, ChatMember.left_at.is_(None),
               ChatMember.user_id != actor.user_id))).all()
    now = _now()
    ends: list[datetime] = []
    for own, enabled, start, end, their_zone, in_family in rows:
        if own:
            s = NotificationSettings(quiet_enabled=enabled, quiet_start=start, quiet_end=end,
                                     time_zone=their_zone)
        elif in_family and school_sets:
            s = NotificationSettings(quiet_enabled=True, quiet_start=org.quiet_start,
                                     quiet_end=org.quiet_end, time_zone=zone)
        else:
            s = NotificationSettings(quiet_enabled=True, quiet_start=DEFAULT_QUIET_START,
                                     quiet_end=DEFAULT_QUIET_END, time_zone=DEFAULT_TIME_ZONE)
        until = None if urgent else quiet_until(s, now)
        if until is not None:
            ends.append(until)
    if not ends:
        return ChatQuietOut(chat_id=chat.id, total=len(rows), quiet=0, urgent=urgent,
                            earliest=None, typical=None, typical_at=None, time_zone=zone)
    counts = Counter(ends)
    most = max(counts.values())
    typical = min(e for e, n in counts.items() if n == most)  # a tie: the earlier
    return ChatQuietOut(chat_id=chat.id, total=len(rows), quiet=len(ends), urgent=urgent,
                        earliest=min(ends), typical=typical,
                        typical_at=typical.astimezone(ZoneInfo(zone)).strftime("%H:%M"),
                        time_zone=zone)


def _now() -> datetime:
    """The moment asked about (a function of its own so that tests may move the clock)."""
    return utcnow()
