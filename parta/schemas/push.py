"""Web Push: the key browsers subscribe with, a person's subscriptions, notification settings
and muted chats."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from parta.schemas.common import Strict

__all__ = ["ChatQuietOut", "MuteOut", "NotificationSettingsIn", "NotificationSettingsOut", "OrgQuietHoursIn",
           "OrgQuietHoursOut", "PushKeyOut",
           "PushKeys", "SubscriptionIn", "SubscriptionOut", "SubscriptionsOut"]

# «HH:MM» on a 24-hour clock.
ClockTime = Annotated[str, StringConstraints(strip_whitespace=True,
                                             pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
Key = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class PushKeyOut(BaseModel):
    """The installation's VAPID public key (``applicationServerKey``), base64url."""

    public_key: str


class PushKeys(Strict):
    p256dh: Key
    auth: Key


class SubscriptionIn(Strict):
    """What the browser's ``PushSubscription.toJSON()`` gives, and a label for the device."""

    endpoint: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
    keys: PushKeys
    expirationTime: int | None = None
    label: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""


class SubscriptionOut(BaseModel):
    id: int
    label: str
    created_at: datetime
    last_success_at: datetime | None


class SubscriptionsOut(BaseModel):
    subscriptions: list[SubscriptionOut]


class NotificationSettingsIn(Strict):
    """What is sent changes (a field left out stays as it was). Sending the quiet hours makes
    them one's own; ``quiet_own: false`` gives them back to the school's."""

    quiet_own: bool | None = None
    quiet_enabled: bool = True
    quiet_start: ClockTime = "21:00"
    quiet_end: ClockTime = "07:00"
    time_zone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] = "Europe/Moscow"
    previews: bool = False
    # The e-mail digest of what one missed; minutes a message waits unread before it may be
    # mailed (null: the installation's default).
    email_digest: bool = True
    digest_delay_minutes: Annotated[int, Field(ge=5, le=1440)] | None = None
    # An SMS when the school's administration marks a post urgent in a chat (parents).
    urgent_sms: bool = True


class NotificationSettingsOut(BaseModel):
    quiet_source: str  # whose quiet hours these are: own | school | default
    quiet_enabled: bool
    quiet_start: str
    quiet_end: str
    time_zone: str
    previews: bool
    subscriptions: int  # how many browsers this person gets pushes on
    email_digest: bool
    digest_delay_minutes: int | None  # null: the installation's default, below
    digest_default_minutes: int
    email_confirmed: bool  # whether there is a confirmed address for the digest to go to
    urgent_sms: bool  # an SMS for the administration's urgent posts (to a parent's phone)


class ChatQuietOut(BaseModel):
    """Whether a message written now wakes the chat's other members: of ``total`` of them,
    ``quiet`` are in their quiet hours and will hear of it when those end — the earliest such
    moment and the most common one (UTC), and the latter as «HH:MM» in the school's time zone.
    ``urgent``: the caller's posts here do not wait (an administrator in the school channel)."""

    chat_id: int
    total: int
    quiet: int
    urgent: bool
    earliest: datetime | None
    typical: datetime | None
    typical_at: str | None
    time_zone: str


class MuteOut(BaseModel):
    chat_id: int
    muted: bool


class OrgQuietHoursIn(Strict):
    """A school's quiet hours for its students and parents (``enabled: false``: none)."""

    enabled: bool
    start: ClockTime = "21:00"
    end: ClockTime = "08:00"
    time_zone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] = "Europe/Moscow"


class OrgQuietHoursOut(BaseModel):
    enabled: bool
    start: str
    end: str
    time_zone: str
