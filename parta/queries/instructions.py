"""Reads of the municipality's instructions (R2): what it sent and who took it up, for its
administrators; what a school received, for the school's."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.db import utcnow
from parta.models import (
    Instruction,
    InstructionFile,
    InstructionRecipient,
    Municipality,
    Organization,
)
from parta.queries.people import persons
from parta.queries.scope import MunicipalityScope, OrgScope
from parta.schemas.common import Person, Ref
from parta.schemas.instructions import (
    IncomingInstruction,
    InstructionFileOut,
    InstructionItem,
    InstructionOut,
    InstructionSchool,
)

__all__ = ["file_out", "incoming_instructions", "instruction_detail", "is_open",
           "municipality_file", "municipality_file_url", "received_by", "school_file",
           "sent_instructions"]


def is_open(ins: Instruction) -> bool:
    """An instruction is open until its deadline: then it is closed to answers and reminders."""
    return ins.deadline > utcnow()


def _state(ins: Instruction) -> Literal["open", "closed"]:
    return "open" if is_open(ins) else "closed"


def file_out(f: InstructionFile, url: str) -> InstructionFileOut:
    return InstructionFileOut(id=f.id, kind=f.kind, mime=f.mime, name=f.name, size=f.size,
                              url=url)


async def _files(db: AsyncSession, instruction_ids: list[int]) -> dict[int, list[InstructionFile]]:
    found: dict[int, list[InstructionFile]] = {}
    if instruction_ids:
        # by the row's own instruction id: a file just sent may be in the session still
        # unsent (its sending was an UPDATE the session did not follow)
        for ins_id, f in (await db.execute(select(InstructionFile.instruction_id, InstructionFile)
                                           .where(InstructionFile.instruction_id.in_(
                                               instruction_ids)).order_by(
                                               InstructionFile.id))).all():
            found.setdefault(ins_id or 0, []).append(f)
    return found


def municipality_file_url(f: InstructionFile) -> str:
    return f"/api/v1/municipalities/{f.municipality_id}/instruction-files/{f.id}"


async def municipality_file(db: AsyncSession, scope: MunicipalityScope,
                            file_id: int) -> InstructionFile | None:
    """A file of the municipality's instructions, for its administrators; one not sent yet
    only for the one who uploaded it."""
    f = await db.get(InstructionFile, file_id)
    if f is None or f.municipality_id != scope.municipality.id:
        return None
    if f.instruction_id is None and f.uploader_id != scope.actor.user_id:
        return None
    return f


async def school_file(db: AsyncSession, scope: OrgScope, instruction_id: int,
                      file_id: int) -> InstructionFile | None:
    """A file of an instruction the school received, for the school's administrators."""
    found = (await db.execute(select(InstructionFile).join(
        InstructionRecipient,
        InstructionRecipient.instruction_id == InstructionFile.instruction_id).where(
        InstructionFile.id == file_id, InstructionFile.instruction_id == instruction_id,
        InstructionRecipient.org_id == scope.org.id))).scalar_one_or_none()
    return found


async def sent_instructions(db: AsyncSession, scope: MunicipalityScope) -> list[InstructionItem]:
    """The municipality's instructions, newest first, with how many schools took them up."""
    rows = list((await db.execute(select(Instruction).where(
        Instruction.municipality_id == scope.municipality.id).order_by(
        Instruction.id.desc()).limit(200))).scalars())
    if not rows:
        return []
    ids = [r.id for r in rows]
    totals = dict((await db.execute(select(InstructionRecipient.instruction_id, func.count())
                                    .where(InstructionRecipient.instruction_id.in_(ids))
                                    .group_by(InstructionRecipient.instruction_id))).all())
    done = dict((await db.execute(select(InstructionRecipient.instruction_id, func.count())
                                  .where(InstructionRecipient.instruction_id.in_(ids),
                                         InstructionRecipient.acknowledged_at.is_not(None))
                                  .group_by(InstructionRecipient.instruction_id))).all())
    return [InstructionItem(id=r.id, title=r.title, deadline=r.deadline, created_at=r.created_at,
                            schools=totals.get(r.id, 0), acknowledged=done.get(r.id, 0))
            for r in rows]


