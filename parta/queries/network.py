"""Reads of the network of schools (R41).

A joint chat's own reads (its messages, members, files) are the chat's, through
``scope.chat_for``; what is read here is which schools take part, which school each member
takes part from, a school's invitations, the municipality's associations.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.models import (
    Chat,
    ChatMember,
    ChatOrg,
    ChatOrgStatus,
    GroupTeacher,
    Membership,
    MembershipRole,
    NetworkChat,
    NetworkKind,
    Organization,
    Role,
)
from parta.models.org import Group
from parta.policy import ADMINS, STAFF, ChatAction, can_chat
from parta.queries.people import persons
from parta.queries.scope import ChatScope, OrgScope
from parta.rules import effective_rules
from parta.schemas.common import Ref
from parta.schemas.network import (
    AssociationItem,
    JointInvitation,
    NetworkMember,
    NetworkOrg,
    NetworkOut,
)

__all__ = ["accepted_org_ids", "association_item", "associations", "host_of", "joint_invitations", "network_of", "network_refusal", "network_view", "partners",
           "staff_roles_in", "teaches_subject"]


async def network_of(db: AsyncSession, chat: Chat) -> NetworkChat | None:
    """The chat's network row: None for a chat of one school."""
    return await db.get(NetworkChat, chat.id)


async def accepted_org_ids(db: AsyncSession, chat: Chat) -> set[int]:
    """The schools taking part in a joint chat now (its owner school among them)."""
    return set((await db.execute(select(ChatOrg.org_id).where(
        ChatOrg.chat_id == chat.id, ChatOrg.status == ChatOrgStatus.accepted))).scalars())


async def staff_roles_in(db: AsyncSession, user_id: int, org_ids: Iterable[int]
                         ) -> dict[int, set[Role]]:
    """The person's roles in each of these organizations where they are still a member."""
    wanted = sorted(set(org_ids))
    found: dict[int, set[Role]] = defaultdict(set)
    if not wanted:
        return found
    for org_id, role in (await db.execute(select(Membership.org_id, MembershipRole.role).join(
            MembershipRole, MembershipRole.membership_id == Membership.id).where(
            Membership.user_id == user_id, Membership.org_id.in_(wanted),
            Membership.left_at.is_(None)))).all():
        found[org_id].add(role)
    return found


async def teaches_subject(db: AsyncSession, scope: OrgScope, subject: str) -> bool:
    """The caller teaches ``subject`` in a class of the school (the school's distribution, R5)."""
    rows = (await db.execute(select(GroupTeacher.subject).join(
        Group, Group.id == GroupTeacher.group_id).where(
        GroupTeacher.user_id == scope.actor.user_id, Group.org_id == scope.org.id,
        Group.archived_at.is_(None)))).scalars()
    return any(s.strip().casefold() == subject.strip().casefold() for s in rows)


async def network_refusal(db: AsyncSession, chat: Chat, user_id: int
                          ) -> Literal["not_in_school", ""] | None:
    """For a chat's link or join request: None when the chat is a school's own (the school's
    audience rules decide); else ``""`` when the person may come in — staff of a school taking
    part in a joint chat, staff of a school of the association's municipality — or
    ``not_in_school`` (no place: told nothing more)."""
    net = await network_of(db, chat)
    if net is None:
        return None
    if net.kind == NetworkKind.joint:
        orgs = await accepted_org_ids(db, chat)
    else:
        orgs = set((await db.execute(select(Organization.id).where(
            Organization.municipality_id == net.municipality_id))).scalars())
    roles = await staff_roles_in(db, user_id, orgs)
    audience = ADMINS if net.kind == NetworkKind.channel else STAFF
    return "" if any(r & audience for r in roles.values()) else "not_in_school"


async def _org_refs(db: AsyncSession, ids: Iterable[int]) -> dict[int, Ref]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {i: Ref(id=i, name=n) for i, n in (await db.execute(
        select(Organization.id, Organization.name).where(Organization.id.in_(wanted)))).all()}


async def network_view(db: AsyncSession, scope: ChatScope) -> NetworkOut | None:
    """Which schools take part in the chat, and the school each member takes part from. The
    owner school's moderators also see the schools invited, declined, gone; everyone else
    sees those taking part. None for a chat of one school."""
    chat = scope.chat
    net = await network_of(db, chat)
    if net is None:
        return None
    rows = list((await db.execute(select(ChatOrg).where(ChatOrg.chat_id == chat.id)
                                  .order_by(ChatOrg.id))).scalars())
    me = scope.member
    owner_side = (me is not None and can_chat(me.role.value, ChatAction.manage)
                  and bool(scope.actor.roles_in(chat.org_id) & STAFF)
                  and net.kind == NetworkKind.joint)
    shown = [r for r in rows if owner_side or r.status == ChatOrgStatus.accepted
             or r.org_id == chat.org_id]
    names = await _org_refs(db, [r.org_id for r in rows] + [chat.org_id])
    accepted = [r.org_id for r in rows if r.status == ChatOrgStatus.accepted]
    members = list((await db.execute(select(ChatMember.user_id).where(
        ChatMember.chat_id == chat.id, ChatMember.left_at.is_(None)).order_by(
        ChatMember.id))).scalars())
    school: dict[int, int] = {}
    if members and accepted:
        # The owner school first: someone of two schools takes part from the owner's.
        order = {o: (0 if o == chat.org_id else 1, o) for o in accepted}
        for uid, org_id in (await db.execute(select(Membership.user_id, Membership.org_id).where(
                Membership.user_id.in_(members), Membership.org_id.in_(accepted),
                Membership.left_at.is_(None)))).all():
            if uid not in school or order[org_id] < order[school[uid]]:
                school[uid] = org_id
    return NetworkOut(
        chat_id=chat.id, kind=net.kind, subject=net.subject, owner_org=names[chat.org_id],
        orgs=[NetworkOrg(id=r.org_id, name=names[r.org_id].name, status=r.status,
                         owner=r.org_id == chat.org_id) for r in shown if r.org_id in names],
        members=[NetworkMember(user_id=u, org_id=school.get(u)) for u in members],
        can_invite_orgs=owner_side and chat.archived_at is None)


