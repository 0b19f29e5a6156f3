"""Broadcasts (R38): requests and answers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from parta.models import Audience, QuestionStatus
from parta.schemas.calls import IceServer
from parta.schemas.common import BodyId, Name, Person, Ref, Strict

__all__ = ["BroadcastIn", "BroadcastJoined", "BroadcastOut", "BroadcastVideoIn", "BroadcastsOut", "QuestionDecision",
           "QuestionIn", "QuestionOut", "QuestionsOut", "ViewerAccess"]

QuestionText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                max_length=500)]
AnswerText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                              max_length=2000)]


class BroadcastIn(Strict):
    """A broadcast planned for ``starts_at``–``ends_at`` (with their time zone) for an audience:
    the whole school, the staff, the students of ``group_ids``, or their parents. Presenters:
    staff of the school (none named: the planner presents)."""

    title: Name
    starts_at: dt.datetime
    ends_at: dt.datetime
    audience: Audience
    group_ids: list[BodyId] = Field(default_factory=list, max_length=60)
    presenter_ids: list[BodyId] = Field(default_factory=list, max_length=20)


class BroadcastOut(BaseModel):
    id: int
    title: str
    audience: Audience
    groups: list[Ref]  # for ``classes`` and ``parents``
    presenters: list[Person]
    starts_at: dt.datetime
    ends_at: dt.datetime
    created_by: Person | None
    cancelled_at: dt.datetime | None
    on_air: bool
    on_air_at: dt.datetime | None
    off_air_at: dt.datetime | None
    viewers: int  # watching now
    presenting: bool  # the caller presents it (and moderates its questions)
    video: Ref | None  # the library's verified video it plays instead of cameras
    streaming: bool  # that video plays now
    stream_error: str | None  # why the video stopped, when it did not reach its end
    can_manage: bool  # the caller may cancel it (the school's administration)


class BroadcastVideoIn(Strict):
    """The broadcast's source: a verified video of the school's library (None: cameras)."""

    material_id: BodyId | None


class BroadcastsOut(BaseModel):
    """The broadcasts the caller may watch or runs, from today on."""

    broadcasts: list[BroadcastOut]
    can_plan: bool


class ViewerAccess(BaseModel):
    """How the browser reaches the broadcast in Janus (through Parta's proxy). A viewer has no
    ``token``: Janus lets only presenters publish."""

    url: str
    room: int | None  # presenters' cameras: the VideoRoom room
    stream: int | None  # a video file from the server: the Streaming mountpoint to watch
    feed_id: int
    display: str
    token: str | None
    publish: bool


class BroadcastJoined(BaseModel):
    broadcast: BroadcastOut
    janus: ViewerAccess
    ice_servers: list[IceServer]
    turn_expires_at: int


class QuestionIn(Strict):
    body: QuestionText


class QuestionDecision(Strict):
    """Approve (every viewer sees it), answer (approved, with the answer), or dismiss."""

    status: Literal["approved", "answered", "dismissed"]
    answer: AnswerText | None = None


class QuestionOut(BaseModel):
    id: int
    body: str
    asked_at: dt.datetime
    status: QuestionStatus
    answer: str | None
    mine: bool
    asker: Person | None  # to the presenters and moderators only


class QuestionsOut(BaseModel):
    """To presenters and moderators every question; to a viewer the approved and their own."""

    questions: list[QuestionOut]
    moderates: bool
