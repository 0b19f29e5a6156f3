"""Moderation (R24, R27–R33): rules and their reminder, reports, violations, blocks and their
early end, removals and appeals, held messages, conduct-filter settings.

The regulation's limits are enforced here, not left to the client: a block needs more than
three violations since the previous block and lasts at most a month (R29); an early unblock
needs an apology and no objection from the chat (R30); a removal or a block always names a
rule of the chat (R31); only a chat's moderators — staff by construction — moderate it (R27).
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from parta.actions import screening, stats
from parta.actions.base import Ctx
from parta.actions.chats import active_member_ids, add_chat_member, chat_member
from parta.actions.messages import moderator_ids, publish_message, remove_message
from parta.actions.network import may_moderate_member
from parta.actions.roles import membership_of, org_admin_ids, roles_of
from parta.db import utcnow
from parta.errors import Conflict, Forbidden, NotFound, ValidationFailed
from parta.i18n import t
from parta.models import (
    Attachment,
    Chat,
    ChatInvitation,
    ChatKind,
    ChatMember,
    ChatRemoval,
    ChatRole,
    ConductMode,
    ConductSetting,
    HeldMessage,
    HeldStatus,
    Message,
    Organization,
    Report,
    ReportReason,
    ReportStatus,
    Violation,
)
from parta.models.chat import GROUP_CHAT_KINDS
from parta.policy import Action, ChatAction, can_chat
from parta.queries.scope import chat_overseen, org_for, oversees
from parta.realtime.events import (
    AppealChanged,
    ChatMemberChanged,
    HeldDecided,
    ModerationChanged,
    ViolationRecorded,
)
from parta.rules import MAX_RULES_LENGTH, RuleItem, effective_rules
from parta.schemas.moderation import ViolationOut

__all__ = [
    "appeal_removal",
    "chat_rules",
    "decide_appeal",
    "decide_held",
    "record_violation",
    "remind_rules",
    "remove_for_movement",
    "remove_member",
    "report_message",
    "resolve_report",
    "set_conduct_modes",
    "set_org_rules",
]

log = logging.getLogger(__name__)
MAX_TEXT = 2000


def _text(value: str, field: str, *, required: bool) -> str:
    text = value.strip()
    if required and not text:
        raise ValidationFailed(fields={field: "required"})
    if len(text) > MAX_TEXT:
        raise ValidationFailed(fields={field: "too_long"})
    return text


async def _org(ctx: Ctx, org_id: int) -> Organization:
    org = await ctx.db.get(Organization, org_id)
    if org is None:
        raise NotFound()
    return org


async def chat_rules(ctx: Ctx, chat: Chat) -> list[RuleItem]:
    org = await _org(ctx, chat.org_id)
    return effective_rules(org.chat_rules, chat.rules)


async def _rule(ctx: Ctx, chat: Chat, number: int | None) -> RuleItem:
    """The rule a moderation step rests on (R31): without one, nothing is done."""
    rules = await chat_rules(ctx, chat)
    for item in rules:
        if item.number == number:
            return item
    raise ValidationFailed("rule_required", fields={"rule_number": "invalid"})


async def _chat(ctx: Ctx, chat_id: int) -> tuple[Chat, ChatMember | None]:
    """The chat and the caller's membership, for a moderator or an administrator of its
    organization; to anyone else the chat does not exist (the gate: ``scope.chat_overseen``)."""
    scope = await chat_overseen(ctx.db, ctx.require_actor(), chat_id)
    return scope.chat, scope.member


async def _is_admin(ctx: Ctx, chat: Chat) -> bool:
    """The organization's administrators oversee every chat's reports and held messages (R27)."""
    return await oversees(ctx.db, ctx.require_actor(), chat)


def _is_moderator(me: ChatMember | None) -> bool:
    return can_chat(me.role.value if me else None, ChatAction.moderate)


def _require_moderator(me: ChatMember | None) -> ChatMember:
    """The chat's powers are its moderators' (R27); a student is never one (see set_chat_role)."""
    if me is None or not _is_moderator(me):
        raise Forbidden("not_moderator")
    return me


async def _target(ctx: Ctx, chat: Chat, user_id: int) -> ChatMember:
    """A member a moderator acts on: in the chat, not the caller, not its owner."""
    actor = ctx.require_actor()
    if user_id == actor.user_id:
        raise ValidationFailed("not_yourself", fields={"user_id": "invalid"})
    target = await chat_member(ctx, chat.id, user_id)
    if target is None:
        raise NotFound()
    if target.role != ChatRole.member:
        raise Conflict("target_is_moderator")
    me = await chat_member(ctx, chat.id, actor.user_id)
    if me is not None and not await may_moderate_member(ctx, chat, me, user_id):
        # A joint chat (R41): each school's moderators act on their own school's members.
        raise Forbidden("not_your_school")
    return target


# Rules --------------------------------------------------------------------------------------

async def set_org_rules(ctx: Ctx, org_id: int, text: str | None) -> Organization:
    """The organization's rules for every chat (R24); None goes back to Parta's default text.
    Members see the new version; new joiners accept it."""
    actor = ctx.require_actor()
    allowed = await org_for(ctx.db, actor, org_id, Action.moderation_settings)
    org = allowed.org
    if text is not None:
        text = text.strip()
        if len(text) > MAX_RULES_LENGTH:
            raise ValidationFailed(fields={"rules": "too_long"})
        if not effective_rules(text, ""):
            raise ValidationFailed(fields={"rules": "required"})
    if org.chat_rules != text:
        org.chat_rules = text
        org.chat_rules_version += 1
        ctx.audit("org.chat_rules_set", org.id, "organization", org.id,
                  version=org.chat_rules_version)
    return org


async def remind_rules(ctx: Ctx, chat_id: int, reply_to_id: int | None = None) -> Message:
    """One action posts the chat's rules as a moderator's reminder (R28)."""
    chat, me = await _chat(ctx, chat_id)
    me = _require_moderator(me)
    if chat.kind not in GROUP_CHAT_KINDS:
        raise ValidationFailed(fields={"chat_id": "not_a_group_chat"})
    if chat.archived_at is not None:
        raise Conflict("chat_archived")
    if reply_to_id is not None:
        target = await ctx.db.get(Message, reply_to_id)
        if target is None or target.chat_id != chat.id:
            raise NotFound()
    rules = await chat_rules(ctx, chat)
    body = t(ctx.lang, "rules.reminder") + "\n" + "\n".join(f"{r.number}. {r.text}" for r in rules)
    msg = Message(chat_id=chat.id, author_id=me.user_id, body=body, kind="rules_reminder",
                  reply_to_id=reply_to_id, created_at=utcnow())
    ctx.db.add(msg)
    await ctx.db.flush()
    await publish_message(ctx, chat, me, msg, [])
    ctx.audit("chat.rules_reminded", chat.org_id, "chat", chat.id, message_id=msg.id)
    return msg


# Reports (R27) ------------------------------------------------------------------------------

async def report_message(ctx: Ctx, chat_id: int, message_id: int, reason: ReportReason,
                         comment: str = "") -> Report:
    """Any member reports a message; the person reported never learns who did."""
    actor = ctx.require_actor()
    chat = await ctx.db.get(Chat, chat_id)
    me = await chat_member(ctx, chat_id, actor.user_id) if chat else None
    if chat is None or me is None:
        raise NotFound()
    msg = await ctx.db.get(Message, message_id)
    if msg is None or msg.chat_id != chat.id:
        raise NotFound()
    if msg.author_id == actor.user_id:
        raise ValidationFailed("own_message", fields={"message_id": "own"})
    if msg.deleted_at is not None:
        raise Conflict("message_deleted")
    exists = (await ctx.db.execute(select(Report.id).where(
        Report.message_id == msg.id, Report.reporter_id == actor.user_id))).first()
    if exists is not None:
        raise Conflict("already_reported")
    report = Report(org_id=chat.org_id, chat_id=chat.id, message_id=msg.id,
                    reporter_id=actor.user_id, reason=reason,
                    comment=_text(comment, "comment", required=False))
    ctx.db.add(report)
    await ctx.db.flush()
    ctx.emit(ModerationChanged(org_id=chat.org_id, chat_id=chat.id, what="reports"),
             await moderator_ids(ctx, chat) - {msg.author_id or 0})
    return report


async def resolve_report(ctx: Ctx, report_id: int, resolution: str, *,
                         rule_number: int | None = None, explanation: str = "",
                         delete: bool = False) -> list[Report]:
    """Dismiss, delete the message, or record a violation (and optionally delete). Every open
    report on the same message is resolved together. Not by the person reported."""
    actor = ctx.require_actor()
    report = await ctx.db.get(Report, report_id)
    if report is None:
        raise NotFound()
    chat, me = await _chat(ctx, report.chat_id)
    if not _is_moderator(me) and not await _is_admin(ctx, chat):
        raise Forbidden("not_moderator")
    msg = await ctx.db.get(Message, report.message_id)
    assert msg is not None
    if msg.author_id == actor.user_id:
        raise Forbidden("own_message")
    open_reports = list((await ctx.db.execute(select(Report).where(
        Report.message_id == msg.id, Report.status == ReportStatus.open))).scalars())
    if report.status != ReportStatus.open:
        raise Conflict("already_decided")
    if any(r.reporter_id == actor.user_id for r in open_reports) or \
            report.reporter_id == actor.user_id:
        raise Forbidden("own_report")  # nobody judges a complaint they made: another moderator does
    violation = None
    match resolution:
        case "dismiss":
            status = ReportStatus.dismissed
        case "delete":
            status = ReportStatus.deleted
            await remove_message(ctx, chat, msg)
        case "violation":
            status = ReportStatus.violation
            if msg.author_id is None:
                raise Conflict("author_gone")
            violation = await _record(ctx, chat, msg.author_id, rule_number, msg, explanation)
            if delete:
                await remove_message(ctx, chat, msg)
        case _:
            raise ValidationFailed(fields={"resolution": "invalid"})
    now = utcnow()
    for r in open_reports:
        r.status, r.resolved_by, r.resolved_at = status, actor.user_id, now
        r.violation_id = violation.id if violation else None
    ctx.audit("report.resolved", chat.org_id, "message", msg.id, chat_id=chat.id,
              resolution=status.value, reports=[r.id for r in open_reports])
    ctx.emit(ModerationChanged(org_id=chat.org_id, chat_id=chat.id, what="reports"),
             await moderator_ids(ctx, chat))
    return open_reports


# Violations (R29, R31) ----------------------------------------------------------------------

async def record_violation(ctx: Ctx, chat_id: int, user_id: int, rule_number: int,
                           message_id: int | None = None, explanation: str = "") -> Violation:
    """Tied to a rule of the chat and to a message of that member or an explanation."""
    chat, me = await _chat(ctx, chat_id)
    _require_moderator(me)
    await _target(ctx, chat, user_id)
    msg = None
    if message_id is not None:
        msg = await ctx.db.get(Message, message_id)
        if msg is None or msg.chat_id != chat.id or msg.author_id != user_id:
            raise ValidationFailed(fields={"message_id": "invalid"})
    return await _record(ctx, chat, user_id, rule_number, msg, explanation)


async def _record(ctx: Ctx, chat: Chat, user_id: int, rule_number: int | None,
                  msg: Message | None, explanation: str) -> Violation:
    actor = ctx.require_actor()
    rule = await _rule(ctx, chat, rule_number)
    explanation = _text(explanation, "explanation", required=msg is None)
    v = Violation(org_id=chat.org_id, chat_id=chat.id, user_id=user_id, rule_number=rule.number,
                  rule_text=rule.text, message_id=msg.id if msg else None,
                  message_excerpt=(msg.body[:500] if msg else ""), explanation=explanation,
                  recorded_by=actor.user_id)
    ctx.db.add(v)
    await ctx.db.flush()
    ctx.audit("violation.recorded", chat.org_id, "user", user_id, chat_id=chat.id,
              violation_id=v.id, rule_number=rule.number)
    ctx.emit(ViolationRecorded(org_id=chat.org_id, chat_id=chat.id, user_id=user_id,
                               violation=ViolationOut.from_row(v)),
             {user_id} | await moderator_ids(ctx, chat))
    return v


# Removal (R31, R32) and appeals -------------------------------------------------------------

async def _remove(ctx: Ctx, chat: Chat, target: ChatMember, removal: ChatRemoval) -> None:
    audience = await active_member_ids(ctx, chat.id)
    target.left_at = utcnow()
    for inv in (await ctx.db.execute(select(ChatInvitation).where(
            ChatInvitation.chat_id == chat.id, ChatInvitation.user_id == target.user_id))).scalars():
        await ctx.db.delete(inv)
    ctx.db.add(removal)
    await ctx.db.flush()
    ctx.audit("chat.member_removed", chat.org_id, "user", target.user_id, chat_id=chat.id,
              removal_id=removal.id, kind=removal.kind, rule_number=removal.rule_number,
              reason=removal.reason)
    ctx.emit(ChatMemberChanged(org_id=chat.org_id, chat_id=chat.id, user_id=target.user_id,
                               change="removed"), audience)


async def remove_member(ctx: Ctx, chat_id: int, user_id: int, rule_number: int,
                        reason: str) -> ChatRemoval:
    """Removal for breaking a rule of the chat, with the reason (R31); appealable."""
    chat, me = await _chat(ctx, chat_id)
    me = _require_moderator(me)
    if chat.kind in (ChatKind.direct, ChatKind.school_channel, ChatKind.staff_channel):
        raise ValidationFailed(fields={"chat_id": "not_removable"})
    target = await _target(ctx, chat, user_id)
    rule = await _rule(ctx, chat, rule_number)
    removal = ChatRemoval(org_id=chat.org_id, chat_id=chat.id, user_id=user_id, kind="rules",
                          rule_number=rule.number, rule_text=rule.text,
                          reason=_text(reason, "reason", required=True), removed_by=me.user_id)
    await _remove(ctx, chat, target, removal)
    return removal


async def remove_for_movement(ctx: Ctx, chat: Chat, user_id: int, reason: str) -> ChatRemoval | None:
    """Removal by a movement (R32: departure, transfer); the movement action authorized it."""
    target = await chat_member(ctx, chat.id, user_id)
    if target is None:
        return None
    actor = ctx.require_actor()
    removal = ChatRemoval(org_id=chat.org_id, chat_id=chat.id, user_id=user_id, kind="movement",
                          reason=reason, removed_by=actor.user_id)
    await _remove(ctx, chat, target, removal)
    return removal


async def appeal_removal(ctx: Ctx, removal_id: int, text: str) -> ChatRemoval:
    """The removed person appeals to the organization's administrators, once."""
    actor = ctx.require_actor()
    removal = await ctx.db.get(ChatRemoval, removal_id)
    if removal is None or removal.user_id != actor.user_id:
        raise NotFound()
    if removal.kind != "rules":
        raise Conflict("not_appealable")
    if removal.appeal_status != "none":
        raise Conflict("already_appealed")
    removal.appeal = _text(text, "appeal", required=True)
    removal.appealed_at, removal.appeal_status = utcnow(), "pending"
    ctx.audit("removal.appealed", removal.org_id, "chat_removal", removal.id)
    ctx.emit(AppealChanged(org_id=removal.org_id, removal_id=removal.id, status="pending"),
             await org_admin_ids(ctx, removal.org_id) | {actor.user_id})
    return removal