async def host_of(db: AsyncSession, scope: ChatScope) -> Ref:
    """The school a network chat belongs to (its owner school, an association's host)."""
    return (await _org_refs(db, [scope.chat.org_id]))[scope.chat.org_id]


async def association_item(db: AsyncSession, scope: ChatScope) -> AssociationItem | None:
    """An association as its member sees it (its maker, just after making it)."""
    chat = scope.chat
    net = await network_of(db, chat)
    host = await db.get(Organization, chat.org_id)
    if net is None or net.kind != NetworkKind.association or host is None:
        return None
    count = (await db.execute(select(func.count()).select_from(ChatMember).where(
        ChatMember.chat_id == chat.id, ChatMember.left_at.is_(None)))).scalar_one()
    return AssociationItem(
        chat_id=chat.id, title=chat.title, subject=net.subject,
        host_org=Ref(id=host.id, name=host.name), members=count, joined=scope.member is not None,
        can_join=False, rules=[i.text for i in effective_rules(host.chat_rules, chat.rules)])


async def joint_invitations(db: AsyncSession, scope: OrgScope) -> list[JointInvitation]:
    """The joint chats that invite the school and wait for its decision, with their rules to
    read first (R24): the owner school's and the chat's own."""
    rows = (await db.execute(select(ChatOrg, Chat).join(Chat, Chat.id == ChatOrg.chat_id).where(
        ChatOrg.org_id == scope.org.id, ChatOrg.status == ChatOrgStatus.invited,
        Chat.archived_at.is_(None)).order_by(ChatOrg.invited_at.desc(), ChatOrg.id.desc()))).all()
    owners = {o.id: o for o in (await db.execute(select(Organization).where(
        Organization.id.in_(sorted({c.org_id for _, c in rows}) or [0])))).scalars()}
    inviters = await persons(db, None, [r.invited_by for r, _ in rows])
    return [JointInvitation(
        chat_id=c.id, title=c.title, description=c.description,
        owner_org=Ref(id=c.org_id, name=owners[c.org_id].name),
        invited_by=inviters.get(r.invited_by or 0), invited_at=r.invited_at,
        rules=[i.text for i in effective_rules(owners[c.org_id].chat_rules, c.rules)],
        status=r.status) for r, c in rows]


async def partners(db: AsyncSession, scope: OrgScope) -> list[Ref]:
    """The other organizations of the school's municipality (public institutions: their names
    are no secret), to invite to a joint chat."""
    rows = (await db.execute(select(Organization.id, Organization.name).where(
        Organization.municipality_id == scope.org.municipality_id,
        Organization.id != scope.org.id).order_by(Organization.name))).all()
    return [Ref(id=i, name=n) for i, n in rows]


async def associations(db: AsyncSession, scope: OrgScope) -> list[AssociationItem]:
    """The methodical associations of the school's municipality, for its staff: which the
    caller is in and which they may join (they teach its subject here, or run the school)."""
    actor = scope.actor
    rows = (await db.execute(select(NetworkChat, Chat).join(Chat, Chat.id == NetworkChat.chat_id)
                             .where(NetworkChat.municipality_id == scope.org.municipality_id,
                                    NetworkChat.kind == NetworkKind.association,
                                    Chat.archived_at.is_(None))
                             .order_by(NetworkChat.subject, Chat.id))).all()
    if not rows:
        return []
    ids = [c.id for _, c in rows]
    counts = dict((await db.execute(select(ChatMember.chat_id, func.count()).where(
        ChatMember.chat_id.in_(ids), ChatMember.left_at.is_(None)).group_by(
        ChatMember.chat_id))).all())
    mine = set((await db.execute(select(ChatMember.chat_id).where(
        ChatMember.chat_id.in_(ids), ChatMember.user_id == actor.user_id,
        ChatMember.left_at.is_(None)))).scalars())
    hosts = await _org_refs(db, [c.org_id for _, c in rows])
    host_rules = dict((await db.execute(select(Organization.id, Organization.chat_rules).where(
        Organization.id.in_(sorted({c.org_id for _, c in rows}))))).all())
    runs = bool(actor.roles_in(scope.org.id) & ADMINS)
    out = []
    for net, chat in rows:
        can_join = runs or await teaches_subject(db, scope, net.subject)
        out.append(AssociationItem(
            chat_id=chat.id, title=chat.title, subject=net.subject, host_org=hosts[chat.org_id],
            members=counts.get(chat.id, 0), joined=chat.id in mine,
            can_join=can_join and chat.id not in mine,
            rules=[i.text for i in effective_rules(host_rules.get(chat.org_id), chat.rules)]))
    return out
