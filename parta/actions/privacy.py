"""A person's rights over their data (152-ФЗ): an archive of it, and its deletion; the
scheduled pass that builds archives, lets them expire, and carries out deletions — asked for,
or due by the retention setting for students who left.

Deleting is asked for with a fresh sign-in code sent to one's phone (so a phone left unlocked
with Parta open is not enough), and waits ``deletion_grace_days`` during which it can be
cancelled. A student does not ask alone: a child under 14 cannot consent alone under Russian
law, so a student's data is deleted at a parent's request (or by retention after they left).

Scheduled work is claimed with a conditional UPDATE (pending → running) in its own
transaction, so two server processes never do the same piece twice.
"""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from parta.actions.base import CommitThenRefuse, Ctx, Services, unit_of_work
from parta.actions.data_export import build_archive, file_chunks
from parta.actions.erasure import erase_person
from parta.db import utcnow
from parta.errors import CodeRefused, Conflict, Forbidden, NotFound, ValidationFailed
from parta.models import (
    STAFF_ROLES,
    DataExport,
    DeletionReason,
    DeletionRequest,
    JobState,
    LoginCode,
    Membership,
    MembershipRole,
    ParentLink,
    ParentLinkStatus,
    Role,
    User,
)
from parta.policy import Action
from parta.queries.privacy import latest_export, pending_deletion
from parta.queries.scope import org_for
from parta.realtime.events import PrivacyChanged
from parta.security import keyed_hash, new_token, same

__all__ = [
    "cancel_deletion",
    "cancel_school_deletion",
    "expire_exports",
    "plan_retention",
    "privacy_forever",
    "request_deletion",
    "request_export",
    "request_school_deletion",
    "run_deletions",
    "run_exports",
    "run_privacy_jobs",
    "wake",
]

log = logging.getLogger("parta.privacy")
STUCK = timedelta(hours=1)  # a claimed piece of work not finished by then is taken again
_wakeups: dict[int, asyncio.Event] = {}


def _wakeup(services: Services) -> asyncio.Event:
    return _wakeups.setdefault(id(services), asyncio.Event())


def wake(services: Services) -> None:
    """Tell this process's scheduled pass there is work now (an export was asked for)."""
    _wakeup(services).set()


def _changed(ctx: Ctx, what: str, row: DataExport | DeletionRequest, audience: set[int]) -> None:
    ctx.emit(PrivacyChanged(what=what, id=row.id, state=row.state.value), audience)


# Exports ---------------------------------------------------------------------------------------

async def request_export(ctx: Ctx) -> DataExport:
    """Start building the caller's archive; one at a time. A finished archive is replaced."""
    actor = ctx.require_actor()
    uid = actor.user_id
    latest = await latest_export(ctx.db, uid)
    if latest is not None and latest.state in (JobState.pending, JobState.running):
        raise Conflict("export_in_progress")
    row = DataExport(user_id=uid, state=JobState.pending, created_at=utcnow())
    try:
        async with ctx.db.begin_nested():
            ctx.db.add(row)
            await ctx.db.flush()
    except IntegrityError:  # another request of theirs got there first
        raise Conflict("export_in_progress") from None
    if latest is not None and latest.storage_key:
        await _forget_archive(ctx, latest)
    ctx.audit("privacy.export_requested", None, "user", uid, export_id=row.id)
    _changed(ctx, "export", row, {uid})
    services = ctx.services

    async def kick() -> None:
        wake(services)

    ctx.after_commit.append(kick)
    return row


async def _forget_archive(ctx: Ctx, row: DataExport) -> None:
    key, row.storage_key = row.storage_key, None
    storage = ctx.services.storage

    async def forget() -> None:
        if key:
            try:
                await storage.delete(key)
            except Exception:
                log.warning("could not delete archive %s", key, exc_info=True)

    ctx.after_commit.append(forget)


async def _claim(services: Services, model: Any, now: datetime, due: Any = None,
                 limit: int = 10) -> list[int]:
    """Take up to ``limit`` pending rows (and rows stuck running) for this process."""
    async with unit_of_work(services) as ctx:
        waiting = select(model.id).where(model.state == JobState.pending)
        if due is not None:
            waiting = waiting.where(due)
        stuck = select(model.id).where(model.state == JobState.running,
                                       model.started_at < now - STUCK)
        ids = list((await ctx.db.execute(waiting.union(stuck).limit(limit))).scalars())
    claimed = []
    for row_id in sorted(ids):
        async with unit_of_work(services) as ctx:
            result: Any = await ctx.db.execute(
                update(model).where(model.id == row_id, (model.state == JobState.pending)
                                    | and_(model.state == JobState.running,
                                           model.started_at < now - STUCK))
                .values(state=JobState.running, started_at=now))
            if result.rowcount == 1:
                claimed.append(row_id)
    return claimed


