"""Messages (R25): send (idempotent by the sender's client id), edit, delete, read, react, pin."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from parta import search
from parta.actions import flood, screening
from parta.actions.base import Ctx
from parta.actions.chats import active_member_ids, require_chat
from parta.actions.roles import org_admin_ids
from parta.db import utcnow
from parta.errors import Conflict, Forbidden, NotFound, ValidationFailed
from parta.models import (
    Attachment,
    Chat,
    ChatMember,
    ChatRole,
    ConductMode,
    HeldMessage,
    Message,
    MessageView,
    Pin,
    Reaction,
)
from parta.models.chat import CHANNEL_KINDS
from parta.policy import ChatAction
from parta.queries.blocks import require_not_blocked
from parta.queries.people import persons
from parta.queries.scope import chat_for
from parta.realtime.events import (
    ChatRead,
    Envelope,
    MessageDeleted,
    MessageEdited,
    MessageNew,
    ModerationChanged,
    PinsChanged,
    ReactionChanged,
    Typing,
)
from parta.schemas.common import Person
from parta.schemas.messages import MENTION, AttachmentOut, SeenMessage, mentioned_ids

__all__ = [
    "MAX_BODY",
    "REACTIONS",
    "Outbound",
    "attachments_of",
    "clean_body",
    "delete_message",
    "edit_message",
    "forwarded",
    "hold_message",
    "mark_read",
    "mentioned_ids",
    "message_in",
    "moderator_ids",
    "own_unsent",
    "pin_message",
    "publish_message",
    "publish_messages",
    "react",
    "remove_message",
    "resolve_mentions",
    "unpin_message",
]

MAX_BODY = 10_000
REACTIONS = ("👍", "❤️", "😂", "😮", "😢", "🙏", "👏", "🔥", "✅", "👀")
EDIT_WINDOW = timedelta(hours=48)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")  # control characters, but for line feed and tab


async def _resolve_mentions(ctx: Ctx, chat: Chat, text: str) -> str:
    if "@[" not in text:
        return text
    return resolve_mentions(text, await active_member_ids(ctx, chat.id))


def resolve_mentions(text: str, members: set[int] | frozenset[int]) -> str:
    """Keep mentions of the chat's members; turn any other into plain text."""
    if "@[" not in text:
        return text
    return MENTION.sub(lambda m: m.group(0) if int(m.group(2)) in members else f"@{m.group(1)}",
                       text)


def clean_body(body: str) -> str:
    text = body.replace("\r\n", "\n").strip()
    if not text:
        raise ValidationFailed(fields={"body": "required"})
    if len(text) > MAX_BODY:
        raise ValidationFailed(fields={"body": "too_long"})
    if CONTROL.search(text):
        raise ValidationFailed(fields={"body": "invalid"})
    return text


async def message_in(ctx: Ctx, chat: Chat, message_id: int) -> Message:
    m = await ctx.db.get(Message, message_id)
    if m is None or m.chat_id != chat.id:
        raise NotFound()
    return m


_CHATS = cast(Table, Chat.__table__)
_MEMBERS = cast(Table, ChatMember.__table__)
_SET_LAST_MESSAGE = (update(_CHATS).where(_CHATS.c.id == bindparam("b_id"))
                     .values(last_message_id=bindparam("b_last")))
_SET_READ = (update(_MEMBERS).where(_MEMBERS.c.id == bindparam("b_id"))
             .values(last_read_message_id=bindparam("b_read")))


@dataclass
class Outbound:
    """A stored message on its way out, with who wrote it as it will be shown."""

    chat: Chat
    me: ChatMember | None  # the author's membership, when the author is a member
    msg: Message
    files: list[Attachment]
    author: Person | None


