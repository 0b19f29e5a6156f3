"""Messages and their files as every answer and event shows them.

They are built from rows by ``from_row`` with ``model_construct``: the fields come from typed
columns, so a message is not validated on its way out (the send path builds one per message,
and the event carrying it is serialized once for every recipient)."""

from __future__ import annotations

import re
from typing import Any, Protocol, Self

from pydantic import BaseModel

from parta.models import Attachment
from parta.schemas.common import Instant, Person, instant

__all__ = [
    "MENTION", "AttachmentOut", "LastMessage", "MessageOut", "MessagePage", "MessageRow",
    "PageMessage", "Pins", "Reactions", "ReadPosition", "Recorded", "SearchHit",
    "SearchResults", "SeenMessage", "SentMessage", "mentioned_ids", "message_fields",
]

# A mention as the composer writes it: «@[Маша Иванова](u:12)». Only members of the chat can be
# mentioned; any other id stays plain text («@Маша Иванова»), so nobody is pinged from outside.
MENTION = re.compile(r"@\[([^\[\]\n]{1,100})\]\(u:(\d{1,12})\)")


def mentioned_ids(body: str) -> list[int]:
    return sorted({int(m.group(2)) for m in MENTION.finditer(body)}) if "@[" in body else []


class AttachmentOut(BaseModel):
    """A file of a message (or uploaded, waiting for its message)."""

    id: int
    kind: str  # photo | audio | video | document
    mime: str
    name: str
    size: int
    width: int | None
    height: int | None
    has_thumb: bool
    url: str
    thumb_url: str | None

    @classmethod
    def from_row(cls, a: Attachment) -> Self:
        return cls.model_construct(
            id=a.id, kind=a.kind, mime=a.mime, name=a.name, size=a.size, width=a.width,
            height=a.height, has_thumb=a.thumb_key is not None, url=f"/api/v1/attachments/{a.id}",
            thumb_url=f"/api/v1/attachments/{a.id}/thumb" if a.thumb_key else None)


class MessageRow(Protocol):
    """A message as stored: the ORM object, or a plain row of its table (a page reads those)."""

    id: int
    chat_id: int
    author_id: int | None
    client_id: str | None
    body: str
    kind: str
    meta: dict[str, Any] | None
    reply_to_id: int | None
    forwarded_from_id: int | None
    created_at: Any
    edited_at: Any
    deleted_at: Any


def message_fields(m: MessageRow, attachments: list[AttachmentOut] | None = None) -> dict[str, Any]:
    """A message's own fields; a deleted one keeps its place and loses its words and files."""
    gone = m.deleted_at is not None
    return {
        "attachments": [] if gone else (attachments or []),
        "id": m.id, "chat_id": m.chat_id, "author_id": m.author_id, "client_id": m.client_id,
        "body": "" if gone else m.body, "reply_to_id": m.reply_to_id,
        "kind": m.kind or "text", "meta": m.meta,
        "mentions": [] if gone else mentioned_ids(m.body),
        "forwarded_from_id": m.forwarded_from_id,
        "created_at": m.created_at.isoformat(), "edited_at": instant(m.edited_at),
        "deleted": gone,
    }


class MessageOut(BaseModel):
    """A message as every answer and event shows it."""

    attachments: list[AttachmentOut]
    id: int
    chat_id: int
    author_id: int | None  # None: a notice of the system
    client_id: str | None
    body: str
    reply_to_id: int | None
    kind: str  # text | notice kinds
    meta: dict[str, Any] | None  # a notice's details
    mentions: list[int]
    forwarded_from_id: int | None
    created_at: Instant
    edited_at: Instant | None
    deleted: bool

    @classmethod
    def from_row(cls, m: MessageRow, attachments: list[AttachmentOut] | None = None,
                 **extra: Any) -> Self:
        """``extra``: the fields a subclass adds (its author, reactions...)."""
        return cls.model_construct(**message_fields(m, attachments), **extra)


class SeenMessage(MessageOut):
    """A message in a chat's history and in ``message.new``: with its author and reactions."""

    author: Person | None
    reactions: dict[str, int]
    my_reactions: list[str]


class PageMessage(SeenMessage):
    """A message of a history page. Views are counted in channels only; «read by» is shown on
    the reader's own messages, and who exactly read it to staff only: absent otherwise."""

    views: int | None = None
    read_by: int | None = None
    read_of: int | None = None
    read_by_ids: list[int] | None = None
    urgent: bool | None = None  # marked urgent by the administration (issue 14); absent if not


class MessagePage(BaseModel):
    messages: list[PageMessage]
    next_before_id: int | None


class LastMessage(MessageOut):
    author_name: str


class SearchHit(MessageOut):
    chat_title: str
    author: Person | None


class SearchResults(BaseModel):
    results: list[SearchHit]


class SentMessage(MessageOut):
    """A send's answer: the stored message, and whether this send stored it (a repeat of the
    same ``client_id`` answers the first one with ``created`` false)."""

    created: bool


class Recorded(BaseModel):
    recorded: int


class ReadPosition(BaseModel):
    last_read_message_id: int


class Reactions(BaseModel):
    reactions: dict[str, int]


class Pins(BaseModel):
    pinned: list[int]
