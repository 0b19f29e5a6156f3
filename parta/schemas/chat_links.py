"""Invite links to one chat, requests to join it, and the school's directory of staff chats
(R22): what is asked and what is answered."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from parta.models import ChatKind
from parta.schemas.common import Person, Rule, Strict
from parta.schemas.invites import OrgBrief

__all__ = ["ChatJoinOut", "ChatJoinRequestOut", "ChatJoinRequestsOut", "ChatLinkIn",
           "ChatLinkOut", "ChatLinkPreview", "ChatLinksOut", "DirectoryChat", "DirectoryOut",
           "JoinWithRulesIn", "LinkStanding"]


class ChatLinkIn(Strict):
    requires_approval: bool = False
    max_uses: int | None = Field(default=None, ge=1, le=10000)
    ttl_days: int | None = Field(default=None, ge=1, le=365)


class ChatLinkOut(BaseModel):
    id: int
    chat_id: int
    url: str
    token: str
    requires_approval: bool
    max_uses: int | None
    uses: int
    expires_at: datetime
    created_at: datetime
    created_by: Person | None
    state: str  # active | expired | used_up | annulled


class ChatLinksOut(BaseModel):
    links: list[ChatLinkOut]


# Where a link leads, before sign-in too; the rest only for those it may let in.
LinkStanding = Literal["signed_out", "not_in_school", "chat_not_for_role", "can_join",
                       "requested", "member"]


class ChatLinkPreview(BaseModel):
    org: OrgBrief
    chat_title: str
    chat_kind: ChatKind
    requires_approval: bool
    standing: LinkStanding  # how the caller stands to the chat
    # For a person the link may let in (can_join, requested, member); else None.
    chat_id: int | None = None
    description: str | None = None
    rule_items: list[Rule] | None = None
    rules_version: int | None = None


class JoinWithRulesIn(Strict):
    accept_rules: bool = False  # the person read the chat's rules and accepts them (R24)


class ChatJoinOut(BaseModel):
    status: Literal["joined", "requested"]
    chat_id: int
    request_id: int | None = None


class ChatJoinRequestOut(BaseModel):
    id: int
    chat_id: int
    user: Person
    via: Literal["link", "directory"]
    status: str  # pending | approved | denied
    created_at: datetime
    decided_at: datetime | None


class ChatJoinRequestsOut(BaseModel):
    requests: list[ChatJoinRequestOut]


class DirectoryChat(BaseModel):
    """A staff chat of the school a colleague may ask to join."""

    id: int
    kind: ChatKind
    title: str
    description: str
    members_count: int
    is_member: bool
    requested: bool  # the caller asked and waits for a moderator
    rule_items: list[Rule]
    rules_version: int


class DirectoryOut(BaseModel):
    chats: list[DirectoryChat]
