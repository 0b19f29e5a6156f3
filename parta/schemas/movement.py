"""Movement of students and staff (R7): what is asked for, and what is shown."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, StringConstraints

from parta.models import MovementKind
from parta.schemas.common import BodyId, CleanName, Email, LongText, Person, Ref, ShortText, Strict

__all__ = ["DecisionIn", "MovementIn", "MovementOut", "MovementsOut", "NewcomerIn"]

NamePart = Annotated[str, CleanName, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class NewcomerIn(Strict):
    last_name: NamePart
    first_name: NamePart
    middle_name: Annotated[str, CleanName, StringConstraints(strip_whitespace=True, max_length=100)] = ""
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] = ""
    email: Email = ""
    position: ShortText = ""


class MovementIn(Strict):
    kind: MovementKind
    user_id: BodyId | None = None  # departure, transfer, leave: who
    to_group_id: BodyId | None = None  # arrival, transfer: into which class
    person: NewcomerIn | None = None  # arrival, hire: who comes
    reason: LongText = ""


class DecisionIn(Strict):
    confirm: bool
    note: LongText = ""


class MovementOut(BaseModel):
    id: int
    kind: str
    status: str  # proposed | recorded | refused
    user: Person | None
    from_group: Ref | None
    to_group: Ref | None
    reason: str
    details: dict[str, Any]
    proposed_by: Person | None
    decided_by: Person | None
    created_at: datetime
    decided_at: datetime | None
    # An arrival or hiring by phone is an offer to the phone's owner: pending, accepted,
    # declined or withdrawn. Whose phone it is, the school learns only if they accept.
    invitation: str | None = None


class MovementsOut(BaseModel):
    movements: list[MovementOut]
