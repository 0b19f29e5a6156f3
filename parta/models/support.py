"""The technical-support inbox (R42): a user writes; the school's administrators answer first
(the school line), the platform operator next (the platform line: tickets naming no school, and
those a school passed on)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from parta.db import Base, UTCDateTime, utcnow

__all__ = ["SupportReply", "SupportTicket"]


class SupportTicket(Base):
    __tablename__ = "support_ticket"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id", ondelete="SET NULL"), nullable=True, index=True
    )
    subject: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | answered | closed
    # Passed on by the school (or its author) to the platform's support; None: the school answers.
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


    @property
    def line(self) -> str:
        return "school" if self.org_id is not None and self.escalated_at is None else "platform"


class SupportReply(Base):
    __tablename__ = "support_reply"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("support_ticket.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True
    )
    from_support: Mapped[bool] = mapped_column(default=False)
    line: Mapped[str | None] = mapped_column(String(20), nullable=True)  # school | platform
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
