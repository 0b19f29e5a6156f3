"""A network of schools (R41) and the municipality's instructions (R2).

A joint chat is an ordinary chat of its owner school (``Chat.org_id``: its rules, its
moderation, its files) with a ``NetworkChat`` row saying it is shared, and one ``ChatOrg`` row
per organization in it — the owner's accepted from the start, the others invited until their
administrator accepts or declines. People of an accepted school take part as members of the chat
itself, so the tenancy gate (``queries.scope.chat_for``) lets them read that chat and nothing
else of the owner school. A methodical association is a standing joint chat per subject in a
municipality, hosted by one of its schools (the «базовая школа»).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from parta.db import Base, UTCDateTime, utcnow

__all__ = ["ChatOrg", "ChatOrgStatus", "Instruction", "InstructionFile", "InstructionRecipient",
           "NetworkChat", "NetworkKind"]


class NetworkKind(StrEnum):
    joint = "joint"  # schools invited by the owner school, accepted by their administrators
    association = "association"  # a methodical association: the municipality's, per subject
    channel = "channel"  # the municipality's channel to its schools' administrators (R2)


class ChatOrgStatus(StrEnum):
    invited = "invited"
    accepted = "accepted"
    declined = "declined"
    left = "left"  # the school left: its people left the chat; the history stays
    removed = "removed"  # the owner school removed it


class NetworkChat(Base):
    __tablename__ = "network_chat"
    __table_args__ = (Index("ix_network_chat_muni_kind", "municipality_id", "kind"),)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chat.id", ondelete="CASCADE"),
                                         primary_key=True)
    kind: Mapped[NetworkKind] = mapped_column(Enum(NetworkKind, native_enum=False, length=20))
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipality.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(100), default="")  # an association's subject
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChatOrg(Base):
    """An organization's place in a joint chat."""

    __tablename__ = "chat_org"
    __table_args__ = (UniqueConstraint("chat_id", "org_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chat.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"),
                                        index=True)
    status: Mapped[ChatOrgStatus] = mapped_column(
        Enum(ChatOrgStatus, native_enum=False, length=20))
    invited_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Instruction(Base):
    """A municipal administrator's instruction to the administrators of its schools (R2)."""

    __tablename__ = "instruction"
    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipality.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InstructionRecipient(Base):
    """One school an instruction went to, and whether it took it up («Принято к исполнению»)."""

    __tablename__ = "instruction_recipient"
    __table_args__ = (UniqueConstraint("instruction_id", "org_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instruction_id: Mapped[int] = mapped_column(
        ForeignKey("instruction.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"),
                                        index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class InstructionFile(Base):
    """A file sent with an instruction. It is the municipality's, not a school's (so it is not
    a chat's ``Attachment``): uploaded first by its municipal administrator (``instruction_id``
    None until the instruction is sent, seen only by the uploader), then read by the
    municipality's administrators and by the administrators of the schools the instruction went
    to. Checked, cleaned and stored as a chat's files are (``actions.attachments``)."""

    __tablename__ = "instruction_file"
    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipality.id", ondelete="CASCADE"), index=True)
    instruction_id: Mapped[int | None] = mapped_column(
        ForeignKey("instruction.id", ondelete="CASCADE"), nullable=True, index=True)
    uploader_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    kind: Mapped[str] = mapped_column(String(20))  # photo | audio | video | document
    mime: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(200))
    thumb_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
