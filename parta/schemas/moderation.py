"""The moderation API (R24, R27–R33): its requests, and its answers built from rows."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, Field, StringConstraints

from parta.models import (
    ChatBlock,
    ChatRemoval,
    ConductMode,
    HeldMessage,
    HeldStatus,
    ReportReason,
    ReportStatus,
    UnblockStatus,
    Violation,
)
from parta.schemas.common import Instant, Rule, Strict, instant
from parta.schemas.messages import MessageOut

__all__ = [
    "ApologyIn",
    "AppealIn",
    "AppealOut",
    "Appeals",
    "BlockIn",
    "BlockOut",
    "Blocks",
    "ConductModesIn",
    "ConductModesOut",
    "DecisionIn",
    "HeldDecisionIn",
    "HeldList",
    "HeldOut",
    "MemberRecord",
    "ModerationQueue",
    "MyRemoval",
    "MyRemovals",
    "MyViolation",
    "MyViolations",
    "ObjectionIn",
    "OrgRulesIn",
    "OrgRulesOut",
    "QueuedHeld",
    "QueuedMessage",
    "QueuedReport",
    "RecordBlock",
    "RemindIn",
    "RemovalOut",
    "RemoveIn",
    "ReportIn",
    "ReportOut",
    "ResolveIn",
    "Resolved",
    "ViolationIn",
    "ViolationOut",
]

Text = Annotated[str, StringConstraints(max_length=4000)]
RuleNumber = Annotated[int, Field(ge=1, le=1000)]
MessageRef = Annotated[int, Field(ge=1, le=2**62)]


class OrgRulesIn(Strict):
    rules: Annotated[str, StringConstraints(max_length=20_000)] | None  # None: Parta's default


class ConductModesIn(Strict):
    modes: dict[Annotated[str, StringConstraints(max_length=40)], ConductMode] = Field(max_length=40)


class RemindIn(Strict):
    reply_to_id: MessageRef | None = None


class ReportIn(Strict):
    reason: ReportReason
    comment: Text = ""


class ResolveIn(Strict):
    resolution: Literal["dismiss", "delete", "violation"]
    rule_number: RuleNumber | None = None
    explanation: Text = ""
    delete: bool = False


class ViolationIn(Strict):
    rule_number: RuleNumber
    message_id: MessageRef | None = None
    explanation: Text = ""


class BlockIn(Strict):
    until: datetime
    rule_number: RuleNumber
    reason: Text = ""


class ApologyIn(Strict):
    text: Text


class ObjectionIn(Strict):
    reason: Text = ""


class RemoveIn(Strict):
    rule_number: RuleNumber
    reason: Text


class AppealIn(Strict):
    text: Text


class DecisionIn(Strict):
    reverse: bool
    note: Text = ""


class HeldDecisionIn(Strict):
    approve: bool


# Answers --------------------------------------------------------------------------------------

class OrgRulesOut(BaseModel):
    rules: str | None  # None: Parta's default
    default: str
    version: int
    items: list[str]


class ConductModesOut(BaseModel):
    modes: dict[str, ConductMode]  # by chat kind


class ReportOut(BaseModel):
    id: int
    status: ReportStatus


class Resolved(BaseModel):
    resolved: list[int]
    status: ReportStatus | None


class ViolationOut(BaseModel):
    id: int
    chat_id: int
    user_id: int
    rule_number: int
    rule_text: str
    message_id: int | None
    message_excerpt: str
    explanation: str
    created_at: Instant

    @classmethod
    def from_row(cls, v: Violation, **extra: Any) -> Self:
        return cls.model_construct(
            id=v.id, chat_id=v.chat_id, user_id=v.user_id, rule_number=v.rule_number,
            rule_text=v.rule_text, message_id=v.message_id, message_excerpt=v.message_excerpt,
            explanation=v.explanation, created_at=v.created_at.isoformat(), **extra)


class MyViolation(ViolationOut):
    chat_title: str


class MyViolations(BaseModel):
    violations: list[MyViolation]


class BlockOut(BaseModel):
    """A member's block in a chat (R29–R30)."""

    id: int
    chat_id: int
    user_id: int
    rule_number: int
    rule_text: str
    reason: str
    starts_at: Instant
    ends_at: Instant
    violations: int  # how many violations led to it
    apology: str
    apologized_at: Instant | None
    unblock_status: UnblockStatus
    objection_deadline: Instant | None

    @classmethod
    def from_row(cls, b: ChatBlock, **extra: Any) -> Self:
        return cls.model_construct(
            id=b.id, chat_id=b.chat_id, user_id=b.user_id, rule_number=b.rule_number,
            rule_text=b.rule_text, reason=b.reason, starts_at=b.starts_at.isoformat(),
            ends_at=b.ends_at.isoformat(), violations=len(b.violation_ids), apology=b.apology,
            apologized_at=instant(b.apologized_at), unblock_status=b.unblock_status,
            objection_deadline=instant(b.objection_deadline), **extra)


