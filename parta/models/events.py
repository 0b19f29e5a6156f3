"""The event stream: every event stored once, with the people it is for.

Ids come from one sequence and grow in commit order (``db.lock_event_stream``); a client that
remembers the last id it saw resumes with no gap and no duplicate. Each user's stream is the
subsequence of events whose audience holds them, found two ways:

- an event for a few people has one ``StreamRecipient`` row per person;
- an event for a chat's many members is stored once with its audience packed into the row
  (``StreamEvent.audience``) and keyed by the chat; ``StreamReader`` lists, per person, the
  chats whose events have ever been addressed to them. A resume reads those chats' events and
  keeps only the ones whose stored audience holds the person — never wider than emitted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from parta.db import Base, UTCDateTime, utcnow

__all__ = ["EventStreamState", "StreamEvent", "StreamReader", "StreamRecipient", "UserEvent"]

# BIGINT on PostgreSQL; on SQLite only INTEGER PRIMARY KEY is the rowid.
StreamId = BigInteger().with_variant(Integer(), "sqlite")


class StreamEvent(Base):
    __tablename__ = "stream_event"
    # AUTOINCREMENT on SQLite: an id is never handed out twice, even after pruning.
    __table_args__ = (Index("ix_stream_event_chat_id_id", "chat_id", "id"),
                      {"sqlite_autoincrement": True})
    id: Mapped[int] = mapped_column(StreamId, primary_key=True, autoincrement=True)
    # Set when the event fans out to the chat's readers; NULL when it has recipient rows.
    # No foreign keys here: the log outlives what it tells about, until it is pruned.
    chat_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    type: Mapped[str] = mapped_column(String(60))
    body: Mapped[str] = mapped_column(Text)  # the event's JSON, exactly as sent, without the id
    # Fan-out events only: the audience's user ids, sorted, as little-endian uint32.
    audience: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class StreamRecipient(Base):
    """One row per person for an event addressed to a few people."""

    __tablename__ = "stream_recipient"
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(StreamId, primary_key=True)


class StreamReader(Base):
    """This person has been in the audience of this chat's fan-out events since ``since_id``.
    Written once per person and chat by the event log itself, never deleted by it."""

    __tablename__ = "stream_reader"
    __table_args__ = (Index("ix_stream_reader_chat_id", "chat_id"),)
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    since_id: Mapped[int] = mapped_column(StreamId)


# The old name: tests and tools that count stored events by type keep working.
UserEvent = StreamEvent


class EventStreamState(Base):
    """One row: events up to ``pruned_through`` may be gone; a client behind it must resync."""

    __tablename__ = "event_stream_state"
    id: Mapped[int] = mapped_column(primary_key=True)
    pruned_through: Mapped[int] = mapped_column(StreamId, default=0)
