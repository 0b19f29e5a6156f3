"""Teachers' office hours (issue 14): a staff member sets their weekly slots in one school.

The whole list is sent each time and replaces what was there. The times are the school's (its
time zone), so parents in the same school read them as they are. Refused whole, with the
slot named: more than ``OFFICE_SLOTS`` (``too_many_slots``), a slot that ends before it starts
(``before_start``), two slots of one day that overlap (``overlap``); a malformed time or day is
the schema's 422.
"""

from __future__ import annotations

import itertools

from sqlalchemy import delete

from parta.actions.base import Ctx
from parta.errors import ValidationFailed
from parta.models import OfficeHour
from parta.policy import Action
from parta.queries.office_hours import minutes, office_hours_of
from parta.queries.scope import org_for
from parta.schemas.urgent import OFFICE_SLOTS, OfficeHoursIn, OfficeHoursOut

__all__ = ["check_office_hours", "set_office_hours"]


def check_office_hours(body: OfficeHoursIn) -> list[tuple[int, int, int, str]]:
    """The slots as (weekday, start, end, note) in minutes, Monday first; or ValidationFailed."""
    if len(body.slots) > OFFICE_SLOTS:
        raise ValidationFailed(fields={"slots": "too_many_slots"}, params={"max": OFFICE_SLOTS})
    slots = []
    for n, slot in enumerate(body.slots):
        start, end = minutes(slot.start), minutes(slot.end)
        if end <= start:
            raise ValidationFailed(fields={f"slots.{n}.end": "before_start"})
        slots.append((slot.weekday, start, end, slot.note, n))
    slots.sort()
    for (day, _, end, _, _), (next_day, start, _, _, n) in itertools.pairwise(slots):
        if day == next_day and start < end:
            raise ValidationFailed(fields={f"slots.{n}.start": "overlap"})
    return [(day, start, end, note) for day, start, end, note, _ in slots]


async def set_office_hours(ctx: Ctx, org_id: int, body: OfficeHoursIn) -> OfficeHoursOut:
    """The caller's office hours in ``org_id`` become ``body``'s (staff of that school)."""
    actor = ctx.require_actor()
    scope = await org_for(ctx.db, actor, org_id, Action.office_hours_set)
    slots = check_office_hours(body)
    await ctx.db.execute(delete(OfficeHour).where(OfficeHour.org_id == scope.org.id,
                                                  OfficeHour.user_id == actor.user_id))
    ctx.db.add_all([OfficeHour(org_id=scope.org.id, user_id=actor.user_id, weekday=day,
                               start=start, end=end, note=note)
                    for day, start, end, note in slots])
    await ctx.db.flush()
    ctx.audit("office_hours.set", scope.org.id, "user", actor.user_id, slots=len(slots))
    return await office_hours_of(ctx.db, scope, actor.user_id)
