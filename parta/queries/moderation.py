"""Reads for moderation: the queue (reports and held messages), a member's record, blocks,
removals and appeals. Callers pass the scope the gate gave them (``queries.scope``: the chats
the actor moderates, or a whole organization for its administrators); reporters are never
named here."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.models import (
    Chat,
    ChatBlock,
    ChatRemoval,
    HeldMessage,
    HeldStatus,
    Message,
    Report,
    ReportStatus,
    Violation,
)
from parta.policy import sees_block
from parta.queries.people import persons
from parta.queries.scope import ChatScope, OrgScope
from parta.rules import VIOLATIONS_BEFORE_BLOCK, effective_rules
from parta.schemas.common import Rule, instant
from parta.schemas.moderation import (
    AppealOut,
    BlockOut,
    HeldOut,
    MemberRecord,
    ModerationQueue,
    MyRemoval,
    MyViolation,
    QueuedHeld,
    QueuedMessage,
    QueuedReport,
    RecordBlock,
)

__all__ = [
    "appeals",
    "blocks",
    "member_record",
    "my_held",
    "queue",
    "removals_of",
    "violations",
]

CONTEXT = 2  # messages shown before and after a reported one


def _scope(stmt: Any, column: Any, org_column: Any, scope: OrgScope) -> Any:
    stmt = stmt.where(org_column == scope.org.id)
    return stmt if scope.chats is None else stmt.where(column.in_(scope.chats or {0}))


async def _context(db: AsyncSession, msg: Message) -> list[Message]:
    before = list((await db.execute(select(Message).where(
        Message.chat_id == msg.chat_id, Message.id < msg.id, Message.deleted_at.is_(None))
        .order_by(Message.id.desc()).limit(CONTEXT))).scalars())
    after = list((await db.execute(select(Message).where(
        Message.chat_id == msg.chat_id, Message.id > msg.id, Message.deleted_at.is_(None))
        .order_by(Message.id).limit(CONTEXT))).scalars())
    return before[::-1] + [msg] + after


async def queue(db: AsyncSession, scope: OrgScope) -> ModerationQueue:
    """Open reports, one item per message with its context, and held messages — in the chats
    the viewer moderates (``scope.chats``), or every chat of the organization (None; the gate
    is ``scope.queue_scope``). Nobody judges their own message, so those are left out."""
    org, viewer_id = scope.org, scope.actor.user_id
    stmt = _scope(select(Report).where(Report.status == ReportStatus.open),
                  Report.chat_id, Report.org_id, scope).order_by(Report.id)
    by_message: dict[int, list[Report]] = defaultdict(list)
    for r in (await db.execute(stmt)).scalars():
        by_message[r.message_id].append(r)
    msgs = {m.id: m for m in (await db.execute(select(Message).where(
        Message.id.in_(list(by_message))))).scalars()} if by_message else {}
    held = list((await db.execute(_scope(
        select(HeldMessage).where(HeldMessage.status == HeldStatus.pending,
                                  HeldMessage.author_id != viewer_id),
        HeldMessage.chat_id, HeldMessage.org_id, scope).order_by(HeldMessage.id)))
        .scalars())
    found: list[tuple[Message, list[Report], list[Message]]] = []
    people: set[int | None] = set()
    for mid, reports in by_message.items():
        msg = msgs.get(mid)
        # Nobody judges their own message, nor a message they reported.
        if msg is None or msg.author_id == viewer_id or any(
                r.reporter_id == viewer_id for r in reports):
            continue
        context = await _context(db, msg)
        people.update(m.author_id for m in context)
        found.append((msg, reports, context))
    people.update(h.author_id for h in held)
    chat_ids = {msg.chat_id for msg, _, _ in found} | {h.chat_id for h in held}
    chat_titles = dict((await db.execute(select(Chat.id, Chat.title).where(Chat.id.in_(
        chat_ids or {0})))).all())
    names = {uid: p.name for uid, p in (await persons(db, org.id, people)).items()}
    rules = {str(c.id): [Rule.model_construct(number=r.number, text=r.text, source=r.source)
                         for r in effective_rules(org.chat_rules, c.rules)]
             for c in (await db.execute(select(Chat).where(Chat.id.in_(chat_ids or {0})))).scalars()}

    def shown(m: Message) -> QueuedMessage:
        return QueuedMessage.from_row(m, author_name=names.get(m.author_id or 0, ""))

    items = []
    for msg, reports, context in found:
        reasons: dict[str, int] = defaultdict(int)
        for r in reports:
            reasons[r.reason.value] += 1
        items.append(QueuedReport.model_construct(
            report_ids=[r.id for r in reports], chat_id=msg.chat_id, message=shown(msg),
            reasons=dict(reasons), comments=[r.comment for r in reports if r.comment],
            first_reported_at=reports[0].created_at.isoformat(),
            context=[shown(m) for m in context], chat_title=chat_titles.get(msg.chat_id, "")))
    return ModerationQueue.model_construct(
        reports=items,
        held=[QueuedHeld.from_row(h, chat_title=chat_titles.get(h.chat_id, ""),
                                  author_name=names.get(h.author_id, "")) for h in held],
        names={str(k): v for k, v in names.items()}, rules=rules)


async def my_held(db: AsyncSession, scope: ChatScope) -> list[HeldOut]:
    """The caller's own messages in this chat waiting for a moderator (R33)."""
    rows = (await db.execute(select(HeldMessage).where(
        HeldMessage.chat_id == scope.chat.id, HeldMessage.author_id == scope.actor.user_id,
        HeldMessage.status == HeldStatus.pending).order_by(HeldMessage.id))).scalars()
    return [HeldOut.from_row(h) for h in rows]


