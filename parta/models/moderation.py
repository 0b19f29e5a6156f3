"""Moderation (R24, R27–R33): reports, violations, blocks and their early end, removals and
appeals, held messages, and each organization's conduct-filter settings.

A violation, a block and a removal always name the rule of the chat they rest on (R31): the
rule's number and text are copied at the moment, so a later edit of the rules does not change
what someone was told.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from parta.db import Base, UTCDateTime, utcnow
from parta.models.events import StreamId

__all__ = [
    "ChatBlock",
    "ChatRemoval",
    "ConductMode",
    "ConductSetting",
    "HeldMessage",
    "HeldStatus",
    "Report",
    "ReportReason",
    "ReportStatus",
    "UnblockObjection",
    "UnblockStatus",
    "Violation",
]


class ReportReason(StrEnum):
    insult = "insult"
    profanity = "profanity"
    spam = "spam"
    personal_data = "personal_data"  # R33: no illegal collection of personal data
    threat = "threat"
    other = "other"


class ReportStatus(StrEnum):
    open = "open"
    dismissed = "dismissed"
    deleted = "deleted"  # the message was removed
    violation = "violation"  # a violation was recorded (and the message may be removed)


class Report(Base):
    __tablename__ = "report"
    __table_args__ = (UniqueConstraint("message_id", "reporter_id"),
                      Index("ix_report_chat_status", "chat_id", "status"))
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chat.id", ondelete="CASCADE"))
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    reason: Mapped[ReportReason] = mapped_column(Enum(ReportReason, native_enum=False, length=20))
    comment: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ReportStatus] = mapped_column(
        Enum(ReportStatus, native_enum=False, length=20), default=ReportStatus.open)
    resolved_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    violation_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Violation(Base):
    """A recorded breach of a chat's rule by one member (R29): the ground for a block."""

    __tablename__ = "violation"
    __table_args__ = (Index("ix_violation_chat_user", "chat_id", "user_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chat.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    rule_number: Mapped[int] = mapped_column(Integer)
    rule_text: Mapped[str] = mapped_column(Text)
    message_id: Mapped[int | None] = mapped_column(StreamId, nullable=True)
    message_excerpt: Mapped[str] = mapped_column(Text, default="")
    explanation: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UnblockStatus(StrEnum):
    none = "none"
    proposed = "proposed"  # members may object until ``objection_deadline``
    objected = "objected"  # somebody objected: the block stays (R30)
    granted = "granted"  # nobody objected: the block ended early


class ChatBlock(Base):
    """A member may read but not post or react until ``ends_at`` (R29: at most a month, and
    only after more than three violations since the previous block)."""

    __tablename__ = "chat_block"
    __table_args__ = (Index("ix_chat_block_chat_user", "chat_id", "user_id", "ends_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chat.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    rule_number: Mapped[int] = mapped_column(Integer)
    rule_text: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text, default="")
    violation_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    last_violation_id: Mapped[int] = mapped_column(Integer)  # the next block counts after this
    imposed_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # early end
    apology: Mapped[str] = mapped_column(Text, default="")
    apologized_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    unblock_status: Mapped[UnblockStatus] = mapped_column(
        Enum(UnblockStatus, native_enum=False, length=20), default=UnblockStatus.none)
    unblock_proposed_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    objection_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    proposal_message_id: Mapped[int | None] = mapped_column(StreamId, nullable=True)


class UnblockObjection(Base):
    __tablename__ = "unblock_objection"
    __table_args__ = (UniqueConstraint("block_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    block_id: Mapped[int] = mapped_column(ForeignKey("chat_block.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChatRemoval(Base):
    """Someone was removed from a chat: for a rule (R31) or by a movement (R32); appealable."""

    __tablename__ = "chat_removal"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chat.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # rules | movement
    rule_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rule_text: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    removed_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    appeal: Mapped[str] = mapped_column(Text, default="")
    appealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    appeal_status: Mapped[str] = mapped_column(String(20), default="none")  # none|pending|upheld|reversed
    decided_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decision_note: Mapped[str] = mapped_column(Text, default="")


class HeldStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class HeldMessage(Base):
    """A message the conduct filter held for a moderator (R33): nobody else sees it until then."""

    __tablename__ = "held_message"
    __table_args__ = (UniqueConstraint("author_id", "client_id"),
                      Index("ix_held_message_chat_status", "chat_id", "status"))
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chat.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    client_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    body: Mapped[str] = mapped_column(Text, default="")
    reply_to_id: Mapped[int | None] = mapped_column(StreamId, nullable=True)
    attachment_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    matches: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[HeldStatus] = mapped_column(
        Enum(HeldStatus, native_enum=False, length=20), default=HeldStatus.pending)
    decided_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    message_id: Mapped[int | None] = mapped_column(StreamId, nullable=True)  # once approved
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConductMode(StrEnum):
    off = "off"
    warn = "warn"  # the sender is warned and may send anyway
    hold = "hold"  # a moderator approves or rejects it first
    reject = "reject"


class ConductSetting(Base):
    """The conduct filter's mode for one kind of chat in one organization (R33)."""

    __tablename__ = "conduct_setting"
    __table_args__ = (UniqueConstraint("org_id", "chat_kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    chat_kind: Mapped[str] = mapped_column(String(40))
    mode: Mapped[ConductMode] = mapped_column(Enum(ConductMode, native_enum=False, length=10))
