"""Polls (R26): ask, vote, change or take back one's vote, close, remind those who have not
answered.

A poll is posted into a chat by whoever may post there (in a channel: its moderators, as any
post; in a class chat a student may ask the class too — R26 names no limit, and the chat's
conduct filter and blocks apply as to a message). It is a message of kind ``poll`` whose body is
the question, so it is ordered, searched, pinned and removed like one.

Voting is open to every member who may react (a channel's readers too), not blocked, until the
poll closes: by its author or a moderator, or by its deadline (read as closed, nobody writes).
Every vote first bumps the poll's row with a conditional UPDATE that also refuses a closed poll:
on PostgreSQL it holds the row, so a vote and the closing, or two votes by one person, cannot
cross; SQLite lets one writer in at a time. One ballot per person (a unique key): a new vote
replaces the earlier one.

Live results are coalesced (``Services.poll_results``): a vote marks its poll, and at most one
``poll.results`` a second goes out — the counts to those who may see them, «changed» without
counts to the others. The voter gets their own vote at once (the answer, ``poll.voted``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, insert, or_, select, update

from parta.actions import screening
from parta.actions.base import Ctx, Services, unit_of_work
from parta.actions.chats import active_member_ids, require_chat, require_direct_allowed
from parta.actions.messages import publish_message
from parta.db import insert_replacing, utcnow
from parta.errors import (
    Conflict,
    ConsentRequired,
    Forbidden,
    RateLimited,
    ValidationFailed,
)
from parta.models import Chat, ChatMember, Message, Poll, PollBallot, PollChoice, PollOption
from parta.policy import ChatAction, can_close_poll, sees_poll_voters
from parta.queries import polls as q
from parta.queries.blocks import require_not_blocked
from parta.queries.people import persons
from parta.queries.privacy import restricted_in_chats
from parta.queries.scope import ChatScope, chat_for
from parta.realtime.events import PollReminder, PollResultsChanged, PollVoted
from parta.schemas.common import Person
from parta.schemas.polls import (
    MAX_OPTIONS,
    MIN_OPTIONS,
    PollIn,
    PollOut,
    PollRemindOut,
    PollVotesOut,
    VoteIn,
)

__all__ = ["Voted", "answer_votes", "check_poll", "close_poll", "create_poll", "flush_results", "remind_poll", "retract_vote",
           "vote"]

HORIZON = timedelta(days=366)


def _rowcount(result: Any) -> int:
    return cast(CursorResult[Any], result).rowcount


async def _may_write(ctx: Ctx, chat: Chat, me: ChatMember | None, action: ChatAction) -> ChatMember:
    """As a message would be: the chat's rights, the archive, a block, a parent's withdrawn
    consent, the one-to-one rules."""
    uid = ctx.require_actor().user_id
    require_chat(chat, me, action)
    assert me is not None
    await require_direct_allowed(ctx, chat, uid)
    if (chat.org_id, uid) in await restricted_in_chats(ctx.db, [uid]):
        raise ConsentRequired(params={"purpose": "chats"})
    await require_not_blocked(ctx.db, chat, uid)
    return me


async def _screened(ctx: Ctx, chat: Chat, me: ChatMember, field: str, text: str) -> None:
    """The chat's conduct filter: a poll cannot wait for a moderator, so what it would hold or
    reject is refused, and a warning too (the author rewords it)."""
    verdict = await screening.screen(ctx, chat, me, text)
    if verdict.flagged:
        raise ValidationFailed("conduct_rejected", fields={field: "conduct"},
                               params={"matches": verdict.matches})


def check_poll(body: PollIn) -> tuple[str, list[str]]:
    """The question and options, cleaned; a poll that could not be posted: 422."""
    question = body.question.replace("\r\n", "\n").strip()
    if not question:
        raise ValidationFailed(fields={"question": "required"})
    options = [o.strip() for o in body.options]
    if any(not o for o in options):
        raise ValidationFailed(fields={"options": "empty_option"})
    if len(options) < MIN_OPTIONS:
        raise ValidationFailed("poll_too_few_options", fields={"options": "too_few_options"},
                               params={"count": MIN_OPTIONS})
    if len(options) > MAX_OPTIONS:
        raise ValidationFailed("poll_too_many_options", fields={"options": "too_many_options"},
                               params={"count": MAX_OPTIONS})
    if len({o.casefold() for o in options}) != len(options):
        raise ValidationFailed(fields={"options": "duplicate"})
    if body.closes_at is not None:
        if body.closes_at.tzinfo is None:
            raise ValidationFailed(fields={"closes_at": "invalid"})
        if body.closes_at <= utcnow():
            raise ValidationFailed(fields={"closes_at": "in_the_past"})
        if body.closes_at > utcnow() + HORIZON:
            raise ValidationFailed(fields={"closes_at": "too_far"})
    return question, options


async def _answer(ctx: Ctx, scope: ChatScope, poll: Poll, *, may_write: bool = False) -> PollOut:
    [out] = await q.poll_outs(ctx.db, scope, [poll], may_write=may_write)
    return out


async def create_poll(ctx: Ctx, chat_id: int, body: PollIn) -> PollOut:
    """Post a poll into a chat where the caller may post. A retry with the same ``client_id``
    gets the first poll back and creates nothing."""
    actor = ctx.require_actor()
    scope = await chat_for(ctx.db, actor, chat_id)
    chat = scope.chat
    if body.client_id:
        first = (await ctx.db.execute(select(Message).where(
            Message.author_id == actor.user_id, Message.client_id == body.client_id))).scalar_one_or_none()
        if first is not None:
            poll = await ctx.db.get(Poll, first.id)
            if poll is None or first.chat_id != chat.id:
                raise Conflict(fields={"client_id": "duplicate"})
            return await _answer(ctx, scope, poll)
    me = await _may_write(ctx, chat, scope.member, ChatAction.post)
    question, options = check_poll(body)
    await _screened(ctx, chat, me, "question", "\n".join([question, *options]))
    now = utcnow()
    msg = Message(chat_id=chat.id, author_id=actor.user_id, client_id=body.client_id or None,
                  body=question, kind="poll", meta={"options": len(options)}, created_at=now)
    ctx.db.add(msg)
    await ctx.db.flush()
    poll = Poll(message_id=msg.id, org_id=chat.org_id, chat_id=chat.id, created_by=actor.user_id,
                question=question, multiple=body.multiple, free_text=body.free_text,
                anonymous=body.anonymous, results=body.results, closes_at=body.closes_at,
                version=0, created_at=now)
    ctx.db.add(poll)
    await ctx.db.flush()
    ctx.db.add_all([PollOption(poll_id=poll.message_id, position=n, text=text)
                    for n, text in enumerate(options)])
    await ctx.db.flush()
    await publish_message(ctx, chat, me, msg, [])
    ctx.audit("poll.created", chat.org_id, "poll", poll.message_id, chat_id=chat.id,
              anonymous=poll.anonymous, options=len(options))
    return await _answer(ctx, scope, poll)


async def _open_for_vote(ctx: Ctx, poll_id: int) -> tuple[Poll, ChatScope]:
    actor = ctx.require_actor()
    poll, scope = await q.poll_in(ctx.db, actor, poll_id)
    await _may_write(ctx, scope.chat, scope.member, ChatAction.react)
    if q.is_closed(poll):
        raise Conflict("poll_closed")
    return poll, scope


async def _hold_open(ctx: Ctx, poll: Poll) -> None:
    """Take the poll's row if it is still open (a closing that committed first wins)."""
    now = utcnow()
    won = await ctx.db.execute(
        update(Poll).where(Poll.message_id == poll.message_id, Poll.closed_at.is_(None),
                           or_(Poll.closes_at.is_(None), Poll.closes_at > now))
        .values(version=Poll.version + 1).execution_options(synchronize_session=False))
    if _rowcount(won) != 1:
        raise Conflict("poll_closed")


