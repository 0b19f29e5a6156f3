"""Enrolment offers: a school proposes a place to the owner of a phone, who decides.

An administrator records an arrival or a hiring by phone, or imports a roster with phones;
whether that phone already has an account (in another school, say) is not the school's to
know, and nobody is enrolled without their own consent. So the school's answer is only
«invited»; the person sees the offer after signing in (``queries.offers.my_offers``) and
accepts it — they are enrolled with the role and class proposed — or declines it, and the
school hears «declined» and nothing else.

    offer_place     (a step of movement and roster import, already authorized) make the offer
    accept_offer    the person accepts: enrolled as proposed, invited to the class's chats
    decline_offer   the person declines
"""

from __future__ import annotations

from sqlalchemy import select, update

from parta.actions.base import Ctx
from parta.actions.chats import invite_to_group_chats
from parta.actions.members import add_member
from parta.actions.roles import org_admin_ids
from parta.db import utcnow
from parta.errors import Conflict, NotFound
from parta.models import (
    EnrolmentOffer,
    Group,
    GroupKind,
    GroupMember,
    Movement,
    OfferStatus,
    Organization,
    ParentLink,
    ParentLinkStatus,
    Role,
    User,
)
from parta.realtime.events import EnrolmentOfferChanged, MovementChanged

__all__ = ["accept_offer", "decline_offer", "offer_place"]


async def offer_place(ctx: Ctx, org: Organization, user: User, role: Role,
                      group_id: int | None = None, position: str = "", *,
                      movement_id: int | None = None,
                      import_id: int | None = None) -> EnrolmentOffer:
    """Offer ``user`` a place in ``org``. An earlier pending offer of the same school to the
    same person is withdrawn: the newest one stands. Preconditions: the caller was authorized
    by the action (movement, roster import); ``user`` is not an active member of ``org``.

    The audit entry names the offer, never the person: the school reads its audit log."""
    await ctx.db.execute(update(EnrolmentOffer).where(
        EnrolmentOffer.org_id == org.id, EnrolmentOffer.user_id == user.id,
        EnrolmentOffer.status == OfferStatus.pending).values(
        status=OfferStatus.withdrawn, decided_at=utcnow()))
    offer = EnrolmentOffer(org_id=org.id, user_id=user.id, role=role, group_id=group_id,
                           position=position[:200], movement_id=movement_id,
                           import_id=import_id,
                           created_by=ctx.user.id if ctx.user is not None and ctx.user.id else None)
    ctx.db.add(offer)
    await ctx.db.flush()
    ctx.audit("enrolment.offered", org.id, "enrolment_offer", offer.id, role=role.value,
              group_id=group_id, movement_id=movement_id, import_id=import_id)
    if user.activated_at is not None:  # others see it on their first sign-in
        ctx.emit(EnrolmentOfferChanged(org_id=org.id, offer_id=offer.id, status="pending"),
                 {user.id})
    return offer


async def _my_pending(ctx: Ctx, offer_id: int) -> EnrolmentOffer:
    """The caller's own offer; anyone else's does not exist. Decided ones are a conflict."""
    actor = ctx.require_actor()
    offer = (await ctx.db.execute(select(EnrolmentOffer).where(
        EnrolmentOffer.id == offer_id).with_for_update())).scalar_one_or_none()
    if offer is None or offer.user_id != actor.user_id:
        raise NotFound()
    if offer.status != OfferStatus.pending:
        raise Conflict("offer_not_pending")
    return offer


async def _tell(ctx: Ctx, offer: EnrolmentOffer) -> None:
    audience = await org_admin_ids(ctx, offer.org_id)
    ctx.emit(EnrolmentOfferChanged(org_id=offer.org_id, offer_id=offer.id,
                                   status=offer.status.value), audience | {offer.user_id})
    if offer.movement_id is not None:  # the movement record shows how its invitation went
        ctx.emit(MovementChanged(org_id=offer.org_id, movement_id=offer.movement_id,
                                 status="recorded"), audience)


async def _link_children(ctx: Ctx, offer: EnrolmentOffer) -> None:
    """The children the school's records name, still its students: linked and confirmed (the
    school vouched for them, the parent consented by accepting)."""
    assert ctx.user is not None
    have = set((await ctx.db.execute(select(ParentLink.child_id).where(
        ParentLink.org_id == offer.org_id, ParentLink.parent_id == ctx.user.id,
        ParentLink.status == ParentLinkStatus.confirmed))).scalars())
    classes = dict((await ctx.db.execute(select(GroupMember.user_id, Group.id).join(
        Group, Group.id == GroupMember.group_id).where(
        Group.org_id == offer.org_id, Group.kind == GroupKind.class_,
        Group.archived_at.is_(None), GroupMember.user_id.in_(list(offer.child_ids))))).all())
    now = utcnow()
    for child_id in offer.child_ids:
        if child_id in have or child_id not in classes:
            continue
        child = await ctx.db.get(User, child_id)
        ctx.db.add(ParentLink(org_id=offer.org_id, parent_id=ctx.user.id, child_id=child_id,
                              group_id=classes[child_id],
                              child_name_claimed=child.name if child else "",
                              status=ParentLinkStatus.confirmed, decided_by=offer.created_by,
                              decided_at=now))
    await ctx.db.flush()


async def accept_offer(ctx: Ctx, offer_id: int) -> EnrolmentOffer:
    """Enrol the caller as the offer proposes: the role, the class (a student joins it and is
    invited to its chats, R23), the position for staff."""

    offer = await _my_pending(ctx, offer_id)
    assert ctx.user is not None
    org = await ctx.db.get(Organization, offer.org_id)
    assert org is not None
    group_id = offer.group_id
    if group_id is not None:  # the class may have been archived meanwhile: no class, then
        group_id = (await ctx.db.execute(select(Group.id).where(
            Group.id == group_id, Group.org_id == org.id,
            Group.archived_at.is_(None)))).scalar_one_or_none()
    await add_member(ctx, org, ctx.user, {offer.role}, group_id=group_id,
                     position=offer.position)
    if offer.role == Role.student and group_id is not None:
        await invite_to_group_chats(ctx, group_id, only={ctx.user.id})
    if offer.role == Role.parent and offer.child_ids:
        await _link_children(ctx, offer)
    if offer.movement_id is not None:
        mv = await ctx.db.get(Movement, offer.movement_id)
        if mv is not None and mv.user_id is None:
            mv.user_id = ctx.user.id  # consented: the record may now name them
    offer.status, offer.decided_at = OfferStatus.accepted, utcnow()
    ctx.audit("enrolment.accepted", org.id, "enrolment_offer", offer.id, user_id=ctx.user.id,
              role=offer.role.value, group_id=group_id)
    await _tell(ctx, offer)
    return offer


async def decline_offer(ctx: Ctx, offer_id: int) -> EnrolmentOffer:
    """The caller declines; the school learns «declined» and nothing more."""
    offer = await _my_pending(ctx, offer_id)
    offer.status, offer.decided_at = OfferStatus.declined, utcnow()
    # Recorded outside the school's own log: that log names its actor, and who declined is
    # not the school's to know.
    ctx.audit("enrolment.declined", None, "enrolment_offer", offer.id, school_id=offer.org_id)
    await _tell(ctx, offer)
    return offer