async def publish_message(ctx: Ctx, chat: Chat, me: ChatMember | None, msg: Message,
                          files: list[Attachment]) -> list[AttachmentOut]:
    """A stored message goes out (see ``publish_messages``)."""
    flood.forget(ctx, msg.author_id)  # not a send (an approval, a notice): read their posts anew
    author: Person | None
    if msg.author_id is not None and ctx.user is not None and msg.author_id == ctx.user.id:
        author = await ctx.caller_person(chat.org_id)  # loaded with the caller: no query
    else:
        author = (await persons(ctx.db, chat.org_id, [msg.author_id]))[msg.author_id] \
            if msg.author_id else None
    return (await publish_messages(ctx, [Outbound(chat, me, msg, files, author)]))[0]


async def publish_messages(ctx: Ctx, outs: list[Outbound],
                           members: dict[int, frozenset[int]] | None = None,
                           ) -> list[list[AttachmentOut]]:
    """Stored messages go out, in id order: their files, the search index, each chat's last
    message, and the event to every member (``members`` by chat, when already read). The
    author's own read position moves past their message. Returns each message's files."""
    await search.index_messages(ctx.db, [(o.msg.id, o.msg.body) for o in outs])
    last: dict[int, tuple[Chat, int]] = {}
    read: dict[int, tuple[ChatMember, int]] = {}
    for o in outs:
        last[o.chat.id] = (o.chat, o.msg.id)
        if o.me is not None and o.me.user_id == o.msg.author_id:
            read[o.me.id] = (o.me, o.msg.id)
    # One statement each for all the chats and all the authors; the loaded objects are told
    # the new values as their committed state, so the session writes them no second time.
    await ctx.db.execute(_SET_LAST_MESSAGE, [{"b_id": c.id, "b_last": m} for c, m in last.values()])
    for c, m in last.values():
        set_committed_value(c, "last_message_id", m)
    if read:
        await ctx.db.execute(_SET_READ, [{"b_id": me.id, "b_read": m} for me, m in read.values()])
        for me, m in read.values():
            set_committed_value(me, "last_read_message_id", m)
    audiences = dict(members or {})
    attached_all = []
    for o in outs:
        msg, chat = o.msg, o.chat
        for f in o.files:
            f.message_id = msg.id
        attached = [AttachmentOut.from_row(f) for f in o.files]
        attached_all.append(attached)
        audience = audiences.get(chat.id)
        if audience is None:
            audience = audiences[chat.id] = frozenset(await active_member_ids(ctx, chat.id))
        ctx.emit(MessageNew(org_id=chat.org_id, chat_id=chat.id,
                            message=SeenMessage.from_row(msg, attached, author=o.author,
                                                         reactions={}, my_reactions=[])),
                 audience)
    return attached_all


async def hold_message(ctx: Ctx, chat: Chat, me: ChatMember, text: str, client_id: str | None,
                       reply_to_id: int | None, files: list[Attachment],
                       matches: list[dict[str, Any]]) -> HeldMessage:
    """Nobody but the author and the moderators sees it until a moderator decides (R33)."""
    held = HeldMessage(org_id=chat.org_id, chat_id=chat.id, author_id=me.user_id,
                       client_id=client_id or None, body=text, reply_to_id=reply_to_id,
                       attachment_ids=[f.id for f in files], matches=matches)
    ctx.db.add(held)
    await ctx.db.flush()
    ctx.emit(ModerationChanged(org_id=chat.org_id, chat_id=chat.id, what="held"),
             await moderator_ids(ctx, chat))
    return held


async def moderator_ids(ctx: Ctx, chat: Chat) -> set[int]:
    """Who looks after a chat's queue: its moderators and the organization's administrators."""
    mods = set((await ctx.db.execute(select(ChatMember.user_id).where(
        ChatMember.chat_id == chat.id, ChatMember.left_at.is_(None),
        ChatMember.role.in_([ChatRole.owner, ChatRole.moderator])))).scalars())
    return mods | await org_admin_ids(ctx, chat.org_id)


MAX_FILES = 10


