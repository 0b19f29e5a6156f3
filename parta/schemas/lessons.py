"""Scheduled lessons and meetings (R37) and who attended a call: requests and answers."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from parta.models import CallKind, LessonKind
from parta.schemas.common import Name, Person, Ref, Strict

__all__ = ["AttendanceOut", "AttendanceRow", "LessonChange", "LessonIn", "LessonOut",
           "LessonsOut", "MyLessonsOut"]


class LessonIn(Strict):
    """A lesson or meeting: «Онлайн-урок 5А, математика», from ``starts_at`` to ``ends_at``
    (with their time zone)."""

    title: Name
    kind: LessonKind = LessonKind.lesson
    starts_at: dt.datetime
    ends_at: dt.datetime


class LessonChange(Strict):
    """What changes; a missing field stays as it is."""

    title: Name | None = None
    kind: LessonKind | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None


class LessonOut(BaseModel):
    id: int
    chat: Ref  # the chat it is held in (its call is the chat's call)
    title: str
    kind: LessonKind
    starts_at: dt.datetime
    ends_at: dt.datetime
    created_by: Person | None
    cancelled_at: dt.datetime | None = None
    # The chat's call while it is live (join it), else None (the button starts it).
    live_call_id: int | None = None
    can_change: bool = False  # the caller may change or cancel it


class LessonsOut(BaseModel):
    """A chat's lessons from today on, and whether the caller may schedule one there."""

    lessons: list[LessonOut]
    can_schedule: bool


class MyLessonsOut(BaseModel):
    """One day's lessons and meetings in every chat the person is in, in order of start."""

    date: dt.date
    time_zone: str
    lessons: list[LessonOut]


class AttendanceRow(BaseModel):
    person: Person
    roles: list[str]  # in the school: student, teacher, parent, administration…
    class_name: str | None  # a student's class
    first_joined_at: dt.datetime
    last_left_at: dt.datetime | None  # None: still in the call
    minutes: int  # in the call altogether (a rejoin is not counted twice)
    stays: int  # how many times they joined


class AttendanceOut(BaseModel):
    call_id: int
    chat: Ref
    kind: CallKind
    started_at: dt.datetime
    ended_at: dt.datetime | None
    minutes: int  # how long the call lasted (so far)
    people: list[AttendanceRow]
