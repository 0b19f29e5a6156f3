from __future__ import annotations

from datetime import datetime
from typing import Annotated

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
    body: str
    created_at: datetime


class TicketOut(BaseModel):
    id: int
    subject: str
    status: str
    org_id: int | None
    author: Person
    created_at: datetime
    updated_at: datetime
    replies: list[ReplyOut] = []


class TicketsOut(BaseModel):
    tickets: list[TicketOut]
