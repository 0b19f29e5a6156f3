"""Recording a roster reconciliation (R8): the administration compared the platform with the
school's records, and says so. The reminder on the administrators' home counts from here."""

from __future__ import annotations

from parta.actions.base import Ctx
from parta.actions.roles import org_admin_ids
from parta.models import Reconciliation
from parta.policy import Action
from parta.queries.reconciliation import reconciliation
from parta.queries.scope import org_for
from parta.realtime.events import OrgChanged

__all__ = ["mark_reconciled"]


async def mark_reconciled(ctx: Ctx, org_id: int, note: str = "") -> Reconciliation:
    """Store when, by whom, against which roster, and how many discrepancies each list still
    had; audited. Administrators only (organization administrator and administration)."""
    actor = ctx.require_actor()
    allowed = await org_for(ctx.db, actor, org_id, Action.reconciliation_mark)
    org = allowed.org
    report = await reconciliation(ctx.db, allowed)
    row = Reconciliation(org_id=org.id, marked_by=actor.user_id,
                         roster_import_id=report.status.roster_import_id,
                         counts=report.counts, note=note.strip()[:500])
    ctx.db.add(row)
    await ctx.db.flush()
    ctx.audit("reconciliation.marked", org.id, "reconciliation", row.id, counts=row.counts,
              roster_import_id=row.roster_import_id, note=row.note)
    # Every administrator's home drops the reminder.
    ctx.emit(OrgChanged(org_id=org.id), await org_admin_ids(ctx, org.id))
    return row
