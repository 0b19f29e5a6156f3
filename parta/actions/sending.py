"""Sending messages (R25), one or many in one transaction.

A send over HTTP is a batch of one. Sends that arrive over the event sockets at about the same
time are a batch of many (``parta.api.socket_send``): the batch reads what its checks need in a
few statements for all of its sends (the senders' memberships, the chats' members, blocks,
each author's recent messages, earlier messages with the same client ids), decides each send on
its own exactly as a single send would be decided, then writes the accepted ones together.
A refused send changes nothing and does not disturb the others; a send that keeps files or a
forwarded copy runs its checks in a savepoint of its own.

A retry with the same ``client_id`` gets the first message back and creates nothing
(durable before acknowledged).
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, and_, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from parta.actions import flood, screening, stats
from parta.actions.base import Ctx
from parta.actions.chats import chat_visible, require_chat, require_direct_allowed
from parta.actions.messages import (
    Outbound,
    attachments_of,
    clean_body,
    forwarded,
    hold_message,
    own_unsent,
    publish_messages,
    resolve_mentions,
)
from parta.db import utcnow
from parta.errors import (
    Conflict,
    ConsentRequired,
    Forbidden,
    NotFound,
    PartaError,
    RateLimited,
    ValidationFailed,
)
from parta.models import (
    Attachment,
    Chat,
    ChatBlock,
    ChatMember,
    ConductMode,
    HeldMessage,
    HeldStatus,
    Message,
    Organization,
    PostPolicy,
)
from parta.policy import ChatAction, can_chat
from parta.queries.blocks import require_not_blocked
from parta.queries.privacy import restricted_in_chats
from parta.schemas.messages import AttachmentOut

__all__ = ["Outgoing", "Sent", "send_message", "send_messages"]


@dataclass
class Outgoing:
    """One send as its sender asked for it. ``ctx`` is the sender's: their actor, and the
    batch's transaction and events."""

    ctx: Ctx
    chat_id: int
    body: str
    client_id: str | None = None
    reply_to_id: int | None = None
    attachment_ids: list[int] = field(default_factory=list)
    forward_of: int | None = None
    confirm_conduct: bool = False


@dataclass
class Sent:
    """What a send produced: the message (new or the first one for a retried client id), or
    the held message waiting for a moderator (R33)."""

    message: Message | None
    files: list[AttachmentOut]
    created: bool
    held: HeldMessage | None = None


async def send_message(ctx: Ctx, chat_id: int, body: str, client_id: str | None = None,
                       reply_to_id: int | None = None,
                       attachment_ids: list[int] | None = None,
                       forward_of: int | None = None, *, confirm_conduct: bool = False,
                       ) -> Sent:
    """One send, refused by raising."""
    result = (await send_messages(ctx, [Outgoing(
        ctx, chat_id, body, client_id, reply_to_id, attachment_ids or [], forward_of,
        confirm_conduct)]))[0]
    if isinstance(result, PartaError):
        raise result
    return result


@dataclass
class _Ready:
    """A send that passed every check and waits to be written."""

    item: Outgoing
    chat: Chat
    me: ChatMember
    text: str
    files: list[Attachment]


@dataclass
class _SameAs:
    """A send repeating the client id of an earlier send in the same batch."""

    index: int
    item: Outgoing


@dataclass
class _Known:
    """What the batch's checks need, read once for all of its sends."""

    existing: dict[tuple[int, str], Message] = field(default_factory=dict)
    held: dict[tuple[int, str], HeldMessage] = field(default_factory=dict)
    chats: dict[int, Chat] = field(default_factory=dict)
    zones: dict[int, ZoneInfo] = field(default_factory=dict)  # the chats' schools' (statistics)
    mine: dict[tuple[int, int], ChatMember] = field(default_factory=dict)
    members: dict[int, frozenset[int]] = field(default_factory=dict)
    blocked: set[tuple[int, int]] = field(default_factory=set)
    replies: dict[int, int] = field(default_factory=dict)  # message id → its chat
    posts: set[int] = field(default_factory=set)  # of those, the live ones answering nothing
    modes: dict[int, dict[str, ConductMode]] = field(default_factory=dict)  # org → kind → mode
    recent: dict[int, flood.Recent] = field(default_factory=dict)  # flood-checked authors
    taken: dict[tuple[int, str], int] = field(default_factory=dict)  # client id → batch index
    # (org, sender) where a parent withdrew consent to chats (152-ФЗ): the sender may not post.
    restricted: set[tuple[int, int]] = field(default_factory=set)


def _sender(item: Outgoing) -> int:
    return item.ctx.require_actor().user_id


def _in(name: str) -> Any:
    return bindparam(name, expanding=True)


