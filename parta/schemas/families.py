"""A parent's children and where a young child's sign-in codes go (R10, R17)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, StringConstraints

from parta.schemas.common import Email, Ref, Strict


class ChildChatOut(BaseModel):
    id: int
    title: str
    kind: str
    state: Literal["member", "invited", "declined", "left", "none"]  # where the parent stands


class ChildOut(BaseModel):
    child: Ref
    org: Ref
    group: Ref | None  # the class, if the school has placed the child in one
    primary_school: bool  # the child's codes may go to a parent's e-mail (R10)
    code_email: str | None  # masked: where the codes go now
    chats: list[ChildChatOut]
    parents_chat_missing: bool  # the class has no parents' chat yet (explained, not absent)


class ChildrenOut(BaseModel):
    children: list[ChildOut]


class CodeEmailIn(Strict):
    email: Email


class CodeEmailConfirmIn(Strict):
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=12)]


class CodeEmailOut(BaseModel):
    code_email: str | None  # masked
    pending: str | None = None  # masked: waiting for the code sent there
