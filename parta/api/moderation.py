"""Moderation: rules, reports and the queue, violations, blocks, removals and appeals, held
messages, the conduct filter's settings (R24, R27–R33)."""

from __future__ import annotations

from fastapi import APIRouter

from parta.actions import blocks, screening
from parta.actions import moderation as mod
from parta.api.deps import AuthCtx, PathId
from parta.api.responses import errors
from parta.db import utcnow
from parta.policy import Action
from parta.queries import moderation as q
from parta.queries.scope import (
    blocks_scope,
    chat_for,
    org_for,
    oversee,
    queue_scope,
    record_scope,
)
from parta.rules import DEFAULT_RULES, effective_rules
from parta.schemas.messages import MessageOut
from parta.schemas.moderation import (
    ApologyIn,
    AppealIn,
    Appeals,
    BlockIn,
    BlockOut,
    Blocks,
    ConductModesIn,
    ConductModesOut,
    DecisionIn,
    HeldDecisionIn,
    HeldList,
    HeldOut,
    MemberRecord,
    ModerationQueue,
    MyRemovals,
    MyViolations,
    ObjectionIn,
    OrgRulesIn,
    OrgRulesOut,
    RemindIn,
    RemovalOut,
    RemoveIn,
    ReportIn,
    ReportOut,
    Resolved,
    ResolveIn,
    ViolationIn,
    ViolationOut,
)

router = APIRouter(tags=["moderation"])


# Rules and the filter's settings -------------------------------------------------------------

@router.get("/orgs/{org_id}/chat-rules", response_model=OrgRulesOut,
            responses=errors(401, 403, 404))
async def org_rules(org_id: PathId, ctx: AuthCtx) -> OrgRulesOut:
    org = (await org_for(ctx.db, ctx.require_actor(), org_id, Action.org_view)).org
    return OrgRulesOut(rules=org.chat_rules, default=DEFAULT_RULES, version=org.chat_rules_version,
                       items=[r.text for r in effective_rules(org.chat_rules, "")])


@router.put("/orgs/{org_id}/chat-rules", response_model=OrgRulesOut,
            responses=errors(401, 403, 404, 413, 422))
async def set_org_rules(org_id: PathId, body: OrgRulesIn, ctx: AuthCtx) -> OrgRulesOut:
    await mod.set_org_rules(ctx, org_id, body.rules)
    return await org_rules(org_id, ctx)


@router.get("/orgs/{org_id}/conduct", response_model=ConductModesOut,
            responses=errors(401, 403, 404))
async def conduct_modes(org_id: PathId, ctx: AuthCtx) -> ConductModesOut:
    await org_for(ctx.db, ctx.require_actor(), org_id, Action.moderation_settings)
    return ConductModesOut(modes=await screening.conduct_modes(ctx, org_id))


@router.put("/orgs/{org_id}/conduct", response_model=ConductModesOut,
            responses=errors(401, 403, 404, 413, 422))
async def set_conduct_modes(org_id: PathId, body: ConductModesIn, ctx: AuthCtx) -> ConductModesOut:
    return ConductModesOut(modes=await mod.set_conduct_modes(ctx, org_id, body.modes))


@router.post("/chats/{chat_id}/rules-reminder", status_code=201, response_model=MessageOut,
             responses=errors(401, 403, 404, 409, 413, 422))
async def remind(chat_id: PathId, body: RemindIn, ctx: AuthCtx) -> MessageOut:
    return MessageOut.from_row(await mod.remind_rules(ctx, chat_id, body.reply_to_id))


# Reports and the queue (R27) -------------------------------------------------------------------

@router.post("/chats/{chat_id}/messages/{message_id}/reports", status_code=201,
             response_model=ReportOut, responses=errors(401, 403, 404, 409, 413, 422))
async def report(chat_id: PathId, message_id: PathId, body: ReportIn,
                 ctx: AuthCtx) -> ReportOut:
    r = await mod.report_message(ctx, chat_id, message_id, body.reason, body.comment)
    return ReportOut(id=r.id, status=r.status)


@router.get("/orgs/{org_id}/moderation", response_model=ModerationQueue,
            responses=errors(401, 403, 404))
async def moderation_queue(org_id: PathId, ctx: AuthCtx) -> ModerationQueue:
    scope = await queue_scope(ctx.db, ctx.require_actor(), org_id)
    return await q.queue(ctx.db, scope)


@router.post("/reports/{report_id}/resolve", response_model=Resolved,
             responses=errors(401, 403, 404, 409, 413, 422))
async def resolve(report_id: PathId, body: ResolveIn, ctx: AuthCtx) -> Resolved:
    done = await mod.resolve_report(ctx, report_id, body.resolution, rule_number=body.rule_number,
                                    explanation=body.explanation, delete=body.delete)
    return Resolved(resolved=[r.id for r in done], status=done[0].status if done else None)


# Violations, blocks (R29–R31) -------------------------------------------------------------------

@router.post("/chats/{chat_id}/members/{user_id}/violations", status_code=201,
             response_model=ViolationOut, responses=errors(401, 403, 404, 409, 413, 422))
async def record_violation(chat_id: PathId, user_id: PathId, body: ViolationIn,
                           ctx: AuthCtx) -> ViolationOut:
    v = await mod.record_violation(ctx, chat_id, user_id, body.rule_number, body.message_id,
                                   body.explanation)
    return ViolationOut.from_row(v)


