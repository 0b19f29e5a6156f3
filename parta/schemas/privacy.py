"""Personal data (152-ФЗ): consents, the administrator's gap list, exports, deletion."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from parta.schemas.common import BodyId, Person, Ref, ShortText, Strict

__all__ = [
    "ChildConsentOut",
    "ClassGapsOut",
    "ConsentDocumentOut",
    "ConsentIn",
    "ConsentRecordOut",
    "ConsentsOut",
    "DeletionIn",
    "DeletionOut",
    "ExportOut",
    "GapsOut",
    "HistoryOut",
    "PaperConsentIn",
]

PurposeName = Literal["processing", "chats", "photos", "calls"]
Purposes = Annotated[list[PurposeName], Field(min_length=1, max_length=4)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=12)]


class ChildConsentOut(BaseModel):
    """Where one child's consents stand: purpose → given | withdrawn | none (nothing on
    record). ``missing`` lists the purposes not given; ``restricted``: the child may not post
    in chats (a parent withdrew processing or chats)."""

    org: Ref | None
    child: Person
    group: Ref | None
    purposes: dict[str, str]
    missing: list[str]
    restricted: bool


class ConsentDocumentOut(BaseModel):
    version: str
    sha256: str
    text: str


class ConsentsOut(BaseModel):
    document: ConsentDocumentOut
    children: list[ChildConsentOut]


class ConsentIn(Strict):
    """A parent gives or withdraws consent for their child, in the app."""

    org_id: BodyId
    child_id: BodyId
    purposes: Purposes
    status: Literal["given", "withdrawn"]
    document_version: ShortText = ""  # the version the parent was shown; checked if given


class PaperConsentIn(Strict):
    """An administrator records a parent's paper form."""

    child_id: BodyId
    purposes: Purposes
    status: Literal["given", "withdrawn"]
    parent_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                  max_length=200)]
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""


class ClassGapsOut(BaseModel):
    group: Ref | None  # None: students in no class
    children: int = 0
    complete: int = 0
    not_recorded: int = 0  # some purpose never recorded, none withdrawn
    withdrawn: int = 0  # some purpose withdrawn
    gaps: list[ChildConsentOut] = Field(default_factory=list)


class GapsOut(BaseModel):
    classes: list[ClassGapsOut]
    children: int
    complete: int
    gaps: int


class ConsentRecordOut(BaseModel):
    id: int
    purpose: str
    status: str
    channel: str  # app | paper
    parent: Person | None
    parent_name: str
    recorded_by: Person | None
    document_version: str
    document_hash: str
    note: str
    created_at: datetime


class HistoryOut(BaseModel):
    child: ChildConsentOut
    records: list[ConsentRecordOut]


class ExportOut(BaseModel):
    """none | pending | running | done | failed | expired."""

    state: str
    id: int | None = None
    created_at: datetime | None = None
    finished_at: datetime | None = None
    expires_at: datetime | None = None
    size: int | None = None
    files: int = 0
    files_left_out: int = 0
    download_url: str | None = None
    keep_hours: int = 0  # how long a finished archive may be downloaded


class DeletionIn(Strict):
    """Asking to delete one's data is confirmed with a fresh sign-in code sent to one's phone."""

    code: Code


class DeletionOut(BaseModel):
    """none | pending | running | done | cancelled."""

    state: str
    id: int | None = None
    reason: str | None = None
    created_at: datetime | None = None
    due_at: datetime | None = None
    can_cancel: bool = False
    grace_days: int = 0  # how long a new request waits, cancellable, before it is carried out

