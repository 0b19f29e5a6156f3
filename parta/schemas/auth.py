from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, StringConstraints

from parta.schemas.common import Email, Name, Ref, ShortText, Strict

Phone = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class CodeIn(Strict):
    phone: Phone
    channel: Literal["sms", "parent_email"] = "sms"


class CodeOut(BaseModel):
    sent: bool = True
    channel: str
    masked_destination: str
    expires_in: int
    resend_after: int


class VerifyIn(Strict):
    phone: Phone
    code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=12)]
    client: Literal["web", "api"] = "web"
    device: ShortText = ""


class OrgBrief(BaseModel):
    id: int
    name: str
    kind: str


class MembershipOut(BaseModel):
    org: OrgBrief
    roles: list[str]
    verification: str
    position: str


class MeOut(BaseModel):
    id: int
    name: str
    phone: str | None
    email: str
    email_confirmed: bool  # proven the person's own by a code sent to it
    language: str
    is_operator: bool
    needs_name: bool
    memberships: list[MembershipOut]
    municipalities: list[Ref]


class SignedInOut(BaseModel):
    user: MeOut
    token: str | None = None


class MePatch(Strict):
    name: Name | None = None
    email: Email | None = None
    language: Literal["ru", "en"] | None = None


class EmailCodeOut(BaseModel):
    """Where the confirmation code went, masked."""

    masked_destination: str


class EmailConfirmIn(Strict):
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=12)]


class SessionOut(BaseModel):
    id: int
    kind: str
    device: str
    ip: str
    created_at: datetime
    last_seen_at: datetime
    current: bool


class SessionsOut(BaseModel):
    sessions: list[SessionOut]


class EndedOut(BaseModel):
    ended: int
