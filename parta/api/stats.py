"""Statistics for the director (R34, R39) and the municipality (R2): figures by week, class
and school against the regulation's targets, as JSON, XLSX or CSV. Read-only."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from parta.api.deps import AuthCtx, PathId
from parta.api.responses import errors, file_answer
from parta.policy import Action
from parta.queries import stats as q
from parta.queries.scope import municipality_seen, org_for
from parta.queries.stats_files import stats_csv, stats_xlsx
from parta.schemas.stats import MunicipalStatsOut, StatsOut

router = APIRouter(tags=["stats"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
Format = Literal["json", "xlsx", "csv"]
Start = Annotated[date | None, Query(alias="from", description="A day of the first week")]
End = Annotated[date | None, Query(alias="to", description="A day of the last week")]
# 403 forbidden (a teacher, student or parent of the school); 404 not_found (another school's
# or municipality's, or none); 422 stats_range_backwards, stats_range_too_long, a malformed date.
READS = {**file_answer(XLSX, CSV, description="The figures, or their file"),
         **errors(401, 403, 404, 422)}


def _file(report: StatsOut | MunicipalStatsOut, format: Format, lang: str, name: str
          ) -> Response:
    body, media = (stats_xlsx(report, lang), XLSX) if format == "xlsx" else (
        stats_csv(report, lang), f"{CSV}; charset=utf-8")
    stamp = f"{report.weeks_from.isoformat()}-{report.weeks_to.isoformat()}"
    return Response(body, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="{name}-{stamp}.{format}"'})


@router.get("/orgs/{org_id}/stats", response_model=StatsOut, responses=READS)
async def school_stats(org_id: PathId, ctx: AuthCtx,
                       start: Start = None, end: End = None,
                       format: Format = "json") -> StatsOut | Response:
    """The school's figures by week and class for its administrators (and the municipality's
    and the platform's overseers): weeks ``from``..``to`` (any day of each; unset: this
    school year so far)."""
    scope = await org_for(ctx.db, ctx.require_actor(), org_id, Action.stats_view)
    zone = q.zone_named(scope.org.time_zone)  # the school's own calendar
    first, last = q.weeks_range(start, end, zone, ctx.settings.stats_max_weeks)
    report = await q.school_stats(ctx.db, scope, first, last)
    return report if format == "json" else _file(report, format, ctx.lang, f"stats-{org_id}")


@router.get("/municipalities/{municipality_id}/stats", response_model=MunicipalStatsOut,
            responses=READS)
async def municipal_stats(municipality_id: PathId, ctx: AuthCtx,
                          start: Start = None, end: End = None,
                          format: Format = "json") -> MunicipalStatsOut | Response:
    """The municipality's schools added up and ranked against the targets, for its municipal
    administrators and the operator. Counts only: never what anyone wrote, nor pupils' names."""
    scope = await municipality_seen(ctx.db, ctx.require_actor(), municipality_id)
    # Weeks are labelled by their Mondays; each school's week is its own (its zone's), and
    # «this week» is the platform's (``stats_time_zone``).
    zone = ctx.settings.stats_zone
    first, last = q.weeks_range(start, end, zone, ctx.settings.stats_max_weeks)
    report = await q.municipal_stats(ctx.db, scope, first, last)
    return report if format == "json" else _file(report, format, ctx.lang,
                                                 f"municipality-{municipality_id}")


__all__ = ["router"]