async def violations(db: AsyncSession, user_id: int) -> list[MyViolation]:
    """A person's own violations, in every chat (``/me/violations``)."""
    return await _violations(db, user_id, None)


async def _violations(db: AsyncSession, user_id: int, chat: Chat | None) -> list[MyViolation]:
    stmt = select(Violation).where(Violation.user_id == user_id).order_by(Violation.id.desc())
    if chat is not None:
        stmt = stmt.where(Violation.chat_id == chat.id)
    rows = list((await db.execute(stmt)).scalars())
    titles = dict((await db.execute(select(Chat.id, Chat.title).where(
        Chat.id.in_({v.chat_id for v in rows} or {0})))).all())
    return [MyViolation.from_row(v, chat_title=titles.get(v.chat_id, "")) for v in rows]


async def member_record(db: AsyncSession, scope: ChatScope, user_id: int) -> MemberRecord:
    """One member's standing in one chat: violations, how many count toward a block, blocks
    (the gate, ``scope.record_scope``, decided the caller may see this member's)."""
    chat_id = scope.chat.id
    vs = await _violations(db, user_id, scope.chat)
    all_blocks = list((await db.execute(select(ChatBlock).where(
        ChatBlock.chat_id == chat_id, ChatBlock.user_id == user_id)
        .order_by(ChatBlock.id.desc()))).scalars())
    mark = max((b.last_violation_id for b in all_blocks), default=0)
    counted = sum(1 for v in vs if v.id > mark)
    return MemberRecord.model_construct(
        user_id=user_id, chat_id=chat_id, violations=vs, counted_toward_block=counted,
        block_allowed=counted > VIOLATIONS_BEFORE_BLOCK,
        blocks=[RecordBlock.from_row(b, ended_at=instant(b.ended_at)) for b in all_blocks])


async def blocks(db: AsyncSession, scope: ChatScope, now: Any) -> list[BlockOut]:
    """Blocks in force in a chat (not ended early, not expired) that the caller sees
    (``policy.sees_block``: moderators every one, members those open to objection)."""
    rows = (await db.execute(select(ChatBlock).where(
        ChatBlock.chat_id == scope.chat.id, ChatBlock.ended_at.is_(None), ChatBlock.ends_at > now)
        .order_by(ChatBlock.id))).scalars()
    return [BlockOut.from_row(b) for b in rows if sees_block(scope.moderates, b.unblock_status)]


async def removals_of(db: AsyncSession, user_id: int) -> list[MyRemoval]:
    rows = list((await db.execute(select(ChatRemoval).where(ChatRemoval.user_id == user_id)
                                  .order_by(ChatRemoval.id.desc()))).scalars())
    titles = dict((await db.execute(select(Chat.id, Chat.title).where(
        Chat.id.in_({r.chat_id for r in rows} or {0})))).all())
    return [MyRemoval.from_row(r, chat_title=titles.get(r.chat_id, "")) for r in rows]


async def appeals(db: AsyncSession, scope: OrgScope) -> list[AppealOut]:
    """Appeals against removals in an organization: pending first, then decided."""
    org_id = scope.org.id
    rows = list((await db.execute(select(ChatRemoval).where(
        ChatRemoval.org_id == org_id, ChatRemoval.appeal_status != "none")
        .order_by(and_(ChatRemoval.appeal_status == "pending").desc(), ChatRemoval.id.desc())
        .limit(200))).scalars())
    names = await persons(db, org_id, {r.user_id for r in rows} | {r.removed_by for r in rows})
    titles = dict((await db.execute(select(Chat.id, Chat.title).where(
        Chat.id.in_({r.chat_id for r in rows} or {0})))).all())
    return [AppealOut.from_row(
        r, chat_title=titles.get(r.chat_id, ""),
        user_name=names[r.user_id].name if r.user_id in names else "",
        removed_by_name=names[r.removed_by].name if r.removed_by in names else "")
        for r in rows]

