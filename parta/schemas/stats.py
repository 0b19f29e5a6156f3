"""The statistics' answers (R34, R39, R2): counts and shares only — never what anyone wrote,
never a pupil's or a parent's name."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from parta.schemas.common import Ref

__all__ = ["Activation", "ClassFigures", "MunicipalStatsOut", "SchoolFigures", "StatsOut",
           "Targets", "WeekFigures"]

RoleName = Literal["staff", "student", "parent"]


class Targets(BaseModel):
    """The regulation's targets: staff 100 % signed in, students and parents 90 %; an active
    teacher posts at least 3 messages a week (R34)."""

    staff: int = 100
    student: int = 90
    parent: int = 90
    teacher_posts: int = 3


class Activation(BaseModel):
    """Of the people of a role on the roster now, how many have signed in at least once."""

    role: RoleName
    on_roster: int
    activated: int
    percent: float | None = Field(description="None when nobody of the role is on the roster")
    target: int
    meets: bool


class WeekFigures(BaseModel):
    week: date = Field(description="The week's Monday")
    messages_staff: int
    messages_students: int
    messages_parents: int
    active_teachers: int = Field(description="Teachers who posted at least 3 messages (R34)")
    calls: int
    call_minutes: int
    lesson_minutes: int
    questions_answered: int
    median_reply_minutes: int | None = Field(
        description="Working minutes a parent's question waited for its answer (median)")
    activated_staff: int = Field(description="Of today's staff, signed in by the week's end")
    activated_students: int
    activated_parents: int


class ClassFigures(BaseModel):
    group: Ref | None = Field(description="None: chats of no class (staff, channels, one-to-one)")
    activation: list[Activation]
    messages_staff: int
    messages_students: int
    messages_parents: int
    calls: int
    call_minutes: int
    lesson_minutes: int
    questions_answered: int
    median_reply_minutes: int | None
    unanswered_over_day: int = Field(
        description="Parents' questions waiting longer than a working day now")


class StatsOut(BaseModel):
    org: Ref
    weeks_from: date
    weeks_to: date
    targets: Targets
    activation: list[Activation]
    teachers: int
    active_teachers: int = Field(description="In the range's last week (R34)")
    pending_invites: int = Field(description="Invite links still open")
    pending_offers: int = Field(description="Enrolment offers not yet accepted")
    unanswered_over_day: int
    acknowledgement_coverage: float | None = Field(
        None, description="Of the families asked by the announcements made in these weeks that "
                          "need an acknowledgement (issue 15), the percent that confirmed; None "
                          "when there was none")
    weeks: list[WeekFigures]
    classes: list[ClassFigures]


class SchoolFigures(BaseModel):
    org: Ref
    rank: int = Field(description="1: the school furthest along toward the targets")
    targets_met: int = Field(description="Of staff, students', parents' activation and R34")
    activation: list[Activation]
    teachers: int
    active_teachers: int
    messages: int
    calls: int
    call_minutes: int
    lesson_minutes: int
    questions_answered: int
    median_reply_minutes: int | None
    unanswered_over_day: int
    pending_invites: int


class MunicipalStatsOut(BaseModel):
    municipality: Ref
    weeks_from: date
    weeks_to: date
    targets: Targets
    activation: list[Activation]
    teachers: int
    active_teachers: int
    unanswered_over_day: int
    acknowledgement_coverage: float | None = None
    weeks: list[WeekFigures]
    schools: list[SchoolFigures]
