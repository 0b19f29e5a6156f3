"""Scheduled lessons and meetings in chats (R37), a person's day of them, and who attended a
call (with its XLSX and CSV export)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Query, Response

from parta.actions import lessons as lesson_actions
from parta.api.deps import AuthCtx, PathId
from parta.api.responses import errors, file_answer
from parta.db import utcnow
from parta.errors import ValidationFailed
from parta.queries import attendance as aq
from parta.queries import lessons as q
from parta.queries.scope import chat_for
from parta.schemas.lessons import (
    AttendanceOut,
    LessonChange,
    LessonIn,
    LessonOut,
    LessonsOut,
    MyLessonsOut,
)

router = APIRouter(tags=["lessons"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
# 403 may_not_schedule (not a staff owner or moderator of the chat), lessons_not_here (a
# channel or a one-to-one chat); 404 not_found, no_class_chat; 409 chat_archived,
# lesson_cancelled, lesson_over; 422 in_the_past, before_start, too_long, too_far,
# too_many_lessons.
WRITES = errors(401, 403, 404, 409, 413, 422)


def _zone(ctx: AuthCtx, name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or ctx.settings.lessons_time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(fields={"tz": "invalid"}) from None


@router.get("/chats/{chat_id}/lessons", response_model=LessonsOut, responses=errors(401, 404))
async def chat_lessons(chat_id: PathId, ctx: AuthCtx) -> LessonsOut:
    """The chat's lessons from today on (in the school's time zone), for its members."""
    scope = await chat_for(ctx.db, ctx.require_actor(), chat_id)
    return await q.chat_lessons(ctx.db, scope, _zone(ctx, None))


@router.post("/chats/{chat_id}/lessons", response_model=LessonOut, status_code=201,
             responses=WRITES)
async def schedule_lesson(chat_id: PathId, body: LessonIn, ctx: AuthCtx) -> LessonOut:
    return await lesson_actions.schedule_lesson(ctx, chat_id, body)


@router.post("/orgs/{org_id}/groups/{group_id}/lessons", response_model=LessonOut,
             status_code=201, responses=WRITES)
async def schedule_for_class(org_id: PathId, group_id: PathId, body: LessonIn,
                             ctx: AuthCtx) -> LessonOut:
    """A class's lesson, held in its class chat (a parents' meeting: in its parents' chat)."""
    return await lesson_actions.schedule_for_class(ctx, org_id, group_id, body)


@router.get("/lessons/{lesson_id}", response_model=LessonOut, responses=errors(401, 404))
async def lesson(lesson_id: PathId, ctx: AuthCtx) -> LessonOut:
    return await q.lesson_answer(ctx.db, ctx.require_actor(), lesson_id)


@router.patch("/lessons/{lesson_id}", response_model=LessonOut, responses=WRITES)
async def change_lesson(lesson_id: PathId, body: LessonChange, ctx: AuthCtx) -> LessonOut:
    return await lesson_actions.change_lesson(ctx, lesson_id, body)


@router.post("/lessons/{lesson_id}/cancel", response_model=LessonOut,
             responses=errors(401, 403, 404, 409))
async def cancel_lesson(lesson_id: PathId, ctx: AuthCtx) -> LessonOut:
    return await lesson_actions.cancel_lesson(ctx, lesson_id)


@router.get("/me/lessons", response_model=MyLessonsOut, responses=errors(401, 422))
async def my_lessons(ctx: AuthCtx, day: Annotated[date | None, Query(alias="date")] = None,
                     tz: Annotated[str | None, Query(max_length=64)] = None) -> MyLessonsOut:
    """The day's lessons and meetings (today by default) in every chat the caller is in; the
    day is counted in ``tz`` (an IANA zone such as Europe/Moscow; the school's by default)."""
    zone = _zone(ctx, tz)
    return await q.my_lessons(ctx.db, ctx.require_actor(), day or utcnow().astimezone(zone).date(),
                              zone)


@router.get("/calls/{call_id}/attendance", response_model=AttendanceOut,
            responses={**file_answer(XLSX, CSV, description="Who attended, or its file"),
                       **errors(401, 404, 422)})
async def attendance(call_id: PathId, ctx: AuthCtx,
                     format: Literal["json", "xlsx", "csv"] = Query("json"),
                     tz: str | None = Query(None, max_length=64)) -> AttendanceOut | Response:
    """Who joined the call, when first, and for how many minutes — for its host, the chat's
    owner and moderators and the school's administrators; as JSON, XLSX or CSV (times in
    ``tz``)."""
    zone = _zone(ctx, tz)
    call, scope = await aq.attendance_scope(ctx.db, ctx.require_actor(), call_id)
    report = await aq.attendance(ctx.db, scope, call)
    if format == "json":
        return report
    stamp = call.started_at.astimezone(zone).strftime("%Y-%m-%d")
    name = f"attendance-{call.id}-{stamp}.{format}"
    body, media = (aq.to_xlsx(report, ctx.lang, zone.key), XLSX) if format == "xlsx" else (
        aq.to_csv(report, ctx.lang, zone.key), f"{CSV}; charset=utf-8")
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


__all__ = ["router"]