@router.get("/chats/{chat_id}/members/{user_id}/record", response_model=MemberRecord,
            responses=errors(401, 403, 404))
async def member_record(chat_id: PathId, user_id: PathId, ctx: AuthCtx) -> MemberRecord:
    scope = await record_scope(ctx.db, ctx.require_actor(), chat_id, user_id)
    return await q.member_record(ctx.db, scope, user_id)


@router.get("/me/violations", response_model=MyViolations, responses=errors(401))
async def my_violations(ctx: AuthCtx) -> MyViolations:
    return MyViolations.model_construct(
        violations=await q.violations(ctx.db, ctx.require_actor().user_id))


@router.post("/chats/{chat_id}/members/{user_id}/block", status_code=201, response_model=BlockOut,
             responses=errors(401, 403, 404, 409, 413, 422))
async def block(chat_id: PathId, user_id: PathId, body: BlockIn, ctx: AuthCtx) -> BlockOut:
    b = await blocks.block_member(ctx, chat_id, user_id, body.until, body.rule_number, body.reason)
    return BlockOut.from_row(b)


@router.get("/chats/{chat_id}/blocks", response_model=Blocks, responses=errors(401, 403, 404))
async def chat_blocks(chat_id: PathId, ctx: AuthCtx) -> Blocks:
    scope = await blocks_scope(ctx.db, ctx.require_actor(), chat_id)
    return Blocks.model_construct(blocks=await q.blocks(ctx.db, scope, utcnow()))


@router.post("/blocks/{block_id}/apology", response_model=BlockOut,
             responses=errors(401, 403, 404, 409, 413, 422))
async def apology(block_id: PathId, body: ApologyIn, ctx: AuthCtx) -> BlockOut:
    return BlockOut.from_row(await blocks.apologize(ctx, block_id, body.text))


@router.post("/blocks/{block_id}/propose-unblock", response_model=BlockOut,
             responses=errors(401, 403, 404, 409))
async def propose_unblock(block_id: PathId, ctx: AuthCtx) -> BlockOut:
    return BlockOut.from_row(await blocks.propose_unblock(ctx, block_id))


@router.post("/blocks/{block_id}/objections", response_model=BlockOut,
             responses=errors(401, 403, 404, 409, 413, 422))
async def object_to_unblock(block_id: PathId, body: ObjectionIn, ctx: AuthCtx) -> BlockOut:
    return BlockOut.from_row(await blocks.object_to_unblock(ctx, block_id, body.reason))


# Removal and appeals (R31) ----------------------------------------------------------------------

@router.post("/chats/{chat_id}/members/{user_id}/remove", status_code=201,
             response_model=RemovalOut, responses=errors(401, 403, 404, 409, 413, 422))
async def remove(chat_id: PathId, user_id: PathId, body: RemoveIn, ctx: AuthCtx) -> RemovalOut:
    r = await mod.remove_member(ctx, chat_id, user_id, body.rule_number, body.reason)
    return RemovalOut.from_row(r)


@router.get("/me/removals", response_model=MyRemovals, responses=errors(401))
async def my_removals(ctx: AuthCtx) -> MyRemovals:
    return MyRemovals.model_construct(
        removals=await q.removals_of(ctx.db, ctx.require_actor().user_id))


@router.post("/removals/{removal_id}/appeal", response_model=RemovalOut,
             responses=errors(401, 403, 404, 409, 413, 422))
async def appeal(removal_id: PathId, body: AppealIn, ctx: AuthCtx) -> RemovalOut:
    return RemovalOut.from_row(await mod.appeal_removal(ctx, removal_id, body.text))


@router.get("/orgs/{org_id}/appeals", response_model=Appeals, responses=errors(401, 403, 404))
async def appeals(org_id: PathId, ctx: AuthCtx) -> Appeals:
    scope = await oversee(ctx.db, ctx.require_actor(), org_id)
    return Appeals.model_construct(appeals=await q.appeals(ctx.db, scope))


@router.post("/removals/{removal_id}/decision", response_model=RemovalOut,
             responses=errors(401, 403, 404, 409, 413, 422))
async def decide_appeal(removal_id: PathId, body: DecisionIn, ctx: AuthCtx) -> RemovalOut:
    return RemovalOut.from_row(await mod.decide_appeal(ctx, removal_id, body.reverse, body.note))


# Held messages (R33) ------------------------------------------------------------------------------

@router.post("/held/{held_id}/decision", response_model=HeldOut,
             responses=errors(401, 403, 404, 409, 413, 422))
async def decide_held(held_id: PathId, body: HeldDecisionIn, ctx: AuthCtx) -> HeldOut:
    return HeldOut.from_row(await mod.decide_held(ctx, held_id, body.approve))


@router.get("/chats/{chat_id}/held", response_model=HeldList, responses=errors(401, 404))
async def my_held(chat_id: PathId, ctx: AuthCtx) -> HeldList:
    """The caller's own messages waiting for a moderator in this chat."""
    scope = await chat_for(ctx.db, ctx.require_actor(), chat_id)
    return HeldList.model_construct(held=await q.my_held(ctx.db, scope))
