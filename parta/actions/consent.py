"""The consent ledger (152-ФЗ): a parent gives or withdraws consent for their child in the app;
an administrator records a parent's paper form.

Each change appends a ``consent_record`` and moves ``consent_state`` forward. Withdrawing
processing or chats stops the child posting in that school's chats (``parta.actions.sending``
refuses with ``consent_required``) until a parent gives it again; withdrawing photos stops the
child's photo uploads; calls is kept for the calls feature (``queries.privacy.consent_allows``).
A child with nothing on record is a gap, not a restriction (see ``parta.queries.privacy``).
"""

from __future__ import annotations

import hashlib
from typing import cast

from sqlalchemy import Table, select, update

from parta.actions.base import Ctx
from parta.db import insert_ignoring_duplicates, utcnow
from parta.errors import NotFound, ValidationFailed
from parta.i18n import t
from parta.models import (
    ConsentChannel,
    ConsentRecord,
    ConsentState,
    ConsentStatus,
    Membership,
    MembershipRole,
    ParentLink,
    ParentLinkStatus,
    Purpose,
    Role,
)
from parta.policy import Action
from parta.queries.privacy import consent_statuses
from parta.queries.scope import OrgScope, org_for, org_seen
from parta.realtime.events import ConsentChanged

__all__ = ["consent_document", "give_consent", "record_paper_consent"]

_STATE = cast(Table, ConsentState.__table__)


def consent_document(ctx: Ctx) -> tuple[str, str, str]:
    """The consent text parents are shown (in Russian: the legally binding wording), its
    version and its SHA-256, which every ledger row keeps."""
    text = t("ru", "consent.document")
    return ctx.settings.consent_document_version, hashlib.sha256(text.encode()).hexdigest(), text


async def _parents_of(ctx: Ctx, org_id: int, child_id: int) -> set[int]:
    return set((await ctx.db.execute(select(ParentLink.parent_id).where(
        ParentLink.org_id == org_id, ParentLink.child_id == child_id,
        ParentLink.status == ParentLinkStatus.confirmed))).scalars())


async def _is_student(ctx: Ctx, org_id: int, child_id: int) -> bool:
    return (await ctx.db.execute(
        select(Membership.id).join(MembershipRole, MembershipRole.membership_id == Membership.id)
        .where(Membership.org_id == org_id, Membership.user_id == child_id,
               Membership.left_at.is_(None), MembershipRole.role == Role.student))).first() is not None


async def _append(ctx: Ctx, scope: OrgScope, child_id: int, purposes: list[str], status: str,
                  channel: ConsentChannel, parent_id: int | None, parent_name: str,
                  note: str = "") -> list[str]:
    """Write one ledger row per purpose whose state changes; returns the purposes changed."""
    version, digest, _ = consent_document(ctx)
    now = utcnow()
    new = ConsentStatus(status)
    org_id = scope.org.id
    before = (await consent_statuses(ctx.db, scope, [child_id]))[child_id]
    changed: list[str] = []
    for name in dict.fromkeys(purposes):
        purpose = Purpose(name)
        if before[purpose.value] == new.value:
            continue  # already so: the ledger records changes, not repeated clicks
        row = ConsentRecord(org_id=org_id, child_id=child_id, purpose=purpose, status=new,
                            parent_id=parent_id, parent_name=parent_name, channel=channel,
                            recorded_by=ctx.user.id if ctx.user else None,
                            document_version=version, document_hash=digest, note=note,
                            created_at=now)
        ctx.db.add(row)
        await ctx.db.flush()
        await ctx.db.execute(insert_ignoring_duplicates(ctx.db, _STATE).values(
            org_id=org_id, child_id=child_id, purpose=purpose.value, status=new.value,
            record_id=row.id, changed_at=now))
        # Moves forward only: of two changes racing, the later ledger row wins.
        await ctx.db.execute(update(_STATE).where(
            _STATE.c.org_id == org_id, _STATE.c.child_id == child_id,
            _STATE.c.purpose == purpose.value, _STATE.c.record_id < row.id).values(
            status=new.value, record_id=row.id, changed_at=now))
        changed.append(purpose.value)
    if changed:
        ctx.audit(f"consent.{new.value}", org_id, "user", child_id, purposes=changed,
                  channel=channel.value, parent_id=parent_id, document_version=version)
        audience = await _parents_of(ctx, org_id, child_id) | {child_id}
        for p in changed:
            ctx.emit(ConsentChanged(org_id=org_id, child_id=child_id, purpose=p,
                                    status=new.value), audience)
    return changed


async def give_consent(ctx: Ctx, org_id: int, child_id: int, purposes: list[str], status: str,
                       document_version: str = "") -> list[str]:
    """A parent confirmed for ``child_id`` in ``org_id`` gives or withdraws consent. Anyone
    else — another parent, another school's child — is told the child does not exist."""
    actor = ctx.require_actor()
    if actor.user_id not in await _parents_of(ctx, org_id, child_id):
        raise NotFound()
    if not await _is_student(ctx, org_id, child_id):
        raise NotFound()
    scope = await org_seen(ctx.db, actor, org_id)  # a confirmed parent sees the school
    version, _, _ = consent_document(ctx)
    if status == ConsentStatus.given and document_version and document_version != version:
        # The parent was shown an older text: they must read the current one first.
        raise ValidationFailed("consent_document_changed",
                               fields={"document_version": "outdated"})
    return await _append(ctx, scope, child_id, purposes, status, ConsentChannel.app,
                         actor.user_id, ctx.user.name if ctx.user else "")


async def record_paper_consent(ctx: Ctx, org_id: int, child_id: int, purposes: list[str],
                               status: str, parent_name: str, note: str = "") -> OrgScope:
    """An administrator records what a parent signed on paper; the answer is the scope the
    ledger is then read in."""
    actor = ctx.require_actor()
    scope = await org_for(ctx.db, actor, org_id, Action.consent_record)
    if not await _is_student(ctx, org_id, child_id):
        raise NotFound()
    parents = await _parents_of(ctx, org_id, child_id)
    # A parent already on the platform is linked by name when it matches, for the record.
    named = None
    if parents:
        from parta.queries.people import persons

        for pid, who in (await persons(ctx.db, org_id, parents)).items():
            if who.name.strip().casefold() == parent_name.strip().casefold():
                named = pid
    await _append(ctx, scope, child_id, purposes, status, ConsentChannel.paper,
                  named, parent_name, note)
    return scope

