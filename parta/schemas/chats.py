"""Chats and channels: what is asked and what is answered (messages: ``schemas.messages``)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from parta.models import Chat, ChatKind, ChatRole, PostPolicy
from parta.schemas.common import BodyId, CleanName, Instant, Person, Rule, Strict
from parta.schemas.messages import LastMessage
from parta.schemas.moderation import BlockOut, HeldOut

Title = Annotated[str, CleanName, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text5k = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]


class ChatIn(Strict):
    kind: ChatKind = ChatKind.custom
    title: Title
    description: Text5k = ""
    rules: Text5k = ""
    group_id: BodyId | None = None
    subject: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""
    post_policy: PostPolicy = PostPolicy.everyone
    members_invite: bool = False
    slow_mode_seconds: int = Field(default=0, ge=0, le=3600)
    invite_user_ids: list[BodyId] = Field(default_factory=list, max_length=5000)
    invite_group: bool = False


class ChatPatch(Strict):
    title: Title | None = None
    description: Text5k | None = None
    rules: Text5k | None = None
    post_policy: PostPolicy | None = None
    members_invite: bool | None = None
    slow_mode_seconds: int | None = Field(default=None, ge=0, le=3600)


class DirectIn(Strict):
    user_id: BodyId


class InviteUsersIn(Strict):
    user_ids: list[BodyId] = Field(default_factory=list, max_length=5000)
    invite_group: bool = False


class JoinChatIn(Strict):
    accept_rules: bool = False


class ChatRoleIn(Strict):
    role: ChatRole


class MessageIn(Strict):
    body: Annotated[str, StringConstraints(max_length=20_000)]
    client_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")] | None = None
    reply_to_id: Annotated[int, Field(ge=1, le=2**62)] | None = None
    attachment_ids: list[BodyId] = Field(default_factory=list, max_length=10)
    forward_of: Annotated[int, Field(ge=1, le=2**62)] | None = None
    confirm_conduct: bool = False  # «send anyway» after the conduct filter's warning (R33)


class MessagePatch(Strict):
    body: Annotated[str, StringConstraints(max_length=20_000)]
    confirm_conduct: bool = False


class ReadIn(Strict):
    message_id: Annotated[int, Field(ge=0, le=2**62)]


class PinIn(Strict):
    message_id: Annotated[int, Field(ge=1, le=2**62)]


class ViewsIn(Strict):
    message_ids: list[Annotated[int, Field(ge=1, le=2**62)]] = Field(max_length=200)


# Answers -------------------------------------------------------------------------------------

class ChatCapabilities(BaseModel):
    """What the caller may do in a chat, as the server decides it (``policy.chat_capabilities``):
    the client shows a composer, a menu item or a settings link only where the flag is true."""

    model_config = ConfigDict(frozen=True)

    can_post: bool = False
    can_reply: bool = False  # answer a post (a reply to it); where can_post, anyone's message
    can_react: bool = False
    can_moderate: bool = False
    can_pin: bool = False
    can_manage: bool = False
    can_invite: bool = False
    can_remind_rules: bool = False
    can_mark_urgent: bool = False  # the administration's own post: now, and by SMS to parents


class ChatOut(BaseModel):
    id: int
    org_id: int
    kind: ChatKind
    title: str
    description: str
    rules: str
    rules_version: int
    group_id: int | None
    subject: str
    post_policy: PostPolicy
    members_invite: bool
    slow_mode_seconds: int
    archived: bool


def chat_fields(chat: Chat) -> dict[str, Any]:
    return {
        "id": chat.id, "org_id": chat.org_id, "kind": chat.kind, "title": chat.title,
        "description": chat.description, "rules": chat.rules, "rules_version": chat.rules_version,
        "group_id": chat.group_id, "subject": chat.subject, "post_policy": chat.post_policy,
        "members_invite": chat.members_invite, "slow_mode_seconds": chat.slow_mode_seconds,
        "archived": chat.archived_at is not None,
    }


class ChatItem(ChatOut):
    """A chat in the caller's list."""

    my_role: ChatRole
    unread: int
    last_read_message_id: int
    rules_accepted_version: int | None
    last_message: LastMessage | None
    capabilities: ChatCapabilities


class Invitation(ChatOut):
    """A chat the caller was invited to and has not answered."""

    invited_by: Person | None
    invited_at: Instant


class ChatList(BaseModel):
    """The person's chats and invitations; ``event_id``: the event stream's id the list
    reflects (every event up to it is in it; the event socket's hello says its own)."""

    chats: list[ChatItem]
    invitations: list[Invitation]
    event_id: int = 0


class ChatDetail(ChatOut):
    """One chat as its member (or someone invited) sees it."""

    rule_items: list[Rule]
    org_rules_version: int
    my_block: BlockOut | None  # the caller's block in force here
    members_count: int
    pinned: list[int]
    my_role: ChatRole | None
    last_read_message_id: int
    rules_accepted_version: int | None
    org_rules_accepted_version: int | None
    capabilities: ChatCapabilities
    # A joint chat of several schools (R41): its schools and members' schools are at
    # GET /chats/{id}/network.
    network: bool = False


class MemberOut(BaseModel):
    user: Person
    role: ChatRole
    joined_at: Instant
    can_write: bool  # the viewer may start a one-to-one chat with them
    has_profile: bool = False  # staff of the chat's school: a card with their office hours
    # the viewer may make them a moderator (``role`` member) or take it back (moderator)
    can_set_role: bool = False


class ChatMembers(BaseModel):
    members: list[MemberOut]


class Invited(BaseModel):
    invited: list[int]


class HeldAnswer(BaseModel):
    """A send the conduct filter held for a moderator (R33): 202, not yet a message."""

    held: HeldOut
    created: bool
