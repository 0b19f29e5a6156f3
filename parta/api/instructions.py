"""The municipality's instructions to its schools (R2): sending and following them up (the
municipal administrator), receiving and taking them up (the school's administrators)."""

from __future__ import annotations

from fastapi import APIRouter

from parta.actions import instructions as instruction_actions
from parta.api.deps import AuthCtx, PathId
from parta.api.responses import errors
from parta.errors import NotFound
from parta.policy import Action
from parta.queries import instructions as q
from parta.queries.scope import municipality_for, org_for
from parta.schemas.instructions import (
    IncomingInstruction,
    IncomingInstructionsOut,
    InstructionIn,
    InstructionOut,
    InstructionsOut,
)

router = APIRouter(tags=["instructions"])

# 404 not_found (another municipality, another school's instruction); 409 instruction_closed
# (the deadline passed), all_acknowledged, reminded_recently; 422 deadline in_the_past or
# too_far, org_ids invalid (a school of another municipality), no_recipients,
# too_many_recipients.


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
