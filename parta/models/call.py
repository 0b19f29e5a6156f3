"""Calls in a chat (R37): the call and who took part, when — the basis of attendance.

Parta's database, not the SFU, says who may be in a call: a participant row with no
``left_at`` is a person Parta admitted. ``live_chat_id`` is the chat's id while the call is
live and NULL once it ended, so a unique constraint keeps one live call per chat even when two
people start one at the same moment.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, Enum, ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from parta.db import Base, UTCDateTime, utcnow

__all__ = ["Call", "CallKind", "CallParticipant", "CallWaiter"]


class CallKind(StrEnum):
    audio = "audio"
    video = "video"


class Call(Base):
    __tablename__ = "call"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chat.id", ondelete="CASCADE"), index=True)
    live_chat_id: Mapped[int | None] = mapped_column(
        ForeignKey("chat.id", ondelete="CASCADE"), nullable=True, unique=True)
    started_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    kind: Mapped[CallKind] = mapped_column(Enum(CallKind, native_enum=False, length=10))
    janus_room: Mapped[int] = mapped_column(BigInteger)
    # The room's secret: Parta's alone (destroy, kick, allowed list); never in an answer.
    room_secret: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    # A one-to-one call rings the other person until they answer, decline, or this moment
    # passes (then it ends as a missed call); NULL once answered, and for group calls.
    ring_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    # Host controls: nobody new is admitted; everyone but the hosts joins with the microphone
    # held (after «mute all», until the host allows each or lifts it for all).
    locked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    audio_held: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # With the waiting room on, who is not a host waits (``CallWaiter``) until the host decides.
    waiting_room: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class CallParticipant(Base):
    """One stay of one person in a call: joined, then left (a rejoin is a new row)."""

    __tablename__ = "call_participant"
    __table_args__ = (Index("ix_call_participant_call_id_user_id", "call_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         index=True)
    # The person's token in the room's allowed list, while they are admitted.
    token: Mapped[str] = mapped_column(String(64))
    # The Janus session the person's browser made through Parta's proxy (only that one may
    # be used through it).
    janus_session: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # When Parta last admitted them (a new token): someone Janus has not seen in the room for a
    # while after that has gone without saying so (a closed laptop) and is let out.
    admitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The streams the person publishes, as their offer named them («0,1»), so the host's mute
    # reaches Janus for exactly those; and what the host muted (the person cannot undo it).
    audio_mids: Mapped[str] = mapped_column(String(40), default="", server_default="")
    video_mids: Mapped[str] = mapped_column(String(40), default="", server_default="")
    muted_audio: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    muted_video: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Given by the host: host controls (an assistant teacher), and sharing a screen (a
    # publisher of its own in the room, see ``actions.calls.common.screen_feed``).
    cohost: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    may_share_screen: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # In the raised-hand queue since then (the host answers or the person lowers it).
    hand_raised_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The Janus handle the person's screen is published on (its offers carry one video only).
    screen_handle: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Removed by the host: out of the call, and not let back in.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class CallWaiter(Base):
    """Someone in a call's waiting room: undecided (``decision`` NULL) until the host admits
    them (their next join goes in) or denies them (it is refused)."""

    __tablename__ = "call_waiter"
    __table_args__ = (UniqueConstraint("call_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         index=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decision: Mapped[str | None] = mapped_column(String(10), nullable=True)  # admitted | denied
    decided_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
