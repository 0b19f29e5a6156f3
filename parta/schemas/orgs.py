from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from parta.models import OrgKind, Role
from parta.schemas.common import (
    BodyId,
    CleanName,
    Email,
    LongText,
    Name,
    Person,
    Ref,
    ShortText,
    Strict,
    Url,
)


class RegionIn(Strict):
    name: Name


class MunicipalityIn(Strict):
    region_id: BodyId
    name: Name


class MunicipalAdminIn(Strict):
    phone: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    name: Name


class RegionOut(BaseModel):
    id: int
    name: str
    municipalities: list[Ref]


class RegionsOut(BaseModel):
    regions: list[RegionOut]


class OrgRegisterIn(Strict):
    name: Annotated[str, CleanName, StringConstraints(strip_whitespace=True, min_length=2, max_length=300)]
    kind: OrgKind
    municipality_id: BodyId
    admin_name: Name
    admin_email: Email
    admin_phone: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    application_ref: ShortText = ""


class OrgPatch(Strict):
    name: Annotated[str, CleanName, StringConstraints(strip_whitespace=True, min_length=2, max_length=300)] | None = None
    short_name: Annotated[str, CleanName, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    email: Email | None = None
    website: Url | None = None
    gradebook_url: Url | None = None
    description: LongText | None = None


class OrgOut(BaseModel):
    id: int
    name: str
    short_name: str
    kind: str
    municipality: Ref
    region: Ref
    address: str
    phone: str
    email: str
    website: str
    gradebook_url: str
    description: str
    created_at: datetime


class OrgsOut(BaseModel):
    organizations: list[OrgOut]


class FiguresOut(BaseModel):
    members: int
    staff: int
    students: int
    parents: int
    verified_teachers: int
    pending_requests: int
    active_invites: int
    activated: int  # members who have signed in at least once (R39)
    invited_to_chats: int  # members with a chat invitation they have not yet answered (R23, R39)


class AttentionOut(BaseModel):
    """What waits for the administrators' decision (shown on the home page and in the menu)."""

    join_requests: int
    parent_links: int  # parents waiting for the school to confirm their child (R17)
    verifications: int  # teachers asking for the «teacher» status (R12)
    support_tickets: int  # the school's open support tickets, not passed on (R42)


class GroupIn(Strict):
    name: Annotated[str, CleanName, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = None
    grade: int | None = Field(default=None, ge=1, le=12)
    letter: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] = ""


class GroupPatch(Strict):
    name: Annotated[str, CleanName, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = None
    grade: int | None = Field(default=None, ge=1, le=12)
    letter: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = None


class ClassTeacherIn(Strict):
    user_id: BodyId | None


class SubjectTeacherIn(Strict):
    user_id: BodyId
    subject: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class SubjectTeacherOut(BaseModel):
    id: int
    subject: str
    teacher: Person


class GroupOut(BaseModel):
    id: int
    kind: str
    name: str
    grade: int | None
    letter: str
    class_teacher: Person | None
    subject_teachers: list[SubjectTeacherOut]
    students_count: int


class GroupsOut(BaseModel):
    groups: list[GroupOut]


class MemberOut(BaseModel):
    user_id: int
    name: str
    roles: list[str]
    verified_teacher: bool
    verification: str
    position: str
    groups: list[Ref]
    children: list[Person]
    phone: str | None = None
    email: str | None = None


class MembersOut(BaseModel):
    members: list[MemberOut]


class RoleIn(Strict):
    role: Role


class VerificationRequestIn(Strict):
    position: ShortText = ""


class VerificationDecisionIn(Strict):
    decision: Annotated[str, StringConstraints(pattern="^(confirm|refuse)$")]
    note: ShortText = ""
