"""Scheduled lessons and meetings in a chat (R37): «Онлайн-урок 5А, математика, 10:00–10:45».

A lesson is a time in a chat's calendar; the call itself is the chat's call (one live call per
chat), which the lesson's «join» button starts or joins. ``reminded_at`` is written once, by
whichever server process's timer gets there first (a conditional UPDATE), so a reminder is
never sent twice.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from parta.db import Base, UTCDateTime, utcnow

__all__ = ["Lesson", "LessonKind"]


class LessonKind(StrEnum):
    lesson = "lesson"
    parents_meeting = "parents_meeting"
    teachers_council = "teachers_council"
    consultation = "consultation"


class Lesson(Base):
    __tablename__ = "lesson"
    __table_args__ = (Index("ix_lesson_chat_id_starts_at", "chat_id", "starts_at"),
                      Index("ix_lesson_reminded_at_starts_at", "reminded_at", "starts_at"),
                      Index("ix_lesson_org_id_ends_at", "org_id", "ends_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chat.id", ondelete="CASCADE"))
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[LessonKind] = mapped_column(Enum(LessonKind, native_enum=False, length=20))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancelled_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    # When the reminder went out (or was not needed: the lesson was made shortly before it began).
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