async def forwarded(ctx: Ctx, target: Chat, source_id: int) -> tuple[str, list[Attachment]]:
    """Forwarding stays inside the organization, from a chat the sender is in now."""
    source = await ctx.db.get(Message, source_id)
    if source is None or source.deleted_at is not None:
        raise NotFound()  # the same answer as another school's message or a chat one is not in
    scope = await chat_for(ctx.db, ctx.require_actor(), source.chat_id)  # not a member: «not found»
    src_chat = scope.chat
    if src_chat.org_id != target.org_id:
        raise ValidationFailed(fields={"forward_of": "invalid"})
    copies = []
    for a in (await ctx.db.execute(select(Attachment).where(
            Attachment.message_id == source.id).order_by(Attachment.id))).scalars():
        copy = Attachment(org_id=target.org_id, chat_id=target.id, uploader_id=ctx.user.id if ctx.user else None,
                          kind=a.kind, mime=a.mime, name=a.name, size=a.size,
                          storage_key=a.storage_key, thumb_key=a.thumb_key, width=a.width,
                          height=a.height)
        ctx.db.add(copy)
        copies.append(copy)
    await ctx.db.flush()
    return source.body, copies


async def typing(ctx: Ctx, chat_id: int) -> None:
    """«…is typing»: ephemeral, never stored, may be dropped."""
    actor = ctx.require_actor()
    ctx.services.rates.take("typing", actor.user_id, ctx.settings.typing_per_minute, 60)
    scope = await chat_for(ctx.db, ctx.require_actor(), chat_id)
    chat, me = scope.chat, scope.member
    require_chat(chat, me, ChatAction.reply)  # where one posts, or answers a post
    await require_not_blocked(ctx.db, chat, actor.user_id)
    ctx.events.append(Envelope(event=Typing(org_id=chat.org_id, chat_id=chat.id,
                                            user_id=actor.user_id),
                               audience=frozenset(await active_member_ids(ctx, chat.id)
                                                  - {actor.user_id}), ephemeral=True))


async def own_unsent(ctx: Ctx, chat_id: int, ids: list[int]) -> list[Attachment]:
    """Files the caller uploaded to this chat and has not sent yet; anything else is refused."""
    if len(ids) > MAX_FILES or len(set(ids)) != len(ids):
        raise ValidationFailed(fields={"attachment_ids": "invalid"})
    if not ids:
        return []
    actor = ctx.require_actor()
    rows = list((await ctx.db.execute(select(Attachment).where(
        Attachment.id.in_(ids), Attachment.chat_id == chat_id,
        Attachment.uploader_id == actor.user_id, Attachment.message_id.is_(None)))).scalars())
    if len(rows) != len(ids):
        raise ValidationFailed(fields={"attachment_ids": "invalid"})
    order = {i: n for n, i in enumerate(ids)}
    return sorted(rows, key=lambda a: order[a.id])


async def attachments_of(ctx: Ctx, message_id: int) -> list[AttachmentOut]:
    rows = (await ctx.db.execute(select(Attachment).where(Attachment.message_id == message_id)
                                 .order_by(Attachment.id))).scalars()
    return [AttachmentOut.from_row(a) for a in rows]


async def edit_message(ctx: Ctx, chat_id: int, message_id: int, body: str, *,
                       confirm_conduct: bool = False) -> Message:
    actor = ctx.require_actor()
    scope = await chat_for(ctx.db, ctx.require_actor(), chat_id)
    chat, me = scope.chat, scope.member
    # where one posts, or answers a post (a member's own message there is an answer)
    require_chat(chat, me, ChatAction.reply)
    msg = await message_in(ctx, chat, message_id)
    if msg.author_id != actor.user_id:
        raise Forbidden()
    if msg.deleted_at is not None:
        raise Conflict("message_deleted")
    if msg.kind == "poll":  # its question and options are the votes' ground: not rewritten
        raise Conflict("poll_not_editable")
    if utcnow() - msg.created_at > EDIT_WINDOW:
        raise Conflict("edit_window_passed")
    await require_not_blocked(ctx.db, chat, actor.user_id)
    assert me is not None
    text = clean_body(body)
    verdict = await screening.screen(ctx, chat, me, text)
    if verdict.flagged and verdict.mode != ConductMode.warn:
        # An edit cannot wait for a moderator: under «hold» and «reject» it is refused.
        raise ValidationFailed("conduct_rejected", fields={"body": "conduct"},
                               params={"matches": verdict.matches})
    if verdict.flagged and not confirm_conduct:
        raise ValidationFailed("conduct_warning", fields={"body": "conduct"},
                               params={"matches": verdict.matches})
    msg.body = await _resolve_mentions(ctx, chat, text)
    msg.edited_at = utcnow()
    flood.forget(ctx, msg.author_id)  # the duplicate check compares with the text as it is now
    await search.index_message(ctx.db, msg.id, msg.body)
    ctx.emit(MessageEdited(org_id=chat.org_id, chat_id=chat.id, message_id=msg.id, body=msg.body,
                           edited_at=msg.edited_at.isoformat()),
             await active_member_ids(ctx, chat.id))
    return msg


