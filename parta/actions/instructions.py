"""The municipality's instructions to its schools (R2).

A municipal administrator sends an instruction (a title, its text, a deadline) to the
administrators of some or all of the municipality's schools; each school takes it up
(«Принято к исполнению») once, by any of its administrators; the municipal administrator sees
which schools have and have not, and reminds those that have not. The deadline closes the
instruction: after it, nothing more is taken up or reminded (what was not done by then is what
the municipality needs to see).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from parta.actions.attachments import store_upload
from parta.actions.base import Ctx, unit_of_work
from parta.actions.roles import org_admin_ids
from parta.db import utcnow
from parta.errors import Conflict, NotFound, ValidationFailed
from parta.models import (
    Instruction,
    InstructionFile,
    InstructionRecipient,
    MunicipalAdmin,
    Organization,
)
from parta.policy import Action
from parta.queries.instructions import is_open, received_by
from parta.queries.scope import MunicipalityScope, municipality_for, org_for
from parta.realtime.events import InstructionAcknowledged, InstructionReceived
from parta.schemas.instructions import MAX_FILES, MAX_RECIPIENTS

__all__ = ["acknowledge", "remind", "send_instruction", "upload_file"]

MAX_AHEAD = timedelta(days=366)  # a deadline within the school year and a little more
REMIND_EVERY = timedelta(hours=1)  # one reminder an hour at most: a reminder, not a flood


async def _muni_admin_ids(ctx: Ctx, municipality_id: int) -> set[int]:
    return set((await ctx.db.execute(select(MunicipalAdmin.user_id).where(
        MunicipalAdmin.municipality_id == municipality_id))).scalars())


async def _tell_schools(ctx: Ctx, scope: MunicipalityScope, ins: Instruction, org_ids: list[int],
                        reminder: bool) -> None:
    """Each school's administrators are told with the instruction as their list shows it,
    files included, so the page shows it as it comes."""
    seen = await received_by(ctx.db, scope, ins.id, org_ids)
    for org_id in org_ids:
        ctx.emit(InstructionReceived(org_id=org_id, instruction_id=ins.id, title=ins.title,
                                     reminder=reminder, instruction=seen[org_id]),
                 await org_admin_ids(ctx, org_id))


async def upload_file(ctx: Ctx, municipality_id: int, filename: str,
                      data: bytes) -> InstructionFile:
    """A file for an instruction about to be sent, by one of the municipality's administrators:
    checked, cleaned and stored as a chat's files are (``store_upload``). ``ctx`` must be a
    reading one (the route's): the slow part runs after its read ends, and the row is written in
    a short transaction that asks again. Until the instruction is sent only its uploader sees
    it; one never sent is forgotten with the chats' unsent files (``prune_unsent``)."""
    actor = ctx.require_actor()
    muni = (await municipality_for(ctx.db, actor, municipality_id)).municipality
    stored = await store_upload(ctx, f"muni{muni.id}/instructions", filename, data)
    try:
        async with unit_of_work(ctx.services, **ctx.caller()) as w:
            await municipality_for(w.db, actor, municipality_id)  # still theirs to run
            row = InstructionFile(municipality_id=municipality_id, uploader_id=actor.user_id,
                                  **stored.columns())
            w.db.add(row)
            await w.db.flush()
    except BaseException:
        await stored.forget(ctx.services)
        raise
    return row


async def _own_unsent(ctx: Ctx, municipality_id: int, ids: list[int]) -> list[InstructionFile]:
    """Files the caller uploaded for this municipality's instructions and has not sent yet;
    anything else (another's, another municipality's, already sent, none at all) is refused
    alike."""
    if len(ids) > MAX_FILES:
        raise ValidationFailed("too_many_files", fields={"file_ids": "too_many_files"},
                               params={"max": MAX_FILES})
    if len(set(ids)) != len(ids):
        raise ValidationFailed(fields={"file_ids": "invalid"})
    if not ids:
        return []
    rows = list((await ctx.db.execute(select(InstructionFile).where(
        InstructionFile.id.in_(ids), InstructionFile.municipality_id == municipality_id,
        InstructionFile.uploader_id == ctx.require_actor().user_id,
        InstructionFile.instruction_id.is_(None)))).scalars())
    if len(rows) != len(ids):
        raise ValidationFailed(fields={"file_ids": "invalid"})
    return rows


async def send_instruction(ctx: Ctx, municipality_id: int, *, title: str, body: str,
                           deadline: datetime, org_ids: list[int] | None,
                           file_ids: list[int] | None = None) -> Instruction:
    """To the listed schools of the municipality, or to all of them (``org_ids`` None), with
    the files uploaded for it (``file_ids``)."""
    actor = ctx.require_actor()
    scope = await municipality_for(ctx.db, actor, municipality_id)
    muni = scope.municipality
    now = utcnow()
    if deadline.tzinfo is None:
        raise ValidationFailed(fields={"deadline": "invalid"})
    if deadline <= now:
        raise ValidationFailed(fields={"deadline": "in_the_past"})
    if deadline > now + MAX_AHEAD:
        raise ValidationFailed(fields={"deadline": "too_far"})
    schools = set((await ctx.db.execute(select(Organization.id).where(
        Organization.municipality_id == muni.id))).scalars())
    if org_ids is None:
        wanted = sorted(schools)
    else:
        wanted = sorted(set(org_ids))
        if not wanted or not set(wanted) <= schools:  # another municipality's: not there
            raise ValidationFailed(fields={"org_ids": "invalid"})
    if not wanted:
        raise ValidationFailed("no_recipients", fields={"org_ids": "required"})
    if len(wanted) > MAX_RECIPIENTS:
        raise ValidationFailed("too_many_recipients", fields={"org_ids": "too_many_orgs"})
    files = await _own_unsent(ctx, muni.id, file_ids or [])
    ins = Instruction(municipality_id=muni.id, author_id=actor.user_id, title=title, body=body,
                      deadline=deadline.astimezone(now.tzinfo), created_at=now)
    ctx.db.add(ins)
    await ctx.db.flush()
    ctx.db.add_all([InstructionRecipient(instruction_id=ins.id, org_id=o) for o in wanted])
    if files:  # only if none was sent meanwhile (a double click sends one instruction with them)
        res = await ctx.db.execute(
            update(InstructionFile).where(InstructionFile.id.in_([f.id for f in files]),
                                          InstructionFile.instruction_id.is_(None))
            .values(instruction_id=ins.id).execution_options(synchronize_session=False))
        if res.rowcount != len(files):  # type: ignore[attr-defined]
            raise ValidationFailed(fields={"file_ids": "invalid"})
    await ctx.db.flush()
    ctx.audit("instruction.sent", None, "instruction", ins.id, municipality_id=muni.id,
              schools=len(wanted), files=len(files))
    await _tell_schools(ctx, scope, ins, wanted, reminder=False)
    return ins


async def acknowledge(ctx: Ctx, org_id: int, instruction_id: int) -> InstructionRecipient:
    """An administrator takes the instruction up for the school; once for the school (a second
    administrator's answer finds it taken up and changes nothing)."""
    actor = ctx.require_actor()
    await org_for(ctx.db, actor, org_id, Action.instruction_ack)
    row = (await ctx.db.execute(select(InstructionRecipient).where(
        InstructionRecipient.instruction_id == instruction_id,
        InstructionRecipient.org_id == org_id))).scalar_one_or_none()
    ins = await ctx.db.get(Instruction, instruction_id)
    if row is None or ins is None:
        raise NotFound()
    if row.acknowledged_at is not None:
        return row
    if not is_open(ins):
        raise Conflict("instruction_closed")
    res = await ctx.db.execute(
        update(InstructionRecipient).where(InstructionRecipient.id == row.id,
                                           InstructionRecipient.acknowledged_at.is_(None))
        .values(acknowledged_at=utcnow(), acknowledged_by=actor.user_id)
        .execution_options(synchronize_session=False))
    await ctx.db.refresh(row)
    if res.rowcount == 1:  # type: ignore[attr-defined]
        ctx.audit("instruction.acknowledged", org_id, "instruction", ins.id)
        ctx.emit(InstructionAcknowledged(org_id=org_id, instruction_id=ins.id),
                 await _muni_admin_ids(ctx, ins.municipality_id)
                 | await org_admin_ids(ctx, org_id))
    return row


async def remind(ctx: Ctx, municipality_id: int, instruction_id: int) -> int:
    """Remind the schools that have not taken the instruction up; how many were reminded."""
    actor = ctx.require_actor()
    scope = await municipality_for(ctx.db, actor, municipality_id)
    muni = scope.municipality
    ins = await ctx.db.get(Instruction, instruction_id)
    if ins is None or ins.municipality_id != muni.id:
        raise NotFound()
    if not is_open(ins):
        raise Conflict("instruction_closed")
    now = utcnow()
    waiting = list((await ctx.db.execute(select(InstructionRecipient).where(
        InstructionRecipient.instruction_id == ins.id,
        InstructionRecipient.acknowledged_at.is_(None)).order_by(
        InstructionRecipient.org_id))).scalars())
    if not waiting:
        raise Conflict("all_acknowledged")
    if any(r.reminded_at is not None and r.reminded_at > now - REMIND_EVERY for r in waiting):
        raise Conflict("reminded_recently")
    for r in waiting:
        r.reminded_at = now
    ctx.audit("instruction.reminded", None, "instruction", ins.id, municipality_id=muni.id,
              schools=len(waiting))
    await _tell_schools(ctx, scope, ins, [r.org_id for r in waiting], reminder=True)
    return len(waiting)
