"""Reads about personal data: what a child's parents agreed to, where the gaps are, a person's
exports and deletion requests.

What holds before anything is recorded: a child with no consent on record is a *gap* the
administrator sees and the parent is asked to close, not a restriction — schools that were
using Parta before the ledger existed keep working. Only an explicit withdrawal restricts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.errors import ConsentRequired, Gone, NotFound
from parta.models import (
    CHAT_PURPOSES,
    ConsentRecord,
    ConsentState,
    ConsentStatus,
    DataExport,
    DeletionRequest,
    Group,
    GroupKind,
    GroupMember,
    JobState,
    Membership,
    MembershipRole,
    Organization,
    ParentLink,
    ParentLinkStatus,
    Purpose,
    Role,
    User,
)
from parta.queries.people import persons
from parta.queries.scope import ChatScope, OrgScope
from parta.schemas.common import Person, Ref
from parta.schemas.privacy import (
    ChildConsentOut,
    ClassGapsOut,
    ConsentRecordOut,
    DeletionOut,
    ExportOut,
    GapsOut,
    HistoryOut,
)

__all__ = [
    "child_consents",
    "child_history",
    "consent_allows",
    "consent_gaps",
    "consent_statuses",
    "deletion_out",
    "export_for_download",
    "export_out",
    "gaps_among",
    "latest_export",
    "parent_child_consent",
    "pending_deletion",
    "require_consent",
    "restricted_in_chats",
]

PURPOSES = tuple(Purpose)
NONE = "none"  # nothing on record for this purpose


async def consent_statuses(db: AsyncSession, scope: OrgScope, child_ids: Iterable[int]
                           ) -> dict[int, dict[str, str]]:
    """For each child: purpose → given | withdrawn | none, in the scope's organization."""
    return await _statuses(db, scope.org.id, child_ids)


async def _statuses(db: AsyncSession, org_id: int, child_ids: Iterable[int]
                    ) -> dict[int, dict[str, str]]:
    ids = list(set(child_ids))
    out: dict[int, dict[str, str]] = {c: dict.fromkeys(PURPOSES, NONE) for c in ids}
    if not ids:
        return out
    for child, purpose, status in (await db.execute(
            select(ConsentState.child_id, ConsentState.purpose, ConsentState.status).where(
                ConsentState.org_id == org_id, ConsentState.child_id.in_(ids)))).all():
        out[child][purpose.value] = status.value
    return out


def _withdrawn(statuses: dict[str, str], purpose: Purpose) -> bool:
    """Withdrawing processing withdraws everything that depends on it."""
    return (statuses.get(Purpose.processing) == ConsentStatus.withdrawn
            or statuses.get(purpose) == ConsentStatus.withdrawn)


def _org_of(scope: OrgScope | ChatScope) -> int:
    return scope.org.id if isinstance(scope, OrgScope) else scope.chat.org_id


async def consent_allows(db: AsyncSession, scope: OrgScope | ChatScope, child_id: int,
                         purpose: Purpose) -> bool:
    """May ``child_id`` take part in ``purpose`` in the scope's organization? False only after
    a parent's explicit withdrawal (of that purpose or of processing); see the module's
    docstring. The calls feature asks this with ``Purpose.calls``."""
    statuses = (await _statuses(db, _org_of(scope), [child_id]))[child_id]
    return not _withdrawn(statuses, purpose)


async def require_consent(db: AsyncSession, scope: OrgScope | ChatScope, *purposes: Purpose
                          ) -> None:
    """Refuse the caller with ``consent_required`` when any of ``purposes`` (or processing)
    is withdrawn for them in the scope's organization."""
    user_id = scope.actor.user_id
    statuses = (await _statuses(db, _org_of(scope), [user_id]))[user_id]
    for purpose in (Purpose.processing, *purposes):
        if _withdrawn(statuses, purpose):
            raise ConsentRequired(params={"purpose": purpose.value})


# Built once: the send path runs it for every batch of sends.
_RESTRICTED = select(ConsentState.org_id, ConsentState.child_id).where(
    ConsentState.child_id.in_(bindparam("users", expanding=True)),
    ConsentState.status == ConsentStatus.withdrawn,
    ConsentState.purpose.in_([p.value for p in CHAT_PURPOSES])).distinct()


async def restricted_in_chats(db: AsyncSession, user_ids: Iterable[int]) -> set[tuple[int, int]]:
    """(org id, user id) for each of ``user_ids`` who may not post in that organization's
    chats because a parent withdrew processing or chats: one statement for a whole batch."""
    users = list(set(user_ids))
    if not users:
        return set()
    return {(int(o), int(u)) for o, u in (await db.execute(_RESTRICTED, {"users": users})).all()}


