"""Teachers' office hours and the profile card that shows them (issue 14)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.errors import NotFound
from parta.models import STAFF_ROLES, Membership, MembershipRole, OfficeHour
from parta.queries.people import persons
from parta.queries.scope import OrgScope
from parta.quiet import DEFAULT_TIME_ZONE
from parta.schemas.urgent import OfficeHoursOut, OfficeSlot, TeacherProfileOut

__all__ = ["clock", "minutes", "office_hours_of", "teacher_profile"]


def minutes(hh_mm: str) -> int:
    hours, mins = hh_mm.split(":")
    return int(hours) * 60 + int(mins)


def clock(total: int) -> str:
    return f"{total // 60:02d}:{total % 60:02d}"


async def _slots(db: AsyncSession, org_id: int, user_id: int) -> list[OfficeSlot]:
    rows = (await db.execute(select(OfficeHour).where(
        OfficeHour.org_id == org_id, OfficeHour.user_id == user_id)
        .order_by(OfficeHour.weekday, OfficeHour.start))).scalars()
    return [OfficeSlot.model_construct(weekday=r.weekday, start=clock(r.start), end=clock(r.end),
                                       note=r.note) for r in rows]


async def office_hours_of(db: AsyncSession, scope: OrgScope, user_id: int) -> OfficeHoursOut:
    """``user_id``'s office hours in the scope's school (the gate let the caller see it)."""
    return OfficeHoursOut(org_id=scope.org.id, user_id=user_id,
                          time_zone=scope.org.time_zone or DEFAULT_TIME_ZONE,
                          slots=await _slots(db, scope.org.id, user_id))


async def teacher_profile(db: AsyncSession, scope: OrgScope, user_id: int) -> TeacherProfileOut:
    """The card of a staff member of the scope's school; anyone else (a pupil, a parent,
    someone who left, another school's teacher) is not found: no one's card but staff's."""
    membership = (await db.execute(
        select(Membership).join(MembershipRole, MembershipRole.membership_id == Membership.id)
        .where(Membership.org_id == scope.org.id, Membership.user_id == user_id,
               Membership.left_at.is_(None), MembershipRole.role.in_(list(STAFF_ROLES)))
        .limit(1))).scalar()
    if membership is None:
        raise NotFound()
    person = (await persons(db, scope.org.id, [user_id])).get(user_id)
    if person is None:
        raise NotFound()
    return TeacherProfileOut(person=person, position=membership.position, org_id=scope.org.id,
                             time_zone=scope.org.time_zone or DEFAULT_TIME_ZONE,
                             office_hours=await _slots(db, scope.org.id, user_id))
