"""Reads of chats and messages, only ever for someone who is in the chat."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.models import (
    GROUP_CHAT_KINDS,
    STAFF_ROLES,
    Attachment,
    Chat,
    ChatInvitation,
    ChatKind,
    ChatMember,
    ChatOrg,
    ChatOrgStatus,
    ChatRole,
    Membership,
    MembershipRole,
    Message,
    MessageView,
    NetworkChat,
    NetworkKind,
    Organization,
    Pin,
    PostPolicy,
    Reaction,
    Role,
    UrgentMark,
)
from parta.models.chat import CHANNEL_KINDS
from parta.policy import (
    STAFF,
    URGENT_CHAT_KINDS,
    appoints_moderators,
    chat_capabilities,
    may_mark_urgent,
    sees_read_receipts,
)
from parta.queries.blocks import active_block, blocked_in
from parta.queries.direct import direct_refusals
from parta.queries.people import persons
from parta.queries.scope import ChatScope, OrgScope
from parta.rules import effective_rules
from parta.schemas.chats import (
    ChatCapabilities,
    ChatDetail,
    ChatItem,
    Invitation,
    MemberOut,
    chat_fields,
)
from parta.schemas.common import Rule
from parta.schemas.messages import (
    AttachmentOut,
    LastMessage,
    MessagePage,
    PageMessage,
    SearchHit,
)
from parta.schemas.moderation import BlockOut
from parta.search import search_message_ids

__all__ = ["capabilities", "chat_detail", "chat_list", "chat_members", "invitations",
           "message_page"]


async def _files_of(db: AsyncSession, ids: list[int]) -> dict[int, list[AttachmentOut]]:
    files: dict[int, list[AttachmentOut]] = defaultdict(list)
    if ids:
        for a in (await db.execute(select(Attachment).where(Attachment.message_id.in_(ids))
                                   .order_by(Attachment.id))).scalars():
            files[a.message_id or 0].append(AttachmentOut.from_row(a))
    return files


def capabilities(chat: Chat, me: ChatMember | None, blocked: bool,
                 org_roles: frozenset[Role] = frozenset()) -> ChatCapabilities:
    """``org_roles``: the caller's roles in the chat's school (marking a post urgent is the
    administration's)."""
    role = me.role.value if me else None
    only_moderators = chat.post_policy != PostPolicy.everyone
    urgent = may_mark_urgent(org_roles, chat.kind.value, role, archived=chat.archived_at is not None,
                             blocked=blocked, moderators_only_post=only_moderators)
    return ChatCapabilities(**chat_capabilities(
        role, direct=chat.kind == ChatKind.direct,
        group=chat.kind in GROUP_CHAT_KINDS, archived=chat.archived_at is not None, blocked=blocked,
        moderators_only_post=only_moderators,
        members_reply=chat.post_policy == PostPolicy.replies,
        members_invite=chat.members_invite), can_mark_urgent=urgent)


async def _roles_by_org(db: AsyncSession, user_id: int, org_ids: set[int]) -> dict[int, frozenset[Role]]:
    """The caller's roles in each of these schools (one query)."""
    found: dict[int, set[Role]] = defaultdict(set)
    if org_ids:
        for org_id, role in (await db.execute(
                select(Membership.org_id, MembershipRole.role)
                .join(MembershipRole, MembershipRole.membership_id == Membership.id)
                .where(Membership.user_id == user_id, Membership.left_at.is_(None),
                       Membership.org_id.in_(org_ids)))).all():
            found[int(org_id)].add(Role(role))
    return {k: frozenset(v) for k, v in found.items()}


async def _direct_titles(db: AsyncSession, chats: list[Chat], me: int) -> dict[int, str]:
    """A one-to-one chat is called by the other person's name."""
    pairs = {c.id: int(next(p for p in (c.direct_key or "").split(":") if int(p) != me) or 0)
             for c in chats if c.direct_key and c.direct_key.count(":") == 1}
    if not pairs:
        return {}
    people = await persons(db, None, pairs.values())
    return {cid: people[uid].name for cid, uid in pairs.items() if uid in people}


async def chat_list(db: AsyncSession, user_id: int, within: OrgScope | None = None
                    ) -> list[ChatItem]:
    """The caller's chats, newest activity first, with unread counts and the last message;
    ``within``: only those of one organization the caller sees."""
    stmt = (select(Chat, ChatMember).join(ChatMember, ChatMember.chat_id == Chat.id)
            .where(ChatMember.user_id == user_id, ChatMember.left_at.is_(None)))
    if within is not None:
        # A joint chat of schools (R41) is in the list of each school taking part in it.
        shared = select(ChatOrg.chat_id).where(ChatOrg.org_id == within.org.id,
                                               ChatOrg.status == ChatOrgStatus.accepted)
        stmt = stmt.where(or_(Chat.org_id == within.org.id, Chat.id.in_(shared)))
    # A one-to-one chat opened with «Написать» and left without a word is nobody's chat yet:
    # it shows in the lists once its first message is there.
    rows = [(c, m) for c, m in (await db.execute(stmt)).all()
            if c.kind != ChatKind.direct or c.last_message_id is not None]
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
    blocked = await blocked_in(db, user_id, chat_ids)
    roles = await _roles_by_org(db, user_id, {c.org_id for c, _ in rows})
    out = []
    for chat, me in rows:
        m = last.get(chat.id)
        out.append(ChatItem.model_construct(**{
            **chat_fields(chat),
            "title": titles.get(chat.id, chat.title), "my_role": me.role,
            "capabilities": capabilities(chat, me, chat.id in blocked,
                                         roles.get(chat.org_id, frozenset())),
            "unread": unread.get(chat.id, 0), "last_read_message_id": me.last_read_message_id,
            "rules_accepted_version": me.rules_accepted_version,
            "last_message": (LastMessage.from_row(m, last_files.get(m.id), author_name=(
                authors[m.author_id].name if m.author_id in authors else "")) if m else None),
        }))
    out.sort(key=lambda c: -(c.last_message.id if c.last_message else 0))
    return out


async def chat_detail(db: AsyncSession, scope: ChatScope) -> ChatDetail:
    """The chat as its member (or an invited guest) sees it, with the caller's block."""
    chat, me = scope.chat, scope.member
    item = chat_fields(chat)
    org = await db.get(Organization, chat.org_id)
    block = await active_block(db, chat, me.user_id) if me else None
    my_block = BlockOut.from_row(block) if block else None
    item["rule_items"] = [Rule.model_construct(number=r.number, text=r.text, source=r.source)
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
                 "my_role": me.role if me else None,
                 "last_read_message_id": me.last_read_message_id if me else 0,
                 "rules_accepted_version": me.rules_accepted_version if me else None,
                 "org_rules_accepted_version": me.org_rules_accepted_version if me else None,
                 "capabilities": capabilities(chat, me, my_block is not None,
                                              scope.actor.roles_in(chat.org_id)),
                 "network": await db.get(NetworkChat, chat.id) is not None})
    return ChatDetail.model_construct(**item)


