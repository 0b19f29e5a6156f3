"""Sign-in codes and sessions. Secrets are stored only as keyed hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from parta.db import Base, UTCDateTime, utcnow
from parta.models.enums import SessionKind

__all__ = ["AuthSession", "LoginCode", "RateWindow"]


class LoginCode(Base):
    __tablename__ = "login_code"
    __table_args__ = (Index("ix_login_code_phone_created", "phone", "created_at"),
                      Index("ix_login_code_ip_created", "ip", "created_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20))
    code_hash: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64), default="")
    channel: Mapped[str] = mapped_column(String(10), default="sms")  # sms | email
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    consumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Set when the code was burned by too many wrong tries; counts toward the cool-down.
    burned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AuthSession(Base):
    __tablename__ = "auth_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64), default="")
    kind: Mapped[SessionKind] = mapped_column(Enum(SessionKind, native_enum=False, length=10))
    device: Mapped[str] = mapped_column(String(300), default="")
    ip: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class RateWindow(Base):
    """A counter for one rate limit (sign-in codes per phone, per address): how many in the
    window that started at ``window_start`` and when the last one was. Taken by one conditional
    UPDATE (``parta.actions.throttle``), so simultaneous requests can never all slip through."""

    __tablename__ = "rate_window"
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
