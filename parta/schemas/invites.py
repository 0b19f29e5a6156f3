from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from parta.models import Role
from parta.schemas.common import BodyId, CleanName, Person, Ref, ShortText, Strict


class InviteIn(Strict):
    role: Role
    group_id: BodyId | None = None
    label: ShortText = ""
    requires_approval: bool = False
    max_uses: int | None = Field(default=None, ge=1, le=10000)
    ttl_days: int | None = Field(default=None, ge=1, le=365)


class InviteOut(BaseModel):
    id: int
    url: str
    token: str
    role: str
    group: Ref | None
    label: str
    requires_approval: bool
    max_uses: int | None
    uses: int
    expires_at: datetime
    created_at: datetime
    created_by: Person | None
    state: str


class InvitesOut(BaseModel):
    invites: list[InviteOut]


class AnnulledOut(BaseModel):
    annulled: int


class OrgBrief(Ref):
    kind: str


class InvitePreview(BaseModel):
    org: OrgBrief
    group: Ref | None
    role: str
    requires_approval: bool
    needs_child_name: bool


class JoinIn(Strict):
    child_name: Annotated[str, CleanName, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    message: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] = ""


class JoinOut(BaseModel):
    status: str
    org_id: int
    join_request_id: int | None = None
