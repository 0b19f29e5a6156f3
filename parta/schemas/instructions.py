"""The municipality's instructions to its schools (R2): requests and answers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from parta.schemas.common import BodyId, Name, Person, Ref, Strict

__all__ = ["MAX_FILES", "MAX_RECIPIENTS", "IncomingInstruction", "IncomingInstructionsOut",
           "InstructionFileOut", "InstructionIn", "InstructionItem", "InstructionOut",
           "InstructionSchool", "InstructionsOut"]

# How many schools one instruction reaches: a municipality has tens, a large city hundreds.
MAX_RECIPIENTS = 500
MAX_FILES = 10  # files with one instruction: as many as with one message
InstructionText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                   max_length=10000)]


class InstructionIn(Strict):
    """An instruction to the administrators of some schools of the municipality, or of all of
    them (``org_ids`` left out)."""

    title: Name
    body: InstructionText
    deadline: dt.datetime
    org_ids: list[BodyId] | None = Field(default=None, max_length=MAX_RECIPIENTS)
    # files uploaded first (POST /municipalities/{id}/instruction-files), sent with it
    file_ids: list[BodyId] = Field(default_factory=list, max_length=100)  # MAX_FILES: the action


class InstructionFileOut(BaseModel):
    """A file of an instruction; ``url`` downloads it for whoever reads the instruction there
    (the municipality's administrators, or the receiving school's)."""

    id: int
    kind: str  # photo | audio | video | document
    mime: str
    name: str
    size: int
    url: str


class InstructionSchool(BaseModel):
    org: Ref
    acknowledged_at: dt.datetime | None
    acknowledged_by: Person | None
    reminded_at: dt.datetime | None


class InstructionItem(BaseModel):
    id: int
    title: str
    deadline: dt.datetime
    created_at: dt.datetime
    schools: int
    acknowledged: int


class InstructionOut(InstructionItem):
    body: str
    author: Person | None
    state: Literal["open", "closed"]  # closed: the deadline passed
    recipients: list[InstructionSchool]
    files: list[InstructionFileOut]


class InstructionsOut(BaseModel):
    instructions: list[InstructionItem]


class IncomingInstruction(BaseModel):
    id: int
    municipality: Ref
    title: str
    body: str
    deadline: dt.datetime
    created_at: dt.datetime
    author: Person | None
    acknowledged_at: dt.datetime | None
    state: Literal["open", "closed"]
    files: list[InstructionFileOut]


class IncomingInstructionsOut(BaseModel):
    instructions: list[IncomingInstruction]


