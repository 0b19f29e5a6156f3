"""Shapes shared across areas."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from parta.services.text import clean_name

__all__ = [
    "MAX_ID",
    "BodyId", "CleanName", "Email", "LongText", "Name", "Ok", "Person", "Ref", "ShortText", "Strict", "Url"]

# Ids are 32-bit on every backend; anything outside is refused before it reaches a driver.
MAX_ID = 2**31 - 1
BodyId = Annotated[int, Field(ge=1, le=MAX_ID)]
# Before the length checks: a name of nothing but invisible characters is an empty name.
CleanName = BeforeValidator(lambda v: clean_name(v) if isinstance(v, str) else v)
Name = Annotated[str, CleanName, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]
Email = Annotated[str, StringConstraints(
    strip_whitespace=True, max_length=254, pattern=r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Url = Annotated[str, StringConstraints(
    strip_whitespace=True, max_length=500, pattern=r"^$|^https?://[^\s]+$")]


class Strict(BaseModel):
    """Requests refuse unknown fields: a typo is an error, not a silent no-op."""

    model_config = ConfigDict(extra="forbid")


class Person(BaseModel):
    id: int
    name: str
    verified_teacher: bool = False


class Ref(BaseModel):
    id: int
    name: str


class Ok(BaseModel):
    ok: bool = True


class AuditOut(BaseModel):
    id: int
    actor: Person | None
    action: str
    target_type: str
    target_id: int | None
    details: dict[str, Any]
    created_at: datetime
