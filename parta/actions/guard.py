"""What stands between a member and the send button (R29, R33): a block, the flood limits,
and the conduct filter's mode for this kind of chat. Used by the message actions; it reads
and settles, it never publishes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import TextualSelect, bindparam, func, select, text

from parta.actions.base import Ctx
from parta.conduct import check as conduct_check
from parta.config import Settings
from parta.db import utcnow
from parta.errors import Conflict, Forbidden, PartaError, RateLimited
from parta.models import (
    Chat,
    ChatBlock,
    ChatKind,
    ChatMember,
    ConductMode,
    ConductSetting,
    Message,
    UnblockObjection,
    UnblockStatus,
    Violation,
)

__all__ = [
    "CHILDREN_KINDS",
    "Screening",
    "active_block",
    "block_payload",
    "conduct_mode",
    "conduct_modes",
    "default_mode",
    "flood_refusal",
    "last_block_mark",
    "recent_posts",
    "released_early",
    "require_not_blocked",
    "screen",
    "screening",
    "violations_since",
]

# Chats with children in them: the filter holds a flagged message for a moderator by default.
CHILDREN_KINDS = frozenset({ChatKind.class_, ChatKind.subject, ChatKind.management_student_council,
                            ChatKind.custom})


def default_mode(kind: ChatKind | str) -> ConductMode:
    return ConductMode.hold if ChatKind(kind) in CHILDREN_KINDS else ConductMode.warn


async def conduct_modes(ctx: Ctx, org_id: int) -> dict[str, ConductMode]:
    """Every chat kind's mode in this organization: its own setting or the default."""
    modes = {k.value: default_mode(k) for k in ChatKind}
    for row in (await ctx.db.execute(select(ConductSetting).where(
            ConductSetting.org_id == org_id))).scalars():
        if row.chat_kind in modes:
            modes[row.chat_kind] = row.mode
    return modes


async def conduct_mode(ctx: Ctx, chat: Chat) -> ConductMode:
    row = (await ctx.db.execute(select(ConductSetting.mode).where(
        ConductSetting.org_id == chat.org_id, ConductSetting.chat_kind == chat.kind.value))).scalar()
    return ConductMode(row) if row is not None else default_mode(chat.kind)


def block_payload(b: ChatBlock) -> dict[str, Any]:
    return {
        "id": b.id, "chat_id": b.chat_id, "user_id": b.user_id, "rule_number": b.rule_number,
        "rule_text": b.rule_text, "reason": b.reason, "starts_at": b.starts_at.isoformat(),
        "ends_at": b.ends_at.isoformat(), "violations": len(b.violation_ids),
        "apology": b.apology, "apologized_at": b.apologized_at.isoformat() if b.apologized_at else None,
        "unblock_status": b.unblock_status.value,
        "objection_deadline": b.objection_deadline.isoformat() if b.objection_deadline else None,
    }


async def released_early(ctx: Ctx, block: ChatBlock, now: datetime) -> bool:
    """An early-unblock proposal nobody objected to ends the block at its deadline (R30).
    Reads only: from the deadline on the block is no longer in force, and the minute timer
    (``blocks.settle_due_blocks``) records its end, with its audit entry and event."""
    if (block.unblock_status != UnblockStatus.proposed or block.objection_deadline is None
            or block.objection_deadline > now or block.ended_at is not None):
        return False
    objected = (await ctx.db.execute(select(UnblockObjection.id).where(
        UnblockObjection.block_id == block.id))).first()
    return objected is None


async def active_block(ctx: Ctx, chat_id: int, user_id: int) -> ChatBlock | None:
    """The member's block in this chat that is in force now, if any; it expires by itself.
    Writes nothing (a GET may call it)."""
    now = utcnow()
    rows = (await ctx.db.execute(select(ChatBlock).where(
        ChatBlock.chat_id == chat_id, ChatBlock.user_id == user_id, ChatBlock.ends_at > now,
        ChatBlock.ended_at.is_(None)).order_by(ChatBlock.id.desc()))).scalars().all()
    for block in rows:
        if not await released_early(ctx, block, now):
            return block
    return None


async def require_not_blocked(ctx: Ctx, chat: Chat, user_id: int) -> None:
    """A blocked member reads but does not post or react, and is told until when and why."""
    block = await active_block(ctx, chat.id, user_id)
    if block is not None:
        raise Forbidden("blocked", params={"until": block.ends_at.isoformat(),
                                           "until_text": block.ends_at.strftime("%d.%m.%Y %H:%M UTC"),
                                           "rule_number": block.rule_number,
                                           "rule_text": block.rule_text, "reason": block.reason})


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


@dataclass(frozen=True)
class Screening:
    """What the conduct filter decided for one text in one chat."""

    mode: ConductMode
    flagged: bool
    matches: list[dict[str, Any]]


async def screen(ctx: Ctx, chat: Chat, me: ChatMember, text: str) -> Screening:
    """Run the filter if this kind of chat has it on. A moderator's own message is never held:
    for them «hold» is a warning."""
    if not text:
        return Screening(ConductMode.off, False, [])
    return screening(await conduct_mode(ctx, chat), me, text)


def screening(mode: ConductMode, me: ChatMember, text: str) -> Screening:
    """``screen`` with the chat's mode already known."""
    if not text:
        return Screening(ConductMode.off, False, [])
    if mode == ConductMode.off:
        return Screening(mode, False, [])
    verdict = conduct_check(text)
    if mode == ConductMode.hold and me.role.value != "member":
        mode = ConductMode.warn
    matches = [{"start": m.start, "end": m.end, "category": m.category} for m in verdict.matches]
    return Screening(mode, verdict.flagged, matches)


async def violations_since(ctx: Ctx, chat_id: int, user_id: int, after_id: int) -> list[int]:
    return list((await ctx.db.execute(select(Violation.id).where(
        Violation.chat_id == chat_id, Violation.user_id == user_id, Violation.id > after_id)
        .order_by(Violation.id))).scalars())


async def last_block_mark(ctx: Ctx, chat_id: int, user_id: int) -> int:
    """Violations up to this id were the ground of an earlier block and count no more."""
    mark = (await ctx.db.execute(select(func.max(ChatBlock.last_violation_id)).where(
        ChatBlock.chat_id == chat_id, ChatBlock.user_id == user_id))).scalar()
    return int(mark or 0)