async def message_page(db: AsyncSession, scope: ChatScope, *,
                       before_id: int | None = None, after_id: int | None = None,
                       around_id: int | None = None, limit: int = 50) -> MessagePage:
    """Newest-first pages by cursor; ``around_id`` jumps to a message with context. For a
    member of the chat (``scope.member``); who exactly read the member's own messages shows
    as ``policy.sees_read_receipts`` decides."""
    chat, viewer = scope.chat, scope.member
    assert viewer is not None, "a page of messages is for the chat's members"
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
    files = await _files_of(db, ids)
    views: dict[int, int] = {}
    if ids and chat.kind in CHANNEL_KINDS:
        views = dict((await db.execute(select(MessageView.message_id, func.count()).where(
            MessageView.message_id.in_(ids)).group_by(MessageView.message_id))).all())
    urgent: set[int] = set()
    if ids and chat.kind.value in URGENT_CHAT_KINDS:
        urgent = set((await db.execute(select(UrgentMark.message_id).where(
            UrgentMark.message_id.in_(ids)))).scalars())
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
    staff_view: bool | None = None  # asked once, and only when there is «read by» to show
    items = []
    for m in msgs:
        # Built with only the fields that apply: the answer leaves out those never set.
        extra: dict[str, Any] = {}
        if chat.kind in CHANNEL_KINDS:
            extra["views"] = views.get(m.id, 0)
        if m.id in urgent:
            extra["urgent"] = True
        if m.author_id == viewer.user_id and not m.deleted_at:
            others = [(u, r) for u, r in positions if u != viewer.user_id]
            extra["read_by"] = sum(1 for _, r in others if r >= m.id)
            extra["read_of"] = len(others)
            if staff_view is None:
                org = await db.get(Organization, chat.org_id)
                staff_view = org is not None and sees_read_receipts(scope.actor, org)
            if staff_view:
                extra["read_by_ids"] = [u for u, r in others if r >= m.id]
        items.append(PageMessage.from_row(
            m, files.get(m.id), author=people.get(m.author_id) if m.author_id else None,
            reactions=reactions.get(m.id, {}), my_reactions=mine.get(m.id, []), **extra))
    oldest = msgs[-1].id if msgs else None
    return MessagePage.model_construct(messages=items,
                                       next_before_id=oldest if len(msgs) == limit else None)


