"""Join requests (R14) and parent ↔ child links (R17)."""

from datetime import datetime

from pydantic import BaseModel

from parta.schemas.common import BodyId, Person, Ref, ShortText, Strict


class JoinRequestOut(BaseModel):
    id: int
    user: Person
    role: str
    group: Ref | None
    child_name: str
    message: str
    status: str
    created_at: datetime
    decision_note: str


class JoinRequestsOut(BaseModel):
    requests: list[JoinRequestOut]


class DecisionIn(Strict):
    note: ShortText = ""


class ParentLinkOut(BaseModel):
    id: int
    parent: Person
    child: Person | None
    child_name_claimed: str
    group: Ref | None
    status: str
    created_at: datetime


class ParentLinksOut(BaseModel):
    links: list[ParentLinkOut]


class ParentLinkConfirmIn(Strict):
    child_user_id: BodyId