async def run_exports(services: Services, now: datetime | None = None) -> int:
    """Build the archives asked for; returns how many were finished."""
    now = now or utcnow()
    done = 0
    for export_id in await _claim(services, DataExport, now, limit=2):  # bounded: heavy work
        async with unit_of_work(services, read_only=True) as ctx:
            row = await ctx.db.get(DataExport, export_id)
            user_id = row.user_id if row is not None else None
        if user_id is None:
            continue
        try:
            built = await build_archive(services, user_id, now)
            try:
                key = f"exports/user{user_id}/{new_token(18)}.zip"
                await services.storage.put(key, file_chunks(built.path), "application/zip")
            finally:
                os.unlink(built.path)
        except Exception:
            log.exception("building export %s failed", export_id)
            async with unit_of_work(services) as ctx:
                row = await ctx.db.get(DataExport, export_id)
                if row is not None:
                    row.state, row.finished_at = JobState.failed, utcnow()
                    _changed(ctx, "export", row, {row.user_id})
            continue
        async with unit_of_work(services) as ctx:
            row = await ctx.db.get(DataExport, export_id)
            if row is None or row.state != JobState.running:  # the person was deleted meanwhile
                await services.storage.delete(key)
                continue
            row.state, row.storage_key, row.finished_at = JobState.done, key, now
            row.expires_at = now + timedelta(hours=services.settings.export_ttl_hours)
            row.size, row.files, row.files_left_out = built.size, built.files, built.left_out
            ctx.audit("privacy.export_ready", None, "user", row.user_id, export_id=row.id,
                      size=built.size, files=built.files)
            _changed(ctx, "export", row, {row.user_id})
        done += 1
    return done


async def expire_exports(services: Services, now: datetime | None = None) -> int:
    """Delete the archives past their time; the row stays to say it expired."""
    now = now or utcnow()
    async with unit_of_work(services) as ctx:
        rows = list((await ctx.db.execute(select(DataExport).where(
            DataExport.state == JobState.done, DataExport.storage_key.is_not(None),
            DataExport.expires_at <= now).limit(100))).scalars())
        for row in rows:
            await _forget_archive(ctx, row)
    return len(rows)


# Deletion --------------------------------------------------------------------------------------

async def _consume_code(ctx: Ctx, phone: str | None, code: str) -> None:
    """The sign-in code just sent to ``phone`` confirms the request (and is used up)."""
    s = ctx.settings
    code = code.strip()
    if not phone or not (len(code) == 6 and code.isdigit()):
        raise ValidationFailed(fields={"code": "invalid"})
    now = utcnow()
    row = (await ctx.db.execute(
        select(LoginCode).where(LoginCode.phone == phone, LoginCode.consumed_at.is_(None),
                                LoginCode.burned_at.is_(None))
        .order_by(LoginCode.id.desc()).limit(1))).scalar_one_or_none()
    if row is None or row.expires_at <= now:
        raise CodeRefused("code_expired")
    if not same(row.code_hash, keyed_hash(s.secret_key, code, f"otp:{phone}")):
        row.attempts += 1
        if row.attempts >= s.otp_max_attempts:
            row.burned_at = now
            raise CommitThenRefuse(CodeRefused("code_attempts"))
        raise CommitThenRefuse(CodeRefused(
            "code_invalid", params={"attempts_left": s.otp_max_attempts - row.attempts}))
    row.consumed_at = now


async def _is_only_a_student(ctx: Ctx, user_id: int) -> bool:
    roles = set((await ctx.db.execute(
        select(MembershipRole.role).join(Membership, Membership.id == MembershipRole.membership_id)
        .where(Membership.user_id == user_id, Membership.left_at.is_(None)))).scalars())
    return Role.student in roles and not roles & (STAFF_ROLES | {Role.parent})


async def _new_deletion(ctx: Ctx, user_id: int, reason: DeletionReason, due: datetime,
                        org_id: int | None = None) -> DeletionRequest:
    assert ctx.user is not None
    row = DeletionRequest(user_id=user_id, requested_by=ctx.user.id, reason=reason,
                          org_id=org_id, state=JobState.pending, created_at=utcnow(), due_at=due)
    try:
        async with ctx.db.begin_nested():
            ctx.db.add(row)
            await ctx.db.flush()
    except IntegrityError:  # asked twice at once: the first one stands
        raise Conflict("deletion_pending") from None
    ctx.audit("privacy.deletion_requested", org_id, "user", user_id, request_id=row.id,
              reason=reason.value, due_at=due.isoformat())
    return row