async def _ballot(ctx: Ctx, poll: Poll, user_id: int, text: str | None) -> int:
    """The caller's one ballot, made now or replaced (one statement; two votes at once make
    one: the unique key decides, the later one's words and time win)."""
    table = cast(Any, PollBallot.__table__)
    stmt = insert_replacing(ctx.db, table, ["poll_id", "user_id"], ["text", "voted_at"])
    return cast(int, (await ctx.db.execute(
        stmt.values(poll_id=poll.message_id, user_id=user_id, text=text, voted_at=utcnow())
        .returning(table.c.id))).scalar_one())


@dataclass(eq=False)
class Voted:
    """A vote written (or taken back), its answer still to make: the votes of one batch on one
    poll are answered together (``answer_votes``), from one reading of the counts."""

    ctx: Ctx
    scope: ChatScope
    poll: Poll
    options: list[PollOption]
    mine: list[int]
    text: str | None
    voted: bool


Options = dict[int, list[PollOption]]  # a poll's options by poll (they never change)


async def _options(ctx: Ctx, poll: Poll, known: Options | None) -> list[PollOption]:
    """The poll's options, read once per batch (``known``: those the batch has read)."""
    if known is not None and poll.message_id in known:
        return known[poll.message_id]
    options = list((await ctx.db.execute(select(PollOption).where(
        PollOption.poll_id == poll.message_id).order_by(PollOption.position))).scalars())
    if known is not None:
        known[poll.message_id] = options
    return options


