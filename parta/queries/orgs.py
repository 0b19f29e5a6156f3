"""Reads about organizations and their structure."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.db import utcnow
from parta.models import (
    STAFF_ROLES,
    Chat,
    ChatInvitation,
    Group,
    GroupKind,
    GroupMember,
    GroupTeacher,
    Invite,
    JoinRequest,
    JoinRequestStatus,
    Membership,
    MembershipRole,
    Municipality,
    Organization,
    ParentLink,
    ParentLinkStatus,
    Region,
    Role,
    SupportTicket,
    User,
    VerificationStatus,
)
from parta.policy import Actor
from parta.queries.people import persons
from parta.queries.scope import OrgScope
from parta.schemas.common import Ref
from parta.schemas.orgs import (
    AttentionOut,
    FiguresOut,
    GroupOut,
    OrgOut,
    RegionOut,
    SubjectTeacherOut,
)

__all__ = ["figures", "groups", "org_out", "regions", "visible_orgs"]


async def regions(db: AsyncSession) -> list[RegionOut]:
    munis: dict[int, list[Ref]] = defaultdict(list)
    for m in (await db.execute(select(Municipality).order_by(Municipality.name))).scalars():
        munis[m.region_id].append(Ref(id=m.id, name=m.name))
    return [RegionOut(id=r.id, name=r.name, municipalities=munis[r.id])
            for r in (await db.execute(select(Region).order_by(Region.name))).scalars()]


async def org_out(db: AsyncSession, org: Organization) -> OrgOut:
    muni = await db.get(Municipality, org.municipality_id)
    assert muni is not None
    region = await db.get(Region, muni.region_id)
    assert region is not None
    return OrgOut(
        id=org.id, name=org.name, short_name=org.short_name, kind=org.kind.value,
        municipality=Ref(id=muni.id, name=muni.name), region=Ref(id=region.id, name=region.name),
        address=org.address, phone=org.phone, email=org.email, website=org.website,
        gradebook_url=org.gradebook_url, description=org.description, created_at=org.created_at,
    )


async def visible_orgs(db: AsyncSession, actor: Actor) -> list[OrgOut]:
    stmt = select(Organization).order_by(Organization.name)
    if not actor.is_operator:
        stmt = stmt.where(or_(Organization.id.in_(list(actor.roles)),
                              Organization.municipality_id.in_(list(actor.municipalities))))
    return [await org_out(db, o) for o in (await db.execute(stmt)).scalars()]


async def figures(db: AsyncSession, scope: OrgScope) -> FiguresOut:
    org_id = scope.org.id
    active = (select(Membership.id).where(Membership.org_id == org_id, Membership.left_at.is_(None))
              .scalar_subquery())

    async def count_roles(roles: frozenset[Role] | set[Role]) -> int:
        return (await db.execute(
            select(func.count(func.distinct(MembershipRole.membership_id)))
            .where(MembershipRole.membership_id.in_(active), MembershipRole.role.in_(roles))
        )).scalar_one()

    now = utcnow()
    return FiguresOut(
        members=(await db.execute(select(func.count()).select_from(Membership).where(
            Membership.org_id == org_id, Membership.left_at.is_(None)))).scalar_one(),
        staff=await count_roles(STAFF_ROLES),
        students=await count_roles({Role.student}),
        parents=await count_roles({Role.parent}),
        verified_teachers=(await db.execute(select(func.count()).select_from(Membership).where(
            Membership.org_id == org_id, Membership.left_at.is_(None),
            Membership.verification == VerificationStatus.verified))).scalar_one(),
        pending_requests=(await db.execute(select(func.count()).select_from(JoinRequest).where(
            JoinRequest.org_id == org_id,
            JoinRequest.status == JoinRequestStatus.pending))).scalar_one(),
        active_invites=(await db.execute(select(func.count()).select_from(Invite).where(
            Invite.org_id == org_id, Invite.annulled_at.is_(None), Invite.expires_at > now,
            or_(Invite.max_uses.is_(None), Invite.uses < Invite.max_uses)))).scalar_one(),
        activated=(await db.execute(select(func.count()).select_from(Membership).join(
            User, User.id == Membership.user_id).where(
            Membership.org_id == org_id, Membership.left_at.is_(None),
            User.activated_at.is_not(None)))).scalar_one(),
        # Joining is voluntary (R23): an open invitation counts as on its way, not as refused.
        invited_to_chats=(await db.execute(
            select(func.count(func.distinct(ChatInvitation.user_id)))
            .join(Chat, Chat.id == ChatInvitation.chat_id)
            .join(Membership, and_(Membership.user_id == ChatInvitation.user_id,
                                   Membership.org_id == org_id, Membership.left_at.is_(None)))
            .where(Chat.org_id == org_id, Chat.archived_at.is_(None),
                   ChatInvitation.declined_at.is_(None)))).scalar_one(),
    )


async def attention(db: AsyncSession, scope: OrgScope) -> AttentionOut:
    """What waits for the school's administrators to decide: counted, never listed here."""
    org_id = scope.org.id
    return AttentionOut(
        join_requests=(await db.execute(select(func.count()).select_from(JoinRequest).where(
            JoinRequest.org_id == org_id,
            JoinRequest.status == JoinRequestStatus.pending))).scalar_one(),
        parent_links=(await db.execute(select(func.count()).select_from(ParentLink).where(
            ParentLink.org_id == org_id,
            ParentLink.status == ParentLinkStatus.pending))).scalar_one(),
        verifications=(await db.execute(select(func.count()).select_from(Membership).where(
            Membership.org_id == org_id, Membership.left_at.is_(None),
            Membership.verification == VerificationStatus.requested))).scalar_one(),
        support_tickets=(await db.execute(select(func.count()).select_from(SupportTicket).where(
            SupportTicket.org_id == org_id, SupportTicket.escalated_at.is_(None),
            SupportTicket.status == "open"))).scalar_one(),
    )


async def groups(db: AsyncSession, scope: OrgScope, only: int | None = None) -> list[GroupOut]:
    org_id = scope.org.id
    stmt = select(Group).where(Group.org_id == org_id, Group.archived_at.is_(None))
    if only is not None:
        stmt = stmt.where(Group.id == only)
    rows = list((await db.execute(stmt)).scalars())
    rows.sort(key=lambda g: (g.kind != GroupKind.staff_room, g.grade or 99, g.name))
    ids = [g.id for g in rows]
    subj = list((await db.execute(select(GroupTeacher).where(GroupTeacher.group_id.in_(ids))
                                  .order_by(GroupTeacher.subject))).scalars()) if ids else []
    counts = dict((await db.execute(
        select(GroupMember.group_id, func.count()).where(GroupMember.group_id.in_(ids))
        .group_by(GroupMember.group_id))).all()) if ids else {}
    people = await persons(db, org_id, [g.class_teacher_id for g in rows] + [s.user_id for s in subj])
    by_group: dict[int, list[SubjectTeacherOut]] = defaultdict(list)
    for s in subj:
        if s.user_id in people:
            by_group[s.group_id].append(SubjectTeacherOut(id=s.id, subject=s.subject,
                                                          teacher=people[s.user_id]))
    return [GroupOut(
        id=g.id, kind=g.kind.value, name=g.name, grade=g.grade, letter=g.letter,
        class_teacher=people.get(g.class_teacher_id) if g.class_teacher_id else None,
        subject_teachers=by_group[g.id], students_count=counts.get(g.id, 0),
    ) for g in rows]
