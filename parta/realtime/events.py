"""Typed events. Each names its audience explicitly: choosing recipients is a security decision."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

__all__ = ["Envelope", "Event"]


class Event(BaseModel):
    """The base of every event; subclasses fix ``type`` and add typed fields."""

    type: str
    org_id: int | None = None


class MemberJoined(Event):
    type: Literal["member.joined"] = "member.joined"
    user_id: int
    roles: list[str]


class JoinRequested(Event):
    type: Literal["join_request.created"] = "join_request.created"
    request_id: int


class JoinRequestDecided(Event):
    type: Literal["join_request.decided"] = "join_request.decided"
    request_id: int
    status: str


class ParentLinkDecided(Event):
    type: Literal["parent_link.decided"] = "parent_link.decided"
    link_id: int
    status: str


class InviteChanged(Event):
    type: Literal["invite.changed"] = "invite.changed"
    invite_id: int
    state: str


class VerificationChanged(Event):
    type: Literal["verification.changed"] = "verification.changed"
    user_id: int
    status: str


class RolesChanged(Event):
    type: Literal["roles.changed"] = "roles.changed"
    user_id: int
    roles: list[str]


class GroupChanged(Event):
    type: Literal["group.changed"] = "group.changed"
    group_id: int


class OrgChanged(Event):
    type: Literal["org.changed"] = "org.changed"


class SessionEnded(Event):
    type: Literal["session.ended"] = "session.ended"
    session_id: int


class ChatChanged(Event):
    type: Literal["chat.changed"] = "chat.changed"
    chat_id: int


class ChatInvited(Event):
    type: Literal["chat.invited"] = "chat.invited"
    chat_id: int
    title: str


class ChatMemberChanged(Event):
    type: Literal["chat.member"] = "chat.member"
    chat_id: int
    user_id: int
    change: str  # joined | left | removed | role:<role>


class MessageNew(Event):
    type: Literal["message.new"] = "message.new"
    chat_id: int
    message: dict[str, Any]


class MessageEdited(Event):
    type: Literal["message.edited"] = "message.edited"
    chat_id: int
    message_id: int
    body: str
    edited_at: str


class MessageDeleted(Event):
    type: Literal["message.deleted"] = "message.deleted"
    chat_id: int
    message_id: int


class ReactionChanged(Event):
    type: Literal["message.reactions"] = "message.reactions"
    chat_id: int
    message_id: int
    reactions: dict[str, int]


class PinsChanged(Event):
    type: Literal["chat.pins"] = "chat.pins"
    chat_id: int
    pinned: list[int]


class ChatRead(Event):
    type: Literal["chat.read"] = "chat.read"
    chat_id: int
    last_read_message_id: int
    reader_id: int


class Typing(Event):
    type: Literal["chat.typing"] = "chat.typing"
    chat_id: int
    user_id: int


class ModerationChanged(Event):
    """The moderation queue of a chat changed (a report, a held message): refresh it."""

    type: Literal["moderation.changed"] = "moderation.changed"
    chat_id: int
    what: str  # reports | held | appeals


class ViolationRecorded(Event):
    type: Literal["moderation.violation"] = "moderation.violation"
    chat_id: int
    user_id: int
    violation: dict[str, Any]


class BlockChanged(Event):
    """A member's block in a chat began, changed (apology, proposal, objection) or ended."""

    type: Literal["moderation.block"] = "moderation.block"
    chat_id: int
    user_id: int
    block: dict[str, Any] | None  # None: no longer blocked


class HeldDecided(Event):
    type: Literal["moderation.held"] = "moderation.held"
    chat_id: int
    held_id: int
    status: str


class AppealChanged(Event):
    type: Literal["moderation.appeal"] = "moderation.appeal"
    removal_id: int
    status: str


class Envelope(BaseModel):
    """An event with the users it goes to, and — once stored — each one's stream id for it.

    ``ephemeral`` events (typing, presence) are never stored and may be dropped.
    """

    event: Event
    audience: frozenset[int] = Field(default_factory=frozenset)
    ids: dict[int, int] = Field(default_factory=dict)
    ephemeral: bool = False

    def payload(self) -> dict[str, Any]:
        return self.event.model_dump(mode="json")


def _registry() -> dict[str, type[Event]]:
    found: dict[str, type[Event]] = {}
    stack = list(Event.__subclasses__())
    while stack:
        cls = stack.pop()
        found[cls.model_fields["type"].default] = cls
        stack.extend(cls.__subclasses__())
    return found


def event_from_dict(data: dict[str, Any]) -> Event:
    """The typed event for a payload that crossed a process boundary; unknown types are refused."""
    cls = _registry().get(str(data.get("type")))
    if cls is None:
        raise ValueError(f"unknown event type {data.get('type')!r}")
    return cls.model_validate(data)