async def _own_child(ctx: Ctx, child_id: int) -> User:
    """A child the caller is the confirmed parent of (in any school); anyone else: not found."""
    actor = ctx.require_actor()
    linked = (await ctx.db.execute(select(ParentLink.id).where(
        ParentLink.parent_id == actor.user_id, ParentLink.child_id == child_id,
        ParentLink.status == ParentLinkStatus.confirmed))).first()
    child = await ctx.db.get(User, child_id)
    if linked is None or child is None or child.deleted_at is not None:
        raise NotFound()
    return child


async def school_student(ctx: Ctx, org_id: int, student_id: int) -> User:
    """A student (current or former) of ``org_id`` whose data the school may ask to delete:
    one who has no other place — no other role here, no active membership elsewhere. Another
    school's student, or anyone else, does not exist here."""
    actor = ctx.require_actor()
    allowed = await org_for(ctx.db, actor, org_id, Action.personal_data_erase)
    org = allowed.org
    here = (await ctx.db.execute(
        select(MembershipRole.role, Membership.left_at)
        .join(Membership, Membership.id == MembershipRole.membership_id)
        .where(Membership.org_id == org.id, Membership.user_id == student_id))).all()
    student = await ctx.db.get(User, student_id)
    if student is None or student.deleted_at is not None or not any(
            role == Role.student for role, _ in here):
        raise NotFound()
    elsewhere = (await ctx.db.execute(select(Membership.id).where(
        Membership.user_id == student_id, Membership.org_id != org.id,
        Membership.left_at.is_(None)))).first()
    if elsewhere is not None or any(role != Role.student and left is None for role, left in here):
        raise Forbidden("not_only_student")
    return student


async def _ask(ctx: Ctx, target: int, reason: DeletionReason, code: str,
               org_id: int | None = None) -> DeletionRequest:
    actor = ctx.require_actor()
    assert ctx.user is not None
    if await pending_deletion(ctx.db, target) is not None:
        raise Conflict("deletion_pending")
    await _consume_code(ctx, ctx.user.phone, code)
    due = utcnow() + timedelta(days=ctx.settings.deletion_grace_days)
    row = await _new_deletion(ctx, target, reason, due, org_id)
    _changed(ctx, "deletion", row, {actor.user_id, target})
    return row


async def request_deletion(ctx: Ctx, code: str, child_id: int | None = None) -> DeletionRequest:
    """The caller asks to delete their own data — or, as a parent, their child's — confirmed
    by a sign-in code sent to the caller's phone."""
    actor = ctx.require_actor()
    if child_id is not None:
        return await _ask(ctx, (await _own_child(ctx, child_id)).id, DeletionReason.parent, code)
    if await _is_only_a_student(ctx, actor.user_id):
        raise Forbidden("deletion_needs_parent")
    return await _ask(ctx, actor.user_id, DeletionReason.own, code)


async def request_school_deletion(ctx: Ctx, org_id: int, student_id: int,
                                  code: str) -> DeletionRequest:
    """The school's administration asks to delete a student's data (a parent's written
    request on paper, say), confirmed by a code sent to the administrator's phone."""
    student = await school_student(ctx, org_id, student_id)
    return await _ask(ctx, student.id, DeletionReason.school, code, org_id)


async def _cancel(ctx: Ctx, row: DeletionRequest | None, asker: DeletionReason,
                  org_id: int | None = None) -> DeletionRequest:
    """Who asked, cancels: the person, the parent, or the school that asked."""
    actor = ctx.require_actor()
    if row is None:
        raise NotFound()
    if row.reason != asker or (asker == DeletionReason.school and row.org_id != org_id):
        raise Forbidden()
    result: Any = await ctx.db.execute(update(DeletionRequest).where(
        DeletionRequest.id == row.id, DeletionRequest.state == JobState.pending)
        .values(state=JobState.cancelled, cancelled_at=utcnow()))
    if result.rowcount != 1:
        raise Conflict("deletion_not_pending")
    await ctx.db.refresh(row)
    ctx.audit("privacy.deletion_cancelled", row.org_id, "user", row.user_id, request_id=row.id)
    _changed(ctx, "deletion", row, {actor.user_id, row.user_id})
    return row


