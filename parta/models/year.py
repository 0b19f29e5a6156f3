"""The school year: reconciliations of the roster (R8) and year rollovers (classes move up)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from parta.db import Base, UTCDateTime, utcnow

__all__ = ["Reconciliation", "RolloverStatus", "YearRollover"]


class Reconciliation(Base):
    """An administrator recorded that the platform was reconciled with the school's records:
    when, by whom, against which roster import, and how many discrepancies were left."""

    __tablename__ = "reconciliation"
    __table_args__ = (Index("ix_reconciliation_org_id_id", "org_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    marked_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    roster_import_id: Mapped[int | None] = mapped_column(
        ForeignKey("roster_import.id", ondelete="SET NULL"), nullable=True)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RolloverStatus(StrEnum):
    preview = "preview"  # planned; nothing written yet
    applied = "applied"
    discarded = "discarded"  # a newer preview replaced it


class YearRollover(Base):
    """One move to the next school year: the administrator's decisions and the plan they gave.
    Applying recomputes the plan and refuses if it differs from the stored one."""

    __tablename__ = "year_rollover"
    __table_args__ = (Index("ix_year_rollover_org_id_id", "org_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    status: Mapped[RolloverStatus] = mapped_column(
        Enum(RolloverStatus, native_enum=False, length=20), default=RolloverStatus.preview)
    final_grade: Mapped[int | None] = mapped_column(Integer, nullable=True)
    decisions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    plan: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    applied_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