# Built once. Pairs are looked up as «a IN (…) AND b IN (…)», each an index search, and
# filtered here: SQLite scans the whole table for a row-value «(a, b) IN (…)».
_EXISTING = select(Message).where(Message.author_id.in_(_in("authors")),
                                  Message.client_id.in_(_in("keys")))
_HELD = select(HeldMessage).where(HeldMessage.author_id.in_(_in("authors")),
                                  HeldMessage.client_id.in_(_in("keys")),
                                  HeldMessage.status == HeldStatus.pending)
# The chats (with their school's time zone) and their senders' memberships in one statement:
# each chat once per sender who is a member (no row of the chat's own when nobody is), or once
# with no membership.
_CHATS_MINE = select(Chat, ChatMember, Organization.time_zone).join(
    Organization, Organization.id == Chat.org_id).outerjoin(ChatMember, and_(
        ChatMember.chat_id == Chat.id, ChatMember.user_id.in_(_in("users")),
        ChatMember.left_at.is_(None))).where(Chat.id.in_(_in("chats")))
_MEMBERS = select(ChatMember.chat_id, ChatMember.user_id).where(
    ChatMember.chat_id.in_(_in("chats")), ChatMember.left_at.is_(None))
_BLOCKED = select(ChatBlock.chat_id, ChatBlock.user_id).where(
    ChatBlock.chat_id.in_(_in("chats")), ChatBlock.user_id.in_(_in("users")),
    ChatBlock.ends_at > bindparam("now"), ChatBlock.ended_at.is_(None))
_REPLIES = select(Message.id, Message.chat_id, Message.reply_to_id, Message.deleted_at).where(
    Message.id.in_(_in("ids")))


async def _read(ctx: Ctx, batch: list[Outgoing], now: datetime) -> _Known:
    db = ctx.db
    k = _Known()
    keys = {(_sender(i), i.client_id) for i in batch if i.client_id}
    if keys:
        wanted = {"authors": list({a for a, _ in keys}), "keys": list({c for _, c in keys})}
        for m in (await db.execute(_EXISTING, wanted)).scalars():
            if (m.author_id, m.client_id) in keys:
                k.existing[(m.author_id, m.client_id)] = m  # type: ignore[index]
        for h in (await db.execute(_HELD, wanted)).scalars():
            if (h.author_id, h.client_id) in keys:
                k.held[(h.author_id, h.client_id)] = h  # type: ignore[index]
    asked = {(i.chat_id, _sender(i)) for i in batch}
    users = list({u for _, u in asked})
    for chat, cm, zone in (await db.execute(_CHATS_MINE, {"chats": list({c for c, _ in asked}),
                                                          "users": users})).all():
        k.chats[chat.id] = chat
        k.zones[chat.org_id] = stats.zone_named(zone)
        if cm is not None and (cm.chat_id, cm.user_id) in asked:
            k.mine[(cm.chat_id, cm.user_id)] = cm
    if not any(c in k.chats for c, _ in asked):
        return k
    in_chats = list({c for c, _ in k.mine})
    if not in_chats:
        return k
    members: dict[int, set[int]] = {c: set() for c in in_chats}
    for chat_id, user_id in (await db.execute(_MEMBERS, {"chats": in_chats})).all():
        members[chat_id].add(user_id)
    k.members = {c: frozenset(u) for c, u in members.items()}
    k.restricted = await restricted_in_chats(db, users)
    k.blocked = {(c, u) for c, u in (await db.execute(_BLOCKED, {
        "chats": in_chats, "users": users, "now": now})).all() if (c, u) in k.mine}
    reply_ids = list({i.reply_to_id for i in batch if i.reply_to_id is not None})
    if reply_ids:
        for target, c, answers, deleted in (await db.execute(_REPLIES, {"ids": reply_ids})).all():
            k.replies[int(target)] = int(c)
            if answers is None and deleted is None:
                k.posts.add(int(target))
    for org_id in {k.chats[c].org_id for c in in_chats}:
        k.modes[org_id] = await screening.org_modes(ctx, org_id)
    flood_checked = sorted({u for (_, u), m in k.mine.items() if m.role.value == "member"})
    k.recent = await flood.recent_of(ctx, flood_checked, now)
    return k