async def instruction_detail(db: AsyncSession, scope: MunicipalityScope,
                             instruction_id: int) -> InstructionOut | None:
    """One instruction of the municipality and, per school, whether it was taken up."""
    ins = await db.get(Instruction, instruction_id)
    if ins is None or ins.municipality_id != scope.municipality.id:
        return None
    rows = list((await db.execute(select(InstructionRecipient, Organization.name).join(
        Organization, Organization.id == InstructionRecipient.org_id).where(
        InstructionRecipient.instruction_id == ins.id).order_by(Organization.name))).all())
    people = await persons(db, None, [ins.author_id] + [r.acknowledged_by for r, _ in rows])
    files = (await _files(db, [ins.id])).get(ins.id, [])
    return InstructionOut(
        files=[file_out(f, municipality_file_url(f)) for f in files],
        id=ins.id, title=ins.title, body=ins.body, deadline=ins.deadline,
        created_at=ins.created_at, author=people.get(ins.author_id or 0), state=_state(ins),
        schools=len(rows), acknowledged=sum(1 for r, _ in rows if r.acknowledged_at),
        recipients=[InstructionSchool(org=Ref(id=r.org_id, name=name),
                                      acknowledged_at=r.acknowledged_at,
                                      acknowledged_by=people.get(r.acknowledged_by or 0),
                                      reminded_at=r.reminded_at) for r, name in rows])


def _incoming(i: Instruction, r: InstructionRecipient, muni_name: str,
              people: dict[int, Person], files: list[InstructionFile]) -> IncomingInstruction:
    """One instruction as the school ``r.org_id`` reads it: its files by the school's links."""
    base = f"/api/v1/orgs/{r.org_id}/instructions/{i.id}/files"
    return IncomingInstruction(
        files=[file_out(f, f"{base}/{f.id}") for f in files],
        id=i.id, municipality=Ref(id=i.municipality_id, name=muni_name),
        title=i.title, body=i.body, deadline=i.deadline, created_at=i.created_at,
        author=people.get(i.author_id or 0), acknowledged_at=r.acknowledged_at, state=_state(i))


async def incoming_instructions(db: AsyncSession, scope: OrgScope) -> list[IncomingInstruction]:
    """The instructions the school received, newest first, and whether it took each up."""
    rows = (await db.execute(select(Instruction, InstructionRecipient).join(
        InstructionRecipient, InstructionRecipient.instruction_id == Instruction.id).where(
        InstructionRecipient.org_id == scope.org.id).order_by(Instruction.id.desc())
        .limit(200))).all()
    muni = await db.get(Municipality, scope.org.municipality_id)
    people = await persons(db, None, [i.author_id for i, _ in rows])
    files = await _files(db, [i.id for i, _ in rows])
    return [_incoming(i, r, muni.name if muni else "", people, files.get(i.id, []))
            for i, r in rows]


async def received_by(db: AsyncSession, scope: MunicipalityScope, instruction_id: int,
                      schools: list[int]) -> dict[int, IncomingInstruction]:
    """The municipality's instruction as each of the listed schools it went to reads it (what
    the schools' administrators are told when it comes or is reminded), by school."""
    ins = await db.get(Instruction, instruction_id)
    if ins is None or ins.municipality_id != scope.municipality.id or not schools:
        return {}
    rows = list((await db.execute(select(InstructionRecipient).where(
        InstructionRecipient.instruction_id == ins.id,
        InstructionRecipient.org_id.in_(schools)))).scalars())
    people = await persons(db, None, [ins.author_id])
    files = (await _files(db, [ins.id])).get(ins.id, [])
    return {r.org_id: _incoming(ins, r, scope.municipality.name, people, files) for r in rows}
