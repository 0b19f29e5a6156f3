"""Blocks (R29) and their early end (R30).

A block needs more than three violations since the previous block and lasts at most a month;
it ends by itself. After the member's apology a moderator may propose an early end: the chat is
told, any member may object within the window, one objection keeps the block, none ends it.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update

from parta.actions.base import Ctx, Services, unit_of_work
from parta.actions.chats import chat_member
from parta.actions.messages import moderator_ids, publish_message
from parta.actions.moderation import (
    _chat,
    _is_admin,
    _require_moderator,
    _rule,
    _target,
    _text,
)
from parta.db import utcnow
from parta.errors import Conflict, Forbidden, NotFound, ValidationFailed
from parta.i18n import t
from parta.models import Chat, ChatBlock, ChatMember, Message, UnblockObjection, UnblockStatus
from parta.queries.blocks import active_block, last_block_mark, released_early, violations_since
from parta.queries.people import persons
from parta.realtime.events import BlockChanged
from parta.rules import VIOLATIONS_BEFORE_BLOCK
from parta.schemas.moderation import BlockOut

__all__ = [
    "VIOLATIONS_BEFORE_BLOCK",
    "add_month",
    "apologize",
    "block_member",
    "object_to_unblock",
    "propose_unblock",
    "settle_due_blocks",
    "settle_forever",
]

log = logging.getLogger(__name__)


def add_month(when: datetime) -> datetime:
    """The same moment one calendar month later (31 January → the last day of February)."""
    year, month = (when.year + 1, 1) if when.month == 12 else (when.year, when.month + 1)
    for day in (when.day, 30, 29, 28):
        try:
            return when.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


# Blocks (R29) and early unblock (R30) --------------------------------------------------------

async def _announce_block(ctx: Ctx, chat: Chat, block: ChatBlock, *, ended: bool = False) -> None:
    ctx.emit(BlockChanged(org_id=chat.org_id, chat_id=chat.id, user_id=block.user_id,
                          block=None if ended else BlockOut.from_row(block)),
             {block.user_id} | await moderator_ids(ctx, chat))


async def block_member(ctx: Ctx, chat_id: int, user_id: int, until: datetime,
                       rule_number: int, reason: str = "") -> ChatBlock:
    """Only after more than three violations since the previous block; at most a month."""
    chat, me = await _chat(ctx, chat_id)
    me = _require_moderator(me)
    await _target(ctx, chat, user_id)
    if await active_block(ctx.db, chat, user_id) is not None:
        raise Conflict("already_blocked")
    now = utcnow()
    if until.tzinfo is None:
        raise ValidationFailed(fields={"until": "invalid"})
    if until <= now:
        raise ValidationFailed(fields={"until": "in_the_past"})
    if until > add_month(now):
        raise ValidationFailed("block_too_long", fields={"until": "too_long"})
    rule = await _rule(ctx, chat, rule_number)
    counted = await violations_since(ctx.db, chat, user_id,
                                     await last_block_mark(ctx.db, chat, user_id))
    if len(counted) <= VIOLATIONS_BEFORE_BLOCK:
        raise Conflict("not_enough_violations",
                       params={"count": len(counted), "needed": VIOLATIONS_BEFORE_BLOCK + 1})
    block = ChatBlock(org_id=chat.org_id, chat_id=chat.id, user_id=user_id,
                      rule_number=rule.number, rule_text=rule.text,
                      reason=_text(reason, "reason", required=False), violation_ids=counted,
                      last_violation_id=counted[-1], imposed_by=me.user_id, starts_at=now,
                      ends_at=until.astimezone(now.tzinfo))
    ctx.db.add(block)
    await ctx.db.flush()
    ctx.audit("member.blocked", chat.org_id, "user", user_id, chat_id=chat.id, block_id=block.id,
              until=block.ends_at.isoformat(), rule_number=rule.number)
    await _announce_block(ctx, chat, block)
    return block


async def _block(ctx: Ctx, block_id: int) -> tuple[Chat, ChatMember | None, ChatBlock]:
    actor = ctx.require_actor()
    block = await ctx.db.get(ChatBlock, block_id)
    if block is None:
        raise NotFound()
    chat = await ctx.db.get(Chat, block.chat_id)
    assert chat is not None
    me = await chat_member(ctx, chat.id, actor.user_id)
    if me is None and block.user_id != actor.user_id and not await _is_admin(ctx, chat):
        raise NotFound()
    return chat, me, block


async def _in_force(ctx: Ctx, chat: Chat, block: ChatBlock) -> None:
    current = await active_block(ctx.db, chat, block.user_id)
    if current is None or current.id != block.id:
        raise Conflict("block_ended")


async def apologize(ctx: Ctx, block_id: int, text: str) -> ChatBlock:
    """The blocked member apologizes (R30): the moderators are told."""
    actor = ctx.require_actor()
    chat, _, block = await _block(ctx, block_id)
    if block.user_id != actor.user_id:
        raise Forbidden()
    await _in_force(ctx, chat, block)
    block.apology = _text(text, "apology", required=True)
    block.apologized_at = utcnow()
    await _announce_block(ctx, chat, block)
    return block


async def propose_unblock(ctx: Ctx, block_id: int) -> ChatBlock:
    """After an apology a moderator proposes an early end; members may object in the window."""
    chat, me, block = await _block(ctx, block_id)
    me = _require_moderator(me)
    await _in_force(ctx, chat, block)
    if chat.archived_at is not None:
        raise Conflict("chat_archived")
    if block.apologized_at is None:
        raise Conflict("no_apology")
    if block.unblock_status != UnblockStatus.none:
        raise Conflict("already_proposed")
    now = utcnow()
    deadline = now + timedelta(hours=ctx.settings.unblock_objection_hours)
    block.unblock_status, block.unblock_proposed_by = UnblockStatus.proposed, me.user_id
    block.objection_deadline = deadline
    name = (await persons(ctx.db, chat.org_id, [block.user_id]))[block.user_id].name
    notice = Message(chat_id=chat.id, author_id=me.user_id, kind="unblock_proposal",
                     body=t(ctx.lang, "moderation.unblock_proposed", name=name),
                     meta={"block_id": block.id, "user_id": block.user_id,
                           "deadline": deadline.isoformat()}, created_at=now)
    ctx.db.add(notice)
    await ctx.db.flush()
    block.proposal_message_id = notice.id
    await publish_message(ctx, chat, me, notice, [])
    ctx.audit("unblock.proposed", chat.org_id, "user", block.user_id, chat_id=chat.id,
              block_id=block.id, deadline=deadline.isoformat())
    await _announce_block(ctx, chat, block)
    return block


async def object_to_unblock(ctx: Ctx, block_id: int, reason: str = "") -> ChatBlock:
    """Any member of the chat may object within the window; one objection keeps the block."""
    actor = ctx.require_actor()
    chat, me, block = await _block(ctx, block_id)
    if me is None or block.user_id == actor.user_id:
        raise Forbidden()
    await _in_force(ctx, chat, block)
    if block.unblock_status != UnblockStatus.proposed:
        raise Conflict("no_proposal")
    assert block.objection_deadline is not None
    if utcnow() >= block.objection_deadline:
        raise Conflict("objection_window_closed")
    exists = (await ctx.db.execute(select(UnblockObjection.id).where(
        UnblockObjection.block_id == block.id, UnblockObjection.user_id == actor.user_id))).first()
    if exists is None:
        ctx.db.add(UnblockObjection(block_id=block.id, user_id=actor.user_id,
                                    reason=_text(reason, "reason", required=False)))
    block.unblock_status = UnblockStatus.objected
    ctx.audit("unblock.objected", chat.org_id, "user", block.user_id, chat_id=chat.id,
              block_id=block.id)
    await _announce_block(ctx, chat, block)
    return block


async def settle_due_blocks(services: Services) -> int:
    """End the blocks whose early-unblock window closed with no objection, and tell the member
    and the moderators. The one place that writes that end: ``queries.blocks.active_block``
    only treats such a block as no longer in force until this has run, and the send path and
    the GETs never write it. The end is written only where no one wrote it yet, so two timers
    (two server processes) that see the same block record it once."""
    async with unit_of_work(services) as ctx:
        now = utcnow()
        due = list((await ctx.db.execute(select(ChatBlock).where(
            ChatBlock.unblock_status == UnblockStatus.proposed, ChatBlock.ended_at.is_(None),
            ChatBlock.objection_deadline <= now))).scalars())
        ended = 0
        for block in due:
            if not await released_early(ctx.db, block, now):
                continue
            assert block.objection_deadline is not None
            won = await ctx.db.execute(
                update(ChatBlock).where(ChatBlock.id == block.id, ChatBlock.ended_at.is_(None))
                .values(unblock_status=UnblockStatus.granted, ended_at=block.objection_deadline)
                .execution_options(synchronize_session=False))
            if cast(CursorResult[Any], won).rowcount != 1:
                continue  # another timer ended it first
            await ctx.db.refresh(block)
            chat = await ctx.db.get(Chat, block.chat_id)
            assert chat is not None
            ctx.audit("unblock.granted", chat.org_id, "user", block.user_id, chat_id=chat.id,
                      block_id=block.id)
            await _announce_block(ctx, chat, block, ended=True)
            ended += 1
    return ended


async def settle_forever(services: Services, every_seconds: float = 60) -> None:
    """The server's minute timer for early unblocks (started in the app's lifespan)."""
    while True:
        try:
            await settle_due_blocks(services)
        except Exception:
            log.exception("settling early unblocks failed")
        await asyncio.sleep(every_seconds)