class RecordBlock(BlockOut):
    ended_at: Instant | None  # ended early


class Blocks(BaseModel):
    blocks: list[BlockOut]


class MemberRecord(BaseModel):
    """One member's standing in one chat."""

    user_id: int
    chat_id: int
    violations: list[MyViolation]
    counted_toward_block: int
    block_allowed: bool
    blocks: list[RecordBlock]


class RemovalOut(BaseModel):
    id: int
    org_id: int
    chat_id: int
    user_id: int
    kind: str  # rules | movement
    rule_number: int | None
    rule_text: str
    reason: str
    created_at: Instant
    appeal: str
    appeal_status: str  # none | pending | upheld | reversed
    decision_note: str
    appealed_at: Instant | None

    @classmethod
    def from_row(cls, r: ChatRemoval, **extra: Any) -> Self:
        return cls.model_construct(
            id=r.id, org_id=r.org_id, chat_id=r.chat_id, user_id=r.user_id, kind=r.kind,
            rule_number=r.rule_number, rule_text=r.rule_text, reason=r.reason,
            created_at=r.created_at.isoformat(), appeal=r.appeal, appeal_status=r.appeal_status,
            decision_note=r.decision_note, appealed_at=instant(r.appealed_at), **extra)


class MyRemoval(RemovalOut):
    chat_title: str


class MyRemovals(BaseModel):
    removals: list[MyRemoval]


class AppealOut(RemovalOut):
    chat_title: str
    user_name: str
    removed_by_name: str


class Appeals(BaseModel):
    appeals: list[AppealOut]


class HeldOut(BaseModel):
    """A message the conduct filter held for a moderator (R33)."""

    id: int
    chat_id: int
    author_id: int
    client_id: str | None
    body: str
    reply_to_id: int | None
    attachment_ids: list[int]
    matches: list[dict[str, Any]]  # {start, end, category} of what the filter found
    status: HeldStatus
    message_id: int | None  # the message it became, once approved
    created_at: Instant

    @classmethod
    def from_row(cls, h: HeldMessage, **extra: Any) -> Self:
        return cls.model_construct(
            id=h.id, chat_id=h.chat_id, author_id=h.author_id, client_id=h.client_id,
            body=h.body, reply_to_id=h.reply_to_id, attachment_ids=h.attachment_ids,
            matches=h.matches, status=h.status, message_id=h.message_id,
            created_at=h.created_at.isoformat(), **extra)


class HeldList(BaseModel):
    held: list[HeldOut]


class QueuedHeld(HeldOut):
    chat_title: str
    author_name: str


class QueuedMessage(MessageOut):
    author_name: str


class QueuedReport(BaseModel):
    """Open reports of one message, with the messages around it."""

    report_ids: list[int]
    chat_id: int
    message: QueuedMessage
    reasons: dict[str, int]  # by reason: how many reported it so
    comments: list[str]
    first_reported_at: Instant
    context: list[QueuedMessage]
    chat_title: str


class ModerationQueue(BaseModel):
    reports: list[QueuedReport]
    held: list[QueuedHeld]
    names: dict[str, str]  # authors' names by id
    rules: dict[str, list[Rule]]  # each chat's rules by chat id
