"""A network of schools (R41): joint chats between the schools of a municipality, a school's
invitations to them, and the municipality's methodical associations.

The joint chat's own reads and writes (messages, members, files, links, moderation) are the
chat's routes, open to its members through the tenancy gate like any chat's.
"""

from __future__ import annotations

from fastapi import APIRouter

from parta.actions import network as network_actions
from parta.api.deps import AuthCtx, PathId
from parta.api.responses import errors
from parta.errors import NotFound
from parta.policy import Action
from parta.queries import network as q
from parta.queries.scope import chat_for, org_for
from parta.schemas.chat_links import ChatJoinOut, JoinWithRulesIn
from parta.schemas.network import (
    AssociationIn,
    AssociationItem,
    AssociationsOut,
    InvitedOut,
    JointChatIn,
    JointDecisionIn,
    JointInvitationsOut,
    NetworkOrg,
    NetworkOut,
    OrgIdsIn,
    PartnersOut,
    StaffIdsIn,
)

router = APIRouter(tags=["network"])

# 403 forbidden (not the role), not_owner_school (schools are invited and removed by the owner
# school's moderators of the chat), not_your_subject; 404 not_found (another municipality's
# school or association, a chat that did not invite the school); 409 already_decided,
# already_member, chat_archived, not_joint_chat, association_exists; 422 invalid ids,
# rules_not_accepted, too_many_orgs.
WRITES = errors(401, 403, 404, 409, 413, 422)


async def _view(ctx: AuthCtx, chat_id: int) -> NetworkOut:
    scope = await chat_for(ctx.db, ctx.require_actor(), chat_id)
    out = await q.network_view(ctx.db, scope)
    if out is None:
        raise NotFound()
    return out


async def _org_row(ctx: AuthCtx, chat_id: int, org_id: int, status: str) -> NetworkOrg:
    scope = await org_for(ctx.db, ctx.require_actor(), org_id, Action.network_decide)
    return NetworkOrg.model_validate({"id": scope.org.id, "name": scope.org.name,
                                      "status": status})


@router.get("/orgs/{org_id}/network/partners", response_model=PartnersOut,
            responses=errors(401, 403, 404))
async def partners(org_id: PathId, ctx: AuthCtx) -> PartnersOut:
    """The other organizations of the school's municipality, to invite to a joint chat."""
    scope = await org_for(ctx.db, ctx.require_actor(), org_id, Action.network_chat_create)
    return PartnersOut(organizations=await q.partners(ctx.db, scope))


@router.post("/orgs/{org_id}/joint-chats", response_model=NetworkOut, status_code=201,
             responses=WRITES)
async def create_joint_chat(org_id: PathId, body: JointChatIn, ctx: AuthCtx) -> NetworkOut:
    """A staff member starts a joint chat of their school and invites other schools of the
    municipality; each school's administrator accepts or declines."""
    chat = await network_actions.create_joint_chat(ctx, org_id, **body.model_dump())
    return await _view(ctx, chat.id)


@router.get("/chats/{chat_id}/network", response_model=NetworkOut, responses=errors(401, 404))
async def chat_network(chat_id: PathId, ctx: AuthCtx) -> NetworkOut:
    """The schools of a joint chat and the school each member takes part from; for its
    members. A chat of one school has none (404)."""
    return await _view(ctx, chat_id)


@router.post("/chats/{chat_id}/network/orgs", response_model=NetworkOut, responses=WRITES)
async def invite_orgs(chat_id: PathId, body: OrgIdsIn, ctx: AuthCtx) -> NetworkOut:
    await network_actions.invite_orgs(ctx, chat_id, body.org_ids)
    return await _view(ctx, chat_id)


@router.post("/chats/{chat_id}/network/orgs/{org_id}/remove", response_model=NetworkOut,
             responses=errors(401, 403, 404, 409))
async def remove_org(chat_id: PathId, org_id: PathId, ctx: AuthCtx) -> NetworkOut:
    """The owner school takes a school out of the chat (its people leave; the history stays)."""
    await network_actions.remove_org(ctx, chat_id, org_id)
    return await _view(ctx, chat_id)


