"""Roster import: the preview, its progress, its rows, and the request to apply it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

from parta.schemas.common import Strict

__all__ = ["ApplyIn", "ConsentGapsOut", "ImportItemsOut", "ImportOut", "ImportsOut", "Progress", "RowErrorOut",
           "Section"]

Section = Literal["people", "departures", "classes", "class_teachers", "subject_teachers",
                  "parent_links", "chats", "warnings"]


class RowErrorOut(BaseModel):
    file: str
    line: int
    column: str
    code: str
    value: str
    message: str  # in the caller's language
    message_ru: str  # as the school's records speak


class Progress(BaseModel):
    done: int
    total: int
    percent: int


class ConsentGapsOut(BaseModel):
    """The import's students and how many of them have no full consent on record (152-ФЗ).
    A preview: the file's students (new ones have none yet); applied: the students this import
    last brought in or recognized who are still students of the school."""
    students: int
    gaps: int


class ImportOut(BaseModel):
    id: int
    file_name: str
    kind: str  # oneroster | xlsx
    status: str  # preview | applying | applied | failed | discarded
    complete: bool  # False: a OneRoster delta, where absence says nothing about departure
    counts: dict[str, int]
    progress: Progress
    errors: list[RowErrorOut]
    warnings: list[dict[str, Any]]
    valid_rows_only: bool
    failure: str
    created_at: datetime
    applied_at: datetime | None
    finished_at: datetime | None
    # Only in the answer about one import (GET, upload) in preview, failed or applied; else null.
    consent_gaps: ConsentGapsOut | None = None


class ImportsOut(BaseModel):
    imports: list[ImportOut]


class ImportItemsOut(BaseModel):
    section: Section
    total: int
    items: list[dict[str, Any]]


class ApplyIn(Strict):
    valid_rows_only: bool = False  # the file has errors: apply its valid rows only
