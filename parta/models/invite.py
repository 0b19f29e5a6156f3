"""Invite links and join requests (R13–R17), and enrolment offers: a school proposing a place
to someone whose account it may not see, who accepts or declines it themselves."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from parta.db import Base, UTCDateTime, utcnow
from parta.models.enums import JoinRequestStatus, OfferStatus, Role

__all__ = ["EnrolmentOffer", "Invite", "JoinRequest"]


class Invite(Base):
    __tablename__ = "invite"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_group.id", ondelete="CASCADE"), nullable=True, index=True
    )
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20))
    # 32 url-safe bytes (256 bits). Kept readable so the creator can copy the link again.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    max_uses: Mapped[int | None] = mapped_column(Integer, nullable=True)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    annulled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    annulled_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True
    )

    def state(self, now: datetime | None = None) -> str:
        """active, or why it no longer lets anyone in: annulled, expired, used_up."""
        now = now or utcnow()
        if self.annulled_at is not None:
            return "annulled"
        if self.expires_at <= now:
            return "expired"
        if self.max_uses is not None and self.uses >= self.max_uses:
            return "used_up"
        return "active"


class JoinRequest(Base):
    __tablename__ = "join_request"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    invite_id: Mapped[int | None] = mapped_column(
        ForeignKey("invite.id", ondelete="SET NULL"), nullable=True
    )
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_group.id", ondelete="SET NULL"), nullable=True
    )
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20))
    child_name: Mapped[str] = mapped_column(String(200), default="")
    message: Mapped[str] = mapped_column(String(1000), default="")
    status: Mapped[JoinRequestStatus] = mapped_column(
        Enum(JoinRequestStatus, native_enum=False, length=20), default=JoinRequestStatus.pending
    )
    decided_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decision_note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EnrolmentOffer(Base):
    """A school offers a person a place (a role, a class) by their phone. The school never
    learns whether the phone had an account, nor whose it is: the person sees the offer after
    signing in and accepts (they are enrolled as proposed) or declines (the school hears only
    «declined»). Made by movement (arrival, hire) and by roster import."""

    __tablename__ = "enrolment_offer"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20))
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_group.id", ondelete="SET NULL"), nullable=True)
    position: Mapped[str] = mapped_column(String(200), default="")
    # A parent's place: the children the school's records link them to, linked on accepting.
    child_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    movement_id: Mapped[int | None] = mapped_column(
        ForeignKey("movement.id", ondelete="SET NULL"), nullable=True, index=True)
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("roster_import.id", ondelete="SET NULL"), nullable=True)
    status: Mapped[OfferStatus] = mapped_column(
        Enum(OfferStatus, native_enum=False, length=20), default=OfferStatus.pending)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
