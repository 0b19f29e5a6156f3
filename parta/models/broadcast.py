"""Broadcasts (R38): one or a few presenters to many viewers — a school assembly, the
director's address, a verified educational video — planned by the school's administration.

A broadcast is planned for a time and an audience (the whole school, the staff, some classes'
students, or some classes' parents); its notice goes to the school channel (the staff channel
for a staff broadcast) with «Смотреть». Viewers receive and send nothing: only presenters are
given a place to publish; a viewer's questions go to a moderated list (``BroadcastQuestion``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from parta.db import Base, UTCDateTime, utcnow

__all__ = ["Audience", "Broadcast", "BroadcastGroup", "BroadcastPresenter", "BroadcastQuestion",
           "BroadcastViewer", "QuestionStatus"]


class Audience(StrEnum):
    school = "school"  # everyone in the school
    staff = "staff"  # teachers and the administration
    classes = "classes"  # the students of the chosen classes
    parents = "parents"  # the parents of the chosen classes' students


class QuestionStatus(StrEnum):
    pending = "pending"  # waits for the presenter or a moderator
    approved = "approved"  # shown to every viewer
    answered = "answered"  # approved, with the presenter's answer
    dismissed = "dismissed"  # not shown to anyone but its author


class Broadcast(Base):
    __tablename__ = "broadcast"
    __table_args__ = (Index("ix_broadcast_org_id_starts_at", "org_id", "starts_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    audience: Mapped[Audience] = mapped_column(Enum(Audience, native_enum=False, length=20))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The channel its notice went to, and the notice (its «Смотреть»).
    chat_id: Mapped[int | None] = mapped_column(
        ForeignKey("chat.id", ondelete="SET NULL"), nullable=True)
    message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # While it is on the air: the Janus room only presenters may publish in (its secret is
    # Parta's alone).
    on_air_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    off_air_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    janus_room: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    room_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # A video file of the school's library broadcast from the server instead of a camera: the
    # verified material chosen as the source and, while it plays, the Janus Streaming
    # mountpoint ffmpeg sends it to (its secret and its viewers' pin are Parta's alone).
    material_id: Mapped[int | None] = mapped_column(
        ForeignKey("material.id", ondelete="SET NULL"), nullable=True)
    stream_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    stream_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    stream_pin: Mapped[str | None] = mapped_column(String(64), nullable=True)
    stream_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    stream_ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Why the file stopped when it was not the end of it or the presenter: ``stream_failed``.
    stream_error: Mapped[str | None] = mapped_column(String(40), nullable=True)


class BroadcastGroup(Base):
    """A class in the audience of a ``classes`` or ``parents`` broadcast."""

    __tablename__ = "broadcast_group"
    __table_args__ = (UniqueConstraint("broadcast_id", "group_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcast.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("org_group.id", ondelete="CASCADE"),
                                          index=True)


class BroadcastPresenter(Base):
    """Someone who presents (publishes) in the broadcast; they also moderate its questions."""

    __tablename__ = "broadcast_presenter"
    __table_args__ = (UniqueConstraint("broadcast_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcast.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         index=True)
    token: Mapped[str | None] = mapped_column(String(64), nullable=True)  # while on the air
    # The Janus session their browser made through Parta's proxy (only it may be used).
    janus_session: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class BroadcastViewer(Base):
    """One stay of a viewer: joined, then left. Viewers get no publishing token."""

    __tablename__ = "broadcast_viewer"
    __table_args__ = (Index("ix_broadcast_viewer_broadcast_id_user_id", "broadcast_id",
                            "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcast.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    janus_session: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class BroadcastQuestion(Base):
    """A viewer's question: the presenters and moderators see every one; viewers see the
    approved and answered ones (and their own)."""

    __tablename__ = "broadcast_question"
    __table_args__ = (Index("ix_broadcast_question_broadcast_id_status", "broadcast_id",
                            "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcast.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    body: Mapped[str] = mapped_column(String(500))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[QuestionStatus] = mapped_column(
        Enum(QuestionStatus, native_enum=False, length=20), default=QuestionStatus.pending)
    answer: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    decided_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
