"""Moderation: rules, reports and the queue, violations, blocks, removals and appeals, held
messages, the conduct filter's settings (R24, R27–R33)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from parta.actions import blocks, guard, screening
from parta.actions import moderation as mod
from parta.actions.messages import message_payload
from parta.api.deps import AuthCtx, PathId
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
from parta.schemas.moderation import (
    ApologyIn,
    AppealIn,
    BlockIn,
    ConductModesIn,
    DecisionIn,
    HeldDecisionIn,
    ObjectionIn,
    OrgRulesIn,
    RemindIn,
    RemoveIn,
    ReportIn,
    ResolveIn,
    ViolationIn,
)

router = APIRouter(tags=["moderation"])


# Rules and the filter's settings -------------------------------------------------------------

@router.get("/orgs/{org_id}/chat-rules")
async def org_rules(org_id: PathId, ctx: AuthCtx) -> dict[str, Any]:
    org = (await org_for(ctx.db, ctx.require_actor(), org_id, Action.org_view)).org
    return {"rules": org.chat_rules, "default": DEFAULT_RULES, "version": org.chat_rules_version,
            "items": [r.text for r in effective_rules(org.chat_rules, "")]}


@router.put("/orgs/{org_id}/chat-rules")
async def set_org_rules(org_id: PathId, body: OrgRulesIn, ctx: AuthCtx) -> dict[str, Any]:
    await mod.set_org_rules(ctx, org_id, body.rules)
    return await org_rules(org_id, ctx)


@router.get("/orgs/{org_id}/conduct")
async def conduct_modes(org_id: PathId, ctx: AuthCtx) -> dict[str, Any]:
    await org_for(ctx.db, ctx.require_actor(), org_id, Action.moderation_settings)
    return {"modes": await screening.conduct_modes(ctx, org_id)}


@router.put("/orgs/{org_id}/conduct")
async def set_conduct_modes(org_id: PathId, body: ConductModesIn, ctx: AuthCtx) -> dict[str, Any]:
    return {"modes": await mod.set_conduct_modes(ctx, org_id, body.modes)}


@router.post("/chats/{chat_id}/rules-reminder", status_code=201)
async def remind(chat_id: PathId, body: RemindIn, ctx: AuthCtx) -> dict[str, Any]:
    return message_payload(await mod.remind_rules(ctx, chat_id, body.reply_to_id))


# Reports and the queue (R27) -------------------------------------------------------------------

@router.post("/chats/{chat_id}/messages/{message_id}/reports", status_code=201)
async def report(chat_id: PathId, message_id: PathId, body: ReportIn,
                 ctx: AuthCtx) -> dict[str, Any]:
    r = await mod.report_message(ctx, chat_id, message_id, body.reason, body.comment)
    return {"id": r.id, "status": r.status.value}


@router.get("/orgs/{org_id}/moderation")
async def moderation_queue(org_id: PathId, ctx: AuthCtx) -> dict[str, Any]:
    scope = await queue_scope(ctx.db, ctx.require_actor(), org_id)
    return await q.queue(ctx.db, scope)


@router.post("/reports/{report_id}/resolve")
async def resolve(report_id: PathId, body: ResolveIn, ctx: AuthCtx) -> dict[str, Any]:
    done = await mod.resolve_report(ctx, report_id, body.resolution, rule_number=body.rule_number,
                                    explanation=body.explanation, delete=body.delete)
    return {"resolved": [r.id for r in done], "status": done[0].status.value if done else None}


# Violations, blocks (R29–R31) -------------------------------------------------------------------

@router.post("/chats/{chat_id}/members/{user_id}/violations", status_code=201)
async def record_violation(chat_id: PathId, user_id: PathId, body: ViolationIn,
                           ctx: AuthCtx) -> dict[str, Any]:
    v = await mod.record_violation(ctx, chat_id, user_id, body.rule_number, body.message_id,
                                   body.explanation)
    return mod.violation_payload(v)


@router.get("/chats/{chat_id}/members/{user_id}/record")
async def member_record(chat_id: PathId, user_id: PathId, ctx: AuthCtx) -> dict[str, Any]:
    scope = await record_scope(ctx.db, ctx.require_actor(), chat_id, user_id)
    return await q.member_record(ctx.db, scope, user_id)


@router.get("/me/violations")
async def my_violations(ctx: AuthCtx) -> dict[str, Any]:
    return {"violations": await q.violations(ctx.db, ctx.require_actor().user_id)}


@router.post("/chats/{chat_id}/members/{user_id}/block", status_code=201)
async def block(chat_id: PathId, user_id: PathId, body: BlockIn, ctx: AuthCtx) -> dict[str, Any]:
    b = await blocks.block_member(ctx, chat_id, user_id, body.until, body.rule_number, body.reason)
    return guard.block_payload(b)


@router.get("/chats/{chat_id}/blocks")
async def chat_blocks(chat_id: PathId, ctx: AuthCtx) -> dict[str, Any]:
    scope = await blocks_scope(ctx.db, ctx.require_actor(), chat_id)
    return {"blocks": await q.blocks(ctx.db, scope, utcnow())}


@router.post("/blocks/{block_id}/apology")
async def apology(block_id: PathId, body: ApologyIn, ctx: AuthCtx) -> dict[str, Any]:
    return guard.block_payload(await blocks.apologize(ctx, block_id, body.text))


@router.post("/blocks/{block_id}/propose-unblock")
async def propose_unblock(block_id: PathId, ctx: AuthCtx) -> dict[str, Any]:
    return guard.block_payload(await blocks.propose_unblock(ctx, block_id))


@router.post("/blocks/{block_id}/objections")
async def object_to_unblock(block_id: PathId, body: ObjectionIn, ctx: AuthCtx) -> dict[str, Any]:
    return guard.block_payload(await blocks.object_to_unblock(ctx, block_id, body.reason))


# Removal and appeals (R31) ----------------------------------------------------------------------

@router.post("/chats/{chat_id}/members/{user_id}/remove", status_code=201)
async def remove(chat_id: PathId, user_id: PathId, body: RemoveIn, ctx: AuthCtx) -> dict[str, Any]:
    r = await mod.remove_member(ctx, chat_id, user_id, body.rule_number, body.reason)
    return q.removal_payload(r)


@router.get("/me/removals")
async def my_removals(ctx: AuthCtx) -> dict[str, Any]:
    return {"removals": await q.removals_of(ctx.db, ctx.require_actor().user_id)}


@router.post("/removals/{removal_id}/appeal")
async def appeal(removal_id: PathId, body: AppealIn, ctx: AuthCtx) -> dict[str, Any]:
    return q.removal_payload(await mod.appeal_removal(ctx, removal_id, body.text))


@router.get("/orgs/{org_id}/appeals")
async def appeals(org_id: PathId, ctx: AuthCtx) -> dict[str, Any]:
    scope = await oversee(ctx.db, ctx.require_actor(), org_id)
    return {"appeals": await q.appeals(ctx.db, scope)}


@router.post("/removals/{removal_id}/decision")
async def decide_appeal(removal_id: PathId, body: DecisionIn, ctx: AuthCtx) -> dict[str, Any]:
    return q.removal_payload(await mod.decide_appeal(ctx, removal_id, body.reverse, body.note))


# Held messages (R33) ------------------------------------------------------------------------------

@router.post("/held/{held_id}/decision")
async def decide_held(held_id: PathId, body: HeldDecisionIn, ctx: AuthCtx) -> dict[str, Any]:
    return q.held_payload(await mod.decide_held(ctx, held_id, body.approve))


@router.get("/chats/{chat_id}/held")
async def my_held(chat_id: PathId, ctx: AuthCtx) -> dict[str, Any]:
    """The caller's own messages waiting for a moderator in this chat."""
    scope = await chat_for(ctx.db, ctx.require_actor(), chat_id)
    return {"held": await q.my_held(ctx.db, scope)}
