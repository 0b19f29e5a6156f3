"""Chats and channels (R21–R24, R35): who is in them, what they said, what each has read."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
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
from parta.models.events import StreamId

__all__ = [
    "CHANNEL_KINDS",
    "GROUP_CHAT_KINDS",
    "Chat",
    "ChatInvitation",
    "ChatKind",
    "ChatMember",
    "ChatRole",
    "Message",
    "Pin",
    "PostPolicy",
    "Reaction",
]


class ChatKind(StrEnum):
    class_ = "class"  # students + class teacher
    parents = "parents"  # parents + class teacher
    class_teachers = "class_teachers"  # the teachers of a class
    subject = "subject"  # a teacher with a class, per subject
    management_deputies = "management_deputies"
    management_staff = "management_staff"
    management_parents_council = "management_parents_council"
    management_student_council = "management_student_council"
    custom = "custom"
    direct = "direct"  # one-to-one
    channel = "channel"  # one-to-many
    school_channel = "school_channel"  # system: everyone in the organization
    staff_channel = "staff_channel"  # system: staff only


GROUP_CHAT_KINDS = frozenset(k for k in ChatKind if k not in (
    ChatKind.direct, ChatKind.channel, ChatKind.school_channel, ChatKind.staff_channel))
CHANNEL_KINDS = frozenset({ChatKind.channel, ChatKind.school_channel, ChatKind.staff_channel})


class ChatRole(StrEnum):
    owner = "owner"
    moderator = "moderator"
    member = "member"


class PostPolicy(StrEnum):
    everyone = "everyone"
    moderators = "moderators"
    # the moderators post; the members answer a post (a reply to it), as the schools'
    # administrators do in the municipality's channel (R2)
    replies = "replies"


class Chat(Base):
    __tablename__ = "chat"
    __table_args__ = (UniqueConstraint("org_id", "direct_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ChatKind] = mapped_column(Enum(ChatKind, native_enum=False, length=40))
    title: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    rules: Mapped[str] = mapped_column(Text, default="")
    rules_version: Mapped[int] = mapped_column(Integer, default=1)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_group.id", ondelete="SET NULL"), nullable=True, index=True)
    subject: Mapped[str] = mapped_column(String(100), default="")
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    post_policy: Mapped[PostPolicy] = mapped_column(
        Enum(PostPolicy, native_enum=False, length=20), default=PostPolicy.everyone)
    members_invite: Mapped[bool] = mapped_column(Boolean, default=False)
    slow_mode_seconds: Mapped[int] = mapped_column(Integer, default=0)
    # "min:max" of the two people in a one-to-one chat, so there is only ever one.
    direct_key: Mapped[str | None] = mapped_column(String(40), nullable=True)
    last_message_id: Mapped[int | None] = mapped_column(StreamId, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ChatMember(Base):
    __tablename__ = "chat_member"
    __table_args__ = (UniqueConstraint("chat_id", "user_id"),
                      Index("ix_chat_member_user_id_active", "user_id", "left_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chat.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    role: Mapped[ChatRole] = mapped_column(Enum(ChatRole, native_enum=False, length=20),
                                           default=ChatRole.member)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    rules_accepted_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rules_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    org_rules_accepted_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_read_message_id: Mapped[int] = mapped_column(StreamId, default=0)
    last_posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ChatInvitation(Base):
    """Nobody is put into a group chat against their will (R23): they are invited, and join."""

    __tablename__ = "chat_invitation"
    __table_args__ = (UniqueConstraint("chat_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chat.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    invited_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Message(Base):
    __tablename__ = "message"
    __table_args__ = (
        Index("ix_message_chat_id_id", "chat_id", "id"),
        # A retried send with the same client id finds the first message, not a second one.
        UniqueConstraint("author_id", "client_id"),
        Index("ix_message_author_id_id", "author_id", "id"),  # flood checks look back per author
    )
    id: Mapped[int] = mapped_column(StreamId, primary_key=True, autoincrement=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chat.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    client_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    body: Mapped[str] = mapped_column(Text, default="")
    # text | rules_reminder | unblock_proposal: the last two are a moderator's notices (R28, R30)
    kind: Mapped[str] = mapped_column(String(20), default="text", server_default="text")
    meta: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # a notice's details
    reply_to_id: Mapped[int | None] = mapped_column(StreamId, nullable=True)
    forwarded_from_id: Mapped[int | None] = mapped_column(StreamId, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    deleted_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)


class Reaction(Base):
    __tablename__ = "reaction"
    __table_args__ = (UniqueConstraint("message_id", "user_id", "emoji"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    emoji: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Pin(Base):
    __tablename__ = "pin"
    __table_args__ = (UniqueConstraint("chat_id", "message_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chat.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id", ondelete="CASCADE"))
    pinned_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Attachment(Base):
    """A file in a chat: checked by its content, images cleaned of metadata, stored by key."""

    __tablename__ = "attachment"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chat.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("message.id", ondelete="SET NULL"), nullable=True, index=True)
    uploader_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    kind: Mapped[str] = mapped_column(String(20))  # photo | audio | video | document
    mime: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(255))  # shown and offered on download
    size: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(200))
    thumb_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MessageView(Base):
    """Who has seen a channel post (R35): counted once per person."""

    __tablename__ = "message_view"
    __table_args__ = (UniqueConstraint("message_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