async def _students_of(db: AsyncSession, org_id: int, group_id: int | None = None,
                      user_id: int | None = None) -> list[tuple[int, str, int | None, str]]:
    """Active students: (user id, name, class id, class name), by class then name."""
    student_members = (select(Membership.user_id)
                       .join(MembershipRole, MembershipRole.membership_id == Membership.id)
                       .where(Membership.org_id == org_id, Membership.left_at.is_(None),
                              MembershipRole.role == Role.student))
    classes = (select(GroupMember.user_id, Group.id.label("gid"), Group.name.label("gname"))
               .join(Group, Group.id == GroupMember.group_id)
               .where(Group.org_id == org_id, Group.kind == GroupKind.class_,
                      Group.archived_at.is_(None))).subquery()
    stmt = (select(User.id, User.name, classes.c.gid, classes.c.gname)
            .outerjoin(classes, classes.c.user_id == User.id)
            .where(User.id.in_(student_members)))
    if group_id is not None:
        stmt = stmt.where(classes.c.gid == group_id)
    if user_id is not None:
        stmt = stmt.where(User.id == user_id)
    rows = (await db.execute(stmt)).all()
    seen: dict[int, tuple[int, str, int | None, str]] = {}
    for uid, name, gid, gname in rows:
        seen.setdefault(uid, (uid, name, gid, gname or ""))
    return sorted(seen.values(), key=lambda r: (r[3] == "", r[3], r[1], r[0]))


async def gaps_among(db: AsyncSession, scope: OrgScope, child_ids: Iterable[int]) -> int:
    """How many of these children lack full consent in the scope's organization."""
    statuses = await _statuses(db, scope.org.id, child_ids)
    return sum(1 for st in statuses.values() if _missing(st))


def _missing(statuses: dict[str, str]) -> list[str]:
    return [p for p in PURPOSES if statuses[p] != ConsentStatus.given]


async def consent_gaps(db: AsyncSession, scope: OrgScope) -> GapsOut:
    """Children without full consent, by class, with counts (the administrator's list; a
    class teacher's scope names their class, ``scope.group_id``)."""
    org_id = scope.org.id
    students = await _students_of(db, org_id, scope.group_id)
    statuses = await _statuses(db, org_id, [s[0] for s in students])
    by_class: dict[int | None, ClassGapsOut] = {}
    for uid, name, gid, gname in students:
        row = by_class.get(gid)
        if row is None:
            row = by_class[gid] = ClassGapsOut(
                group=Ref(id=gid, name=gname) if gid is not None else None)
        st = statuses[uid]
        row.children += 1
        missing = _missing(st)
        if not missing:
            row.complete += 1
            continue
        withdrawn = any(st[p] == ConsentStatus.withdrawn for p in PURPOSES)
        row.withdrawn += withdrawn
        row.not_recorded += not withdrawn
        row.gaps.append(ChildConsentOut(
            org=None, child=Person(id=uid, name=name), group=row.group, purposes=st,
            missing=missing, restricted=_withdrawn(st, Purpose.chats)))
    classes = list(by_class.values())
    return GapsOut(classes=classes, children=sum(c.children for c in classes),
                   complete=sum(c.complete for c in classes),
                   gaps=sum(len(c.gaps) for c in classes))


async def _classes_of(db: AsyncSession, org_id: int, child_ids: list[int]) -> dict[int, Ref]:
    rows = (await db.execute(
        select(GroupMember.user_id, Group.id, Group.name).join(Group, Group.id == GroupMember.group_id)
        .where(Group.org_id == org_id, Group.kind == GroupKind.class_, Group.archived_at.is_(None),
               GroupMember.user_id.in_(child_ids)))).all()
    return {uid: Ref(id=gid, name=name) for uid, gid, name in rows}


async def child_consents(db: AsyncSession, parent_id: int) -> list[ChildConsentOut]:
    """Each child the parent is confirmed for (in every school), with where consent stands."""
    rows = (await db.execute(
        select(ParentLink.org_id, ParentLink.child_id, Organization.name)
        .join(Organization, Organization.id == ParentLink.org_id)
        .where(ParentLink.parent_id == parent_id, ParentLink.child_id.is_not(None),
               ParentLink.status == ParentLinkStatus.confirmed)
        .order_by(ParentLink.id))).all()
    by_org: dict[int, list[int]] = defaultdict(list)
    names: dict[int, str] = {}
    for org_id, child_id, org_name in rows:
        if child_id is not None and child_id not in by_org[org_id]:
            by_org[org_id].append(child_id)
        names[org_id] = org_name
    out: list[ChildConsentOut] = []
    for org_id, kids in by_org.items():
        statuses = await _statuses(db, org_id, kids)
        who = await persons(db, org_id, kids)
        classes = await _classes_of(db, org_id, kids)
        for child_id in kids:
            if child_id not in who:
                continue
            st = statuses[child_id]
            out.append(ChildConsentOut(
                org=Ref(id=org_id, name=names[org_id]), child=who[child_id],
                group=classes.get(child_id), purposes=st, missing=_missing(st),
                restricted=_withdrawn(st, Purpose.chats)))
    return out


