"""Shapes shared across areas."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    field_validator,
)

from parta.services.text import clean_name

__all__ = [
    "MAX_ID",
    "BodyId", "CleanName", "Email", "Instant", "LongText", "Name", "Ok", "Person", "PlainText", "Ref",
    "Rule", "ShortText", "Strict", "Url", "instant", "plain_text"]

# Ids are 32-bit on every backend; anything outside is refused before it reaches a driver.
MAX_ID = 2**31 - 1
BodyId = Annotated[int, Field(ge=1, le=MAX_ID)]
# Before the length checks: a name of nothing but invisible characters is an empty name.
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]
Email = Annotated[str, StringConstraints(
    strip_whitespace=True, max_length=254, pattern=r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Url = Annotated[str, StringConstraints(
    strip_whitespace=True, max_length=500, pattern=r"^$|^https?://[^\s]+$")]


def plain_text(value: Any) -> Any:
    """Text every database stores: no U+0000 (PostgreSQL cannot) and no half of a surrogate
    pair (nothing can encode it). Refused as ``invalid``, alike on SQLite and PostgreSQL."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("text with a NUL character")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("text with half of a character") from None
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            plain_text(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            plain_text(key)
            plain_text(item)
    return value


PlainText = Annotated[str, AfterValidator(plain_text)]  # for query and path parameters
# A name is refused for what no database stores (as any text is), then cleaned of what would
# make it lie (``parta.services.text``): a NUL is an error, a zero-width space is dropped.
CleanName = BeforeValidator(lambda v: clean_name(plain_text(v)) if isinstance(v, str) else v)
Name = Annotated[str, CleanName, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Strict(BaseModel):
    """Requests refuse unknown fields: a typo is an error, not a silent no-op. Their text is
    plain (``plain_text``), whatever the field."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _plain_text(cls, value: Any) -> Any:
        return plain_text(value)


class Person(BaseModel):
    id: int
    name: str
    verified_teacher: bool = False


class Ref(BaseModel):
    id: int
    name: str


class Ok(BaseModel):
    ok: bool = True


# A moment as the server writes it (``datetime.isoformat()``, with its UTC offset).
Instant = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]


def instant(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


class Rule(BaseModel):
    """One numbered rule a chat's members accepted: the school's or the chat's own."""

    number: int
    text: str
    source: str
