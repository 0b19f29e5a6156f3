"""Urgent posts in ordinary chats, and teachers' office hours (issue 14)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from parta.schemas.common import Instant, Person, Strict
from parta.schemas.push import ClockTime

__all__ = ["OFFICE_SLOTS", "OfficeHoursIn", "OfficeHoursOut", "OfficeSlot", "TeacherProfileOut",
           "UrgentOut"]

OFFICE_SLOTS = 14  # weekly slots one teacher keeps in one school


class UrgentOut(BaseModel):
    """A post marked urgent: ``sms`` — how many parents it went to by SMS."""

    message_id: int
    chat_id: int
    marked_at: Instant
    sms: int


class OfficeSlot(Strict):
    """One weekly slot, in the school's time zone: ``weekday`` 0 Monday … 6 Sunday; ``note``
    e.g. «каб. 12» or «по записи»."""

    weekday: Annotated[int, Field(ge=0, le=6)]
    start: ClockTime
    end: ClockTime
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=80)] = ""


class OfficeHoursIn(Strict):
    """All of one's office hours in the school (what is not sent is gone). At most
    ``OFFICE_SLOTS``; slots of one day may not overlap; each ends after it starts."""

    slots: Annotated[list[OfficeSlot], Field(max_length=100)]


class OfficeHoursOut(BaseModel):
    """One's office hours in one school, Monday first, each day by start."""

    org_id: int
    user_id: int
    time_zone: str
    slots: list[OfficeSlot]


class TeacherProfileOut(BaseModel):
    """A staff member's profile card as the school's people see it: name, position, and when
    they answer."""

    person: Person
    position: str
    org_id: int
    time_zone: str
    office_hours: list[OfficeSlot]
