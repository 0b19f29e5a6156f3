"""Reads of an organization's audit log."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.models import (
    AuditEntry,
)
from parta.queries.people import persons
from parta.queries.scope import OrgScope
from parta.schemas.audit import AuditOut

__all__ = ["audit_page"]


async def audit_page(db: AsyncSession, scope: OrgScope, before_id: int | None,
                     limit: int) -> list[AuditOut]:
    org_id = scope.org.id
    stmt = select(AuditEntry).where(AuditEntry.org_id == org_id)
    if before_id is not None:
        stmt = stmt.where(AuditEntry.id < before_id)
    rows = list((await db.execute(stmt.order_by(AuditEntry.id.desc()).limit(limit))).scalars())
    people = await persons(db, org_id, [r.actor_id for r in rows])
    return [AuditOut(id=r.id, actor=people.get(r.actor_id) if r.actor_id else None,
                     action=r.action, target_type=r.target_type, target_id=r.target_id,
                     details=r.details or {}, created_at=r.created_at) for r in rows]
