"""Regions, municipalities, organizations, groups and members."""

from __future__ import annotations

from fastapi import APIRouter

from parta.actions import groups as group_actions
from parta.actions import members as member_actions
from parta.actions import orgs as org_actions
from parta.api.deps import AuthCtx, PathId, QueryId
from parta.api.responses import errors
from parta.errors import NotFound
from parta.models import Role
from parta.policy import Action
from parta.queries import orgs as org_queries
from parta.queries.people import members as member_query
from parta.queries.scope import group_in, org_for, org_seen
from parta.schemas.common import Ok, Person, PlainText, Ref
from parta.schemas.orgs import (
    AttentionOut,
    ClassTeacherIn,
    FiguresOut,
    GroupIn,
    GroupOut,
    GroupPatch,
    GroupsOut,
    MemberOut,
    MembersOut,
    MunicipalAdminIn,
    MunicipalityIn,
    OrgOut,
    OrgPatch,
    OrgRegisterIn,
    OrgsOut,
    RegionIn,
    RegionsOut,
    RoleIn,
    SubjectTeacherIn,
    VerificationDecisionIn,
    VerificationRequestIn,
)

router = APIRouter(tags=["organizations"])


@router.get("/regions", response_model=RegionsOut, responses=errors(401))
async def list_regions(ctx: AuthCtx) -> RegionsOut:
    return RegionsOut(regions=await org_queries.regions(ctx.db))


@router.post("/regions", response_model=Ref, status_code=201,
             responses=errors(401, 403, 409, 413, 422))
async def create_region(body: RegionIn, ctx: AuthCtx) -> Ref:
    r = await org_actions.create_region(ctx, body.name)
    return Ref(id=r.id, name=r.name)


@router.post("/municipalities", response_model=Ref, status_code=201,
             responses=errors(401, 403, 409, 413, 422))
async def create_municipality(body: MunicipalityIn, ctx: AuthCtx) -> Ref:
    m = await org_actions.create_municipality(ctx, body.region_id, body.name)
    return Ref(id=m.id, name=m.name)


@router.post("/municipalities/{municipality_id}/admins", response_model=Person, status_code=201,
             responses=errors(401, 403, 404, 409, 413, 422))
async def appoint_municipal_admin(municipality_id: PathId, body: MunicipalAdminIn,
                                  ctx: AuthCtx) -> Person:
    user = await org_actions.appoint_municipal_admin(ctx, municipality_id, body.phone, body.name)
    return Person(id=user.id, name=user.name)


@router.post("/organizations", response_model=OrgOut, status_code=201,
             responses=errors(401, 403, 413, 422))
async def register_org(body: OrgRegisterIn, ctx: AuthCtx) -> OrgOut:
    org = await org_actions.register_organization(ctx, **body.model_dump())
    return await org_queries.org_out(ctx.db, org)


@router.get("/organizations", response_model=OrgsOut, responses=errors(401))
async def list_orgs(ctx: AuthCtx) -> OrgsOut:
    return OrgsOut(organizations=await org_queries.visible_orgs(ctx.db, ctx.require_actor()))


@router.get("/orgs/{org_id}", response_model=OrgOut, responses=errors(401, 403, 404))
async def get_org(org_id: PathId, ctx: AuthCtx) -> OrgOut:
    scope = await org_for(ctx.db, ctx.require_actor(), org_id, Action.org_view)
    return await org_queries.org_out(ctx.db, scope.org)


@router.patch("/orgs/{org_id}", response_model=OrgOut, responses=errors(401, 403, 404, 413, 422))
async def patch_org(org_id: PathId, body: OrgPatch, ctx: AuthCtx) -> OrgOut:
    org = await org_actions.edit_organization(ctx, org_id, body.model_dump(exclude_unset=True))
    return await org_queries.org_out(ctx.db, org)


@router.get("/orgs/{org_id}/attention", response_model=AttentionOut,
            responses=errors(401, 403, 404))
async def get_attention(org_id: PathId, ctx: AuthCtx) -> AttentionOut:
    """What waits for the administrators: requests, parents to confirm, teachers, tickets."""
    scope = await org_for(ctx.db, ctx.require_actor(), org_id, Action.attention_view)
    return await org_queries.attention(ctx.db, scope)


@router.get("/orgs/{org_id}/figures", response_model=FiguresOut, responses=errors(401, 403, 404))
async def get_figures(org_id: PathId, ctx: AuthCtx) -> FiguresOut:
    scope = await org_for(ctx.db, ctx.require_actor(), org_id, Action.org_figures)
    return await org_queries.figures(ctx.db, scope)


# Groups -------------------------------------------------------------------------------------

async def _group_out(ctx: AuthCtx, org_id: PathId, group_id: PathId) -> GroupOut:
    scope = await org_seen(ctx.db, ctx.require_actor(), org_id)  # the action just decided
    return (await org_queries.groups(ctx.db, scope, only=group_id))[0]


@router.get("/orgs/{org_id}/groups", response_model=GroupsOut, responses=errors(401, 403, 404))
async def list_groups(org_id: PathId, ctx: AuthCtx) -> GroupsOut:
    scope = await org_for(ctx.db, ctx.require_actor(), org_id, Action.group_view)
    return GroupsOut(groups=await org_queries.groups(ctx.db, scope))


@router.post("/orgs/{org_id}/groups", response_model=GroupOut, status_code=201,
             responses=errors(401, 403, 404, 409, 413, 422))
