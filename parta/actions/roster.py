"""Roster import (R8, R9): preview a file as a plan, then apply exactly that plan.

    preview_import   read the file, compare, store the plan (status «preview»); writes no people
    discard_import   throw a preview away
    start_apply      check and mark «applying» (refuses a stale plan, or errors not agreed to)
    run_apply        write the plan in batches, each its own transaction, with progress stored
                     on the import; every step is idempotent, so a failed apply is resumed
    spawn_apply      run it in the background, so the server keeps serving meanwhile

The steps themselves are in ``roster_apply``: classes through ``groups.create_group``, people
admitted set-wise by the rules of ``members.add_member``, departures and transfers through
``movement``; chats get the class teacher (or the subject's teacher) as owner and moderator,
and the people they are for are invited (R23). Events go only to people who have signed in.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select, update

from parta.actions import roster_apply as steps
from parta.actions.base import Ctx, Services, unit_of_work
from parta.db import utcnow
from parta.errors import Conflict, TooLarge, ValidationFailed
from parta.models import ImportStatus, Organization, RosterImport, User
from parta.policy import RULES, Action, Actor
from parta.queries.roster import chunks, import_in, load_state
from parta.queries.scope import org_for
from parta.roster import MAX_UPLOAD, detect_kind, read_roster
from parta.roster.plan import Plan, make_plan

__all__ = ["discard_import", "preview_import", "receive", "run_apply", "spawn_apply",
           "start_apply"]

log = logging.getLogger("parta.roster")
PEOPLE_BATCH = 250
DEPARTURE_BATCH = 50
CLASS_BATCH = 4  # classes whose chats are made and invitations sent in one transaction
MAX_STORED_ERRORS = 2000

ProgressFn = Callable[[int, int], Awaitable[None] | None]


class Readable(Protocol):
    """A roster file being received (FastAPI's ``UploadFile``)."""

    async def read(self, size: int = -1) -> bytes: ...


def _check_size(data: bytes) -> None:
    if len(data) > MAX_UPLOAD:
        raise TooLarge(params={"limit_mb": MAX_UPLOAD // (1024 * 1024)})
    if not data:
        raise ValidationFailed("roster_empty", fields={"file": "roster_empty"})


async def receive(file: Readable) -> bytes:
    """The file's bytes: past ``MAX_UPLOAD`` refused (``TooLarge``) after reading one byte
    more than it, never the whole; an empty file is ``roster_empty``."""
    data = await file.read(MAX_UPLOAD + 1)
    _check_size(data)
    return data


async def preview_import(ctx: Ctx, org_id: int, file_name: str,
                         source: bytes | Path) -> RosterImport:
    """Read ``source`` and store what applying it would do; writes nobody yet. A file that
    cannot be read at all is refused (``roster_unreadable`` with every reason)."""
    actor = ctx.require_actor()
    if not (actor.is_operator or actor.roles_in(org_id) & RULES[Action.roster_import].roles):
        await org_for(ctx.db, actor, org_id, Action.roster_import)  # refused before reading
    if isinstance(source, Path) and source.is_dir():
        kind = "oneroster"
    else:
        data = source.read_bytes() if isinstance(source, Path) else source
        if not isinstance(source, Path):
            _check_size(data)
        kind = detect_kind(data)
    # Reading is CPU work: off the event loop, and before the transaction begins (on SQLite it
    # takes the write lock), so the server keeps answering meanwhile.
    roster = await asyncio.to_thread(read_roster, source, ctx.settings.default_phone_region)
    allowed = await org_for(ctx.db, actor, org_id, Action.roster_import)
    org = allowed.org
    state = await load_state(ctx.db, allowed, [p.phone for p in roster.people])
    plan = await asyncio.to_thread(make_plan, roster, state)
    await ctx.db.execute(update(RosterImport).where(
        RosterImport.org_id == org.id, RosterImport.status == ImportStatus.preview)
        .values(status=ImportStatus.discarded))  # only the newest preview can be applied
    counts = plan.counts()
    row = RosterImport(org_id=org.id, file_name=file_name[:255], kind=kind,
                       status=ImportStatus.preview, created_by=steps.caller_id(ctx),
                       fingerprint=state.fingerprint(), counts=counts, plan=plan.to_json(),
                       errors=plan.errors[:MAX_STORED_ERRORS], resolved={})
    ctx.db.add(row)
    await ctx.db.flush()
    ctx.audit("roster.previewed", org.id, "roster_import", row.id, file_name=row.file_name,
              kind=kind, counts=counts)
    return row


async def discard_import(ctx: Ctx, org_id: int, import_id: int) -> RosterImport:
    actor = ctx.require_actor()
    allowed = await org_for(ctx.db, actor, org_id, Action.roster_import)
    org = allowed.org
    row = await import_in(ctx.db, allowed, import_id)
    if row.status != ImportStatus.preview:
        raise Conflict("roster_not_preview")
    row.status = ImportStatus.discarded
    ctx.audit("roster.discarded", org.id, "roster_import", row.id)
    return row


# Import id → its apply running in this process (None: reserved, starting after commit).
_running: dict[int, asyncio.Task[Any] | None] = {}


async def start_apply(ctx: Ctx, org_id: int, import_id: int, valid_rows_only: bool = False,
                      background: bool = False) -> RosterImport:
    """Check that the preview may be applied as it is, and mark it «applying»; with
    ``background``, the apply starts once this transaction commits (``spawn_apply``).

    Refuses: an import already applied or discarded; another import of the organization being
    applied; a file with errors unless ``valid_rows_only`` says to apply the valid rows only;
    a preview made before the organization's roster changed (the plan would be stale)."""
    actor = ctx.require_actor()
    allowed = await org_for(ctx.db, actor, org_id, Action.roster_import)
    org = allowed.org
    await import_in(ctx.db, allowed, import_id)
    row = (await ctx.db.execute(select(RosterImport).where(RosterImport.id == import_id)
                                .with_for_update())).scalar_one()
    resuming = row.status == ImportStatus.failed or (
        row.status == ImportStatus.applying and import_id not in _running)
    if row.status != ImportStatus.preview and not resuming:
        raise Conflict("roster_busy" if row.status == ImportStatus.applying
                       else "roster_not_preview")
    busy = (await ctx.db.execute(select(RosterImport.id).where(
        RosterImport.org_id == org.id, RosterImport.status == ImportStatus.applying,
        RosterImport.id != row.id))).first()
    if busy is not None and busy[0] in _running:
        raise Conflict("roster_busy")
    if row.errors and not valid_rows_only:
        raise ValidationFailed("roster_has_errors", fields={"valid_rows_only": "required"},
                               params={"errors": len(row.errors)})
    if not resuming:
        state = await load_state(ctx.db, allowed)
        if state.fingerprint() != row.fingerprint:
            raise Conflict("roster_changed")
    plan = Plan.from_json(row.plan)
    row.status = ImportStatus.applying
    row.valid_rows_only = valid_rows_only
    row.applied_by = steps.caller_id(ctx)
    row.applied_at = row.applied_at or utcnow()
    row.failure = ""
    row.progress_done = 0
    row.progress_total = _total(plan)
    ctx.audit("roster.apply_started", org.id, "roster_import", row.id,
              valid_rows_only=valid_rows_only, resumed=resuming)
    if background:
        actor, user_id, services = ctx.require_actor(), steps.caller_id(ctx), ctx.services
        _running[row.id] = None  # a second request meanwhile finds it busy, not stalled

        async def start() -> None:
            spawn_apply(services, import_id, actor=actor, user_id=user_id)

        ctx.after_commit.append(start)
    return row


def _total(plan: Plan) -> int:
    return 1 + len(plan.people) + 1 + len(plan.departures) + len(plan.classes) + 1


async def _reachable_only(ctx: Ctx) -> None:
    """Keep events only for people who have signed in: a new account's client starts from a
    fresh state on its first sign-in, and a stored event nobody will read costs a row each."""
    everyone = sorted({u for env in ctx.events for u in env.audience})
    seen: set[int] = set()
    for part in chunks(everyone):
        seen |= set((await ctx.db.execute(select(User.id).where(
            User.id.in_(part), User.activated_at.is_not(None)))).scalars())
    kept = []
    for env in ctx.events:
        env.audience = frozenset(env.audience & seen)
        if env.audience:
            kept.append(env)
    ctx.events[:] = kept


async def run_apply(services: Services, import_id: int, *, actor: Actor, user_id: int | None,
                    on_progress: ProgressFn | None = None) -> RosterImport:
    """Write the plan of an import marked «applying», batch by batch. Each batch is one
    transaction and records its progress; its events go out after it commits."""
    async with services.sessionmaker() as db:
        row = await db.get(RosterImport, import_id)
        assert row is not None and row.status == ImportStatus.applying
        run = steps.Run(org_id=row.org_id, import_id=row.id, plan=Plan.from_json(row.plan),
                        resolved={k: int(v) for k, v in (row.resolved or {}).items()})
    total = _total(run.plan)
    Step = Callable[[Ctx, Organization], Awaitable[None]]

    async def batch(n: int, step: Step) -> None:
        async with unit_of_work(services) as ctx:
            ctx.actor = actor
            ctx.user = await ctx.db.get(User, user_id) if user_id else None
            org = await ctx.db.get(Organization, run.org_id)
            assert org is not None
            await step(ctx, org)
            run.done += n
            await ctx.db.execute(update(RosterImport).where(RosterImport.id == run.import_id)
                                 .values(progress_done=run.done, resolved=dict(run.resolved)))
            await _reachable_only(ctx)
        if on_progress is not None:
            result = on_progress(run.done, total)
            if result is not None:
                await result
        await asyncio.sleep(0)  # let waiting requests in between batches

    plan = run.plan
    try:
        await batch(1, partial(steps.classes, run=run))
        for part in _parts(plan.people, PEOPLE_BATCH):
            await batch(len(part), partial(steps.admit_people, run=run, part=part))
        await batch(1, partial(steps.assignments, run=run))
        for part in _parts(plan.departures, DEPARTURE_BATCH):
            await batch(len(part), partial(steps.departures, part=part))
        # Chats and invitations only where something changed: re-applying sends nobody anything.
        wanted = run.touched | {c["class"] for c in plan.chats}
        names = [c["name"] for c in plan.classes if c["name"] in wanted]
        run.done += len(plan.classes) - len(names)
        for part in _parts(names, CLASS_BATCH):
            await batch(len(part), partial(steps.chats, run=run, names=part))
        await batch(1, partial(_finish, run=run))
    except Exception as exc:
        log.exception("roster import %s failed", import_id)
        async with services.sessionmaker() as db:
            await db.execute(update(RosterImport).where(RosterImport.id == import_id).values(
                status=ImportStatus.failed, failure=f"{type(exc).__name__}: {exc}"[:500],
                finished_at=utcnow()))
            await db.commit()
        raise
    async with services.sessionmaker() as db:
        found = await db.get(RosterImport, import_id)
        assert found is not None
        return found


def _parts(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


async def _finish(ctx: Ctx, org: Organization, run: steps.Run) -> None:
    row = await ctx.db.get(RosterImport, run.import_id)
    assert row is not None
    row.status = ImportStatus.applied
    row.finished_at = utcnow()
    await steps.finish_events(ctx, org, run)
    ctx.audit("roster.applied", org.id, "roster_import", row.id, file_name=row.file_name,
              counts=row.counts, valid_rows_only=row.valid_rows_only)


def spawn_apply(services: Services, import_id: int, *, actor: Actor,
                user_id: int | None) -> asyncio.Task[Any]:
    """Apply in the background; the import's row tells how far it got."""

    async def job() -> None:
        try:
            # A failure is recorded on the import («failed») and logged by run_apply.
            with contextlib.suppress(Exception):
                await run_apply(services, import_id, actor=actor, user_id=user_id)
        finally:
            _running.pop(import_id, None)

    task = asyncio.create_task(job(), name=f"parta-roster-{import_id}")
    _running[import_id] = task
    return task
