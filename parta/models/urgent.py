"""What the administration marks urgent in an ordinary chat, and teachers' office hours (issue 14).

``UrgentMark``: an administrator's own post in a group chat (a parents' chat, say) marked
urgent. It comes now even in quiet hours, and goes by SMS to the chat's parents who signed in
with their phone, have not read it and have not opted out. ``sms`` is how many SMS it took:
the school's daily SMS budget is counted from these rows.

``OfficeHour``: one weekly slot when a teacher answers, in the school's time zone (minutes
after local midnight), with an optional note («каб. 12», «по записи»).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from parta.db import Base, UTCDateTime, utcnow
from parta.models.events import StreamId

__all__ = ["OfficeHour", "UrgentMark", "UrgentSms"]


class UrgentMark(Base):
    __tablename__ = "urgent_mark"
    __table_args__ = (Index("ix_urgent_mark_org_marked", "org_id", "marked_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    chat_id: Mapped[int] = mapped_column(ForeignKey("chat.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int] = mapped_column(StreamId, ForeignKey("message.id", ondelete="CASCADE"),
                                            unique=True)
    marked_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sms: Mapped[int] = mapped_column(Integer, default=0)


class UrgentSms(Base):
    """One SMS of an urgent mark to one parent: the outbox. Written in the mark's own
    transaction (a mark committed is a mark whose SMS will go, across a crash or a restart),
    handed to the gateway after commit by the worker (``actions.urgent.send_due_urgent_sms``).

    One row per (message, person), so a post marked twice never texts anyone twice.
    ``state``: ``pending`` (to send at ``next_at``), ``sending`` (claimed by one process with a
    conditional UPDATE, under way), ``sent``, ``failed`` (the gateway refused it ``attempts``
    times, or an attempt's outcome was never written — the process died while handing it over:
    it may have gone out, so it is not sent again), ``unneeded`` (before a try: the parent had
    read the post, left the chat or said no to such SMS, or the post was deleted)."""

    __tablename__ = "urgent_sms"
    __table_args__ = (UniqueConstraint("message_id", "user_id"),
                      Index("ix_urgent_sms_due", "state", "next_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"),
                                        index=True)
    message_id: Mapped[int] = mapped_column(StreamId, ForeignKey("message.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         index=True)
    phone: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class OfficeHour(Base):
    __tablename__ = "office_hour"
    __table_args__ = (Index("ix_office_hour_org_user", "org_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         index=True)
    weekday: Mapped[int] = mapped_column(Integer)  # 0 Monday … 6 Sunday
    start: Mapped[int] = mapped_column(Integer)  # minutes after local midnight
    end: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(80), default="")
