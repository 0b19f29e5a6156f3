"""Quiet hours as a clock sees them: whether a moment falls in someone's quiet hours, and when
they end. Pure (no database): the notifier, the digest, acknowledgements and the composer's
«they will hear of it in the morning» read all share it."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from parta.models import NotificationSettings

__all__ = ["DEFAULT_QUIET_END", "DEFAULT_QUIET_START", "DEFAULT_TIME_ZONE", "quiet_until"]

# Whoever chose nothing, and whose school set nothing: 21:00–07:00, Moscow time.
DEFAULT_QUIET_START = 21 * 60
DEFAULT_QUIET_END = 7 * 60
DEFAULT_TIME_ZONE = "Europe/Moscow"


def quiet_until(s: NotificationSettings, now: datetime) -> datetime | None:
    """The end of the quiet hours ``now`` falls in (UTC), or None if it falls in none."""
    if not s.quiet_enabled or s.quiet_start == s.quiet_end:
        return None
    zone = ZoneInfo(s.time_zone)
    local = now.astimezone(zone)
    minute = local.hour * 60 + local.minute
    start, end = s.quiet_start, s.quiet_end
    inside = start <= minute < end if start < end else (minute >= start or minute < end)
    if not inside:
        return None
    day = local.date() if minute < end else local.date() + timedelta(days=1)
    ends = datetime(day.year, day.month, day.day, end // 60, end % 60, tzinfo=zone)
    return ends.astimezone(now.tzinfo)
