from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from parta.models import ChatKind, ChatRole, PostPolicy
from parta.schemas.common import BodyId, CleanName, Strict

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


class ChatCapabilities(BaseModel):
    """What the caller may do in a chat, as the server decides it (``policy.chat_capabilities``):
    the client shows a composer, a menu item or a settings link only where the flag is true."""

    model_config = ConfigDict(frozen=True)

    can_post: bool = False
    can_react: bool = False
    can_moderate: bool = False
    can_pin: bool = False
    can_manage: bool = False
    can_invite: bool = False
    can_remind_rules: bool = False