async def vote(ctx: Ctx, poll_id: int, body: VoteIn, known: Options | None = None) -> Voted:
    """Vote, or change one's vote (it replaces the earlier one) while the poll is open. A
    single-choice poll takes one option; the poll's own options only; one's own words only
    where the poll allows them."""
    poll, scope = await _open_for_vote(ctx, poll_id)
    assert scope.member is not None
    options = await _options(ctx, poll, known)
    known_ids = {o.id for o in options}
    chosen = sorted(set(body.option_ids))
    if any(o not in known_ids for o in chosen):
        raise ValidationFailed("poll_no_such_option", fields={"option_ids": "unknown_option"})
    if len(chosen) > 1 and not poll.multiple:
        raise ValidationFailed("poll_single_choice", fields={"option_ids": "single_choice"})
    text = (body.text or "").replace("\r\n", "\n").strip() or None
    if text is not None and not poll.free_text:
        raise ValidationFailed(fields={"text": "not_allowed"})
    if not chosen and text is None:
        raise ValidationFailed(fields={"option_ids": "required"})
    if text is not None:
        await _screened(ctx, scope.chat, scope.member, "text", text)
    await _hold_open(ctx, poll)
    uid = scope.actor.user_id
    ballot_id = await _ballot(ctx, poll, uid, text)
    await ctx.db.execute(delete(PollChoice).where(PollChoice.ballot_id == ballot_id))
    if chosen:
        await ctx.db.execute(insert(PollChoice), [
            {"ballot_id": ballot_id, "poll_id": poll.message_id, "option_id": o} for o in chosen])
    return Voted(ctx, scope, poll, options, chosen, text, voted=True)


async def retract_vote(ctx: Ctx, poll_id: int, known: Options | None = None) -> Voted:
    """Take one's vote back while the poll is open (having none is no error)."""
    poll, scope = await _open_for_vote(ctx, poll_id)
    await _hold_open(ctx, poll)
    uid = scope.actor.user_id
    ballot_ids = select(PollBallot.id).where(PollBallot.poll_id == poll.message_id,
                                             PollBallot.user_id == uid).scalar_subquery()
    await ctx.db.execute(delete(PollChoice).where(PollChoice.ballot_id == ballot_ids))
    await ctx.db.execute(delete(PollBallot).where(PollBallot.poll_id == poll.message_id,
                                                  PollBallot.user_id == uid))
    return Voted(ctx, scope, poll, await _options(ctx, poll, known), [], None, voted=False)


async def answer_votes(voted: list[Voted]) -> list[PollOut]:
    """Each voter's own vote goes back (the answer, from the rows just written and the counts;
    their other devices by event), in the transaction that wrote them, after the batch's last
    vote: the counts and the poll's author are read once per poll, not once per vote, and count
    every vote of the batch. The chat hears of them at most once a second per poll, after
    commit."""
    counts: dict[int, PollVotesOut] = {}
    authors: dict[int, Person | None] = {}
    outs = []
    for v in voted:
        poll, scope, ctx = v.poll, v.scope, v.ctx
        poll_id = poll.message_id
        if poll_id not in counts:
            counts[poll_id] = await q.poll_votes(ctx.db, poll, [o.id for o in v.options])
            authors[poll_id] = (
                (await persons(ctx.db, scope.chat.org_id, [poll.created_by])).get(poll.created_by)
                if poll.created_by is not None else None)
            ctx.after_commit.append(_marker(ctx.services, poll_id))
        out = q.poll_out(scope, poll, v.options, counts[poll_id], voted=v.voted, mine=v.mine,
                         my_text=v.text, author=authors[poll_id], may_vote=True)
        ctx.emit(PollVoted(org_id=scope.chat.org_id, chat_id=scope.chat.id, poll=out),
                 {scope.actor.user_id})
        outs.append(out)
    return outs


def _marker(services: Services, poll_id: int) -> Callable[[], Awaitable[None]]:
    async def mark() -> None:
        services.poll_results.mark(poll_id, lambda: flush_results(services, poll_id))

    return mark


async def _results_audiences(ctx: Ctx, poll: Poll, chat: Chat) -> tuple[set[int], set[int]]:
    """(who gets the counts, who only hears that they changed)."""
    members = await active_member_ids(ctx, chat.id)
    if q.is_closed(poll) or poll.results.value == "always":
        return members, set()
    seeing = set((await ctx.db.execute(select(ChatMember.user_id).where(
        ChatMember.chat_id == chat.id, ChatMember.left_at.is_(None),
        ChatMember.role.in_(["owner", "moderator"])))).scalars())
    if poll.created_by is not None:
        seeing.add(poll.created_by)
    if poll.results.value == "after_voting":
        seeing |= set((await ctx.db.execute(select(PollBallot.user_id).where(
            PollBallot.poll_id == poll.message_id))).scalars())
    seeing &= members
    return seeing, members - seeing


