"""Reads of chats and messages, only ever for someone who is in the chat."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.actions.attachments import attachment_payload
from parta.actions.messages import message_payload
from parta.db import utcnow
from parta.models import (
    GROUP_CHAT_KINDS,
    Attachment,
    Chat,
    ChatBlock,
    ChatInvitation,
    ChatKind,
    ChatMember,
    Message,
    MessageView,
    Organization,
    Pin,
    PostPolicy,
    Reaction,
    UnblockObjection,
    UnblockStatus,
)
from parta.models.chat import CHANNEL_KINDS
from parta.policy import Actor, chat_capabilities
from parta.queries.direct import direct_refusals
from parta.queries.people import persons
from parta.rules import effective_rules
from parta.schemas.chats import ChatCapabilities
from parta.search import search_message_ids

__all__ = ["capabilities", "chat_detail", "chat_list", "chat_members", "invitations",
           "message_page"]


async def _files_of(db: AsyncSession, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    files: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if ids:
        for a in (await db.execute(select(Attachment).where(Attachment.message_id.in_(ids))
                                   .order_by(Attachment.id))).scalars():
            files[a.message_id or 0].append(attachment_payload(a))
    return files


def _chat_dict(chat: Chat) -> dict[str, Any]:
    return {
        "id": chat.id, "org_id": chat.org_id, "kind": chat.kind.value, "title": chat.title,
        "description": chat.description, "rules": chat.rules, "rules_version": chat.rules_version,
        "group_id": chat.group_id, "subject": chat.subject, "post_policy": chat.post_policy.value,
        "members_invite": chat.members_invite, "slow_mode_seconds": chat.slow_mode_seconds,
        "archived": chat.archived_at is not None,
    }


def capabilities(chat: Chat, me: ChatMember | None, blocked: bool) -> ChatCapabilities:
    return ChatCapabilities(**chat_capabilities(
        me.role.value if me else None, direct=chat.kind == ChatKind.direct,
        group=chat.kind in GROUP_CHAT_KINDS, archived=chat.archived_at is not None, blocked=blocked,
        moderators_only_post=chat.post_policy == PostPolicy.moderators,
        members_invite=chat.members_invite))


async def _blocked_in(db: AsyncSession, user_id: int, chat_ids: list[int]) -> set[int]:
    """The chats where the person's block is in force now — ``guard.active_block`` for many
    chats in one read: not over, not ended early, not released by an unopposed proposal."""
    now = utcnow()
    released = and_(ChatBlock.unblock_status == UnblockStatus.proposed,
                    ChatBlock.objection_deadline.is_not(None), ChatBlock.objection_deadline <= now,
                    ~exists().where(UnblockObjection.block_id == ChatBlock.id))
    return set((await db.execute(select(ChatBlock.chat_id).where(
        ChatBlock.user_id == user_id, ChatBlock.chat_id.in_(chat_ids), ChatBlock.ends_at > now,
        ChatBlock.ended_at.is_(None), ~released))).scalars())


async def _direct_titles(db: AsyncSession, chats: list[Chat], me: int) -> dict[int, str]:
    """A one-to-one chat is called by the other person's name."""
    pairs = {c.id: int(next(p for p in (c.direct_key or "").split(":") if int(p) != me) or 0)
             for c in chats if c.direct_key and c.direct_key.count(":") == 1}
    if not pairs:
        return {}
    people = await persons(db, None, pairs.values())
    return {cid: people[uid].name for cid, uid in pairs.items() if uid in people}