async def decide_appeal(ctx: Ctx, removal_id: int, reverse: bool, note: str = "") -> ChatRemoval:
    """An administrator upholds the removal or reverses it (the person is back in the chat)."""
    actor = ctx.require_actor()
    removal = await ctx.db.get(ChatRemoval, removal_id)
    if removal is None:
        raise NotFound()
    await org_for(ctx.db, actor, removal.org_id, Action.moderation_oversee)
    if removal.appeal_status != "pending":
        raise Conflict("already_decided")
    removal.appeal_status = "reversed" if reverse else "upheld"
    removal.decided_by, removal.decided_at = actor.user_id, utcnow()
    removal.decision_note = _text(note, "note", required=False)
    if reverse:
        chat = await ctx.db.get(Chat, removal.chat_id)
        assert chat is not None
        if chat.archived_at is None and await chat_member(ctx, chat.id, removal.user_id) is None:
            await add_chat_member(ctx, chat, removal.user_id, ChatRole.member, rules_accepted=True)
            ctx.emit(ChatMemberChanged(org_id=chat.org_id, chat_id=chat.id,
                                       user_id=removal.user_id, change="joined"),
                     await active_member_ids(ctx, chat.id))
    ctx.audit("removal.appeal_decided", removal.org_id, "chat_removal", removal.id,
              status=removal.appeal_status)
    ctx.emit(AppealChanged(org_id=removal.org_id, removal_id=removal.id,
                           status=removal.appeal_status),
             await org_admin_ids(ctx, removal.org_id) | {removal.user_id})
    return removal


