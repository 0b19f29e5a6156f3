"""Invite links to one chat and requests to join a chat (R22, R23, R24).

A chat's moderators hand out a link; a person of the chat's school who opens it joins after
accepting the rules, or — when the link asks for approval, or when a colleague found the chat in
the school's directory of staff chats — asks, and a moderator lets them in or not.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from parta.db import Base, UTCDateTime, utcnow

__all__ = ["ChatJoinRequest", "ChatJoinStatus", "ChatLink"]


class ChatLink(Base):
    __tablename__ = "chat_link"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chat.id", ondelete="CASCADE"), index=True)
    # 32 url-safe bytes (256 bits), kept readable like a school's links: the moderators copy
    # the link again and show it as a QR code.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    max_uses: Mapped[int | None] = mapped_column(Integer, nullable=True)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    annulled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    annulled_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)

    def state(self, now: datetime | None = None) -> str:
        """active, or why it no longer lets anyone in: annulled, expired, used_up."""
        now = now or utcnow()
        if self.annulled_at is not None:
            return "annulled"
        if self.expires_at <= now:
            return "expired"
        if self.max_uses is not None and self.uses >= self.max_uses:
            return "used_up"
        return "active"


class ChatJoinStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    denied = "denied"


class ChatJoinRequest(Base):
    """Someone asks to join a chat, having read and accepted its rules (R24); one row per
    person and chat, asked again after a refusal."""

    __tablename__ = "chat_join_request"
    __table_args__ = (UniqueConstraint("chat_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chat.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    link_id: Mapped[int | None] = mapped_column(
        ForeignKey("chat_link.id", ondelete="SET NULL"), nullable=True)  # None: the directory
    status: Mapped[ChatJoinStatus] = mapped_column(
        Enum(ChatJoinStatus, native_enum=False, length=20), default=ChatJoinStatus.pending)
    rules_accepted_version: Mapped[int] = mapped_column(Integer)
    org_rules_accepted_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