async def _consent_history(db: AsyncSession, org_id: int, child_id: int) -> list[ConsentRecordOut]:
    rows = list((await db.execute(select(ConsentRecord).where(
        ConsentRecord.org_id == org_id, ConsentRecord.child_id == child_id)
        .order_by(ConsentRecord.id.desc()))).scalars())
    people = await persons(db, org_id, [r.parent_id for r in rows] + [r.recorded_by for r in rows])
    return [ConsentRecordOut(
        id=r.id, purpose=r.purpose.value, status=r.status.value, channel=r.channel.value,
        parent=people.get(r.parent_id) if r.parent_id else None, parent_name=r.parent_name,
        recorded_by=people.get(r.recorded_by) if r.recorded_by else None,
        document_version=r.document_version, document_hash=r.document_hash, note=r.note,
        created_at=r.created_at) for r in rows]


async def parent_child_consent(db: AsyncSession, scope: OrgScope, child_id: int
                               ) -> ChildConsentOut:
    """One of the caller's children, as ``child_consents`` shows it; anyone else's: NotFound."""
    for c in await child_consents(db, scope.actor.user_id):
        if c.org is not None and c.org.id == scope.org.id and c.child.id == child_id:
            return c
    raise NotFound()


async def child_history(db: AsyncSession, scope: OrgScope, child_id: int) -> HistoryOut:
    """A student of the scope's organization with their ledger, newest first; anyone else:
    NotFound."""
    org_id = scope.org.id
    found = await _students_of(db, org_id, user_id=child_id)
    if not found:
        raise NotFound()
    _, name, gid, gname = found[0]
    st = (await _statuses(db, org_id, [child_id]))[child_id]
    who = (await persons(db, org_id, [child_id])).get(child_id) or Person(id=child_id, name=name)
    child = ChildConsentOut(org=None, child=who,
                            group=None if gid is None else Ref(id=gid, name=gname),
                            purposes=st, missing=_missing(st),
                            restricted=_withdrawn(st, Purpose.chats))
    return HistoryOut(child=child, records=await _consent_history(db, org_id, child_id))


# Exports and deletions --------------------------------------------------------------------

async def latest_export(db: AsyncSession, user_id: int) -> DataExport | None:
    return (await db.execute(select(DataExport).where(DataExport.user_id == user_id)
                             .order_by(DataExport.id.desc()).limit(1))).scalar_one_or_none()


def export_out(row: DataExport | None, now: datetime, keep_hours: int) -> ExportOut:
    if row is None:
        return ExportOut(state="none", keep_hours=keep_hours)
    state = row.state.value
    if row.state == JobState.done and (row.storage_key is None or (
            row.expires_at is not None and row.expires_at <= now)):
        state = "expired"
    ready = state == JobState.done
    return ExportOut(
        id=row.id, state=state, created_at=row.created_at, finished_at=row.finished_at,
        expires_at=row.expires_at, size=row.size if ready else None,
        files=row.files, files_left_out=row.files_left_out,
        download_url=f"/api/v1/me/export/{row.id}/download" if ready else None,
        keep_hours=keep_hours)


async def export_for_download(db: AsyncSession, user_id: int, export_id: int,
                              now: datetime) -> DataExport:
    """The caller's own finished archive; another person's does not exist (``NotFound``), an
    expired one is ``export_expired``."""
    row = await db.get(DataExport, export_id)
    if row is None or row.user_id != user_id or row.state != JobState.done:
        raise NotFound()
    if row.storage_key is None or (row.expires_at is not None and row.expires_at <= now):
        raise Gone("export_expired")
    return row


async def pending_deletion(db: AsyncSession, user_id: int) -> DeletionRequest | None:
    return (await db.execute(select(DeletionRequest).where(
        DeletionRequest.user_id == user_id,
        DeletionRequest.state.in_([JobState.pending, JobState.running]))
        .order_by(DeletionRequest.id.desc()).limit(1))).scalar_one_or_none()


def deletion_out(row: DeletionRequest | None, grace_days: int) -> DeletionOut:
    if row is None:
        return DeletionOut(state="none", grace_days=grace_days)
    return DeletionOut(id=row.id, state=row.state.value, reason=row.reason.value,
                       created_at=row.created_at, due_at=row.due_at,
                       can_cancel=row.state == JobState.pending, grace_days=grace_days)
