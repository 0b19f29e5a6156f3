"""The body of every refusal (``parta.errors``), as ``parta.api.errors`` writes it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

__all__ = ["ErrorAnswer", "ErrorBody"]


class ErrorBody(BaseModel):
    code: str  # stable: not_found, rate_limited, invite_expired…
    message: str  # in the caller's language
    fields: dict[str, str]  # a sentence for each field that was refused
    field_codes: dict[str, str]  # the same as codes: required, too_long, invalid…
    params: dict[str, Any]  # what the message names: seconds to wait, a count…


class ErrorAnswer(BaseModel):
    error: ErrorBody
