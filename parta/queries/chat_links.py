"""Reads of chats' invite links, of the requests to join a chat, and of the school's directory
of staff chats (R22)."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.db import utcnow
from parta.models import (
    Chat,
    ChatJoinRequest,
    ChatJoinStatus,
    ChatKind,
    ChatLink,
    ChatMember,
    ChatRemoval,
    Group,
    GroupKind,
    Organization,
)
from parta.policy import chat_join_refusal
from parta.queries.network import network_refusal
from parta.queries.people import persons
from parta.queries.scope import ChatScope, LinkScope, OrgScope
from parta.rules import effective_rules
from parta.schemas.chat_links import (
    ChatJoinRequestOut,
    ChatLinkOut,
    ChatLinkPreview,
    DirectoryChat,
    DirectoryOut,
    LinkStanding,
)
from parta.schemas.common import Rule
from parta.schemas.invites import OrgBrief

__all__ = ["STAFF_CHAT_KINDS", "chat_rules", "directory", "join_requests", "link_preview",
           "link_standing", "link_url", "links", "removed_for_rules", "staff_chats",
           "staff_room_chat"]

# Staff-only group chats by their kind; a custom chat of the staff room («Учительская») too.
STAFF_CHAT_KINDS = (ChatKind.class_teachers, ChatKind.management_deputies,
                    ChatKind.management_staff)


def link_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/chat-link/{token}"


def chat_rules(org: Organization | None, chat: Chat) -> list[Rule]:
    """The rules someone accepts before joining (R24): the school's, then the chat's own."""
    return [Rule.model_construct(number=r.number, text=r.text, source=r.source)
            for r in effective_rules(org.chat_rules if org else None, chat.rules)]


async def links(db: AsyncSession, scope: ChatScope, base_url: str, state: str = "all",
                only_id: int | None = None) -> list[ChatLinkOut]:
    """A chat's links: its moderators see every one; a member who may invite, their own."""
    chat = scope.chat
    stmt = select(ChatLink).where(ChatLink.chat_id == chat.id)
    if not scope.moderates:
        stmt = stmt.where(ChatLink.created_by == scope.actor.user_id)
    if only_id is not None:
        stmt = stmt.where(ChatLink.id == only_id)
    now = utcnow()
    if state == "active":
        stmt = stmt.where(ChatLink.annulled_at.is_(None), ChatLink.expires_at > now,
                          or_(ChatLink.max_uses.is_(None), ChatLink.uses < ChatLink.max_uses))
    rows = list((await db.execute(stmt.order_by(ChatLink.id.desc()).limit(200))).scalars())
    people = await persons(db, chat.org_id, [r.created_by for r in rows])
    return [ChatLinkOut(
        id=r.id, chat_id=r.chat_id, url=link_url(base_url, r.token), token=r.token,
        requires_approval=r.requires_approval, max_uses=r.max_uses, uses=r.uses,
        expires_at=r.expires_at, created_at=r.created_at,
        created_by=people.get(r.created_by) if r.created_by else None, state=r.state(now),
    ) for r in rows]


async def staff_room_chat(db: AsyncSession, chat: Chat) -> bool:
    """A custom chat made for the staff room: the staff's alone."""
    if chat.kind != ChatKind.custom or chat.group_id is None:
        return False
    kind = (await db.execute(select(Group.kind).where(Group.id == chat.group_id))).scalar()
    return kind == GroupKind.staff_room


async def removed_for_rules(db: AsyncSession, chat: Chat, user_id: int) -> bool:
    """A moderator removed the person from this chat for breaking its rules (R31) and the
    removal stands: they come back only when a moderator lets them, so a link asks for them."""
    found = await db.execute(select(ChatRemoval.id).where(
        ChatRemoval.chat_id == chat.id, ChatRemoval.user_id == user_id,
        ChatRemoval.kind == "rules", ChatRemoval.appeal_status != "reversed"))
    return found.first() is not None


async def link_standing(db: AsyncSession, scope: LinkScope) -> LinkStanding:
    """How the caller stands to the chat a link leads to (``ChatLinkPreview.standing``)."""
    actor, chat = scope.actor, scope.chat
    if actor is None:
        return "signed_out"
    network = await network_refusal(db, chat, actor.user_id)  # a joint chat (R41)
    refusal = (network or None) if network is not None else chat_join_refusal(
        chat.kind.value, actor.roles_in(chat.org_id), staff_room=await staff_room_chat(db, chat))
    if refusal is not None:
        return "not_in_school" if refusal == "not_in_school" else "chat_not_for_role"
    member = (await db.execute(select(ChatMember.id).where(
        ChatMember.chat_id == chat.id, ChatMember.user_id == actor.user_id,
        ChatMember.left_at.is_(None)))).first()
    if member is not None:
        return "member"
    asked = (await db.execute(select(ChatJoinRequest.id).where(
        ChatJoinRequest.chat_id == chat.id, ChatJoinRequest.user_id == actor.user_id,
        ChatJoinRequest.status == ChatJoinStatus.pending))).first()
    return "requested" if asked is not None else "can_join"


