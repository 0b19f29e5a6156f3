"""A parent's view of their children (R17, R10): each child with the school and class, the
chats about that child's class and where the parent stands in each, and where the child's
sign-in codes go."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.config import Settings
from parta.models import (
    Chat,
    ChatInvitation,
    ChatKind,
    ChatMember,
    Group,
    GroupKind,
    GroupMember,
    Organization,
    ParentLink,
    ParentLinkStatus,
    User,
)
from parta.schemas.common import Ref
from parta.schemas.families import ChildChatOut, ChildOut
from parta.services.phones import mask_email

__all__ = ["children"]

Standing = Literal["member", "invited", "declined", "left", "none"]


async def children(db: AsyncSession, settings: Settings, parent_id: int) -> list[ChildOut]:
    links = (await db.execute(select(ParentLink.child_id, ParentLink.org_id).where(
        ParentLink.parent_id == parent_id, ParentLink.status == ParentLinkStatus.confirmed,
        ParentLink.child_id.is_not(None)).order_by(ParentLink.id))).all()
    out: list[ChildOut] = []
    seen: set[tuple[int, int]] = set()
    for child_id, org_id in links:
        if child_id is None or (child_id, org_id) in seen:
            continue
        seen.add((child_id, org_id))
        child = await db.get(User, child_id)
        org = await db.get(Organization, org_id)
        if child is None or org is None or child.deleted_at is not None:
            continue
        cls = (await db.execute(select(Group).join(
            GroupMember, GroupMember.group_id == Group.id).where(
            GroupMember.user_id == child_id, Group.org_id == org_id,
            Group.kind == GroupKind.class_, Group.archived_at.is_(None)).order_by(Group.id)
            .limit(1))).scalar_one_or_none()
        chats: list[ChildChatOut] = []
        has_parents_chat = False
        if cls is not None:
            rows = (await db.execute(select(Chat).where(
                Chat.group_id == cls.id, Chat.archived_at.is_(None),
                Chat.kind.in_((ChatKind.parents, ChatKind.class_))).order_by(Chat.id))).scalars().all()
            for chat in rows:
                if chat.kind == ChatKind.parents:
                    has_parents_chat = True
                state = await _standing(db, chat.id, parent_id)
                if chat.kind == ChatKind.class_ and state == "none":
                    continue  # the children's own chat: shown only to a parent who is in it
                chats.append(ChildChatOut(id=chat.id, title=chat.title, kind=chat.kind.value,
                                          state=state))
        primary = (cls is not None and cls.grade is not None
                   and cls.grade <= settings.primary_school_max_grade)
        out.append(ChildOut(
            child=Ref(id=child.id, name=child.name), org=Ref(id=org.id, name=org.short_name or org.name),
            group=Ref(id=cls.id, name=cls.name) if cls is not None else None,
            primary_school=primary,
            code_email=mask_email(child.parent_email) if primary and child.parent_email else None,
            chats=chats, parents_chat_missing=cls is not None and not has_parents_chat))
    return out


async def _standing(db: AsyncSession, chat_id: int, user_id: int) -> Standing:
    member = (await db.execute(select(ChatMember.left_at).where(
        ChatMember.chat_id == chat_id, ChatMember.user_id == user_id))).first()
    if member is not None and member.left_at is None:
        return "member"
    invited = (await db.execute(select(ChatInvitation.declined_at).where(
        ChatInvitation.chat_id == chat_id, ChatInvitation.user_id == user_id))).first()
    if invited is not None:
        return "declined" if invited.declined_at is not None else "invited"
    return "left" if member is not None else "none"