async def delete_message(ctx: Ctx, chat_id: int, message_id: int) -> Message:
    """For everyone: by its author, or by a moderator removing what breaks the rules (R27)."""
    actor = ctx.require_actor()
    scope = await chat_for(ctx.db, ctx.require_actor(), chat_id)
    chat, me = scope.chat, scope.member
    msg = await message_in(ctx, chat, message_id)
    if msg.author_id != actor.user_id:
        require_chat(chat, me, ChatAction.moderate)
    return await remove_message(ctx, chat, msg)


async def remove_message(ctx: Ctx, chat: Chat, msg: Message) -> Message:
    """Delete a message for everyone; the caller has been authorized. Moderators' removals
    are audited."""
    actor = ctx.require_actor()
    if msg.deleted_at is not None:
        return msg
    msg.deleted_at, msg.deleted_by, msg.body = utcnow(), actor.user_id, ""
    flood.forget(ctx, msg.author_id)
    await search.unindex_message(ctx.db, msg.id)
    pin = (await ctx.db.execute(select(Pin).where(
        Pin.chat_id == chat.id, Pin.message_id == msg.id))).scalar_one_or_none()
    if pin is not None:  # a deleted message is no longer pinned
        await ctx.db.delete(pin)
        await ctx.db.flush()
        ctx.emit(PinsChanged(org_id=chat.org_id, chat_id=chat.id, pinned=await _pins(ctx, chat.id)),
                 await active_member_ids(ctx, chat.id))
    if msg.author_id != actor.user_id:
        ctx.audit("message.deleted_by_moderator", chat.org_id, "message", msg.id,
                  chat_id=chat.id, author_id=msg.author_id)
    ctx.emit(MessageDeleted(org_id=chat.org_id, chat_id=chat.id, message_id=msg.id),
             await active_member_ids(ctx, chat.id))
    return msg


async def mark_read(ctx: Ctx, chat_id: int, message_id: int) -> int:
    """Move the caller's read position forward (never back); their other devices follow."""
    actor = ctx.require_actor()
    scope = await chat_for(ctx.db, ctx.require_actor(), chat_id)
    chat, me = scope.chat, scope.member
    assert me is not None
    target = min(message_id, chat.last_message_id or 0)
    if target > me.last_read_message_id:
        await ctx.db.execute(update(ChatMember).where(
            ChatMember.id == me.id, ChatMember.last_read_message_id < target)
            .values(last_read_message_id=target))
        me.last_read_message_id = target
        ctx.emit(ChatRead(org_id=chat.org_id, chat_id=chat.id, last_read_message_id=target,
                          reader_id=actor.user_id), {actor.user_id})
    return me.last_read_message_id


async def _reaction_counts(ctx: Ctx, message_id: int) -> dict[str, int]:
    rows = (await ctx.db.execute(select(Reaction.emoji, func.count()).where(
        Reaction.message_id == message_id).group_by(Reaction.emoji))).all()
    return {e: n for e, n in rows}


