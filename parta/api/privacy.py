"""Personal data (152-ФЗ): consents, the gap list, the person's data export and deletion."""

from __future__ import annotations

from fastapi import APIRouter

from parta.actions import consent as consent_actions
from parta.api.deps import AuthCtx, PathId, QueryId
from parta.errors import NotFound
from parta.models import Purpose
from parta.policy import Action
from parta.queries import privacy as q
from parta.queries.people import persons
from parta.queries.scope import group_in, org_for
from parta.schemas.common import Ref
from parta.schemas.privacy import (
    ChildConsentOut,
    ConsentDocumentOut,
    ConsentIn,
    ConsentsOut,
    GapsOut,
    HistoryOut,
    PaperConsentIn,
)

router = APIRouter(tags=["personal data"])


# Consents ---------------------------------------------------------------------------------------

@router.get("/me/consents", response_model=ConsentsOut)
async def my_children_consents(ctx: AuthCtx) -> ConsentsOut:
    """For a parent: each of their confirmed children and where consent stands, with the
    document to agree to. Empty for anyone who is nobody's confirmed parent."""
    actor = ctx.require_actor()
    version, digest, text = consent_actions.consent_document(ctx)
    return ConsentsOut(document=ConsentDocumentOut(version=version, sha256=digest, text=text),
                       children=await q.child_consents(ctx.db, actor.user_id))


async def _child_out(ctx: AuthCtx, org_id: int, child_id: int) -> ChildConsentOut:
    for c in await q.child_consents(ctx.db, ctx.require_actor().user_id):
        if c.org is not None and c.org.id == org_id and c.child.id == child_id:
            return c
    raise NotFound()


@router.post("/me/consents", response_model=ChildConsentOut)
async def give_consent(body: ConsentIn, ctx: AuthCtx) -> ChildConsentOut:
    """A parent gives or withdraws consent for their child, for one or more purposes."""
    await consent_actions.give_consent(ctx, body.org_id, body.child_id, list(body.purposes),
                                       body.status, body.document_version)
    return await _child_out(ctx, body.org_id, body.child_id)


@router.get("/orgs/{org_id}/consents/gaps", response_model=GapsOut)
async def consent_gaps(org_id: PathId, ctx: AuthCtx, group_id: QueryId = None) -> GapsOut:
    """Students without full consent, per class, with counts. Administrators see the whole
    school; a class teacher sees their class (``group_id``)."""
    org = await org_for(ctx.db, ctx.require_actor(), org_id, Action.consent_view, group_id)
    if group_id is not None:
        await group_in(ctx.db, org.id, group_id)
    return await q.consent_gaps(ctx.db, org.id, group_id)


async def _history(ctx: AuthCtx, org_id: int, child_id: int) -> HistoryOut:
    students = {s[0]: s for s in await q.students_of(ctx.db, org_id)}
    if child_id not in students:
        raise NotFound()
    _, _, gid, gname = students[child_id]
    st = (await q.consent_statuses(ctx.db, org_id, [child_id]))[child_id]
    who = (await persons(ctx.db, org_id, [child_id]))[child_id]
    missing = [p for p, v in st.items() if v != "given"]
    child = ChildConsentOut(org=None, child=who, group=None if gid is None else Ref(id=gid, name=gname),
                            purposes=st, missing=missing,
                            restricted=not await q.consent_allows(ctx.db, child_id, org_id,
                                                                  Purpose.chats))
    return HistoryOut(child=child, records=await q.consent_history(ctx.db, org_id, child_id))


@router.get("/orgs/{org_id}/consents/children/{child_id}", response_model=HistoryOut)
async def consent_history(org_id: PathId, child_id: PathId, ctx: AuthCtx) -> HistoryOut:
    """One student's ledger, newest first (administrators)."""
    org = await org_for(ctx.db, ctx.require_actor(), org_id, Action.consent_view)
    return await _history(ctx, org.id, child_id)


@router.post("/orgs/{org_id}/consents/paper", response_model=HistoryOut, status_code=201)
async def record_paper_consent(org_id: PathId, body: PaperConsentIn, ctx: AuthCtx) -> HistoryOut:
    """An administrator records a parent's paper consent form (or its withdrawal)."""
    await consent_actions.record_paper_consent(ctx, org_id, body.child_id, list(body.purposes),
                                               body.status, body.parent_name, body.note)
    return await _history(ctx, org_id, body.child_id)
