"""Web Push: the key browsers subscribe with, a person's subscriptions, notification settings
and muted chats."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, StringConstraints

from parta.schemas.common import Strict

__all__ = ["MuteOut", "NotificationSettingsIn", "NotificationSettingsOut", "PushKeyOut",
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
    quiet_enabled: bool = True
    quiet_start: ClockTime = "21:00"
    quiet_end: ClockTime = "07:00"
    time_zone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] = "Europe/Moscow"
    previews: bool = False


class NotificationSettingsOut(BaseModel):
    quiet_enabled: bool
    quiet_start: str
    quiet_end: str
    time_zone: str
    previews: bool
    subscriptions: int  # how many browsers this person gets pushes on


class MuteOut(BaseModel):
    chat_id: int
    muted: bool