async def react(ctx: Ctx, chat_id: int, message_id: int, emoji: str, on: bool) -> dict[str, int]:
    actor = ctx.require_actor()
    ctx.services.rates.take("reaction", actor.user_id, ctx.settings.reactions_per_minute, 60)
    scope = await chat_for(ctx.db, ctx.require_actor(), chat_id)
    chat, me = scope.chat, scope.member
    require_chat(chat, me, ChatAction.react)
    await require_not_blocked(ctx.db, chat, actor.user_id)
    msg = await message_in(ctx, chat, message_id)
    if emoji not in REACTIONS:
        raise ValidationFailed(fields={"emoji": "invalid"})
    if msg.deleted_at is not None:
        raise Conflict("message_deleted")
    mine = (await ctx.db.execute(select(Reaction).where(
        Reaction.message_id == msg.id, Reaction.user_id == actor.user_id,
        Reaction.emoji == emoji))).scalar_one_or_none()
    if on and mine is None:
        ctx.db.add(Reaction(message_id=msg.id, user_id=actor.user_id, emoji=emoji))
    elif not on and mine is not None:
        await ctx.db.delete(mine)
    else:
        return await _reaction_counts(ctx, msg.id)
    await ctx.db.flush()
    counts = await _reaction_counts(ctx, msg.id)
    ctx.emit(ReactionChanged(org_id=chat.org_id, chat_id=chat.id, message_id=msg.id,
                             reactions=counts), await active_member_ids(ctx, chat.id))
    return counts


async def _pins(ctx: Ctx, chat_id: int) -> list[int]:
    return list((await ctx.db.execute(select(Pin.message_id).where(Pin.chat_id == chat_id)
                                      .order_by(Pin.id))).scalars())


async def pin_message(ctx: Ctx, chat_id: int, message_id: int) -> list[int]:
    actor = ctx.require_actor()
    scope = await chat_for(ctx.db, ctx.require_actor(), chat_id)
    chat, me = scope.chat, scope.member
    if chat.kind.value != "direct":
        require_chat(chat, me, ChatAction.moderate)
    msg = await message_in(ctx, chat, message_id)
    if msg.deleted_at is not None:
        raise Conflict("message_deleted")
    if msg.id not in await _pins(ctx, chat.id):
        ctx.db.add(Pin(chat_id=chat.id, message_id=msg.id, pinned_by=actor.user_id))
        await ctx.db.flush()
    pins = await _pins(ctx, chat.id)
    ctx.emit(PinsChanged(org_id=chat.org_id, chat_id=chat.id, pinned=pins),
             await active_member_ids(ctx, chat.id))
    return pins


async def unpin_message(ctx: Ctx, chat_id: int, message_id: int) -> list[int]:
    scope = await chat_for(ctx.db, ctx.require_actor(), chat_id)
    chat, me = scope.chat, scope.member
    if chat.kind.value != "direct":
        require_chat(chat, me, ChatAction.moderate)
    row = (await ctx.db.execute(select(Pin).where(
        Pin.chat_id == chat.id, Pin.message_id == message_id))).scalar_one_or_none()
    if row is None:
        raise NotFound()
    await ctx.db.delete(row)
    await ctx.db.flush()
    pins = await _pins(ctx, chat.id)
    ctx.emit(PinsChanged(org_id=chat.org_id, chat_id=chat.id, pinned=pins),
             await active_member_ids(ctx, chat.id))
    return pins


async def record_views(ctx: Ctx, chat_id: int, message_ids: list[int]) -> int:
    """A subscriber saw these channel posts; each person counts once. Returns how many new."""
    actor = ctx.require_actor()
    scope = await chat_for(ctx.db, ctx.require_actor(), chat_id)
    chat = scope.chat
    if chat.kind not in CHANNEL_KINDS:
        raise ValidationFailed(fields={"chat_id": "not_a_channel"})
    wanted = set(message_ids)
    valid = set((await ctx.db.execute(select(Message.id).where(
        Message.chat_id == chat.id, Message.id.in_(wanted)))).scalars()) if wanted else set()
    seen = set((await ctx.db.execute(select(MessageView.message_id).where(
        MessageView.user_id == actor.user_id, MessageView.message_id.in_(valid)))).scalars())
    for mid in sorted(valid - seen):
        ctx.db.add(MessageView(message_id=mid, user_id=actor.user_id))
    return len(valid - seen)
