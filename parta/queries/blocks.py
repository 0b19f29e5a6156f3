"""A member's block in a chat as it stands now (R29, R30). Read only: the block actions in
``parta.actions.blocks`` write it, and ``blocks.settle_due_blocks`` alone writes the end of a
block released early. The chat is one the caller already holds through the gate
(``parta.queries.scope``) or, on the send path, one it authorized in its batch."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.db import utcnow
from parta.errors import Forbidden
from parta.models import Chat, ChatBlock, UnblockObjection, UnblockStatus, Violation

__all__ = ["active_block", "blocked_in", "last_block_mark", "released_early", "require_not_blocked",
           "violations_since"]


async def released_early(db: AsyncSession, block: ChatBlock, now: datetime) -> bool:
    """An early-unblock proposal nobody objected to ends the block at its deadline (R30).
    Reads only: from the deadline on the block is no longer in force, and the minute timer
    (``blocks.settle_due_blocks``) records its end, with its audit entry and event."""
    if (block.unblock_status != UnblockStatus.proposed or block.objection_deadline is None
            or block.objection_deadline > now or block.ended_at is not None):
        return False
    objected = (await db.execute(select(UnblockObjection.id).where(
        UnblockObjection.block_id == block.id))).first()
    return objected is None


async def active_block(db: AsyncSession, chat: Chat, user_id: int) -> ChatBlock | None:
    """The member's block in this chat that is in force now, if any; it expires by itself.
    Writes nothing (a GET may call it)."""
    now = utcnow()
    rows = (await db.execute(select(ChatBlock).where(
        ChatBlock.chat_id == chat.id, ChatBlock.user_id == user_id, ChatBlock.ends_at > now,
        ChatBlock.ended_at.is_(None)).order_by(ChatBlock.id.desc()))).scalars().all()
    for block in rows:
        if not await released_early(db, block, now):
            return block
    return None


async def blocked_in(db: AsyncSession, user_id: int, chat_ids: list[int]) -> set[int]:
    """The chats where the person's block is in force now: ``active_block`` for many chats in
    one read (not over, not ended early, not released by an unopposed proposal)."""
    now = utcnow()
    released = and_(ChatBlock.unblock_status == UnblockStatus.proposed,
                    ChatBlock.objection_deadline.is_not(None), ChatBlock.objection_deadline <= now,
                    ~exists().where(UnblockObjection.block_id == ChatBlock.id))
    return set((await db.execute(select(ChatBlock.chat_id).where(
        ChatBlock.user_id == user_id, ChatBlock.chat_id.in_(chat_ids), ChatBlock.ends_at > now,
        ChatBlock.ended_at.is_(None), ~released))).scalars())


async def require_not_blocked(db: AsyncSession, chat: Chat, user_id: int) -> None:
    """A blocked member reads but does not post or react, and is told until when and why."""
    block = await active_block(db, chat, user_id)
    if block is not None:
        raise Forbidden("blocked", params={"until": block.ends_at.isoformat(),
                                           "until_text": block.ends_at.strftime("%d.%m.%Y %H:%M UTC"),
                                           "rule_number": block.rule_number,
                                           "rule_text": block.rule_text, "reason": block.reason})


async def violations_since(db: AsyncSession, chat: Chat, user_id: int, after_id: int) -> list[int]:
    return list((await db.execute(select(Violation.id).where(
        Violation.chat_id == chat.id, Violation.user_id == user_id, Violation.id > after_id)
        .order_by(Violation.id))).scalars())


async def last_block_mark(db: AsyncSession, chat: Chat, user_id: int) -> int:
    """Violations up to this id were the ground of an earlier block and count no more."""
    mark = (await db.execute(select(func.max(ChatBlock.last_violation_id)).where(
        ChatBlock.chat_id == chat.id, ChatBlock.user_id == user_id))).scalar()
    return int(mark or 0)
