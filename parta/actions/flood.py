"""The flood limits (R33): how many messages a member may post in a burst and in a minute, and
no identical message twice in a short while. Moderators are exempt.

A sender's recent posts are kept in this process as they happen (``flood_state``), so a send
costs a few comparisons; a sender it does not know is read from the database once. With a Redis
bus (several server processes, each writing posts the others do not see) every batch reads its
senders' posts from the database instead.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, TextualSelect, bindparam, literal_column, text
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, SessionTransaction

from parta.actions.base import Ctx
from parta.actions.flood_state import Recent, RecentPosts, norm_key
from parta.config import Settings
from parta.db import utcnow
from parta.errors import Conflict, PartaError, RateLimited
from parta.models import ChatMember, Message

__all__ = ["Recent", "flood_refusal", "forget", "recent_of", "recent_posts", "record"]


def _cap(s: Settings) -> int:
    return max(s.flood_minute_messages, 1)


def _horizon(s: Settings, now: datetime) -> datetime:
    return now - timedelta(seconds=max(s.flood_burst_seconds, 60, s.duplicate_window_seconds))


def _memory(ctx: Ctx) -> RecentPosts | None:
    """This process's memory of senders, when it sees every post (see the module's doc)."""
    if ctx.settings.redis_url:
        return None
    return ctx.services.recent_posts


async def recent_of(ctx: Ctx, author_ids: list[int], now: datetime) -> dict[int, Recent]:
    """Each author's recent posts: from this process's memory, the cold ones read once."""
    memory = _memory(ctx)
    out: dict[int, Recent] = {}
    cold = []
    for a in author_ids:
        found = memory.get(a) if memory is not None else None
        if found is None:
            cold.append(a)
        else:
            out[a] = found
    if cold:
        s = ctx.settings
        keep = memory if memory is not None else RecentPosts(len(cold))
        for a, rows in (await recent_posts(ctx, cold)).items():
            out[a] = keep.load(a, rows, _cap(s), _horizon(s, now))
    return out


def record(ctx: Ctx, recent: Recent | None, user_id: int, chat_id: int, body: str,
           at: datetime, *, held: bool = False) -> None:
    """A post written in ``ctx``'s transaction: remembered now (a later send of the same batch
    or of another transaction sees it), forgotten again if the transaction rolls back."""
    memory = _memory(ctx)
    if recent is None and memory is not None:
        recent = memory.get(user_id)  # warm, though not checked here (a moderator of this chat)
    if recent is None:
        return
    kind = recent.held if held else recent.messages
    key = norm_key(body)
    kind.add(at, chat_id, key, _cap(ctx.settings), _horizon(ctx.settings, at))
    if memory is not None:
        ctx.db.info.setdefault(_UNDO, []).append((kind, kind.times[-1], chat_id, key))


def forget(ctx: Ctx, user_id: int | None) -> None:
    """Their posts changed here other than by a send (an edit, a deletion, an approval)."""
    memory = _memory(ctx)
    if memory is not None and user_id is not None:
        memory.forget(user_id)


_UNDO = "parta.flood.undo"


@sa_event.listens_for(Session, "after_commit")
def _kept(session: Session) -> None:
    session.info.pop(_UNDO, None)


@sa_event.listens_for(Session, "after_transaction_end")
def _undo(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return  # a savepoint: the outer transaction decides
    undo = session.info.pop(_UNDO, None)
    for kind, at, chat_id, key in reversed(undo or ()):
        kind.remove(at, chat_id, key)


async def recent_posts(ctx: Ctx, author_ids: list[int]) -> dict[int, list[Any]]:
    """Each author's latest messages, newest first, as many as the flood limits look at:
    one statement for the whole batch, each author's part an index range on (author, id)."""
    if not author_ids:
        return {}
    s = ctx.settings
    params: dict[str, Any] = {f"a{n}": a for n, a in enumerate(author_ids)}
    params["window"] = _cap(s)
    params["since"] = _horizon(s, utcnow())
    out: dict[int, list[Any]] = {a: [] for a in author_ids}
    for row in (await ctx.db.execute(_recent_statement(len(author_ids)), params)).all():
        out[row.author_id].append(row)
    for rows in out.values():
        rows.sort(key=lambda r: r.created_at, reverse=True)
    return out


_RECENT: dict[int, TextualSelect] = {}


def _recent_statement(authors: int) -> Any:
    """Built once for each number of authors (a batch has at most a few hundred)."""
    stmt = _RECENT.get(authors)
    if stmt is None:
        # At most ``window`` rows per author through the (author, id) index; of those, only
        # the ones young enough to count come back.
        # Messages the conduct filter held count too (pending or rejected; an approved one
        # is a message by then): holding must not let a member post without limit.
        part = ("SELECT * FROM (SELECT author_id, chat_id, body, created_at, 0 AS held "
                "FROM message WHERE author_id = :a{n} ORDER BY id DESC LIMIT :window) AS r{n} "
                "WHERE created_at > :since UNION ALL "
                "SELECT * FROM (SELECT author_id, chat_id, body, created_at, 1 AS held "
                "FROM held_message WHERE author_id = :a{n} AND status != 'approved' "
                "ORDER BY id DESC LIMIT :window) AS h{n} WHERE created_at > :since")
        m = Message.__table__.c
        stmt = _RECENT[authors] = text(" UNION ALL ".join(
            part.format(n=n) for n in range(authors))).bindparams(
            bindparam("since", type_=m.created_at.type)).columns(
            m.author_id, m.chat_id, m.body, m.created_at, literal_column("held", Boolean))
    return stmt


def flood_refusal(settings: Settings, chat_id: int, me: ChatMember, text: str, now: datetime,
                  recent: Recent | None) -> PartaError | None:
    """Per-member limits and no repeated identical messages (R33); moderators are exempt.
    ``recent``: the author's recent posts (``recent_of``)."""
    if me.role.value != "member" or recent is None:
        return None
    s = settings
    burst_since = now - timedelta(seconds=s.flood_burst_seconds)
    n, oldest = recent.count_since(burst_since)
    if n >= s.flood_burst_messages and oldest is not None:
        return RateLimited(max(int((oldest - burst_since).total_seconds()) + 1, 1), "flood")
    minute_since = now - timedelta(seconds=60)
    n, oldest = recent.count_since(minute_since)
    if n >= s.flood_minute_messages and oldest is not None:
        return RateLimited(max(int((oldest - minute_since).total_seconds()) + 1, 1), "flood")
    if text and recent.repeats(chat_id, norm_key(text),
                               now - timedelta(seconds=s.duplicate_window_seconds)):
        return Conflict("duplicate_message")
    return None
