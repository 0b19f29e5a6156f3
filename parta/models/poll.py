"""Polls in a chat (R26): «Когда едем на экскурсию?» with its options, and who answered what.

A poll is a message (``Message.kind == "poll"``, its body the question, so it is ordered,
searched, pinned and removed like any message); ``Poll`` holds the rest, keyed by the message.
A person's answer is one ``PollBallot`` (unique per poll and person: two votes at once make one
ballot) with the options chosen (``PollChoice``) and, where the poll allows it, their own words.
Whether a poll is closed is read from ``closed_at`` and ``closes_at`` together: a deadline
closes it without anyone writing.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Enum, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from parta.db import Base, UTCDateTime, utcnow
from parta.models.events import StreamId

__all__ = ["Poll", "PollBallot", "PollChoice", "PollOption", "PollResults"]


class PollResults(StrEnum):
    """When the counts are shown to those who did not create the poll."""

    always = "always"
    after_voting = "after_voting"
    after_closing = "after_closing"


class Poll(Base):
    __tablename__ = "poll"
    __table_args__ = (Index("ix_poll_chat_id", "chat_id"),)
    message_id: Mapped[int] = mapped_column(
        StreamId, ForeignKey("message.id", ondelete="CASCADE"), primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chat.id", ondelete="CASCADE"))
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    question: Mapped[str] = mapped_column(String(300))
    multiple: Mapped[bool] = mapped_column(Boolean, default=False)
    free_text: Mapped[bool] = mapped_column(Boolean, default=False)  # «свой вариант»
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    results: Mapped[PollResults] = mapped_column(
        Enum(PollResults, native_enum=False, length=20), default=PollResults.always)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    # Bumped by every vote (a conditional UPDATE that also refuses a closed poll, and on
    # PostgreSQL holds the poll's row so a vote and the closing cannot cross).
    version: Mapped[int] = mapped_column(Integer, default=0)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PollOption(Base):
    __tablename__ = "poll_option"
    __table_args__ = (UniqueConstraint("poll_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(StreamId, ForeignKey("poll.message_id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(100))


class PollBallot(Base):
    __tablename__ = "poll_ballot"
    __table_args__ = (UniqueConstraint("poll_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(StreamId, ForeignKey("poll.message_id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    text: Mapped[str | None] = mapped_column(String(300), nullable=True)
    voted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PollChoice(Base):
    __tablename__ = "poll_choice"
    __table_args__ = (UniqueConstraint("ballot_id", "option_id"),
                      Index("ix_poll_choice_poll_id_option_id", "poll_id", "option_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("poll_ballot.id", ondelete="CASCADE"))
    poll_id: Mapped[int] = mapped_column(StreamId, ForeignKey("poll.message_id", ondelete="CASCADE"))
    option_id: Mapped[int] = mapped_column(ForeignKey("poll_option.id", ondelete="CASCADE"))
