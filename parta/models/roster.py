"""The roster from the school's records (R8, R9): imports, who came from which record, movement."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from parta.db import Base, UTCDateTime, utcnow

__all__ = [
    "ImportStatus",
    "Movement",
    "MovementKind",
    "MovementStatus",
    "RosterImport",
    "RosterPerson",
]


class ImportStatus(StrEnum):
    preview = "preview"  # parsed and planned; nothing written yet
    applying = "applying"  # being written, batch by batch
    applied = "applied"
    failed = "failed"  # stopped part way; applying again resumes (every step is idempotent)
    discarded = "discarded"  # the administrator threw the preview away, or a newer one replaced it


class RosterImport(Base):
    """One uploaded file: its plan (what the preview showed is what gets applied) and progress."""

    __tablename__ = "roster_import"
    __table_args__ = (Index("ix_roster_import_org_id_id", "org_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    file_name: Mapped[str] = mapped_column(String(255), default="")
    kind: Mapped[str] = mapped_column(String(20))  # oneroster | xlsx
    status: Mapped[ImportStatus] = mapped_column(
        Enum(ImportStatus, native_enum=False, length=20), default=ImportStatus.preview)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    applied_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    # A digest of the organization's roster when the plan was made: applying refuses if it moved.
    fingerprint: Mapped[str] = mapped_column(String(64), default="")
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    plan: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # While applying: the file's people (by key) as accounts, so a resumed apply finds them.
    resolved: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    valid_rows_only: Mapped[bool] = mapped_column(Boolean, default=False)
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    failure: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class RosterPerson(Base):
    """A member of the organization as the school's records know them: the record's id, and
    what matching needs (a normalized name, a birth date). Only people an import brought in or
    recognized have a row; only they can be marked departed by a later import."""

    __tablename__ = "roster_person"
    __table_args__ = (UniqueConstraint("org_id", "user_id"),
                      UniqueConstraint("org_id", "source_id"),
                      Index("ix_roster_person_org_id_name_key", "org_id", "name_key"))
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         index=True)
    source_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    kind: Mapped[str] = mapped_column(String(20))  # student | teacher | parent | administrator | staff
    name_key: Mapped[str] = mapped_column(String(300), default="")
    birth_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    last_import_id: Mapped[int | None] = mapped_column(
        ForeignKey("roster_import.id", ondelete="SET NULL"), nullable=True)
    departed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MovementKind(StrEnum):
    arrival = "arrival"  # a student comes to the school
    departure = "departure"  # a student leaves the school
    transfer = "transfer"  # a student moves to another class
    hire = "hire"  # a staff member comes
    leave = "leave"  # a staff member leaves


class MovementStatus(StrEnum):
    proposed = "proposed"  # a class teacher reported it; an administrator confirms
    recorded = "recorded"  # done
    refused = "refused"


class Movement(Base):
    """Student and staff movement (R7, R32): recorded, or proposed and then confirmed."""

    __tablename__ = "movement"
    __table_args__ = (Index("ix_movement_org_id_id", "org_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    kind: Mapped[MovementKind] = mapped_column(Enum(MovementKind, native_enum=False, length=20))
    status: Mapped[MovementStatus] = mapped_column(
        Enum(MovementStatus, native_enum=False, length=20), default=MovementStatus.proposed)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), nullable=True, index=True)
    from_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_group.id", ondelete="SET NULL"), nullable=True)
    to_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_group.id", ondelete="SET NULL"), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    proposed_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    decided_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("roster_import.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
