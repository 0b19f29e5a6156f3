"""Reads of enrolment offers: only ever the caller's own."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.models import EnrolmentOffer, Group, OfferStatus, Organization
from parta.schemas.common import Ref
from parta.schemas.offers import OfferOut

__all__ = ["my_offers", "offer_out"]


async def offer_out(db: AsyncSession, offer: EnrolmentOffer) -> OfferOut:
    org = await db.get(Organization, offer.org_id)
    group = await db.get(Group, offer.group_id) if offer.group_id else None
    return OfferOut(id=offer.id, org=Ref(id=offer.org_id, name=org.name if org else ""),
                    role=offer.role.value,
                    group=Ref(id=group.id, name=group.name) if group else None,
                    position=offer.position, status=offer.status.value,
                    created_at=offer.created_at)


async def my_offers(db: AsyncSession, user_id: int) -> list[OfferOut]:
    """The places schools offer the caller and that still wait for an answer, newest first."""
    rows = (await db.execute(select(EnrolmentOffer).where(
        EnrolmentOffer.user_id == user_id, EnrolmentOffer.status == OfferStatus.pending)
        .order_by(EnrolmentOffer.id.desc()))).scalars()
    return [await offer_out(db, o) for o in rows]
