"""A member's block in a chat as it stands now (R29, R30): read only; the block actions in
``parta.actions.blocks`` write it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from parta.actions.base import Ctx
from parta.db import utcnow
from parta.errors import Forbidden
from parta.models import Chat, ChatBlock, UnblockObjection, UnblockStatus, Violation

__all__ = ["active_block", "last_block_mark", "released_early",
           "require_not_blocked", "violations_since"]


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


async def violations_since(ctx: Ctx, chat_id: int, user_id: int, after_id: int) -> list[int]:
    return list((await ctx.db.execute(select(Violation.id).where(
        Violation.chat_id == chat_id, Violation.user_id == user_id, Violation.id > after_id)
        .order_by(Violation.id))).scalars())


async def last_block_mark(ctx: Ctx, chat_id: int, user_id: int) -> int:
    """Violations up to this id were the ground of an earlier block and count no more."""
    mark = (await ctx.db.execute(select(func.max(ChatBlock.last_violation_id)).where(
        ChatBlock.chat_id == chat_id, ChatBlock.user_id == user_id))).scalar()
    return int(mark or 0)
