"""The flood limits (R33): how many messages a member may post in a burst and in a minute, and
no identical message twice in a short while. Moderators are exempt."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import TextualSelect, bindparam, text

from parta.actions.base import Ctx
from parta.config import Settings
from parta.db import utcnow
from parta.errors import Conflict, PartaError, RateLimited
from parta.models import ChatMember, Message

__all__ = ["flood_refusal", "recent_posts"]


async def recent_posts(ctx: Ctx, author_ids: list[int]) -> dict[int, list[Any]]:
    """Each author's latest messages, newest first, as many as the flood limits look at:
    one statement for the whole batch, each author's part an index range on (author, id)."""
    if not author_ids:
        return {}
    s = ctx.settings
    params: dict[str, Any] = {f"a{n}": a for n, a in enumerate(author_ids)}
    params["window"] = max(s.flood_minute_messages, 1)
    params["since"] = utcnow() - timedelta(
        seconds=max(s.flood_burst_seconds, 60, s.duplicate_window_seconds))
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
        part = ("SELECT * FROM (SELECT author_id, chat_id, body, created_at FROM message "
                "WHERE author_id = :a{n} ORDER BY id DESC LIMIT :window) AS r{n} "
                "WHERE created_at > :since UNION ALL "
                "SELECT * FROM (SELECT author_id, chat_id, body, created_at FROM held_message "
                "WHERE author_id = :a{n} AND status != 'approved' ORDER BY id DESC "
                "LIMIT :window) AS h{n} WHERE created_at > :since")
        m = Message.__table__.c
        stmt = _RECENT[authors] = text(" UNION ALL ".join(
            part.format(n=n) for n in range(authors))).bindparams(
            bindparam("since", type_=m.created_at.type)).columns(
            m.author_id, m.chat_id, m.body, m.created_at)
    return stmt


def flood_refusal(settings: Settings, chat_id: int, me: ChatMember, text: str, now: datetime,
                  recent: list[Any]) -> PartaError | None:
    """Per-member limits and no repeated identical messages (R33); moderators are exempt.
    ``recent``: the author's latest messages, newest first (``recent_posts``)."""
    if me.role.value != "member":
        return None
    s = settings
    burst_since = now - timedelta(seconds=s.flood_burst_seconds)
    burst = [r for r in recent if r.created_at > burst_since]
    if len(burst) >= s.flood_burst_messages:
        wait = (min(r.created_at for r in burst) - burst_since).total_seconds()
        return RateLimited(max(int(wait) + 1, 1), "flood")
    minute_since = now - timedelta(seconds=60)
    minute = [r for r in recent if r.created_at > minute_since]
    if len(minute) >= s.flood_minute_messages:
        wait = (min(r.created_at for r in minute) - minute_since).total_seconds()
        return RateLimited(max(int(wait) + 1, 1), "flood")
    if text:
        dup_since = now - timedelta(seconds=s.duplicate_window_seconds)
        same = _norm(text)
        if any(r.chat_id == chat_id and r.created_at > dup_since and _norm(r.body) == same
               for r in recent):
            return Conflict("duplicate_message")
    return None


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())
