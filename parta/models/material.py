"""The materials library (R36, R38's verified content): folders, materials and their versions.

A material lives on a shelf: the school's own (``group_id`` None: published by the
administration) or a class's (published by the teachers of that class, for a subject). Who
may read it is said by its audience flags (staff, students, parents) together with the shelf:
a 5А material reaches 5А's pupils and their parents, never 5Б's. A material is a file or an
article; each upload of a new file and each edit of an article is a new version, and the old
ones stay (who, when) until the material goes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from parta.db import Base, UTCDateTime, utcnow

__all__ = ["Material", "MaterialFolder", "MaterialVersion"]


class MaterialFolder(Base):
    __tablename__ = "material_folder"
    __table_args__ = (Index("ix_material_folder_org_id_group_id", "org_id", "group_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_group.id", ondelete="CASCADE"), nullable=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("material_folder.id", ondelete="CASCADE"), nullable=True, index=True)
    name: Mapped[str] = mapped_column(String(120))
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Material(Base):
    __tablename__ = "material"
    __table_args__ = (Index("ix_material_org_id_group_id", "org_id", "group_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_group.id", ondelete="CASCADE"), nullable=True)
    subject: Mapped[str] = mapped_column(String(100), default="")
    folder_id: Mapped[int | None] = mapped_column(
        ForeignKey("material_folder.id", ondelete="CASCADE"), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(20))  # file | article
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    for_staff: Mapped[bool] = mapped_column(Boolean, default=True)
    for_students: Mapped[bool] = mapped_column(Boolean, default=True)
    for_parents: Mapped[bool] = mapped_column(Boolean, default=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    verified_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The version shown (the newest, or the one restored last); no foreign key: the two
    # tables would point at each other.
    current_version_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Snowball stems of the title, the description and an article's text, space-separated
    # and space-led, searched by prefix (``parta.search.stems``) on SQLite and PostgreSQL alike.
    search_stems: Mapped[str] = mapped_column(Text, default="")


class MaterialVersion(Base):
    __tablename__ = "material_version"
    __table_args__ = (UniqueConstraint("material_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(
        ForeignKey("material.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    restored_from: Mapped[int | None] = mapped_column(Integer, nullable=True)  # a version number
    # A file: what its bytes are (``services.media``), where they are kept.
    file_kind: Mapped[str | None] = mapped_column(String(20), nullable=True)
    mime: Mapped[str | None] = mapped_column(String(100), nullable=True)
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    storage_key: Mapped[str | None] = mapped_column(String(300), nullable=True)
    thumb_key: Mapped[str | None] = mapped_column(String(300), nullable=True)
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # An article: the Markdown as written and the HTML rendered from it and sanitized.
    body: Mapped[str | None] = mapped_column(Text, nullable=True)
    html: Mapped[str | None] = mapped_column(Text, nullable=True)
