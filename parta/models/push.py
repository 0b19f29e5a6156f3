"""Web Push: a person's browser subscriptions, their notification settings, the chats they
muted, and this installation's VAPID key (RFC 8292)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column

from parta.db import Base, UTCDateTime, utcnow
from parta.models.events import StreamId

__all__ = ["ChatMute", "EmailDigest", "NotificationSettings", "PushSubscription", "VapidKey"]


class PushSubscription(Base):
    """One browser's push endpoint for a person (RFC 8030), with the keys its payloads are
    encrypted to (RFC 8291). Removed when the push service answers 404/410."""

    __tablename__ = "push_subscription"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(1000), unique=True)
    p256dh: Mapped[str] = mapped_column(String(120))  # the browser's public key, base64url
    auth: Mapped[str] = mapped_column(String(40))  # the 16-byte auth secret, base64url
    label: Mapped[str] = mapped_column(String(200), default="")  # «Chrome on Android»
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # in a row


class NotificationSettings(Base):
    """A person's quiet hours (minutes after local midnight, in ``time_zone``) and whether
    message text may show on the lock screen for chats with children. No row: the defaults."""

    __tablename__ = "notification_settings"
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    # Whether the person chose their quiet hours (else their school's, if it set any, apply).
    quiet_own: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_true())
    quiet_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    quiet_start: Mapped[int] = mapped_column(Integer, default=21 * 60)
    quiet_end: Mapped[int] = mapped_column(Integer, default=7 * 60)
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/Moscow")
    previews: Mapped[bool] = mapped_column(Boolean, default=False)
    # The e-mail digest of what the person missed (to a confirmed address), and how long a
    # message waits unread before it may be mailed (None: the installation's default).
    email_digest: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())
    digest_delay_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # An SMS when the administration marks a post urgent in a chat of theirs (a parent may say no).
    urgent_sms: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChatMute(Base):
    """A chat a person muted: no pushes for its messages (a mention still comes)."""

    __tablename__ = "chat_mute"
    __table_args__ = (UniqueConstraint("user_id", "chat_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chat.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VapidKey(Base):
    """The installation's application-server key pair, made once (unless settings give one)."""

    __tablename__ = "vapid_key"
    id: Mapped[int] = mapped_column(primary_key=True)
    private_key: Mapped[str] = mapped_column(Text)  # the raw P-256 scalar, base64url
    public_key: Mapped[str] = mapped_column(String(120))  # uncompressed point, base64url
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EmailDigest(Base):
    """How far the person's e-mail digests went: messages up to ``through_message_id`` were
    mailed (or were before the first one). Moved only by a conditional UPDATE from the value
    read, so of two processes mailing the same messages one wins and the other sends nothing."""

    __tablename__ = "email_digest"
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    through_message_id: Mapped[int] = mapped_column(StreamId, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
