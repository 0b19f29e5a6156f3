"""Reads of the municipality's instructions (R2): what it sent and who took it up, for its
administrators; what a school received, for the school's."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.db import utcnow
from parta.models import Instruction, InstructionRecipient, Municipality, Organization
from parta.queries.people import persons
from parta.queries.scope import MunicipalityScope, OrgScope
from parta.schemas.common import Ref
from parta.schemas.instructions import (
    IncomingInstruction,
    InstructionItem,
    InstructionOut,
    InstructionSchool,
)

__all__ = ["incoming_instructions", "instruction_detail", "is_open", "sent_instructions"]


def is_open(ins: Instruction) -> bool:
    """An instruction is open until its deadline: then it is closed to answers and reminders."""
    return ins.deadline > utcnow()


def _state(ins: Instruction) -> Literal["open", "closed"]:
    return "open" if is_open(ins) else "closed"


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
    return InstructionOut(
        id=ins.id, title=ins.title, body=ins.body, deadline=ins.deadline,
        created_at=ins.created_at, author=people.get(ins.author_id or 0), state=_state(ins),
        schools=len(rows), acknowledged=sum(1 for r, _ in rows if r.acknowledged_at),
        recipients=[InstructionSchool(org=Ref(id=r.org_id, name=name),
                                      acknowledged_at=r.acknowledged_at,
                                      acknowledged_by=people.get(r.acknowledged_by or 0),
                                      reminded_at=r.reminded_at) for r, name in rows])


async def incoming_instructions(db: AsyncSession, scope: OrgScope) -> list[IncomingInstruction]:
    """The instructions the school received, newest first, and whether it took each up."""
    rows = (await db.execute(select(Instruction, InstructionRecipient).join(
        InstructionRecipient, InstructionRecipient.instruction_id == Instruction.id).where(
        InstructionRecipient.org_id == scope.org.id).order_by(Instruction.id.desc())
        .limit(200))).all()
    muni = await db.get(Municipality, scope.org.municipality_id)
    people = await persons(db, None, [i.author_id for i, _ in rows])
    return [IncomingInstruction(
        id=i.id, municipality=Ref(id=i.municipality_id, name=muni.name if muni else ""),
        title=i.title, body=i.body, deadline=i.deadline, created_at=i.created_at,
        author=people.get(i.author_id or 0), acknowledged_at=r.acknowledged_at, state=_state(i))
        for i, r in rows]


