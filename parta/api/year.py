"""The school year: roster reconciliation (R8) and the year rollover."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Response

from parta.actions import reconciliation as reconciliation_actions
from parta.actions import year as year_actions
from parta.api.deps import AuthCtx, PathId
from parta.api.responses import errors
from parta.db import utcnow
from parta.policy import Action
from parta.queries import reconciliation as q
from parta.queries.scope import org_for
from parta.queries.year import Decision, rollover_out
from parta.schemas.year import (
    ReconciliationMarkIn,
    ReconciliationOut,
    ReconciliationStatusOut,
    RolloverOut,
    RolloverPreviewIn,
)

router = APIRouter(tags=["school year"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# Reconciliation --------------------------------------------------------------------------------

@router.get("/orgs/{org_id}/reconciliation", response_model=ReconciliationOut,
            responses={200: {"content": {XLSX: {}, "text/csv": {}},
                             "description": "The report, or its file"},
                       **errors(401, 403, 404, 422)})
async def reconciliation(org_id: PathId, ctx: AuthCtx,
                         format: Literal["json", "xlsx", "csv"] = Query("json")
                         ) -> ReconciliationOut | Response:
    """The five lists as JSON, or the same as a spreadsheet (``xlsx``) or a table (``csv``)."""
    scope = await org_for(ctx.db, ctx.require_actor(), org_id, Action.reconciliation_view)
    if format == "json":
        return await q.reconciliation_out(ctx.db, scope, ctx.lang)
    report = await q.reconciliation(ctx.db, scope)
    name = f"reconciliation-{scope.org.id}-{utcnow().date().isoformat()}.{format}"
    body, media = (q.to_xlsx(report), XLSX) if format == "xlsx" else (
        q.to_csv(report), "text/csv; charset=utf-8")
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/orgs/{org_id}/reconciliation/status", response_model=ReconciliationStatusOut,
            responses=errors(401, 403, 404))
async def reconciliation_status(org_id: PathId, ctx: AuthCtx) -> ReconciliationStatusOut:
    """For the administrators' home: the last reconciliation and whether a reminder is due."""
    scope = await org_for(ctx.db, ctx.require_actor(), org_id, Action.reconciliation_view)
    return await q.status_out(ctx.db, scope)


@router.post("/orgs/{org_id}/reconciliation/mark", response_model=ReconciliationStatusOut,
             status_code=201, responses=errors(401, 403, 404, 413, 422))
async def mark_reconciled(org_id: PathId, body: ReconciliationMarkIn,
                          ctx: AuthCtx) -> ReconciliationStatusOut:
    await reconciliation_actions.mark_reconciled(ctx, org_id, body.note)
    scope = await org_for(ctx.db, ctx.require_actor(), org_id, Action.reconciliation_view)
    return await q.status_out(ctx.db, scope)


# The year rollover -----------------------------------------------------------------------------

@router.post("/orgs/{org_id}/rollover/preview", response_model=RolloverOut, status_code=201,
             responses=errors(401, 403, 404, 409, 413, 422))
async def preview_rollover(org_id: PathId, body: RolloverPreviewIn, ctx: AuthCtx) -> RolloverOut:
    row = await year_actions.preview_rollover(
        ctx, org_id, final_grade=body.final_grade, repeat=body.repeat,
        decisions=[Decision(**d.model_dump()) for d in body.classes])
    return rollover_out(row)


@router.get("/orgs/{org_id}/rollover/{rollover_id}", response_model=RolloverOut,
            responses=errors(401, 403, 404))
async def get_rollover(org_id: PathId, rollover_id: PathId, ctx: AuthCtx) -> RolloverOut:
    scope = await org_for(ctx.db, ctx.require_actor(), org_id, Action.year_rollover)
    return rollover_out(await year_actions.rollover_in(ctx, scope.org.id, rollover_id))


@router.post("/orgs/{org_id}/rollover/{rollover_id}/apply", response_model=RolloverOut,
             responses=errors(401, 403, 404, 409, 422))
async def apply_rollover(org_id: PathId, rollover_id: PathId, ctx: AuthCtx) -> RolloverOut:
    return rollover_out(await year_actions.apply_rollover(ctx, org_id, rollover_id))
