"""Shapes of the school year: the reconciliation report (R8) and the year rollover."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from parta.schemas.common import BodyId, Person, ShortText, Strict

__all__ = [
    "ClassDecisionIn",
    "ReconciliationEntryOut",
    "ReconciliationMarkIn",
    "ReconciliationOut",
    "ReconciliationStatusOut",
    "RolloverOut",
    "RolloverPreviewIn",
]

ClassName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


# Reconciliation --------------------------------------------------------------------------------

class ReconciliationEntryOut(BaseModel):
    """A person (``user_id``) or a class (``group_id``) on one of the lists, and why."""

    user_id: int | None
    group_id: int | None
    name: str
    roles: list[str]
    classes: list[str]
    chats: list[str]
    students: int | None
    why: str  # a stable code, see docs/api.md
    reason: str  # the code as a sentence, in the caller's language


class RosterRefOut(BaseModel):
    import_id: int
    file_name: str
    applied_at: datetime | None


class LastReconciliationOut(BaseModel):
    id: int
    at: datetime
    by: Person | None
    counts: dict[str, int]


class ReconciliationStatusOut(BaseModel):
    roster: RosterRefOut | None  # the latest applied roster import; None: never
    last: LastReconciliationOut | None
    reminder: bool  # older than a quarter, or never done though a roster was applied
    due_at: datetime | None


class ReconciliationOut(ReconciliationStatusOut):
    counts: dict[str, int]
    lists: dict[str, list[ReconciliationEntryOut]]


class ReconciliationMarkIn(Strict):
    note: ShortText = ""


# The year rollover -----------------------------------------------------------------------------

class ClassDecisionIn(Strict):
    """The administrator's decision for one class; anything left out takes the default."""

    group_id: BodyId
    action: Literal["promote", "graduate", "keep"] | None = None
    name: ClassName | None = None  # the promoted class's new name
    class_teacher_id: BodyId | None = None  # a new class teacher; left out: the same one


class RolloverPreviewIn(Strict):
    final_grade: int | None = Field(default=None, ge=1, le=12)
    classes: list[ClassDecisionIn] = Field(default_factory=list, max_length=1000)
    repeat: bool = False  # another rollover within half a year of the last one, on purpose


class RolloverClassOut(BaseModel):
    group_id: int
    name: str
    grade: int | None
    letter: str
    op: str  # promote | graduate | keep | undecided
    reason: str  # for undecided: name_pattern | name_taken
    new_name: str | None
    new_grade: int | None
    class_teacher: Person | None
    new_class_teacher: Person | None
    students: int


class RolloverGraduateOut(BaseModel):
    user_id: int
    name: str
    group_id: int
    class_: str = Field(alias="class")
    ends: str  # membership | student_role | class

    model_config = {"populate_by_name": True}


class RolloverParentOut(BaseModel):
    user_id: int
    name: str
    children: list[str]
    ends: str  # membership | parent_role


class RolloverChatOut(BaseModel):
    chat_id: int | None = None  # an archived chat; a new one has no id yet
    group_id: int
    class_: str = Field(alias="class")  # the class's name: last year's, or the new one
    kind: str
    title: str
    subject: str = ""
    teacher: Person | None = None  # a new chat's owner
    invited: int | None = None  # how many a new chat invites

    model_config = {"populate_by_name": True}


class RolloverOut(BaseModel):
    id: int
    status: str
    final_grade: int | None
    ready: bool  # no class waits for a decision
    counts: dict[str, int]
    classes: list[RolloverClassOut]
    graduates: list[RolloverGraduateOut]
    parents: list[RolloverParentOut]
    archive_chats: list[RolloverChatOut]
    new_chats: list[RolloverChatOut]
    warnings: list[dict[str, Any]]
    created_at: datetime
    applied_at: datetime | None
