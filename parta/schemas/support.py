from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, StringConstraints

from parta.schemas.common import BodyId, Person, Strict

Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


class TicketIn(Strict):
    subject: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    body: Body
    org_id: BodyId | None = None


class ReplyIn(Strict):
    body: Body


class ReplyOut(BaseModel):
    id: int
    author: Person | None
    from_support: bool
    line: Literal["school", "platform"] | None = None  # who answered: the school or the platform
    body: str
    created_at: datetime


class TicketOut(BaseModel):
    id: int
    subject: str
    status: str
    org_id: int | None
    org_name: str | None = None
    line: Literal["school", "platform"]  # who answers it now
    escalated_at: datetime | None = None
    can_answer: bool = False  # the caller answers it (on its line)
    can_escalate: bool = False  # the caller may pass it on to the platform
    author: Person
    created_at: datetime
    updated_at: datetime
    replies: list[ReplyOut] = []


class TicketsOut(BaseModel):
    tickets: list[TicketOut]
