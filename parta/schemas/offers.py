"""Enrolment offers, as the person they are for sees them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from parta.schemas.common import Ref

__all__ = ["OfferOut", "OffersOut"]


class OfferOut(BaseModel):
    id: int
    org: Ref
    role: str
    group: Ref | None
    position: str
    status: str  # pending | accepted | declined | withdrawn
    created_at: datetime


class OffersOut(BaseModel):
    offers: list[OfferOut]