# Held messages and the filter's settings (R33) ------------------------------------------------

async def decide_held(ctx: Ctx, held_id: int, approve: bool) -> HeldMessage:
    """A moderator lets a held message through (it is sent now) or rejects it."""
    actor = ctx.require_actor()
    held = await ctx.db.get(HeldMessage, held_id)
    if held is None:
        raise NotFound()
    chat, me = await _chat(ctx, held.chat_id)
    if not _is_moderator(me) and not await _is_admin(ctx, chat):
        raise Forbidden("not_moderator")
    if held.author_id == actor.user_id:
        raise Forbidden("own_message")
    if held.status != HeldStatus.pending:
        raise Conflict("already_decided")
    held.decided_by, held.decided_at = actor.user_id, utcnow()
    if approve:
        author = await chat_member(ctx, chat.id, held.author_id)
        if author is None:
            raise Conflict("author_gone")
        files = list((await ctx.db.execute(select(Attachment).where(
            Attachment.id.in_(held.attachment_ids), Attachment.message_id.is_(None)))).scalars()) \
            if held.attachment_ids else []
        msg = Message(chat_id=chat.id, author_id=held.author_id, client_id=held.client_id,
                      body=held.body, reply_to_id=held.reply_to_id, created_at=utcnow())
        ctx.db.add(msg)
        await ctx.db.flush()
        await publish_message(ctx, chat, author, msg, files)
        held.status, held.message_id = HeldStatus.approved, msg.id
        membership = await membership_of(ctx, chat.org_id, held.author_id)
        roles = await roles_of(ctx, membership.id) if membership is not None else set()
        await stats.count_posted(ctx.db, [stats.Posted(chat, held.author_id,
                                                       stats.role_bucket(roles), msg.created_at)],
                                 {chat.org_id: await stats.org_zone(ctx.db, chat.org_id)})
    else:
        held.status = HeldStatus.rejected
    ctx.audit("held.decided", chat.org_id, "held_message", held.id, chat_id=chat.id,
              status=held.status.value, author_id=held.author_id)
    ctx.emit(HeldDecided(org_id=chat.org_id, chat_id=chat.id, held_id=held.id,
                         status=held.status.value), {held.author_id})
    ctx.emit(ModerationChanged(org_id=chat.org_id, chat_id=chat.id, what="held"),
             await moderator_ids(ctx, chat))
    return held


async def set_conduct_modes(ctx: Ctx, org_id: int, modes: dict[str, ConductMode]
                            ) -> dict[str, ConductMode]:
    """Per organization and kind of chat: off, warn, hold or reject (R33)."""
    actor = ctx.require_actor()
    await org_for(ctx.db, actor, org_id, Action.moderation_settings)
    kinds = {k.value for k in ChatKind}
    unknown = set(modes) - kinds
    if unknown:
        raise ValidationFailed(fields={k: "invalid" for k in sorted(unknown)})
    rows = {r.chat_kind: r for r in (await ctx.db.execute(select(ConductSetting).where(
        ConductSetting.org_id == org_id))).scalars()}
    for kind, mode in modes.items():
        if kind in rows:
            rows[kind].mode = mode
        else:
            ctx.db.add(ConductSetting(org_id=org_id, chat_kind=kind, mode=mode))
    await ctx.db.flush()
    ctx.audit("org.conduct_modes_set", org_id, "organization", org_id,
              modes={k: v.value for k, v in modes.items()})
    screening.modes_changed(ctx, org_id)
    return await screening.conduct_modes(ctx, org_id)
