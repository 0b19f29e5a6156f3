"""Reads of polls (R26): a poll as the caller sees it, its counts, a named poll's answers by
name and who has not answered, and their export (XLSX, CSV).

A poll is seen by the members of its chat only (its gate is the chat's), and not once its
message was removed. Whether it is closed is computed from ``closed_at`` and the deadline: a
read never writes. The counts reach the caller only when ``results_visible`` says so; names
only for a named poll and only those ``policy.sees_poll_voters`` lets see them.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.db import utcnow
from parta.errors import Forbidden, NotFound
from parta.i18n import t
from parta.models import (
    ChatMember,
    Message,
    Poll,
    PollBallot,
    PollChoice,
    PollOption,
    PollResults,
)
from parta.policy import Actor, ChatAction, can_chat, can_close_poll, sees_poll_voters
from parta.queries.blocks import active_block
from parta.queries.people import persons
from parta.queries.scope import ChatScope, chat_for
from parta.schemas.common import Person
from parta.schemas.polls import (
    PollOptionOut,
    PollOut,
    PollVoterRow,
    PollVotersOut,
    PollVotesOut,
)

__all__ = [
    "closed_at",
    "is_closed",
    "may_see_results",
    "not_answered_ids",
    "percent",
    "poll_answer",
    "poll_in",
    "poll_out",
    "poll_outs",
    "poll_voters",
    "poll_votes",
    "to_csv",
    "to_xlsx",
]


def percent(votes: int, voters: int) -> int:
    """A share of those who answered, rounded half up (as the web client's Math.round does)."""
    return (200 * votes + voters) // (2 * voters) if voters else 0


def closed_at(poll: Poll) -> datetime | None:
    """When the poll closed: by someone, or at its deadline — whichever came first."""
    now = utcnow()
    if poll.closed_at is not None:
        return poll.closed_at
    if poll.closes_at is not None and poll.closes_at <= now:
        return poll.closes_at
    return None


def is_closed(poll: Poll) -> bool:
    return closed_at(poll) is not None


async def poll_in(db: AsyncSession, actor: Actor, poll_id: int) -> tuple[Poll, ChatScope]:
    """A poll and its chat's scope, for the chat's members; to anyone else (and once its
    message was removed) it does not exist."""
    poll = await db.get(Poll, poll_id)
    if poll is None:
        raise NotFound()
    scope = await chat_for(db, actor, poll.chat_id)
    if scope.member is None:
        raise NotFound()
    removed = (await db.execute(select(Message.deleted_at).where(
        Message.id == poll.message_id))).scalar_one_or_none()
    if removed is not None:
        raise NotFound()
    return poll, scope


def may_see_results(poll: Poll, scope: ChatScope, voted: bool) -> bool:
    """The author and the chat's moderators see the counts as they come; the others as the
    poll says: always, once they answered, or once it closed."""
    if poll.created_by == scope.actor.user_id or scope.moderates or is_closed(poll):
        return True
    if poll.results == PollResults.always:
        return True
    return poll.results == PollResults.after_voting and voted


async def poll_votes(db: AsyncSession, poll: Poll,
                     option_ids: Sequence[int] | None = None) -> PollVotesOut:
    """The counts (never names): how many answered, and each option's votes (``option_ids``:
    the poll's options, when the caller has read them already)."""
    voters = (await db.execute(select(func.count()).select_from(PollBallot).where(
        PollBallot.poll_id == poll.message_id))).scalar_one()
    if option_ids is None:
        option_ids = list((await db.execute(select(PollOption.id).where(
            PollOption.poll_id == poll.message_id))).scalars())
    counts = dict.fromkeys(option_ids, 0)
    for oid, n in (await db.execute(select(PollChoice.option_id, func.count()).where(
            PollChoice.poll_id == poll.message_id).group_by(PollChoice.option_id))).all():
        counts[oid] = n
    return PollVotesOut(poll_id=poll.message_id, voters=voters, counts=counts,
                        closed=is_closed(poll))


async def poll_outs(db: AsyncSession, scope: ChatScope, polls: Sequence[Poll], *,
                    may_write: bool = False) -> list[PollOut]:
    """Each poll of the scope's chat as the caller sees it (``may_write``: the caller's block
    and rights were checked in this transaction already — a vote's answer)."""
    chat, me, actor = scope.chat, scope.member, scope.actor
    if me is None:
        raise NotFound()
    role = me.role.value
    blocked_or_archived = not may_write and (
        chat.archived_at is not None or not can_chat(role, ChatAction.react)
        or await active_block(db, chat, actor.user_id) is not None)
    out = []
    authors = await persons(db, chat.org_id, [p.created_by for p in polls])
    for poll in polls:
        if poll.chat_id != chat.id:
            raise NotFound()
        options = list((await db.execute(select(PollOption).where(
            PollOption.poll_id == poll.message_id).order_by(PollOption.position))).scalars())
        # The caller's ballot and its choices in one read.
        own = (await db.execute(select(PollBallot.text, PollChoice.option_id).outerjoin(
            PollChoice, PollChoice.ballot_id == PollBallot.id).where(
            PollBallot.poll_id == poll.message_id, PollBallot.user_id == actor.user_id)
            .order_by(PollChoice.option_id))).all()
        votes = await poll_votes(db, poll, [o.id for o in options])
        out.append(poll_out(scope, poll, options, votes, voted=bool(own),
                            mine=[oid for _text, oid in own if oid is not None],
                            my_text=own[0][0] if own else None,
                            author=authors.get(poll.created_by) if poll.created_by else None,
                            may_vote=not blocked_or_archived))
    return out


def poll_out(scope: ChatScope, poll: Poll, options: Sequence[PollOption], votes: PollVotesOut, *,
             voted: bool, mine: list[int], my_text: str | None, author: Person | None,
             may_vote: bool) -> PollOut:
    """A poll as the caller sees it, from rows already read (a vote answers from what it
    wrote: its options, its own choices, the counts)."""
    chat, actor = scope.chat, scope.actor
    assert scope.member is not None
    role = scope.member.role.value
    visible = may_see_results(poll, scope, voted)
    counts = votes.counts or {}
    authored = poll.created_by == actor.user_id
    closed = closed_at(poll)
    names = not poll.anonymous and sees_poll_voters(role, actor.roles_in(chat.org_id), authored)
    return PollOut(
        id=poll.message_id, chat_id=chat.id, question=poll.question,
        options=[PollOptionOut(
            id=o.id, text=o.text, votes=counts.get(o.id, 0) if visible else None,
            percent=percent(counts.get(o.id, 0), votes.voters) if visible else None)
            for o in options],
        multiple=poll.multiple, free_text=poll.free_text, anonymous=poll.anonymous,
        results=poll.results, closes_at=poll.closes_at, closed=closed is not None,
        closed_at=closed, created_by=author,
        voters=votes.voters, results_visible=visible, mine=mine,
        my_text=my_text,
        can_vote=closed is None and may_vote,
        can_close=closed is None and chat.archived_at is None and can_close_poll(role, authored),
        sees_voters=names, reminded_at=poll.reminded_at,
        can_remind=names and closed is None and chat.archived_at is None)


async def poll_answer(db: AsyncSession, actor: Actor, poll_id: int) -> PollOut:
    poll, scope = await poll_in(db, actor, poll_id)
    [out] = await poll_outs(db, scope, [poll])
    return out


async def not_answered_ids(db: AsyncSession, scope: ChatScope, poll: Poll) -> list[int]:
    """The chat's members (but the poll's author) who have not answered yet."""
    answered = select(PollBallot.user_id).where(PollBallot.poll_id == poll.message_id)
    q = select(ChatMember.user_id).where(
        ChatMember.chat_id == scope.chat.id, ChatMember.left_at.is_(None),
        ChatMember.user_id.not_in(answered))
    if poll.created_by is not None:
        q = q.where(ChatMember.user_id != poll.created_by)
    return list((await db.execute(q.order_by(ChatMember.user_id))).scalars())


def _require_names(poll: Poll, scope: ChatScope) -> None:
    """Nobody learns who chose what in an anonymous poll; in a named one, only its staff
    author and the chat's staff moderators."""
    if poll.anonymous:
        raise Forbidden("poll_anonymous")
    me = scope.member
    if not sees_poll_voters(me.role.value if me else None, scope.actor.roles_in(scope.chat.org_id),
                            poll.created_by == scope.actor.user_id):
        raise Forbidden("may_not_see_voters")


async def poll_voters(db: AsyncSession, scope: ChatScope, poll: Poll) -> PollVotersOut:
    """A named poll's answers by name (in the order they came) and who has not answered."""
    _require_names(poll, scope)
    if poll.chat_id != scope.chat.id:
        raise NotFound()
    ballots = list((await db.execute(select(PollBallot).where(
        PollBallot.poll_id == poll.message_id).order_by(PollBallot.voted_at, PollBallot.id)))
        .scalars())
    chosen: dict[int, list[int]] = defaultdict(list)
    for bid, oid in (await db.execute(select(PollChoice.ballot_id, PollChoice.option_id).where(
            PollChoice.poll_id == poll.message_id).order_by(PollChoice.option_id))).all():
        chosen[bid].append(oid)
    missing = await not_answered_ids(db, scope, poll)
    people = await persons(db, scope.chat.org_id, [b.user_id for b in ballots] + missing)
    rows = [PollVoterRow(person=people[b.user_id], option_ids=chosen[b.id], text=b.text,
                         voted_at=b.voted_at) for b in ballots if b.user_id in people]
    waiting = sorted((people[u] for u in missing if u in people), key=lambda p: p.name)
    return PollVotersOut(poll_id=poll.message_id, voters=rows, not_answered=waiting)


# Export ----------------------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: str | int) -> str | int:
    """A name like «=HYPERLINK(…)» stays text when a spreadsheet opens the CSV."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


async def _table(db: AsyncSession, scope: ChatScope, poll: Poll, by_name: bool, lang: str,
                 zone: ZoneInfo) -> list[list[str | int]]:
    options = list((await db.execute(select(PollOption).where(
        PollOption.poll_id == poll.message_id).order_by(PollOption.position))).scalars())
    text_of = {o.id: o.text for o in options}
    if not by_name:
        votes = await poll_votes(db, poll)
        counts = votes.counts or {}
        rows: list[list[str | int]] = [[t(lang, "polls.export.option"), t(lang, "polls.export.votes")]]
        rows += [[o.text, counts.get(o.id, 0)] for o in options]
        rows.append([t(lang, "polls.export.voters"), votes.voters])
        return rows
    report = await poll_voters(db, scope, poll)
    rows = [[t(lang, "polls.export.name"), t(lang, "polls.export.answer"),
             t(lang, "polls.export.own_words"), t(lang, "polls.export.when")]]
    for r in report.voters:
        rows.append([r.person.name, ", ".join(text_of.get(o, "") for o in r.option_ids),
                     r.text or "", r.voted_at.astimezone(zone).strftime("%d.%m.%Y %H:%M")])
    for p in report.not_answered:
        rows.append([p.name, t(lang, "polls.export.no_answer"), "", ""])
    return rows


async def to_csv(db: AsyncSession, scope: ChatScope, poll: Poll, by_name: bool, lang: str,
                 zone: ZoneInfo) -> bytes:
    """UTF-8 with a byte-order mark and «;» between columns, as Excel in Russia expects."""
    if by_name:
        _require_names(poll, scope)
    buf = io.StringIO()
    out = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    out.writerow([_safe(poll.question)])
    for row in await _table(db, scope, poll, by_name, lang, zone):
        out.writerow([_safe(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


async def to_xlsx(db: AsyncSession, scope: ChatScope, poll: Poll, by_name: bool, lang: str,
                  zone: ZoneInfo) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    if by_name:
        _require_names(poll, scope)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = t(lang, "polls.export.sheet")[:31]
    sheet.append([ILLEGAL_CHARACTERS_RE.sub("", poll.question)])
    sheet.append([])
    for row in await _table(db, scope, poll, by_name, lang, zone):
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for cells in sheet.iter_rows(min_row=1):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # an answer is never run as a formula, whatever it says
    for column in sheet.columns:
        width = max(len(str(c.value or "")) for c in column[2:]) if len(column) > 2 else 10
        sheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 10), 60)
    sheet.freeze_panes = "A4"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