async def chat_list(db: AsyncSession, user_id: int, org_id: int | None = None) -> list[dict[str, Any]]:
    """The caller's chats, newest activity first, with unread counts and the last message."""
    stmt = (select(Chat, ChatMember).join(ChatMember, ChatMember.chat_id == Chat.id)
            .where(ChatMember.user_id == user_id, ChatMember.left_at.is_(None)))
    if org_id is not None:
        stmt = stmt.where(Chat.org_id == org_id)
    rows = (await db.execute(stmt)).all()
    if not rows:
        return []
    chat_ids = [c.id for c, _ in rows]
    unread = dict((await db.execute(
        select(Message.chat_id, func.count()).join(ChatMember, and_(
            ChatMember.chat_id == Message.chat_id, ChatMember.user_id == user_id))
        .where(Message.chat_id.in_(chat_ids), Message.id > ChatMember.last_read_message_id,
               Message.deleted_at.is_(None), Message.author_id != user_id)
        .group_by(Message.chat_id))).all())
    last_ids = [c.last_message_id for c, _ in rows if c.last_message_id]
    last = {m.chat_id: m for m in (await db.execute(
        select(Message).where(Message.id.in_(last_ids)))).scalars()} if last_ids else {}
    authors = await persons(db, None, [m.author_id for m in last.values()])
    last_files = await _files_of(db, [m.id for m in last.values()])
    titles = await _direct_titles(db, [c for c, _ in rows], user_id)
    blocked = await _blocked_in(db, user_id, chat_ids)
    out = []
    for chat, me in rows:
        m = last.get(chat.id)
        item = _chat_dict(chat)
        item.update({
            "title": titles.get(chat.id, chat.title), "my_role": me.role.value,
            "capabilities": capabilities(chat, me, chat.id in blocked).model_dump(),
            "unread": unread.get(chat.id, 0), "last_read_message_id": me.last_read_message_id,
            "rules_accepted_version": me.rules_accepted_version,
            "last_message": ({**message_payload(m, last_files.get(m.id)), "author_name":
                              authors[m.author_id].name if m.author_id in authors else ""}
                             if m else None),
        })
        out.append(item)
    out.sort(key=lambda c: -(c["last_message"]["id"] if c["last_message"] else 0))
    return out


async def chat_detail(db: AsyncSession, chat: Chat, me: ChatMember | None,
                      my_block: dict[str, Any] | None = None) -> dict[str, Any]:
    item = _chat_dict(chat)
    org = await db.get(Organization, chat.org_id)
    item["rule_items"] = [{"number": r.number, "text": r.text, "source": r.source}
                          for r in effective_rules(org.chat_rules if org else None, chat.rules)]
    item["org_rules_version"] = org.chat_rules_version if org else 1
    item["my_block"] = my_block
    count = (await db.execute(select(func.count()).select_from(ChatMember).where(
        ChatMember.chat_id == chat.id, ChatMember.left_at.is_(None)))).scalar_one()
    pins = list((await db.execute(select(Pin.message_id).where(Pin.chat_id == chat.id)
                                  .order_by(Pin.id))).scalars())
    if me is not None:
        titles = await _direct_titles(db, [chat], me.user_id)
        item["title"] = titles.get(chat.id, chat.title)
    item.update({"members_count": count, "pinned": pins,
                 "my_role": me.role.value if me else None,
                 "last_read_message_id": me.last_read_message_id if me else 0,
                 "rules_accepted_version": me.rules_accepted_version if me else None,
                 "org_rules_accepted_version": me.org_rules_accepted_version if me else None,
                 "capabilities": capabilities(chat, me, my_block is not None).model_dump()})
    return item


async def message_page(db: AsyncSession, chat: Chat, viewer: ChatMember, *,
                       before_id: int | None = None, after_id: int | None = None,
                       around_id: int | None = None, limit: int = 50,
                       staff_view: bool = False) -> dict[str, Any]:
    """Newest-first pages by cursor; ``around_id`` jumps to a message with context."""
    # Plain rows, not ORM objects: a page only reads, and building fifty objects costs more
    # than the query itself.
    base = select(*Message.__table__.c).where(Message.chat_id == chat.id)
    msgs: list[Any]
    if around_id is not None:
        newer_n = (limit - 1) // 2
        older = list((await db.execute(base.where(Message.id <= around_id)
                                       .order_by(Message.id.desc()).limit(limit - newer_n))).all())
        newer = list((await db.execute(base.where(Message.id > around_id)
                                       .order_by(Message.id).limit(newer_n))).all())
        msgs = sorted(older + newer, key=lambda m: m.id, reverse=True)
    elif after_id is not None:
        msgs = list((await db.execute(base.where(Message.id > after_id)
                                      .order_by(Message.id).limit(limit))).all())
        msgs.reverse()
    else:
        if before_id is not None:
            base = base.where(Message.id < before_id)
        msgs = list((await db.execute(base.order_by(Message.id.desc()).limit(limit))).all())
    ids = [m.id for m in msgs]
    files: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if ids:
        for a in (await db.execute(select(Attachment).where(Attachment.message_id.in_(ids))
                                   .order_by(Attachment.id))).scalars():
            files[a.message_id or 0].append(attachment_payload(a))
    views: dict[int, int] = {}
    if ids and chat.kind in CHANNEL_KINDS:
        views = dict((await db.execute(select(MessageView.message_id, func.count()).where(
            MessageView.message_id.in_(ids)).group_by(MessageView.message_id))).all())
    reactions: dict[int, dict[str, int]] = defaultdict(dict)
    mine: dict[int, list[str]] = defaultdict(list)
    if ids:  # the counts and the viewer's own, in one read
        for mid, emoji, n, own in (await db.execute(
                select(Reaction.message_id, Reaction.emoji, func.count(),
                       func.max(case((Reaction.user_id == viewer.user_id, 1), else_=0)))
                .where(Reaction.message_id.in_(ids))
                .group_by(Reaction.message_id, Reaction.emoji))).all():
            reactions[mid][emoji] = n
            if own:
                mine[mid].append(emoji)
    # «Read by N of M» for the viewer's own messages in a group chat.
    positions: list[Any] = []
    if any(m.author_id == viewer.user_id for m in msgs):  # only then is there «read by» to show
        positions = list((await db.execute(
            select(ChatMember.user_id, ChatMember.last_read_message_id)
            .where(ChatMember.chat_id == chat.id, ChatMember.left_at.is_(None)))).all())
    people = await persons(db, chat.org_id, [m.author_id for m in msgs])
    authors = {uid: p.model_dump() for uid, p in people.items()}
    items = []
    for m in msgs:
        item = message_payload(m, files.get(m.id))
        item["author"] = authors.get(m.author_id) if m.author_id else None
        item["reactions"] = reactions.get(m.id, {})
        item["my_reactions"] = mine.get(m.id, [])
        if chat.kind in CHANNEL_KINDS:
            item["views"] = views.get(m.id, 0)
        if m.author_id == viewer.user_id and not m.deleted_at:
            others = [(u, r) for u, r in positions if u != viewer.user_id]
            item["read_by"] = sum(1 for _, r in others if r >= m.id)
            item["read_of"] = len(others)
            if staff_view:
                item["read_by_ids"] = [u for u, r in others if r >= m.id]
        items.append(item)
    oldest = msgs[-1].id if msgs else None
    return {"messages": items, "next_before_id": oldest if len(msgs) == limit else None}


