"""An organization's audit log: its entries, a page at a time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from parta.schemas.common import MAX_ID, Person

__all__ = ["AuditOut", "AuditPage"]


class AuditOut(BaseModel):
    id: int
    actor: Person | None
    action: str
    target_type: str
    target_id: int | None
    details: dict[str, Any]  # what the action recorded; its keys depend on the action
    created_at: datetime


class AuditPage(BaseModel):
    entries: list[AuditOut]
    next_before_id: int | None = Field(ge=1, le=MAX_ID)  # the next page, older entries
