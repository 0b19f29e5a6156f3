"""Urgent posts in ordinary chats, and teachers' office hours on their profile (issue 14)."""

from __future__ import annotations

from fastapi import APIRouter

from parta.actions import office_hours as office_actions
from parta.actions import urgent as urgent_actions
from parta.api.deps import AuthCtx, AuthReadingCtx, PathId
from parta.api.responses import errors
from parta.policy import Action
from parta.queries import office_hours as q
from parta.queries.scope import org_for
from parta.schemas.urgent import OfficeHoursIn, OfficeHoursOut, TeacherProfileOut, UrgentOut

router = APIRouter(tags=["urgent"])


# 403 may_not_mark_urgent (not the administration), urgent_not_here (a one-to-one chat, a
# system channel), chat_read_only, not_own_message; 404 not_found (another school's, a chat one
# is not in); 409 already_urgent, chat_archived; 429 too_many_urgent, urgent_sms_budget.
@router.post("/messages/{message_id}/urgent", response_model=UrgentOut, status_code=201,
             responses=errors(401, 403, 404, 409, 429))
async def mark_urgent(message_id: PathId, ctx: AuthCtx) -> UrgentOut:
    """Mark one's own post urgent: it comes now, and by SMS to the chat's parents who have
    not read it."""
    return await urgent_actions.mark_urgent(ctx, message_id)


@router.get("/orgs/{org_id}/office-hours", response_model=OfficeHoursOut,
            responses=errors(401, 403, 404))
async def my_office_hours(org_id: PathId, ctx: AuthReadingCtx) -> OfficeHoursOut:
    """The caller's own office hours in the school (staff)."""
    actor = ctx.require_actor()
    scope = await org_for(ctx.db, actor, org_id, Action.office_hours_set)
    return await q.office_hours_of(ctx.db, scope, actor.user_id)


# 403 not staff; 404 another school; 422 too_many_slots, before_start, overlap, a malformed time.
@router.put("/orgs/{org_id}/office-hours", response_model=OfficeHoursOut,
            responses=errors(401, 403, 404, 413, 422))
async def set_office_hours(org_id: PathId, body: OfficeHoursIn, ctx: AuthCtx) -> OfficeHoursOut:
    """Set all of one's office hours in the school (weekly slots in its time zone)."""
    return await office_actions.set_office_hours(ctx, org_id, body)


@router.get("/orgs/{org_id}/people/{user_id}/profile", response_model=TeacherProfileOut,
            responses=errors(401, 404))
async def teacher_profile(org_id: PathId, user_id: PathId, ctx: AuthReadingCtx) -> TeacherProfileOut:
    """A staff member's card: name, position, office hours (anyone in the school sees it)."""
    scope = await org_for(ctx.db, ctx.require_actor(), org_id, Action.org_view)
    return await q.teacher_profile(ctx.db, scope, user_id)
