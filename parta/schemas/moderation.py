"""Requests of the moderation API (R24, R27–R33)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from parta.models import ConductMode, ReportReason
from parta.schemas.common import Strict

__all__ = [
    "ApologyIn",
    "AppealIn",
    "BlockIn",
    "ConductModesIn",
    "DecisionIn",
    "HeldDecisionIn",
    "ObjectionIn",
    "OrgRulesIn",
    "RemindIn",
    "RemoveIn",
    "ReportIn",
    "ResolveIn",
    "ViolationIn",
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
