"""Regions, municipalities, organizations and their groups (classes, the staff room)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from parta.db import Base, UTCDateTime, utcnow
from parta.errors import ValidationFailed
from parta.models.enums import GroupKind, OrgKind

__all__ = ["Group", "GroupMember", "GroupTeacher", "Municipality", "Organization", "Region"]


class Region(Base):
    __tablename__ = "region"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class Municipality(Base):
    __tablename__ = "municipality"
    __table_args__ = (UniqueConstraint("region_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200))


class Organization(Base):
    __tablename__ = "organization"
    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipality.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[OrgKind] = mapped_column(Enum(OrgKind, native_enum=False, length=20))
    name: Mapped[str] = mapped_column(String(300))
    short_name: Mapped[str] = mapped_column(String(100), default="")
    address: Mapped[str] = mapped_column(String(500), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    website: Mapped[str] = mapped_column(String(500), default="")
    gradebook_url: Mapped[str] = mapped_column(String(500), default="")  # R43
    description: Mapped[str] = mapped_column(Text, default="")
    application_ref: Mapped[str] = mapped_column(String(200), default="")  # the order/application
    # The organization's chat rules (R24, R28); None: the default text shipped with Parta.
    chat_rules: Mapped[str | None] = mapped_column(Text, nullable=True)
    chat_rules_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # The school's quiet hours for its students and parents (minutes after local midnight in
    # ``time_zone``; None: the school sets none). A person's own quiet hours override them.
    quiet_start: Mapped[int | None] = mapped_column(Integer, nullable=True)
    quiet_end: Mapped[int | None] = mapped_column(Integer, nullable=True)
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/Moscow",
                                           server_default="Europe/Moscow")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Group(Base):
    """A class or study group («5А», «АПК-21»), or the staff room («Учительская»)."""

    __tablename__ = "org_group"
    # Unique among active groups only: a graduated 11А leaves its name to next year's.
    __table_args__ = (Index("uq_org_group_active_name", "org_id", "name", unique=True,
                            sqlite_where=text("archived_at IS NULL"),
                            postgresql_where=text("archived_at IS NULL")),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    kind: Mapped[GroupKind] = mapped_column(Enum(GroupKind, native_enum=False, length=20))
    name: Mapped[str] = mapped_column(String(100))
    grade: Mapped[int | None] = mapped_column(Integer, nullable=True)
    letter: Mapped[str] = mapped_column(String(20), default="")
    class_teacher_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True
    )
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @staticmethod
    def class_name(grade: int | None, letter: str, name: str | None) -> str:
        """«5А» from grade and letter; a free name («АПК-21») when given."""
        if name:
            return name.strip()
        if grade is None:
            raise ValidationFailed(fields={"name": "required"})
        return f"{grade}{letter.strip().upper()}"


class GroupTeacher(Base):
    """A subject teacher attached to a class (R5)."""

    __tablename__ = "group_teacher"
    __table_args__ = (UniqueConstraint("group_id", "user_id", "subject"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("org_group.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(100))


class GroupMember(Base):
    """A student in a class, or a staff member in the staff room."""

    __tablename__ = "group_member"
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("org_group.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