async def _tell_results(ctx: Ctx, poll: Poll, chat: Chat) -> None:
    votes = await q.poll_votes(ctx.db, poll)
    seeing, others = await _results_audiences(ctx, poll, chat)
    for audience, counts in ((seeing, votes.counts), (others, None)):
        if audience:
            ctx.emit(PollResultsChanged(org_id=chat.org_id, chat_id=chat.id,
                                        poll_id=poll.message_id, voters=votes.voters,
                                        counts=counts, closed=votes.closed), audience)


async def flush_results(services: Services, poll_id: int) -> None:
    """One ``poll.results`` for every vote since the last (called by the coalescer)."""
    async with unit_of_work(services) as ctx:
        poll = await ctx.db.get(Poll, poll_id)
        if poll is None:
            return
        chat = await ctx.db.get(Chat, poll.chat_id)
        removed = (await ctx.db.execute(select(Message.deleted_at).where(
            Message.id == poll_id))).scalar_one_or_none()
        if chat is None or removed is not None:
            return
        await _tell_results(ctx, poll, chat)


async def close_poll(ctx: Ctx, poll_id: int) -> PollOut:
    """Its author or a moderator of the chat closes an open poll; everyone sees the results."""
    actor = ctx.require_actor()
    poll, scope = await q.poll_in(ctx.db, actor, poll_id)
    me = scope.member
    assert me is not None
    if not can_close_poll(me.role.value, poll.created_by == actor.user_id):
        raise Forbidden("may_not_close_poll")
    if scope.chat.archived_at is not None:
        raise Conflict("chat_archived")
    now = utcnow()
    won = await ctx.db.execute(
        update(Poll).where(Poll.message_id == poll.message_id, Poll.closed_at.is_(None),
                           or_(Poll.closes_at.is_(None), Poll.closes_at > now))
        .values(closed_by=actor.user_id, version=Poll.version + 1)
        .execution_options(synchronize_session=False))
    if _rowcount(won) != 1:
        raise Conflict("poll_closed")
    # The row is ours now, and a vote that held it first has committed: the closing time is
    # read after that vote's (a time read before waiting for the row could come before it).
    await ctx.db.execute(update(Poll).where(Poll.message_id == poll.message_id)
                         .values(closed_at=utcnow()).execution_options(synchronize_session=False))
    await ctx.db.refresh(poll)
    ctx.audit("poll.closed", scope.chat.org_id, "poll", poll.message_id, chat_id=scope.chat.id)
    await _tell_results(ctx, poll, scope.chat)
    return await _answer(ctx, scope, poll)


async def remind_poll(ctx: Ctx, poll_id: int) -> PollRemindOut:
    """A named poll's staff author (or a staff moderator) reminds the members who have not
    answered: a ``poll.reminder`` to them alone (and a push to those not in the app) — nobody
    else hears of it. At most once per ``poll_remind_minutes`` per poll."""
    actor = ctx.require_actor()
    poll, scope = await q.poll_in(ctx.db, actor, poll_id)
    me = scope.member
    assert me is not None
    if poll.anonymous:
        raise Forbidden("poll_anonymous")  # who has not answered would tell who has
    if not sees_poll_voters(me.role.value, actor.roles_in(scope.chat.org_id),
                            poll.created_by == actor.user_id):
        raise Forbidden("may_not_remind")
    if scope.chat.archived_at is not None:
        raise Conflict("chat_archived")
    if q.is_closed(poll):
        raise Conflict("poll_closed")
    now = utcnow()
    every = timedelta(minutes=ctx.settings.poll_remind_minutes)
    won = await ctx.db.execute(
        update(Poll).where(Poll.message_id == poll.message_id,
                           or_(Poll.reminded_at.is_(None), Poll.reminded_at <= now - every))
        .values(reminded_at=now).execution_options(synchronize_session=False))
    if _rowcount(won) != 1:
        await ctx.db.refresh(poll)
        assert poll.reminded_at is not None
        wait = (poll.reminded_at + every - now).total_seconds()
        raise RateLimited(max(1, int(wait) + 1), "poll_reminded")
    people = await q.not_answered_ids(ctx.db, scope, poll)
    if people:
        ctx.emit(PollReminder(org_id=scope.chat.org_id, chat_id=scope.chat.id,
                              poll_id=poll.message_id, question=poll.question,
                              chat_title=scope.chat.title), set(people))
    ctx.audit("poll.reminded", scope.chat.org_id, "poll", poll.message_id,
              chat_id=scope.chat.id, people=len(people))
    return PollRemindOut(reminded=len(people), reminded_at=now)