async def chat_members(db: AsyncSession, scope: ChatScope) -> list[MemberOut]:
    """The chat's members; ``can_write`` says whether the viewer may start a one-to-one chat
    with each (the policy's answer, so the page offers only what the server will do)."""
    chat = scope.chat
    rows = (await db.execute(select(ChatMember).where(
        ChatMember.chat_id == chat.id, ChatMember.left_at.is_(None)))).scalars().all()
    people = await persons(db, chat.org_id, [r.user_id for r in rows])
    rank = {"owner": 0, "moderator": 1}
    ordered = sorted((r for r in rows if r.user_id in people),
                     key=lambda r: (rank.get(r.role.value, 2), people[r.user_id].name))
    refusals = await direct_refusals(db, scope, [r.user_id for r in ordered])
    staff = set((await db.execute(
        select(Membership.user_id).join(MembershipRole, MembershipRole.membership_id == Membership.id)
        .where(Membership.org_id == chat.org_id, Membership.left_at.is_(None),
               Membership.user_id.in_([r.user_id for r in ordered]),
               MembershipRole.role.in_(list(STAFF_ROLES))))).scalars())
    appointable = await _appointable(db, scope, [r for r in ordered])
    return [MemberOut.model_construct(
        user=people[r.user_id], role=r.role, joined_at=r.joined_at.isoformat(),
        can_write=r.user_id in refusals and refusals[r.user_id] is None,
        can_set_role=r.user_id in appointable,
        has_profile=r.user_id in staff) for r in ordered]


async def _appointable(db: AsyncSession, scope: ChatScope, rows: list[ChatMember]) -> set[int]:
    """The members the viewer may make moderators or stop being ones, as ``set_chat_role``
    decides: a moderator back to a member; a member who is staff of the chat's school or, in a
    chat of several schools (R41), of a school taking part — never a student (R27)."""
    chat, me = scope.chat, scope.member
    net = await db.get(NetworkChat, chat.id)
    if me is None or not appoints_moderators(
            me.role.value, direct=chat.kind == ChatKind.direct,
            archived=chat.archived_at is not None,
            joint=net is not None and net.kind == NetworkKind.joint,
            owner_school_staff=bool(scope.actor.roles_in(chat.org_id) & STAFF)):
        return set()
    schools = {chat.org_id}
    if net is not None:
        schools |= set((await db.execute(select(ChatOrg.org_id).where(
            ChatOrg.chat_id == chat.id, ChatOrg.status == ChatOrgStatus.accepted))).scalars())
    members = [r.user_id for r in rows if r.role == ChatRole.member]
    staff = set((await db.execute(select(Membership.user_id).join(
        MembershipRole, MembershipRole.membership_id == Membership.id).where(
        Membership.org_id.in_(sorted(schools)), Membership.user_id.in_(members or [0]),
        Membership.left_at.is_(None), MembershipRole.role.in_(sorted(STAFF))))).scalars())
    return {r.user_id for r in rows if r.user_id != me.user_id and (
        r.role == ChatRole.moderator or r.user_id in staff)}


async def invitations(db: AsyncSession, user_id: int) -> list[Invitation]:
    rows = (await db.execute(select(Chat, ChatInvitation).join(
        ChatInvitation, ChatInvitation.chat_id == Chat.id).where(
        ChatInvitation.user_id == user_id, ChatInvitation.declined_at.is_(None),
        Chat.archived_at.is_(None)))).all()
    out = []
    for c, i in rows:  # the inviter's badge is the one earned in the chat's school
        inviter = (await persons(db, c.org_id, [i.invited_by])).get(i.invited_by or 0)
        out.append(Invitation.model_construct(**chat_fields(c), invited_by=inviter,
                                              invited_at=i.created_at.isoformat()))
    return out


async def search(db: AsyncSession, user_id: int, q: str, within: ChatScope | None = None
                 ) -> list[SearchHit]:
    """Messages matching ``q`` in the caller's chats (``within``: in that one), newest first,
    with their chat's title."""
    ids = await search_message_ids(db, user_id, q,
                                   chat_id=within.chat.id if within is not None else None)
    if not ids:
        return []
    rows = (await db.execute(select(Message, Chat).join(Chat, Chat.id == Message.chat_id)
                             .where(Message.id.in_(ids)).order_by(Message.id.desc()))).all()
    titles = await _direct_titles(db, [c for _, c in rows], user_id)
    files = await _files_of(db, [m.id for m, _ in rows])
    out = []
    for m, c in rows:  # the author's badge is the one earned in that chat's school
        author = (await persons(db, c.org_id, [m.author_id])).get(m.author_id or 0)
        out.append(SearchHit.from_row(m, files.get(m.id), chat_title=titles.get(c.id, c.title),
                                      author=author))
    return out
