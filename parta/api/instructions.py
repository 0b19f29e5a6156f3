"""The municipality's instructions to its schools (R2): sending and following them up (the
municipal administrator), receiving and taking them up (the school's administrators)."""

from __future__ import annotations

from collections.abc import Awaitable

from fastapi import APIRouter, UploadFile
from fastapi.responses import StreamingResponse

from parta.actions import attachments as attachment_actions
from parta.actions import instructions as instruction_actions
from parta.api.deps import AuthCtx, AuthReadingCtx, PathId
from parta.api.responses import errors, file_answer, stored_file
from parta.errors import NotFound
from parta.models import InstructionFile
from parta.policy import Action
from parta.queries import instructions as q
from parta.queries.scope import municipality_for, org_for
from parta.schemas.instructions import (
    IncomingInstruction,
    IncomingInstructionsOut,
    InstructionFileOut,
    InstructionIn,
    InstructionOut,
    InstructionsOut,
)

router = APIRouter(tags=["instructions"])

# 404 not_found (another municipality, another school's instruction); 409 instruction_closed
# (the deadline passed), all_acknowledged, reminded_recently; 422 deadline in_the_past or
# too_far, org_ids invalid (a school of another municipality), no_recipients,
# too_many_recipients, file_ids invalid (not the caller's upload, or already sent),
# too_many_files. Files: another municipality's, another school's, an instruction the school
# did not receive — 404 alike.


async def _detail(ctx: AuthCtx, municipality_id: int, instruction_id: int) -> InstructionOut:
    scope = await municipality_for(ctx.db, ctx.require_actor(), municipality_id)
    out = await q.instruction_detail(ctx.db, scope, instruction_id)
    if out is None:
        raise NotFound()
    return out


@router.post("/municipalities/{municipality_id}/instructions", response_model=InstructionOut,
             status_code=201, responses=errors(401, 403, 404, 413, 422))
async def send(municipality_id: PathId, body: InstructionIn, ctx: AuthCtx) -> InstructionOut:
    """The municipal administrator sends an instruction to some or all of its schools."""
    ins = await instruction_actions.send_instruction(ctx, municipality_id, **body.model_dump())
    return await _detail(ctx, municipality_id, ins.id)


@router.get("/municipalities/{municipality_id}/instructions", response_model=InstructionsOut,
            responses=errors(401, 404))
async def sent(municipality_id: PathId, ctx: AuthCtx) -> InstructionsOut:
    scope = await municipality_for(ctx.db, ctx.require_actor(), municipality_id)
    return InstructionsOut(instructions=await q.sent_instructions(ctx.db, scope))


@router.get("/municipalities/{municipality_id}/instructions/{instruction_id}",
            response_model=InstructionOut, responses=errors(401, 404))
async def detail(municipality_id: PathId, instruction_id: PathId,
                 ctx: AuthCtx) -> InstructionOut:
    """The instruction and, school by school, who took it up and who has not."""
    return await _detail(ctx, municipality_id, instruction_id)


@router.post("/municipalities/{municipality_id}/instructions/{instruction_id}/remind",
             response_model=InstructionOut, responses=errors(401, 403, 404, 409))
async def remind(municipality_id: PathId, instruction_id: PathId,
                 ctx: AuthCtx) -> InstructionOut:
    """Remind the schools that have not taken it up (once an hour at most)."""
    await instruction_actions.remind(ctx, municipality_id, instruction_id)
    return await _detail(ctx, municipality_id, instruction_id)


@router.get("/orgs/{org_id}/instructions", response_model=IncomingInstructionsOut,
            responses=errors(401, 403, 404))
async def incoming(org_id: PathId, ctx: AuthCtx) -> IncomingInstructionsOut:
    """The instructions the school received, for its administrators."""
    scope = await org_for(ctx.db, ctx.require_actor(), org_id, Action.instruction_ack)
    return IncomingInstructionsOut(instructions=await q.incoming_instructions(ctx.db, scope))


@router.post("/orgs/{org_id}/instructions/{instruction_id}/acknowledge",
             response_model=IncomingInstruction, responses=errors(401, 403, 404, 409))
async def acknowledge(org_id: PathId, instruction_id: PathId,
                      ctx: AuthCtx) -> IncomingInstruction:
    """«Принято к исполнению»: the school takes the instruction up."""
    await instruction_actions.acknowledge(ctx, org_id, instruction_id)
    scope = await org_for(ctx.db, ctx.require_actor(), org_id, Action.instruction_ack)
    found = [i for i in await q.incoming_instructions(ctx.db, scope) if i.id == instruction_id]
    if not found:
        raise NotFound()
    return found[0]


# Files -----------------------------------------------------------------------------------------

_FILE_TYPES = file_answer("image/*", "audio/*", "video/*", "application/*", "text/plain",
                          description="The file, of its own media type")


def _served(f: InstructionFile, ctx: AuthCtx) -> Awaitable[StreamingResponse]:
    return stored_file(ctx.services.storage, f.storage_key, mime=f.mime, name=f.name,
                       inline=f.kind in ("photo", "audio", "video"))


# Reading: the action writes in a short transaction of its own, after the slow media work.
@router.post("/municipalities/{municipality_id}/instruction-files", status_code=201,
             response_model=InstructionFileOut,
             responses=errors(401, 403, 404, 413, 422, 429))
async def upload_file(municipality_id: PathId, ctx: AuthReadingCtx,
                      file: UploadFile) -> InstructionFileOut:
    """A file for an instruction about to be sent (then its id goes in ``file_ids``): checked
    by its content and cleaned of metadata as a chat's files are, within the same limits."""
    data = await attachment_actions.receive(ctx, file)
    row = await instruction_actions.upload_file(ctx, municipality_id, file.filename or "", data)
    return q.file_out(row, q.municipality_file_url(row))


@router.get("/municipalities/{municipality_id}/instruction-files/{file_id}",
            response_class=StreamingResponse, responses={**_FILE_TYPES, **errors(401, 404)})
async def municipality_file(municipality_id: PathId, file_id: PathId,
                            ctx: AuthCtx) -> StreamingResponse:
    """A file of the municipality's instructions, for its administrators."""
    scope = await municipality_for(ctx.db, ctx.require_actor(), municipality_id)
    f = await q.municipality_file(ctx.db, scope, file_id)
    if f is None:
        raise NotFound()
    return await _served(f, ctx)


@router.get("/orgs/{org_id}/instructions/{instruction_id}/files/{file_id}",
            response_class=StreamingResponse, responses={**_FILE_TYPES, **errors(401, 403, 404)})
async def school_file(org_id: PathId, instruction_id: PathId, file_id: PathId,
                      ctx: AuthCtx) -> StreamingResponse:
    """A file of an instruction the school received, for the school's administrators."""
    scope = await org_for(ctx.db, ctx.require_actor(), org_id, Action.instruction_ack)
    f = await q.school_file(ctx.db, scope, instruction_id, file_id)
    if f is None:
        raise NotFound()
    return await _served(f, ctx)
