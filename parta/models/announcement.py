"""Announcements every family acknowledges, and messages sent later (issue 15).

``Announcement`` marks a staff post in a parents' chat or channel «Требует подтверждения»; each
family (a child and the child's guardians) confirms once, in ``FamilyAck`` (one row per
announcement and child, whichever guardian tapped). After the deadline three steps of the
escalation ladder go out, each once: ``reminded_at``, ``second_asked_at``, ``teacher_told_at``
are written by a conditional UPDATE, so of two server processes only one sends a step.

``ScheduledMessage`` is a send waiting for its time. ``kind`` says what it makes when due
(``post``, ``announcement`` — a post that needs an acknowledgement; a poll can be a further
kind) and ``payload`` holds that kind's own fields. The scheduler claims a due item by moving
``status`` from ``pending`` with a conditional UPDATE, in the same transaction as the send.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from parta.db import Base, UTCDateTime, utcnow
from parta.models.events import StreamId

__all__ = ["Announcement", "FamilyAck", "ReminderDelivery", "ScheduledKind", "ScheduledMessage",
           "ScheduledStatus"]


class Announcement(Base):
    __tablename__ = "announcement"
    __table_args__ = (Index("ix_announcement_deadline", "deadline"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chat.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int] = mapped_column(StreamId, ForeignKey("message.id", ondelete="CASCADE"),
                                            unique=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The escalation ladder, each step once (None: not yet).
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    second_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    teacher_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class FamilyAck(Base):
    """A child's family confirmed an announcement (either guardian, once)."""

    __tablename__ = "family_ack"
    __table_args__ = (UniqueConstraint("announcement_id", "child_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    announcement_id: Mapped[int] = mapped_column(
        ForeignKey("announcement.id", ondelete="CASCADE"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    confirmed_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScheduledKind(StrEnum):
    post = "post"
    announcement = "announcement"
    poll = "poll"


class ScheduledStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    held = "held"  # the conduct filter held it for a moderator at send time
    failed = "failed"  # refused at send time: ``refusal`` says why
    cancelled = "cancelled"


class ScheduledMessage(Base):
    __tablename__ = "scheduled_message"
    __table_args__ = (Index("ix_scheduled_message_status_send_at", "status", "send_at"),
                      Index("ix_scheduled_message_chat_id_author_id", "chat_id", "author_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chat.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[ScheduledKind] = mapped_column(Enum(ScheduledKind, native_enum=False, length=20))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    send_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[ScheduledStatus] = mapped_column(
        Enum(ScheduledStatus, native_enum=False, length=20), default=ScheduledStatus.pending)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    message_id: Mapped[int | None] = mapped_column(
        StreamId, ForeignKey("message.id", ondelete="SET NULL"), nullable=True)
    refusal: Mapped[str | None] = mapped_column(String(64), nullable=True)


class ReminderDelivery(Base):
    """One letter or SMS of an escalation step to one person, written with the step itself (so
    a step taken is a step whose letters will go out, across a restart) and sent after commit.

    ``state``: ``pending`` (to send at ``next_at``), ``sending`` (an attempt is under way: it
    was claimed by a conditional UPDATE, so one process sends it), ``sent``, ``failed`` (the
    last attempt failed, or an attempt's outcome was never recorded — a crash while handing it
    over: it is not sent again, the first may have gone out). ``attempts`` counts the tries."""

    __tablename__ = "reminder_delivery"
    __table_args__ = (Index("ix_reminder_delivery_due", "state", "next_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    announcement_id: Mapped[int] = mapped_column(
        ForeignKey("announcement.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), nullable=True)
    step: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(10))  # mail, sms
    address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