async def create_group(org_id: PathId, body: GroupIn, ctx: AuthCtx) -> GroupOut:
    g = await group_actions.create_group(ctx, org_id, grade=body.grade, letter=body.letter,
                                         name=body.name)
    return await _group_out(ctx, org_id, g.id)


@router.patch("/orgs/{org_id}/groups/{group_id}", response_model=GroupOut,
              responses=errors(401, 403, 404, 409, 413, 422))
async def patch_group(org_id: PathId, group_id: PathId, body: GroupPatch, ctx: AuthCtx) -> GroupOut:
    g = await group_actions.edit_group(ctx, org_id, group_id, grade=body.grade,
                                       letter=body.letter, name=body.name)
    return await _group_out(ctx, org_id, g.id)


@router.delete("/orgs/{org_id}/groups/{group_id}", response_model=Ok,
               responses=errors(401, 403, 404, 409))
async def archive_group(org_id: PathId, group_id: PathId, ctx: AuthCtx) -> Ok:
    await group_actions.archive_group(ctx, org_id, group_id)
    return Ok()


@router.put("/orgs/{org_id}/groups/{group_id}/class-teacher", response_model=GroupOut,
            responses=errors(401, 403, 404, 409, 413, 422))
async def set_class_teacher(org_id: PathId, group_id: PathId, body: ClassTeacherIn,
                            ctx: AuthCtx) -> GroupOut:
    g = await group_actions.set_class_teacher(ctx, org_id, group_id, body.user_id)
    return await _group_out(ctx, org_id, g.id)


@router.post("/orgs/{org_id}/groups/{group_id}/subject-teachers", response_model=GroupOut,
             responses=errors(401, 403, 404, 409, 413, 422))
async def add_subject_teacher(org_id: PathId, group_id: PathId, body: SubjectTeacherIn,
                              ctx: AuthCtx) -> GroupOut:
    g = await group_actions.add_subject_teacher(ctx, org_id, group_id, body.user_id, body.subject)
    return await _group_out(ctx, org_id, g.id)


@router.delete("/orgs/{org_id}/groups/{group_id}/subject-teachers/{assignment_id}",
               response_model=GroupOut, responses=errors(401, 403, 404))
async def remove_subject_teacher(org_id: PathId, group_id: PathId, assignment_id: PathId,
                                 ctx: AuthCtx) -> GroupOut:
    g = await group_actions.remove_subject_teacher(ctx, org_id, group_id, assignment_id)
    return await _group_out(ctx, org_id, g.id)


# Members ------------------------------------------------------------------------------------

async def _member_out(ctx: AuthCtx, org_id: PathId, user_id: PathId) -> MemberOut:
    scope = await org_for(ctx.db, ctx.require_actor(), org_id, Action.org_view)
    found = await member_query(ctx.db, scope, user_id=user_id)
    if not found:
        raise NotFound()
    return found[0]


@router.get("/orgs/{org_id}/members", response_model=MembersOut,
            responses=errors(401, 403, 404, 422))
async def list_members(org_id: PathId, ctx: AuthCtx, role: Role | None = None,
                       group_id: QueryId = None, q: PlainText = "") -> MembersOut:
    scope = await org_for(ctx.db, ctx.require_actor(), org_id, Action.member_list)
    if group_id is not None:
        await group_in(ctx.db, scope, group_id)
    return MembersOut(members=await member_query(
        ctx.db, scope, role=role, group_id=group_id, q=q[:100]))


@router.post("/orgs/{org_id}/members/{user_id}/roles", response_model=MemberOut,
             responses=errors(401, 403, 404, 409, 413, 422))
async def grant_role(org_id: PathId, user_id: PathId, body: RoleIn, ctx: AuthCtx) -> MemberOut:
    await member_actions.grant_role(ctx, org_id, user_id, body.role)
    return await _member_out(ctx, org_id, user_id)


@router.delete("/orgs/{org_id}/members/{user_id}/roles/{role}", response_model=MemberOut,
               responses=errors(401, 403, 404, 409, 422))
async def revoke_role(org_id: PathId, user_id: PathId, role: Role, ctx: AuthCtx) -> MemberOut:
    await member_actions.revoke_role(ctx, org_id, user_id, role)
    return await _member_out(ctx, org_id, user_id)


@router.post("/orgs/{org_id}/verification", response_model=MemberOut,
             responses=errors(401, 403, 404, 409, 413, 422))
async def request_verification(org_id: PathId, body: VerificationRequestIn,
                               ctx: AuthCtx) -> MemberOut:
    m = await member_actions.request_verification(ctx, org_id, body.position)
    return await _member_out(ctx, org_id, m.user_id)


@router.get("/orgs/{org_id}/verification", response_model=MembersOut,
            responses=errors(401, 403, 404, 422))
async def verification_queue(org_id: PathId, ctx: AuthCtx, status: str = "requested") -> MembersOut:
    scope = await org_for(ctx.db, ctx.require_actor(), org_id, Action.verification_decide)
    return MembersOut(members=await member_query(
        ctx.db, scope, role=Role.teacher, verification=status[:20]))


@router.post("/orgs/{org_id}/members/{user_id}/verification", response_model=MemberOut,
             responses=errors(401, 403, 404, 409, 413, 422))
async def decide_verification(org_id: PathId, user_id: PathId, body: VerificationDecisionIn,
                              ctx: AuthCtx) -> MemberOut:
    await member_actions.decide_verification(ctx, org_id, user_id, body.decision == "confirm",
                                             body.note)
    return await _member_out(ctx, org_id, user_id)
