"""Counters behind the statistics (R34, R39, R2's figures), kept as things happen.

Nothing here holds what anyone wrote: a row counts messages or measures a reply's delay.
``parta stats rebuild`` recomputes every counter from the tables (``actions/stats.py``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from parta.db import Base, UTCDateTime

__all__ = ["CALLS", "HOUR", "HOURS", "LESSONS", "NO_CLASS", "NO_PERSON", "SCHOOL", "OpenQuestion", "StatHeld",
           "StatMessages", "StatReplies"]

NO_CLASS = 0  # the chat belongs to no class (the staff room's, a channel, a one-to-one chat)
NO_PERSON = 0  # counted by class (or school) and role only
SCHOOL = -1  # the row adding up the whole school's week (all classes and none)
HOURS = -2  # a school's reply times of a week by the hour (``StatReplies``)
HOUR = 60  # the minutes an ``HOURS`` row spans
CALLS, LESSONS = "call", "lesson"  # what a ``StatHeld`` row counts


class StatMessages(Base):
    """Messages posted in a week (starting Monday, in the statistics' time zone) by one role
    (``staff``, ``student``, ``parent``): per class (``group_id``; ``NO_CLASS`` for chats of
    none) under ``NO_PERSON``, and for the whole school (``group_id = SCHOOL``, ``NO_PERSON``) —
    where a staff member's messages are also kept per person (``author_id``), for R34: an
    active teacher posts at least 3 messages a week. A send moves its rows in one statement; a
    municipality's figures read only the school rows."""

    __tablename__ = "stat_messages"
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"),
                                        primary_key=True)
    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    week: Mapped[date] = mapped_column(Date, primary_key=True)
    role: Mapped[str] = mapped_column(String(10), primary_key=True)
    author_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    messages: Mapped[int] = mapped_column(Integer, default=0)


class OpenQuestion(Base):
    """A parent's question waiting for the school: the first message a parent posted in a
    class's parents' chat, or in a one-to-one chat with a staff member, since a staff member
    last posted there. A staff member's next message in that chat answers it."""

    __tablename__ = "stat_open_question"
    chat_id: Mapped[int] = mapped_column(ForeignKey("chat.id", ondelete="CASCADE"),
                                         primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"),
                                        index=True)
    group_id: Mapped[int] = mapped_column(Integer)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StatReplies(Base):
    """Answered questions of a week (the week of the answer), per class, by how many working
    minutes the answer took: the median is read from these counts exactly, to the minute. The
    same statement moves the class's row, the school's (``group_id = SCHOOL``) and the school's
    row of that hour (``group_id = HOURS``, ``minutes`` rounded down to a multiple of ``HOUR``):
    a median over many schools or weeks is found among the hours' rows first, then read to the
    minute from the school rows of that one hour — exact, without reading every minute."""

    __tablename__ = "stat_replies"
    # A municipality reads a school row's weeks without stepping over its classes' rows.
    __table_args__ = (Index("ix_stat_replies_org_id_group_id_week", "org_id", "group_id", "week",
                            "minutes", "answered"),)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"),
                                        primary_key=True)
    week: Mapped[date] = mapped_column(Date, primary_key=True)
    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    minutes: Mapped[int] = mapped_column(Integer, primary_key=True)
    answered: Mapped[int] = mapped_column(Integer, default=0)


class StatHeld(Base):
    """Calls held (counted when they end) and lessons scheduled and not cancelled (counted when
    scheduled, moved when changed or cancelled), by the day they began (in the statistics'
    time zone) and their chat's class (``NO_CLASS`` for none), with a school row
    (``group_id = SCHOOL``) moved by the same statement: how many, and their length in
    microseconds. Minutes are counted per day, whole (``micros // 60_000_000``), as the
    dashboards always have. A lesson counts on the dashboards once it has ended: those not ended
    yet are read from ``lesson`` and taken off (``queries/stats.py``). ``week`` is the day's
    Monday, kept beside it for grouping."""

    __tablename__ = "stat_held"
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"),
                                        primary_key=True)
    what: Mapped[str] = mapped_column(String(8), primary_key=True)
    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    week: Mapped[date] = mapped_column(Date)
    held: Mapped[int] = mapped_column(Integer, default=0)
    micros: Mapped[int] = mapped_column(BigInteger, default=0)
