"""Personal data (152-ФЗ): consents, the gap list, the person's data export and deletion."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from parta.actions import consent as consent_actions
from parta.actions import privacy as privacy_actions
from parta.api.deps import AuthCtx, PathId, QueryId
from parta.api.responses import errors
from parta.db import utcnow
from parta.errors import NotFound
from parta.models import DataExport, DeletionRequest
from parta.policy import Action
from parta.queries import privacy as q
from parta.queries.scope import group_in, org_for, org_seen
from parta.schemas.privacy import (
    ChildConsentOut,
    ConsentDocumentOut,
    ConsentIn,
    ConsentsOut,
    DeletionIn,
    DeletionOut,
    ExportOut,
    GapsOut,
    HistoryOut,
    PaperConsentIn,
)
from parta.services.storage import ObjectNotFound

router = APIRouter(tags=["personal data"])


# Consents ---------------------------------------------------------------------------------------

@router.get("/me/consents", response_model=ConsentsOut, responses=errors(401))
async def my_children_consents(ctx: AuthCtx) -> ConsentsOut:
    """For a parent: each of their confirmed children and where consent stands, with the
    document to agree to. Empty for anyone who is nobody's confirmed parent."""
    actor = ctx.require_actor()
    version, digest, text = consent_actions.consent_document(ctx)
    return ConsentsOut(document=ConsentDocumentOut(version=version, sha256=digest, text=text),
                       children=await q.child_consents(ctx.db, actor.user_id))


@router.post("/me/consents", response_model=ChildConsentOut,
             responses=errors(401, 403, 404, 413, 422))
async def give_consent(body: ConsentIn, ctx: AuthCtx) -> ChildConsentOut:
    """A parent gives or withdraws consent for their child, for one or more purposes."""
    await consent_actions.give_consent(ctx, body.org_id, body.child_id, list(body.purposes),
                                       body.status, body.document_version)
    scope = await org_seen(ctx.db, ctx.require_actor(), body.org_id)
    return await q.parent_child_consent(ctx.db, scope, body.child_id)


@router.get("/orgs/{org_id}/consents/gaps", response_model=GapsOut,
            responses=errors(401, 403, 404, 422))
async def consent_gaps(org_id: PathId, ctx: AuthCtx, group_id: QueryId = None) -> GapsOut:
    """Students without full consent, per class, with counts. Administrators see the whole
    school; a class teacher sees their class (``group_id``)."""
    scope = await org_for(ctx.db, ctx.require_actor(), org_id, Action.consent_view, group_id)
    if group_id is not None:
        await group_in(ctx.db, scope, group_id)
    return await q.consent_gaps(ctx.db, scope)


@router.get("/orgs/{org_id}/consents/children/{child_id}", response_model=HistoryOut,
            responses=errors(401, 403, 404))
async def consent_history(org_id: PathId, child_id: PathId, ctx: AuthCtx) -> HistoryOut:
    """One student's ledger, newest first (administrators)."""
    scope = await org_for(ctx.db, ctx.require_actor(), org_id, Action.consent_view)
    return await q.child_history(ctx.db, scope, child_id)


@router.post("/orgs/{org_id}/consents/paper", response_model=HistoryOut, status_code=201,
             responses=errors(401, 403, 404, 413, 422))
async def record_paper_consent(org_id: PathId, body: PaperConsentIn, ctx: AuthCtx) -> HistoryOut:
    """An administrator records a parent's paper consent form (or its withdrawal)."""
    scope = await consent_actions.record_paper_consent(
        ctx, org_id, body.child_id, list(body.purposes), body.status, body.parent_name, body.note)
    return await q.child_history(ctx.db, scope, body.child_id)


# The person's data: an archive, and deletion -----------------------------------------------------

def _export(ctx: AuthCtx, row: DataExport | None) -> ExportOut:
    return q.export_out(row, utcnow(), ctx.settings.export_ttl_hours)


def _deletion(ctx: AuthCtx, row: DeletionRequest | None) -> DeletionOut:
    return q.deletion_out(row, ctx.settings.deletion_grace_days)


@router.get("/me/export", response_model=ExportOut, responses=errors(401))
async def my_export(ctx: AuthCtx) -> ExportOut:
    """The caller's latest archive: none, pending, running, done (with its link), failed or
    expired."""
    return _export(ctx, await q.latest_export(ctx.db, ctx.require_actor().user_id))


@router.post("/me/export", response_model=ExportOut, status_code=202,
             responses=errors(401, 403, 409))
async def request_export(ctx: AuthCtx) -> ExportOut:
    """Start building an archive of everything Parta holds about the caller (one at a time)."""
    return _export(ctx, await privacy_actions.request_export(ctx))


