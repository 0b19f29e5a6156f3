"""Enrolment offers (a school's proposal of a place): the person sees, accepts, declines."""

from __future__ import annotations

from fastapi import APIRouter

from parta.actions import offers as offer_actions
from parta.api.deps import AuthCtx, PathId
from parta.api.responses import errors
from parta.queries import offers as offer_queries
from parta.schemas.offers import OfferOut, OffersOut

router = APIRouter(tags=["offers"])


@router.get("/me/offers", response_model=OffersOut, responses=errors(401))
async def my_offers(ctx: AuthCtx) -> OffersOut:
    return OffersOut(offers=await offer_queries.my_offers(ctx.db, ctx.require_actor().user_id))


@router.post("/me/offers/{offer_id}/accept", response_model=OfferOut,
             responses=errors(401, 403, 404, 409))
async def accept(offer_id: PathId, ctx: AuthCtx) -> OfferOut:
    return await offer_queries.offer_out(ctx.db, await offer_actions.accept_offer(ctx, offer_id))


@router.post("/me/offers/{offer_id}/decline", response_model=OfferOut,
             responses=errors(401, 403, 404, 409))
async def decline(offer_id: PathId, ctx: AuthCtx) -> OfferOut:
    return await offer_queries.offer_out(ctx.db, await offer_actions.decline_offer(ctx, offer_id))
