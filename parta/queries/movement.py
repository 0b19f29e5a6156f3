"""Reads of movement (R7): the organization's record, as administrators and class teachers see it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.errors import Forbidden
from parta.models import EnrolmentOffer, Group, Movement, Role, User
from parta.models.enums import OfferStatus
from parta.policy import Action, can
from parta.queries.scope import OrgScope
from parta.schemas.common import Person, Ref
from parta.schemas.movement import MovementOut
from parta.services.phones import mask_email, mask_phone

__all__ = ["movements", "require_view"]


def require_view(scope: OrgScope) -> None:
    """Administrators, and class teachers (for their classes), see the movement record."""
    actor, org = scope.actor, scope.org
    if can(actor, Action.movement_record, org):
        return
    if Role.teacher in actor.roles_in(org.id) and actor.leads:
        return
    raise Forbidden()


async def movements(db: AsyncSession, scope: OrgScope, status: str | None = None,
                    limit: int = 200, only: int | None = None) -> list[MovementOut]:
    """Administrators see every movement; a class teacher those of the classes they lead and
    those they proposed. Preconditions: ``require_view`` passed."""
    actor, org = scope.actor, scope.org
    q = select(Movement).where(Movement.org_id == org.id)
    if only is not None:
        q = q.where(Movement.id == only)
    if not can(actor, Action.movement_record, org):
        led = sorted(actor.leads)
        q = q.where(or_(Movement.proposed_by == actor.user_id,
                        Movement.from_group_id.in_(led), Movement.to_group_id.in_(led)))
    if status:
        q = q.where(Movement.status == status)
    rows = list((await db.execute(q.order_by(Movement.id.desc()).limit(limit))).scalars())
    people_ids = {i for r in rows for i in (r.user_id, r.proposed_by, r.decided_by) if i}
    names = dict((await db.execute(select(User.id, User.name).where(
        User.id.in_(sorted(people_ids))))).all()) if people_ids else {}
    group_ids = {i for r in rows for i in (r.from_group_id, r.to_group_id) if i}
    groups = dict((await db.execute(select(Group.id, Group.name).where(
        Group.id.in_(sorted(group_ids))))).all()) if group_ids else {}

    offers = dict((await db.execute(select(EnrolmentOffer.movement_id, EnrolmentOffer.status).where(
        EnrolmentOffer.movement_id.in_([r.id for r in rows])))).all()) if rows else {}

    def person(uid: int | None) -> Person | None:
        return Person(id=uid, name=names.get(uid, "")) if uid else None

    def ref(gid: int | None) -> Ref | None:
        return Ref(id=gid, name=groups.get(gid, "")) if gid else None

    sees_contacts = can(actor, Action.member_contacts, org)

    def details(r: Movement) -> dict[str, Any]:
        """The record as the school wrote it; contacts only for those who see members' contacts,
        and masked while the person has not accepted the school's invitation: until then they
        are nobody's here, and the school keeps no more of them than it needs to recognise."""
        out = dict(r.details)
        if not sees_contacts:
            out.pop("phone", None)
        elif r.id in offers and offers[r.id] != OfferStatus.accepted:
            if out.get("phone"):
                out["phone"] = mask_phone(str(out["phone"]))
            if out.get("email"):
                out["email"] = mask_email(str(out["email"]))
        return out

    return [MovementOut(
        id=r.id, kind=r.kind.value, status=r.status.value, user=person(r.user_id),
        from_group=ref(r.from_group_id), to_group=ref(r.to_group_id), reason=r.reason,
        details=details(r),
        proposed_by=person(r.proposed_by), decided_by=person(r.decided_by),
        created_at=r.created_at, decided_at=r.decided_at,
        invitation=offers[r.id].value if r.id in offers else None) for r in rows]