@router.get("/me/export/{export_id}/download", response_class=StreamingResponse,
            responses={200: {"content": {"application/zip": {}}}, **errors(401, 404, 410)})
async def download_export(export_id: PathId, ctx: AuthCtx) -> StreamingResponse:
    """The ZIP: ``data.json`` and the caller's files. Only its owner gets it; to anyone else
    it does not exist."""
    row = await q.export_for_download(ctx.db, ctx.require_actor().user_id, export_id, utcnow())
    assert row.storage_key is not None
    try:
        chunks = await ctx.services.storage.open(row.storage_key)
    except ObjectNotFound:
        raise NotFound() from None
    name = f"parta-data-{row.finished_at.date().isoformat() if row.finished_at else row.id}.zip"
    return StreamingResponse(chunks, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Content-Length": str(row.size)})


@router.get("/me/deletion", response_model=DeletionOut, responses=errors(401))
async def my_deletion(ctx: AuthCtx) -> DeletionOut:
    return _deletion(ctx, await q.pending_deletion(ctx.db, ctx.require_actor().user_id))


@router.post("/me/deletion", response_model=DeletionOut, status_code=201,
             responses=errors(400, 401, 403, 404, 409, 413, 422))
async def request_deletion(body: DeletionIn, ctx: AuthCtx) -> DeletionOut:
    """Ask to delete one's data, confirmed by a sign-in code (``POST /auth/code`` first). It is
    carried out after the grace period, during which ``DELETE /me/deletion`` cancels it.
    Students are refused (``deletion_needs_parent``): a parent asks for them."""
    return _deletion(ctx, await privacy_actions.request_deletion(ctx, body.code))


@router.delete("/me/deletion", response_model=DeletionOut, responses=errors(401, 403, 404, 409))
async def cancel_deletion(ctx: AuthCtx) -> DeletionOut:
    return _deletion(ctx, await privacy_actions.cancel_deletion(ctx))


@router.get("/me/children/{child_id}/deletion", response_model=DeletionOut,
            responses=errors(401, 404))
async def child_deletion(child_id: PathId, ctx: AuthCtx) -> DeletionOut:
    if not any(c.child.id == child_id for c in await q.child_consents(
            ctx.db, ctx.require_actor().user_id)):
        raise NotFound()
    return _deletion(ctx, await q.pending_deletion(ctx.db, child_id))


@router.post("/me/children/{child_id}/deletion", response_model=DeletionOut, status_code=201,
             responses=errors(400, 401, 403, 404, 409, 413, 422))
async def request_child_deletion(child_id: PathId, body: DeletionIn, ctx: AuthCtx) -> DeletionOut:
    """A parent asks to delete their child's data, confirmed by a code sent to the parent."""
    return _deletion(ctx, await privacy_actions.request_deletion(ctx, body.code, child_id))


@router.delete("/me/children/{child_id}/deletion", response_model=DeletionOut,
               responses=errors(401, 403, 404, 409))
async def cancel_child_deletion(child_id: PathId, ctx: AuthCtx) -> DeletionOut:
    return _deletion(ctx, await privacy_actions.cancel_deletion(ctx, child_id))


@router.get("/orgs/{org_id}/students/{student_id}/deletion", response_model=DeletionOut,
            responses=errors(401, 403, 404))
async def student_deletion(org_id: PathId, student_id: PathId, ctx: AuthCtx) -> DeletionOut:
    student = await privacy_actions.school_student(ctx, org_id, student_id)
    return _deletion(ctx, await q.pending_deletion(ctx.db, student.id))


@router.post("/orgs/{org_id}/students/{student_id}/deletion", response_model=DeletionOut,
             status_code=201, responses=errors(400, 401, 403, 404, 409, 413, 422))
async def request_student_deletion(org_id: PathId, student_id: PathId, body: DeletionIn,
                                   ctx: AuthCtx) -> DeletionOut:
    """The administration asks to delete a student's data, confirmed by a code sent to the
    administrator. Only for a student with no other place (``not_only_student``)."""
    return _deletion(ctx, await privacy_actions.request_school_deletion(
        ctx, org_id, student_id, body.code))


@router.delete("/orgs/{org_id}/students/{student_id}/deletion", response_model=DeletionOut,
               responses=errors(401, 403, 404, 409))
async def cancel_student_deletion(org_id: PathId, student_id: PathId, ctx: AuthCtx) -> DeletionOut:
    return _deletion(ctx, await privacy_actions.cancel_school_deletion(ctx, org_id, student_id))
