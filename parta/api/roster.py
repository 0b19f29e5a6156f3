"""Roster import (R8, R9): the template, uploading a file for a preview, the preview's rows,
applying it in the background and following its progress."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Response, UploadFile

from parta.actions import roster as roster_actions
from parta.api.deps import AuthCtx, PathId
from parta.api.responses import errors, file_answer
from parta.models import RosterImport
from parta.policy import Action
from parta.queries import roster as roster_queries
from parta.queries.scope import org_for
from parta.roster import make_template
from parta.schemas.roster import ApplyIn, ImportItemsOut, ImportOut, ImportsOut, Section

router = APIRouter(tags=["roster"])
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_NAME = "Шаблон списка для Парты.xlsx"


async def _with_gaps(ctx: AuthCtx, row: RosterImport) -> ImportOut:
    """The import, with how many of its students have no consent on record (152-ФЗ): the
    roster import is where the administration is reminded to ask for it."""
    out = roster_queries.import_out(row, ctx.lang)
    scope = await org_for(ctx.db, ctx.require_actor(), row.org_id, Action.roster_import)
    out.consent_gaps = await roster_queries.import_consent_gaps(ctx.db, scope, row)
    return out


@router.get("/orgs/{org_id}/roster/template", response_class=Response,
            responses={**file_answer(XLSX_MIME, description="The spreadsheet to fill in"),
                       **errors(401, 403, 404)})
async def template(org_id: PathId, ctx: AuthCtx) -> Response:
    await org_for(ctx.db, ctx.require_actor(), org_id, Action.roster_import)
    return Response(make_template(), media_type=XLSX_MIME, headers={
        "Content-Disposition": "attachment; filename=\"parta-roster-template.xlsx\"; "
                               f"filename*=UTF-8''{quote(TEMPLATE_NAME)}"})


@router.post("/orgs/{org_id}/roster/imports", response_model=ImportOut, status_code=201,
             responses=errors(401, 403, 404, 413, 422))
async def upload(org_id: PathId, ctx: AuthCtx, file: UploadFile) -> ImportOut:
    """A OneRoster zip or an XLSX sheet (told apart by its bytes) → its preview."""
    data = await roster_actions.receive(file)
    row = await roster_actions.preview_import(ctx, org_id, file.filename or "roster", data)
    return await _with_gaps(ctx, row)


@router.get("/orgs/{org_id}/roster/imports", response_model=ImportsOut,
            responses=errors(401, 403, 404))
async def list_imports(org_id: PathId, ctx: AuthCtx) -> ImportsOut:
    scope = await org_for(ctx.db, ctx.require_actor(), org_id, Action.roster_import)
    return ImportsOut(imports=[roster_queries.import_out(r, ctx.lang)
                               for r in await roster_queries.imports(ctx.db, scope)])


@router.get("/orgs/{org_id}/roster/imports/{import_id}", response_model=ImportOut,
            responses=errors(401, 403, 404))
async def get_import(org_id: PathId, import_id: PathId, ctx: AuthCtx) -> ImportOut:
    """The preview, or how far applying it has got (poll this for the progress bar)."""
    scope = await org_for(ctx.db, ctx.require_actor(), org_id, Action.roster_import)
    row = await roster_queries.import_in(ctx.db, scope, import_id)
    return await _with_gaps(ctx, row)


@router.get("/orgs/{org_id}/roster/imports/{import_id}/items", response_model=ImportItemsOut,
            responses=errors(401, 403, 404, 422))
async def import_items(
    org_id: PathId, import_id: PathId, ctx: AuthCtx, section: Section = "people",
    op: Literal["create", "change", "move", "same"] | None = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> ImportItemsOut:
    scope = await org_for(ctx.db, ctx.require_actor(), org_id, Action.roster_import)
    row = await roster_queries.import_in(ctx.db, scope, import_id)
    return roster_queries.import_items(row, section, op, offset, limit)


@router.post("/orgs/{org_id}/roster/imports/{import_id}/apply", response_model=ImportOut,
             status_code=202, responses=errors(401, 403, 404, 409, 413, 422))
async def apply(org_id: PathId, import_id: PathId, body: ApplyIn, ctx: AuthCtx) -> ImportOut:
    """Start applying the preview; it runs in the background — follow it with GET."""
    row = await roster_actions.start_apply(ctx, org_id, import_id, body.valid_rows_only,
                                           background=True)
    return roster_queries.import_out(row, ctx.lang)


@router.delete("/orgs/{org_id}/roster/imports/{import_id}", response_model=ImportOut,
               responses=errors(401, 403, 404, 409))
async def discard(org_id: PathId, import_id: PathId, ctx: AuthCtx) -> ImportOut:
    row = await roster_actions.discard_import(ctx, org_id, import_id)
    return roster_queries.import_out(row, ctx.lang)
