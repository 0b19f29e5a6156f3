"""Reads of announcements that need an acknowledgement and of scheduled messages (issue 15).

Whose families an announcement asks: in a class's parents' chat, every child of that class
(a child with no guardian in the app still counts — the class teacher is to call that family);
in a channel, every child with a confirmed guardian among the channel's members. A family is
the child and the child's confirmed guardians (``ParentLink``); either guardian confirms for it,
and a parent of two children confirms for both families.

An announcement is seen by its chat's members and by the guardians of the families it asks
(the second guardian asked by the escalation may not be in the chat); to anyone else it does
not exist. Counts and the list of families that have not confirmed are for its author, the
chat's moderators, the class teacher and the administration.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.errors import NotFound
from parta.i18n import t
from parta.models import (
    ADMIN_ROLES,
    Announcement,
    Chat,
    ChatKind,
    ChatMember,
    FamilyAck,
    GroupMember,
    Organization,
    ParentLink,
    ParentLinkStatus,
    PostPolicy,
    ReminderDelivery,
    ScheduledMessage,
    ScheduledStatus,
    User,
)
from parta.policy import Actor, ChatAction, can_chat, may_require_ack
from parta.queries.scope import ChatScope, chat_for
from parta.schemas.acks import (
    AckIn,
    AckOut,
    AcksOut,
    FamilyOut,
    MyFamilyOut,
    ScheduledListOut,
    ScheduledOut,
)
from parta.schemas.common import Ref
from parta.schemas.polls import PollIn

__all__ = ["ACK_CHAT_KINDS", "AckView", "Family", "ack_answer", "ack_view", "chat_acks",
           "families_of", "my_scheduled", "scheduled_out"]

ACK_CHAT_KINDS = frozenset({ChatKind.parents, ChatKind.channel, ChatKind.school_channel})
MAX_LISTED = 200


@dataclass
class Family:
    child_id: int
    guardians: list[int] = field(default_factory=list)


@dataclass
class AckView:
    """An announcement as the caller may see it: its chat, the caller's membership there (if
    any), whether they see its status, and which of its families are theirs."""

    ack: Announcement
    chat: Chat
    member: ChatMember | None
    moderates: bool
    sees_status: bool
    my_children: list[int]


async def families_of(db: AsyncSession, chat: Chat) -> list[Family]:
    """The families an announcement in ``chat`` asks, by child id."""
    if chat.kind == ChatKind.parents and chat.group_id is not None:
        children = list((await db.execute(
            select(GroupMember.user_id).join(User, User.id == GroupMember.user_id)
            .where(GroupMember.group_id == chat.group_id, User.deleted_at.is_(None))
            .order_by(GroupMember.user_id))).scalars())
    else:
        children = [c for c in (await db.execute(
            select(ParentLink.child_id).distinct()
            .join(ChatMember, ChatMember.user_id == ParentLink.parent_id)
            .join(User, User.id == ParentLink.child_id)
            .where(ChatMember.chat_id == chat.id, ChatMember.left_at.is_(None),
                   ParentLink.org_id == chat.org_id,
                   ParentLink.status == ParentLinkStatus.confirmed,
                   ParentLink.child_id.is_not(None), User.deleted_at.is_(None))
            .order_by(ParentLink.child_id))).scalars() if c is not None]
    found = {c: Family(int(c)) for c in children if c is not None}
    if found:
        for parent_id, child_id in (await db.execute(
                select(ParentLink.parent_id, ParentLink.child_id).distinct()
                .join(User, User.id == ParentLink.parent_id)
                .where(ParentLink.org_id == chat.org_id,
                       ParentLink.status == ParentLinkStatus.confirmed,
                       ParentLink.child_id.in_(list(found)), User.deleted_at.is_(None))
                .order_by(ParentLink.parent_id))).all():
            if child_id is not None:
                found[child_id].guardians.append(int(parent_id))
    return list(found.values())


async def _confirmations(db: AsyncSession, ack_ids: Iterable[int]
                         ) -> dict[int, dict[int, FamilyAck]]:
    out: dict[int, dict[int, FamilyAck]] = {}
    ids = list(ack_ids)
    if ids:
        for row in (await db.execute(select(FamilyAck).where(
                FamilyAck.announcement_id.in_(ids)))).scalars():
            out.setdefault(row.announcement_id, {})[row.child_id] = row
    return out


def _sees_status(actor: Actor, chat: Chat, ack: Announcement, moderates: bool) -> bool:
    return (ack.author_id == actor.user_id or moderates
            or (chat.group_id is not None and chat.group_id in actor.leads)
            or bool(actor.roles_in(chat.org_id) & ADMIN_ROLES))


async def ack_view(db: AsyncSession, actor: Actor, ack_id: int) -> AckView:
    """The gate for one announcement (see the module's docstring)."""
    ack = await db.get(Announcement, ack_id)
    if ack is None:
        raise NotFound()
    try:
        scope: ChatScope | None = await chat_for(db, actor, ack.chat_id)
    except NotFound:
        scope = None
    chat = scope.chat if scope is not None else await db.get(Chat, ack.chat_id)
    if chat is None:
        raise NotFound()
    mine = [f.child_id for f in await families_of(db, chat) if actor.user_id in f.guardians]
    if scope is None and not mine:
        raise NotFound()
    member = scope.member if scope is not None else None
    moderates = scope is not None and scope.moderates
    sees = scope is not None and _sees_status(actor, chat, ack, moderates)
    return AckView(ack, chat, member, moderates, sees, mine)


async def _names(db: AsyncSession, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {int(i): str(n) for i, n in (await db.execute(
        select(User.id, User.name).where(User.id.in_(wanted)))).all()}


async def _answers(db: AsyncSession, actor: Actor, chat: Chat, acks: list[Announcement],
                   moderates: bool, *, detail: bool) -> list[AckOut]:
    fams = await families_of(db, chat)
    done = await _confirmations(db, [a.id for a in acks])
    names = await _names(db, [a.author_id for a in acks] + [f.child_id for f in fams]
                         + [g for f in fams for g in f.guardians]
                         + [c.confirmed_by for d in done.values() for c in d.values()])
    mine = [f.child_id for f in fams if actor.user_id in f.guardians]
    failed = await _failed_deliveries(db, [a.id for a in acks])
    out: list[AckOut] = []
    for ack in acks:
        confirmed = done.get(ack.id, {})
        sees = _sees_status(actor, chat, ack, moderates)
        families = None
        if sees and detail:
            families = []
            for f in fams:
                c = confirmed.get(f.child_id)
                families.append(FamilyOut(
                    child=Ref(id=f.child_id, name=names.get(f.child_id, "")),
                    guardians=[Ref(id=g, name=names.get(g, "")) for g in f.guardians],
                    confirmed=c is not None,
                    confirmed_by=Ref(id=c.confirmed_by, name=names.get(c.confirmed_by, ""))
                    if c is not None and c.confirmed_by is not None else None,
                    confirmed_at=c.confirmed_at if c is not None else None))
        out.append(AckOut(
            id=ack.id, chat_id=chat.id, message_id=ack.message_id,
            author=Ref(id=ack.author_id, name=names.get(ack.author_id, ""))
            if ack.author_id is not None else None,
            urgent=ack.urgent, deadline=ack.deadline,
            confirmed=sum(1 for f in fams if f.child_id in confirmed), total=len(fams),
            sees_status=sees, can_confirm=any(c not in confirmed for c in mine),
            mine=[MyFamilyOut(child=Ref(id=c, name=names.get(c, "")), confirmed=c in confirmed)
                  for c in mine],
            families=families,
            reminded_at=ack.reminded_at if sees else None,
            second_asked_at=ack.second_asked_at if sees else None,
            teacher_told_at=ack.teacher_told_at if sees else None,
            reminders_failed=failed.get(ack.id, 0) if sees else None))
    return out


async def _failed_deliveries(db: AsyncSession, ack_ids: list[int]) -> dict[int, int]:
    """Per announcement, its reminder letters and SMS that failed after their last attempt."""
    if not ack_ids:
        return {}
    return {int(a): int(n) for a, n in (await db.execute(
        select(ReminderDelivery.announcement_id, func.count()).where(
            ReminderDelivery.announcement_id.in_(ack_ids), ReminderDelivery.state == "failed")
        .group_by(ReminderDelivery.announcement_id))).all()}


async def chat_acks(db: AsyncSession, scope: ChatScope) -> AcksOut:
    """The chat's latest announcements that need an acknowledgement, with counts (the web
    client puts each on its message)."""
    acks = list((await db.execute(select(Announcement).where(
        Announcement.chat_id == scope.chat.id).order_by(Announcement.id.desc())
        .limit(MAX_LISTED))).scalars())
    chat, me = scope.chat, scope.member
    may = (me is not None and chat.kind in ACK_CHAT_KINDS and chat.archived_at is None
           and can_chat(me.role.value, ChatAction.post,
                        moderators_only_post=chat.post_policy != PostPolicy.everyone,
                        members_invite=chat.members_invite)
           and may_require_ack(scope.actor.roles_in(chat.org_id)))
    org = await db.get(Organization, chat.org_id)
    return AcksOut(acks=await _answers(db, scope.actor, chat, acks, scope.moderates, detail=False),
                   can_require_ack=may, time_zone=org.time_zone if org else "Europe/Moscow")


async def ack_answer(db: AsyncSession, actor: Actor, view: AckView) -> AckOut:
    """One announcement, with its families for those who see its status."""
    [out] = await _answers(db, actor, view.chat, [view.ack], view.moderates, detail=True)
    if view.member is None and out.sees_status:  # a guardian outside the chat sees no list
        out.families, out.sees_status = None, False
    return out


def scheduled_out(item: ScheduledMessage, lang: str) -> ScheduledOut:
    ack, poll = item.payload.get("ack"), item.payload.get("poll")
    body = poll["question"] if poll else item.payload.get("body", "")
    return ScheduledOut(
        id=item.id, chat_id=item.chat_id, kind=item.kind.value,
        body=str(body), send_at=item.send_at, status=item.status.value,
        ack=AckIn.model_validate(ack) if ack else None,
        poll=PollIn.model_validate(poll) if poll else None, message_id=item.message_id,
        refusal=item.refusal,
        refusal_text=t(lang, f"error.{item.refusal}") if item.refusal else None)


async def my_scheduled(db: AsyncSession, scope: ChatScope, lang: str) -> ScheduledListOut:
    """The caller's scheduled messages in the chat that wait, and those their time refused
    (shown until the author sends them again or cancels them)."""
    rows = list((await db.execute(select(ScheduledMessage).where(
        ScheduledMessage.chat_id == scope.chat.id,
        ScheduledMessage.author_id == scope.actor.user_id,
        ScheduledMessage.status.in_([ScheduledStatus.pending, ScheduledStatus.failed]))
        .order_by(ScheduledMessage.send_at, ScheduledMessage.id).limit(MAX_LISTED))).scalars())
    return ScheduledListOut(
        pending=sum(1 for r in rows if r.status == ScheduledStatus.pending),
        items=[scheduled_out(r, lang) for r in rows])