async def chat_members(db: AsyncSession, chat: Chat, viewer: Actor) -> list[dict[str, Any]]:
    """The chat's members; ``can_write`` says whether the viewer may start a one-to-one chat
    with each (the policy's answer, so the page offers only what the server will do)."""
    rows = (await db.execute(select(ChatMember).where(
        ChatMember.chat_id == chat.id, ChatMember.left_at.is_(None)))).scalars().all()
    people = await persons(db, chat.org_id, [r.user_id for r in rows])
    rank = {"owner": 0, "moderator": 1}
    ordered = sorted((r for r in rows if r.user_id in people),
                     key=lambda r: (rank.get(r.role.value, 2), people[r.user_id].name))
    refusals = await direct_refusals(db, chat.org_id, viewer.user_id,
                                     viewer.roles_in(chat.org_id), [r.user_id for r in ordered])
    return [{"user": people[r.user_id].model_dump(), "role": r.role.value,
             "joined_at": r.joined_at.isoformat(),
             "can_write": r.user_id in refusals and refusals[r.user_id] is None}
            for r in ordered]


async def invitations(db: AsyncSession, user_id: int) -> list[dict[str, Any]]:
    rows = (await db.execute(select(Chat, ChatInvitation).join(
        ChatInvitation, ChatInvitation.chat_id == Chat.id).where(
        ChatInvitation.user_id == user_id, ChatInvitation.declined_at.is_(None),
        Chat.archived_at.is_(None)))).all()
    out = []
    for c, i in rows:  # the inviter's badge is the one earned in the chat's school
        inviter = (await persons(db, c.org_id, [i.invited_by])).get(i.invited_by or 0)
        out.append({**_chat_dict(c), "invited_by": inviter.model_dump() if inviter else None,
                    "invited_at": i.created_at.isoformat()})
    return out


async def search(db: AsyncSession, user_id: int, q: str, chat_id: int | None) -> list[dict[str, Any]]:
    """Messages matching ``q`` in the caller's chats, newest first, with their chat's title."""
    ids = await search_message_ids(db, user_id, q, chat_id=chat_id)
    if not ids:
        return []
    rows = (await db.execute(select(Message, Chat).join(Chat, Chat.id == Message.chat_id)
                             .where(Message.id.in_(ids)).order_by(Message.id.desc()))).all()
    titles = await _direct_titles(db, [c for _, c in rows], user_id)
    files = await _files_of(db, [m.id for m, _ in rows])
    out = []
    for m, c in rows:  # the author's badge is the one earned in that chat's school
        author = (await persons(db, c.org_id, [m.author_id])).get(m.author_id or 0)
        out.append({**message_payload(m, files.get(m.id)), "chat_title": titles.get(c.id, c.title),
                    "author": author.model_dump() if author else None})
    return out