def _may_post(chat: Chat, me: ChatMember, item: Outgoing, k: _Known) -> None:
    """Where the moderators post and the members answer (``PostPolicy.replies``: the
    municipality's channel), a member's send is an answer to a post of the chat — a live
    message that answers nothing itself (the members' own answers are replies) — in words
    only (no files, nothing forwarded); anywhere else, the chat's own rule."""
    if chat.post_policy != PostPolicy.replies or can_chat(
            me.role.value, ChatAction.post, moderators_only_post=True):
        require_chat(chat, me, ChatAction.post)
        return
    require_chat(chat, me, ChatAction.reply)  # the archive
    if item.reply_to_id is None or item.attachment_ids or item.forward_of is not None:
        raise Forbidden("replies_only")
    if k.replies.get(item.reply_to_id) != chat.id:
        raise NotFound()
    if item.reply_to_id not in k.posts:
        raise ValidationFailed("not_a_post", fields={"reply_to_id": "not_a_post"})


async def _check(item: Outgoing, k: _Known, now: datetime) -> Sent | _Ready | _SameAs:
    """Decide one send as if it were alone (earlier accepted sends of the batch count)."""
    ctx = item.ctx
    actor = ctx.require_actor()
    uid = actor.user_id
    key = (uid, item.client_id) if item.client_id else None
    if key is not None:
        existing = k.existing.get(key)
        if existing is not None:
            if existing.chat_id != item.chat_id:
                raise Conflict(fields={"client_id": "duplicate"})
            return Sent(existing, await attachments_of(ctx, existing.id), False)
        held = k.held.get(key)
        if held is not None:
            return Sent(None, [], False, held)
        if key in k.taken:
            return _SameAs(k.taken[key], item)
    chat = k.chats.get(item.chat_id)
    if not chat_visible(actor, chat):
        raise NotFound()
    assert chat is not None
    me = k.mine.get((chat.id, uid))
    if me is None:
        raise NotFound()
    _may_post(chat, me, item, k)
    await require_direct_allowed(ctx, chat, uid)  # safe mode: one-to-one chats only
    if (chat.org_id, uid) in k.restricted:
        raise ConsentRequired(params={"purpose": "chats"})
    if (chat.id, uid) in k.blocked:
        await require_not_blocked(ctx.db, chat, uid)
    files = await own_unsent(ctx, chat.id, item.attachment_ids)
    body = item.body
    if item.forward_of is not None:
        body, copies = await forwarded(ctx, chat, item.forward_of)
        files += copies
    text = clean_body(body) if body.strip() or not files else ""
    text = resolve_mentions(text, k.members[chat.id])
    if item.reply_to_id is not None and k.replies.get(item.reply_to_id) != chat.id:
        raise NotFound()
    if chat.slow_mode_seconds and me.role.value == "member" and me.last_posted_at is not None:
        wait = chat.slow_mode_seconds - (now - me.last_posted_at).total_seconds()
        if wait > 0:
            raise RateLimited(int(wait) + 1, "slow_mode")
    refusal = flood.flood_refusal(ctx.settings, chat.id, me, text, now, k.recent.get(uid))
    if refusal is not None:
        raise refusal
    verdict = screening.screening(k.modes[chat.org_id][chat.kind.value], me, text)
    if verdict.flagged:
        if verdict.mode == ConductMode.reject:
            raise ValidationFailed("conduct_rejected", fields={"body": "conduct"},
                                   params={"matches": verdict.matches})
        if verdict.mode == ConductMode.warn and not item.confirm_conduct:
            raise ValidationFailed("conduct_warning", fields={"body": "conduct"},
                                   params={"matches": verdict.matches})
        if verdict.mode == ConductMode.hold:
            return Sent(None, [], True, await hold_message(
                ctx, chat, me, text, item.client_id, item.reply_to_id, files, verdict.matches))
    return _Ready(item, chat, me, text, files)


_MESSAGE = cast(Table, Message.__table__)
# The table, not the entity: a Core insert skips the ORM's bulk-insert layer.
_INSERT = insert(_MESSAGE).returning(_MESSAGE.c.id, sort_by_parameter_order=True)


_MEMBER_TABLE = cast(Table, ChatMember.__table__)
_SET_POSTED = (update(_MEMBER_TABLE).where(_MEMBER_TABLE.c.id == bindparam("b_id"))
               .values(last_posted_at=bindparam("b_at")))


def _row(r: _Ready, now: datetime) -> dict[str, Any]:
    return {"chat_id": r.chat.id, "author_id": _sender(r.item), "client_id": r.item.client_id or None,
            "body": r.text, "kind": "text", "reply_to_id": r.item.reply_to_id,
            "forwarded_from_id": r.item.forward_of, "created_at": now}


