"""Polls (R26): the poll as its author asks it, a vote, and the poll as each person sees it."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from parta.models import PollResults
from parta.schemas.common import Person, Strict

__all__ = ["PollExportBy", "PollIn", "PollOptionOut", "PollOut", "PollRemindOut", "PollVoterRow", "PollVotersOut",
           "PollVotesOut", "VoteIn"]

MIN_OPTIONS, MAX_OPTIONS = 2, 12
# A body may carry more than the limit so that «too many options» is a clear refusal of its own
# (the action counts), while a body far past it is refused as malformed.
OptionText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Question = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
Answer = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
PollExportBy = Annotated[str, StringConstraints(pattern="^(counts|name)$")]


class PollIn(Strict):
    """«Когда едем на экскурсию?» with 2..12 options. ``free_text``: a voter may add their own
    words; ``anonymous``: nobody, not even its author, learns who chose what; ``results``: when
    the others see the counts; ``closes_at``: it closes by itself then."""

    question: Question
    options: list[OptionText] = Field(max_length=50)
    multiple: bool = False
    free_text: bool = False
    anonymous: bool = False
    results: PollResults = PollResults.always
    closes_at: dt.datetime | None = None
    client_id: Annotated[str, StringConstraints(max_length=64)] | None = None


class VoteIn(Strict):
    """The options chosen (one for a single-choice poll); a new vote replaces one's earlier."""

    option_ids: list[int] = Field(default_factory=list, max_length=MAX_OPTIONS)
    text: Answer | None = None


class PollOptionOut(BaseModel):
    id: int
    text: str
    votes: int | None = None  # None while the caller may not see the results
    percent: int | None = None  # of those who answered (a multiple-choice poll may pass 100 in all)


class PollOut(BaseModel):
    id: int  # the poll's message
    chat_id: int
    question: str
    options: list[PollOptionOut]
    multiple: bool
    free_text: bool
    anonymous: bool
    results: PollResults
    closes_at: dt.datetime | None
    closed: bool  # closed by someone, or its deadline passed
    closed_at: dt.datetime | None  # when (the deadline, for one that closed by itself)
    created_by: Person | None
    voters: int  # how many answered
    results_visible: bool
    mine: list[int]  # the caller's chosen options
    my_text: str | None = None
    can_vote: bool = False
    can_close: bool = False
    sees_voters: bool = False  # a named poll's author (staff) or the chat's moderators
    reminded_at: dt.datetime | None = None
    can_remind: bool = False


class PollVoterRow(BaseModel):
    person: Person
    option_ids: list[int]
    text: str | None = None
    voted_at: dt.datetime


class PollVotersOut(BaseModel):
    """A named poll's answers by name and who of the chat's members has not answered yet."""

    poll_id: int
    voters: list[PollVoterRow]
    not_answered: list[Person]


class PollRemindOut(BaseModel):
    reminded: int  # how many members were asked
    reminded_at: dt.datetime


class PollVotesOut(BaseModel):
    """A poll's counts, as sent live (``poll.results``)."""

    poll_id: int
    voters: int
    counts: dict[int, int] | None  # option id → votes; None to those who may not see them yet
    closed: bool
