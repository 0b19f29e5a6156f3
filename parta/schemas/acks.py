"""Announcements every family acknowledges, and messages sent later (issue 15): requests and
answers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, StringConstraints

from parta.schemas.common import Ref, Strict
from parta.schemas.polls import PollIn

__all__ = ["AckIn", "AckOut", "AcksOut", "FamilyOut", "MyFamilyOut", "ScheduledChange",
           "ScheduledIn", "ScheduledListOut", "ScheduledOut"]

# A message's text as the send path takes it (it cleans and checks it again when it sends).
Body = Annotated[str, StringConstraints(max_length=10_000)]


class AckIn(Strict):
    """«Требует подтверждения»: by ``deadline`` (with its time zone; none: no reminders);
    ``urgent``: the administration's urgent notice — its reminders come in quiet hours too,
    and by SMS where the school has SMS."""

    deadline: dt.datetime | None = None
    urgent: bool = False


class FamilyOut(BaseModel):
    """One child's family: the child, their guardians, and whether (and who) confirmed."""

    child: Ref
    guardians: list[Ref]
    confirmed: bool
    confirmed_by: Ref | None = None
    confirmed_at: dt.datetime | None = None


class MyFamilyOut(BaseModel):
    """The caller's own child this announcement is addressed to."""

    child: Ref
    confirmed: bool


class AckOut(BaseModel):
    """An announcement that needs an acknowledgement. ``confirmed`` of ``total`` families;
    ``families`` (with who has not) only to those who may see it (``sees_status``): its author,
    the chat's moderators, the class teacher, the administration."""

    id: int
    chat_id: int
    message_id: int
    author: Ref | None
    urgent: bool
    deadline: dt.datetime | None
    confirmed: int
    total: int
    sees_status: bool
    can_confirm: bool
    mine: list[MyFamilyOut]
    families: list[FamilyOut] | None = None
    reminded_at: dt.datetime | None = None
    second_asked_at: dt.datetime | None = None
    teacher_told_at: dt.datetime | None = None
    # Reminder letters and SMS that could not be handed over after every attempt (to those who
    # see the status).
    reminders_failed: int | None = None


class AcksOut(BaseModel):
    """A chat's announcements; ``can_require_ack``: the caller may mark posts here;
    ``time_zone``: the school's, in which the composer asks for times."""

    acks: list[AckOut]
    can_require_ack: bool = False
    time_zone: str = "Europe/Moscow"


class ScheduledIn(Strict):
    """A message to send at ``send_at`` (with its time zone): ``body``, the text — with
    ``ack``, an announcement that needs an acknowledgement; or ``poll``, a poll to post then
    (its ``closes_at``, if any, after ``send_at``). One of ``body`` and ``poll``."""

    body: Body | None = None
    send_at: dt.datetime
    ack: AckIn | None = None
    poll: PollIn | None = None


class ScheduledChange(Strict):
    """What changes; a missing field stays as it is (``body`` of a scheduled poll: its
    question)."""

    body: Body | None = None
    send_at: dt.datetime | None = None


class ScheduledOut(BaseModel):
    """A scheduled message as its author sees it. ``refusal`` is the error code the send met
    at its time, ``refusal_text`` the same in the author's words."""

    id: int
    chat_id: int
    kind: Literal["post", "announcement", "poll"]
    body: str  # a poll's question
    send_at: dt.datetime
    status: Literal["pending", "sent", "held", "failed", "cancelled"]
    ack: AckIn | None = None
    poll: PollIn | None = None
    message_id: int | None = None
    refusal: str | None = None
    refusal_text: str | None = None


class ScheduledListOut(BaseModel):
    """The caller's own scheduled messages in a chat that wait, or that their time refused."""

    pending: int
    items: list[ScheduledOut]