@router.get("/orgs/{org_id}/joint-invitations", response_model=JointInvitationsOut,
            responses=errors(401, 403, 404))
async def joint_invitations(org_id: PathId, ctx: AuthCtx) -> JointInvitationsOut:
    """The joint chats that invite the school, for its administrators to decide."""
    scope = await org_for(ctx.db, ctx.require_actor(), org_id, Action.network_decide)
    return JointInvitationsOut(invitations=await q.joint_invitations(ctx.db, scope))


@router.post("/orgs/{org_id}/joint-chats/{chat_id}/decision", response_model=NetworkOrg,
             responses=WRITES)
async def decide(org_id: PathId, chat_id: PathId, body: JointDecisionIn,
                 ctx: AuthCtx) -> NetworkOrg:
    row = await network_actions.decide_invitation(ctx, org_id, chat_id, accept=body.accept,
                                                  accept_rules=body.accept_rules)
    return await _org_row(ctx, chat_id, org_id, row.status.value)


@router.post("/orgs/{org_id}/joint-chats/{chat_id}/staff", response_model=InvitedOut,
             responses=WRITES)
async def invite_staff(org_id: PathId, chat_id: PathId, body: StaffIdsIn,
                       ctx: AuthCtx) -> InvitedOut:
    """The administrator of a school taking part invites its staff (each joins themselves)."""
    return InvitedOut(invited=await network_actions.invite_staff(ctx, org_id, chat_id,
                                                                 body.user_ids))


@router.post("/orgs/{org_id}/joint-chats/{chat_id}/leave", response_model=NetworkOrg,
             responses=errors(401, 403, 404, 409))
async def leave(org_id: PathId, chat_id: PathId, ctx: AuthCtx) -> NetworkOrg:
    """The school leaves a joint chat: its people leave it; the history stays."""
    row = await network_actions.leave_network(ctx, org_id, chat_id)
    return await _org_row(ctx, chat_id, org_id, row.status.value)


# Methodical associations ----------------------------------------------------------------------

@router.post("/municipalities/{municipality_id}/associations", response_model=AssociationItem,
             status_code=201, responses=WRITES)
async def create_association(municipality_id: PathId, body: AssociationIn,
                             ctx: AuthCtx) -> AssociationItem:
    """The municipal administrator makes a subject's methodical association."""
    chat = await network_actions.create_association(ctx, municipality_id, **body.model_dump())
    out = await q.association_item(ctx.db, await chat_for(ctx.db, ctx.require_actor(), chat.id))
    if out is None:
        raise NotFound()
    return out


@router.get("/orgs/{org_id}/associations", response_model=AssociationsOut,
            responses=errors(401, 403, 404))
async def associations(org_id: PathId, ctx: AuthCtx) -> AssociationsOut:
    """The methodical associations of the school's municipality, for its staff to join."""
    scope = await org_for(ctx.db, ctx.require_actor(), org_id, Action.association_join)
    return AssociationsOut(associations=await q.associations(ctx.db, scope))


@router.post("/orgs/{org_id}/associations/{chat_id}/join", response_model=ChatJoinOut,
             responses=WRITES)
async def join_association(org_id: PathId, chat_id: PathId, body: JoinWithRulesIn,
                           ctx: AuthCtx) -> ChatJoinOut:
    await network_actions.join_association(ctx, org_id, chat_id, body.accept_rules)
    return ChatJoinOut(status="joined", chat_id=chat_id)


@router.post("/municipalities/{municipality_id}/channel", response_model=NetworkOut,
             responses=errors(401, 403, 404, 409))
async def open_channel(municipality_id: PathId, ctx: AuthCtx) -> NetworkOut:
    """The municipality's channel to its schools' administrators (R2): made the first time,
    and each time it brings in the administrators not in it yet."""
    chat = await network_actions.open_channel(ctx, municipality_id)
    return await _view(ctx, chat.id)
