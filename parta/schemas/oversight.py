"""The administration's oversight of lessons and meetings (R40): answers only — who, which
class, how long, how many attended; never the media, never who said what."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from parta.models import CallKind, LessonKind
from parta.schemas.common import Person, Ref

__all__ = ["OverseenCall", "OverseenLesson", "OversightOut"]


class OverseenLesson(BaseModel):
    """The scheduled lesson or meeting the call was held for."""

    id: int
    title: str
    kind: LessonKind
    starts_at: dt.datetime
    ends_at: dt.datetime


class OverseenCall(BaseModel):
    """A lesson or meeting held as a call in a group chat: running (``ended_at`` null) or over."""

    id: int
    chat: Ref
    group: Ref | None  # the class the chat belongs to, when it belongs to one
    kind: CallKind
    lesson: OverseenLesson | None
    started_by: Person | None
    started_at: dt.datetime
    ended_at: dt.datetime | None
    seconds: int  # how long it ran (so far, while running)
    attended: int  # different people who were in it
    present: int  # in it now (0 once over)


class OversightOut(BaseModel):
    """This week (Monday to Monday in ``time_zone``): what runs now and what was held."""

    time_zone: str
    week_start: dt.datetime
    week_end: dt.datetime
    running: list[OverseenCall]
    held: list[OverseenCall]  # newest first, at most ``limit``
    held_total: int
    limit: int