async def link_preview(db: AsyncSession, scope: LinkScope) -> ChatLinkPreview:
    """Where a link leads — the school and the chat's title — for anyone holding it; the chat's
    description and rules only to those it may let in."""
    chat, org = scope.chat, scope.org
    standing = await link_standing(db, scope)
    preview = ChatLinkPreview(
        org=OrgBrief(id=org.id, name=org.name, kind=org.kind.value), chat_title=chat.title,
        chat_kind=chat.kind, requires_approval=scope.link.requires_approval, standing=standing)
    if standing in ("can_join", "requested", "member"):
        assert scope.actor is not None
        if standing == "can_join" and await removed_for_rules(db, chat, scope.actor.user_id):
            preview.requires_approval = True  # for them, as the join will do
        preview.chat_id = chat.id
        preview.description = chat.description
        preview.rule_items = chat_rules(org, chat)
        preview.rules_version = chat.rules_version
    return preview


async def join_requests(db: AsyncSession, scope: ChatScope, only_id: int | None = None,
                        status: ChatJoinStatus | None = ChatJoinStatus.pending
                        ) -> list[ChatJoinRequestOut]:
    """The requests to join a chat, for its moderators (the caller checks ``moderates``)."""
    stmt = select(ChatJoinRequest).where(ChatJoinRequest.chat_id == scope.chat.id)
    if only_id is not None:
        stmt = stmt.where(ChatJoinRequest.id == only_id)
    if status is not None:
        stmt = stmt.where(ChatJoinRequest.status == status)
    rows = list((await db.execute(stmt.order_by(ChatJoinRequest.created_at,
                                                ChatJoinRequest.id))).scalars())
    people = await persons(db, scope.chat.org_id, [r.user_id for r in rows])
    return [ChatJoinRequestOut(
        id=r.id, chat_id=r.chat_id, user=people[r.user_id],
        via="link" if r.link_id is not None else "directory", status=r.status.value,
        created_at=r.created_at, decided_at=r.decided_at,
    ) for r in rows if r.user_id in people]


async def staff_chats(db: AsyncSession, scope: OrgScope) -> list[Chat]:
    """The school's staff-only group chats that are not archived: staff chats by kind, and the
    custom chats of the staff room."""
    org = scope.org
    staff_room = select(Group.id).where(Group.org_id == org.id,
                                        Group.kind == GroupKind.staff_room).scalar_subquery()
    stmt = select(Chat).where(
        Chat.org_id == org.id, Chat.archived_at.is_(None),
        or_(Chat.kind.in_(STAFF_CHAT_KINDS),
            (Chat.kind == ChatKind.custom) & (Chat.group_id == staff_room)))
    return list((await db.execute(stmt.order_by(Chat.title, Chat.id))).scalars())


async def directory(db: AsyncSession, scope: OrgScope) -> DirectoryOut:
    """The directory a colleague asks to join from (R22: «join chats that others created»),
    with how many are in each chat and whether the caller is in it or asked."""
    chats = await staff_chats(db, scope)
    if not chats:
        return DirectoryOut(chats=[])
    ids = [c.id for c in chats]
    me = scope.actor.user_id
    counts = dict((await db.execute(select(ChatMember.chat_id, func.count()).where(
        ChatMember.chat_id.in_(ids), ChatMember.left_at.is_(None))
        .group_by(ChatMember.chat_id))).all())
    mine = set((await db.execute(select(ChatMember.chat_id).where(
        ChatMember.chat_id.in_(ids), ChatMember.user_id == me,
        ChatMember.left_at.is_(None)))).scalars())
    asked = set((await db.execute(select(ChatJoinRequest.chat_id).where(
        ChatJoinRequest.chat_id.in_(ids), ChatJoinRequest.user_id == me,
        ChatJoinRequest.status == ChatJoinStatus.pending))).scalars())
    return DirectoryOut(chats=[DirectoryChat(
        id=c.id, kind=c.kind, title=c.title, description=c.description,
        members_count=counts.get(c.id, 0), is_member=c.id in mine,
        requested=c.id in asked and c.id not in mine,
        rule_items=chat_rules(scope.org, c), rules_version=c.rules_version,
    ) for c in chats])
