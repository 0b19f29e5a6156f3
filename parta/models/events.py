"""The per-user event stream: every event a user may see, stored with the change that made it.

Ids come from one sequence and grow in commit order (``db.lock_event_stream``), so a client that
remembers the last id it saw resumes with no gap and no duplicate.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from parta.db import Base, UTCDateTime, utcnow

__all__ = ["EventStreamState", "UserEvent"]

# BIGINT on PostgreSQL; on SQLite only INTEGER PRIMARY KEY is the rowid.
StreamId = BigInteger().with_variant(Integer(), "sqlite")


class UserEvent(Base):
    __tablename__ = "user_event"
    # AUTOINCREMENT on SQLite: an id is never handed out twice, even after pruning.
    __table_args__ = (Index("ix_user_event_user_id_id", "user_id", "id"),
                      {"sqlite_autoincrement": True})
    id: Mapped[int] = mapped_column(StreamId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class EventStreamState(Base):
    """One row: events up to ``pruned_through`` may be gone; a client behind it must resync."""

    __tablename__ = "event_stream_state"
    id: Mapped[int] = mapped_column(primary_key=True)
    pruned_through: Mapped[int] = mapped_column(StreamId, default=0)