async def _insert(ctx: Ctx, ready: list[_Ready], now: datetime) -> list[int | Sent | PartaError]:
    """Write the accepted sends in one statement; should another request have taken one of
    their client ids meanwhile (PostgreSQL), write them one at a time and answer that one
    with the first message, as a retry."""
    rows = [_row(r, now) for r in ready]
    # On PostgreSQL a failed statement spoils the transaction unless it ran in a savepoint;
    # SQLite undoes just the statement (and lets no other writer in between our reads and it).
    guarded = ctx.db.bind is None or ctx.db.bind.dialect.name != "sqlite"
    try:
        async with ctx.db.begin_nested() if guarded else nullcontext():
            if len(rows) == 1:
                return [(await ctx.db.execute(_INSERT, rows[0])).scalar_one()]
            return list((await ctx.db.execute(_INSERT, rows)).scalars())
    except IntegrityError:
        pass
    out: list[int | Sent | PartaError] = []
    for r, row in zip(ready, rows, strict=True):
        try:
            async with ctx.db.begin_nested():
                out.append((await ctx.db.execute(_INSERT, row)).scalar_one())
        except IntegrityError:
            first = (await ctx.db.execute(select(Message).where(
                Message.author_id == row["author_id"],
                Message.client_id == row["client_id"]))).scalar_one()
            out.append(Conflict(fields={"client_id": "duplicate"}) if first.chat_id != r.chat.id
                       else Sent(first, await attachments_of(ctx, first.id), False))
    return out


async def send_messages(ctx: Ctx, batch: list[Outgoing]) -> list[Sent | PartaError]:
    """Decide and write a batch of sends in ``ctx``'s transaction; every item's own ``ctx``
    shares it. Returns, for each send in order, what it produced or why it was refused."""
    now = utcnow()
    known = await _read(ctx, batch, now)
    decided: list[Sent | _Ready | _SameAs | PartaError] = []
    for index, item in enumerate(batch):
        result: Sent | _Ready | _SameAs | PartaError
        try:
            if item.attachment_ids or item.forward_of is not None:
                async with ctx.db.begin_nested():  # its files and copies go if it is refused
                    result = await _check(item, known, now)
            else:
                result = await _check(item, known, now)
        except PartaError as refusal:
            result = refusal
        if item.client_id and (isinstance(result, _Ready) or isinstance(result, Sent)
                               and result.held is not None and result.created):
            known.taken[(_sender(item), item.client_id)] = index
        if isinstance(result, _Ready):
            uid = _sender(item)
            set_committed_value(result.me, "last_posted_at", now)  # written with the batch
            flood.record(ctx, known.recent.get(uid), uid, result.chat.id, result.text, now)
        elif isinstance(result, Sent) and result.held is not None and result.created:
            held = result.held  # held for a moderator: it counts toward the flood limits too
            flood.record(ctx, known.recent.get(held.author_id), held.author_id, held.chat_id,
                         held.body, now, held=True)
        decided.append(result)
    ready_at = [n for n, d in enumerate(decided) if isinstance(d, _Ready)]
    ready = [r for r in decided if isinstance(r, _Ready)]
    written = await _insert(ctx, ready, now) if ready else []
    posted = {r.me.id for r, w in zip(ready, written, strict=True) if isinstance(w, int)}
    if posted:
        await ctx.db.execute(_SET_POSTED, [{"b_id": i, "b_at": now} for i in posted])
        await stats.count_posted(ctx.db, [
            stats.Posted(r.chat, _sender(r.item),
                         stats.role_bucket(r.item.ctx.require_actor().roles_in(r.chat.org_id)), now)
            for r, w in zip(ready, written, strict=True) if isinstance(w, int)], known.zones)
    results: list[Sent | PartaError | None] = [
        d if isinstance(d, Sent | PartaError) else None for d in decided]
    outs: list[Outbound] = []
    out_at: list[int] = []
    for n, r, w in zip(ready_at, ready, written, strict=True):
        if isinstance(w, int):
            outs.append(Outbound(r.chat, r.me, Message(id=w, **_row(r, now)), r.files,
                                 await r.item.ctx.caller_person(r.chat.org_id)))
            out_at.append(n)
        else:
            results[n] = w
    if outs:
        attached = await publish_messages(ctx, outs, known.members)
        for n, o, files in zip(out_at, outs, attached, strict=True):
            results[n] = Sent(o.msg, files, True)
    for n, d in enumerate(decided):
        if isinstance(d, _SameAs):
            first = results[d.index]
            if isinstance(first, Sent) and first.message is not None:
                results[n] = (Conflict(fields={"client_id": "duplicate"})
                              if first.message.chat_id != d.item.chat_id
                              else Sent(first.message, first.files, False))
            elif isinstance(first, Sent):  # held for a moderator: the same held message
                results[n] = Sent(None, [], False, first.held)
            else:
                results[n] = first
    assert all(r is not None for r in results)
    return results  # type: ignore[return-value]