async def cancel_deletion(ctx: Ctx, child_id: int | None = None) -> DeletionRequest:
    """Cancel a deletion still in its grace period: one's own, or one's child's."""
    actor = ctx.require_actor()
    if child_id is None:
        return await _cancel(ctx, await pending_deletion(ctx.db, actor.user_id), DeletionReason.own)
    child = await _own_child(ctx, child_id)
    return await _cancel(ctx, await pending_deletion(ctx.db, child.id), DeletionReason.parent)


async def cancel_school_deletion(ctx: Ctx, org_id: int, student_id: int) -> DeletionRequest:
    student = await school_student(ctx, org_id, student_id)
    return await _cancel(ctx, await pending_deletion(ctx.db, student.id), DeletionReason.school,
                         org_id)


async def run_deletions(services: Services, now: datetime | None = None) -> int:
    """Carry out the deletions whose grace period is over; returns how many were done."""
    now = now or utcnow()
    done = 0
    for request_id in await _claim(services, DeletionRequest, now,
                                   due=DeletionRequest.due_at <= now):
        keys: list[str] = []
        try:
            async with unit_of_work(services) as ctx:
                row = await ctx.db.get(DeletionRequest, request_id)
                assert row is not None
                user = await ctx.db.get(User, row.user_id)
                if user is not None and user.deleted_at is None:
                    keys = await erase_person(ctx, user, now)
                row.state, row.finished_at = JobState.done, now
                ctx.audit("privacy.deleted", None, "user", row.user_id, request_id=row.id,
                          reason=row.reason.value, files=len(keys))
        except Exception:
            log.exception("deletion %s failed", request_id)
            async with unit_of_work(services) as ctx:
                failed = await ctx.db.get(DeletionRequest, request_id)
                if failed is not None:
                    failed.state = JobState.failed
            continue
        for key in keys:
            try:
                await services.storage.delete(key)
            except Exception:  # the rows are gone; the object is logged for a manual sweep
                log.warning("could not delete stored object %s", key, exc_info=True)
        done += 1
    return done


async def plan_retention(services: Services, now: datetime | None = None) -> int:
    """Ask for the deletion of students who left or graduated more than
    ``retention_after_leaving_days`` ago and have no active place anywhere."""
    days = services.settings.retention_after_leaving_days
    if days <= 0:
        return 0
    now = now or utcnow()
    cutoff = now - timedelta(days=days)
    m, r = aliased(Membership), aliased(MembershipRole)
    was_student = exists().where(m.user_id == User.id, m.left_at.is_not(None),
                                 r.membership_id == m.id, r.role == Role.student)
    recent_or_active = exists().where(Membership.user_id == User.id,
                                      (Membership.left_at.is_(None)) | (Membership.left_at > cutoff))
    asked = exists().where(DeletionRequest.user_id == User.id,
                           DeletionRequest.state.in_([JobState.pending, JobState.running]))
    async with unit_of_work(services) as ctx:
        ids = list((await ctx.db.execute(select(User.id).where(
            User.deleted_at.is_(None), User.is_operator.is_(False), was_student,
            ~recent_or_active, ~asked).limit(200))).scalars())
        for uid in ids:
            ctx.db.add(DeletionRequest(user_id=uid, requested_by=None, reason=DeletionReason.retention,
                                       state=JobState.pending, created_at=now, due_at=now))
            ctx.audit("privacy.retention_due", None, "user", uid, days=days)
    return len(ids)


# The scheduled pass ----------------------------------------------------------------------------

async def run_privacy_jobs(services: Services, now: datetime | None = None) -> dict[str, int]:
    """One pass of everything scheduled here (a test moves the clock with ``now``)."""
    return {"exports": await run_exports(services, now),
            "expired": await expire_exports(services, now),
            "retention": await plan_retention(services, now),
            "deleted": await run_deletions(services, now)}


async def privacy_forever(services: Services, every_seconds: float = 300) -> None:
    """The server's timer for exports and deletions (started in the app's lifespan); an
    export asked for in this process wakes it at once."""
    event = _wakeup(services)
    while True:
        event.clear()
        busy = False
        try:
            busy = any((await run_privacy_jobs(services)).values())
        except Exception:
            log.exception("the personal-data pass failed")
        if busy:  # each pass is bounded; go on with what is left after a breath
            await asyncio.sleep(1)
            continue
        try:
            await asyncio.wait_for(event.wait(), every_seconds)
        except TimeoutError:
            pass
