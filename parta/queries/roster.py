"""Reads for roster import: the organization's roster as a plan needs it, and the imports."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.errors import NotFound
from parta.i18n import t
from parta.models import (
    Chat,
    ChatMember,
    ChatRole,
    Group,
    GroupKind,
    GroupMember,
    GroupTeacher,
    ImportStatus,
    Membership,
    MembershipRole,
    ParentLink,
    ParentLinkStatus,
    Role,
    RosterImport,
    RosterPerson,
    User,
)
from parta.queries.privacy import gaps_among
from parta.queries.scope import OrgScope
from parta.roster.plan import Known, Member, OrgState
from parta.schemas.roster import ConsentGapsOut, ImportItemsOut, ImportOut, Progress, RowErrorOut
from parta.services.phones import mask_phone

__all__ = ["CHUNK", "chunks", "import_consent_gaps", "import_in", "import_items", "import_out",
           "imports", "load_state"]

CHUNK = 500  # ids per IN (…): well inside every backend's limit on bound parameters

AUTO_KINDS = ("class", "parents", "class_teachers", "subject")


def chunks(items: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


async def load_state(db: AsyncSession, scope: OrgScope, phones: Iterable[str] = ()) -> OrgState:
    """The organization's roster in a few set-wise queries (5,000 people: well under a second)."""
    org_id = scope.org.id
    groups: dict[str, int] = {}
    class_teacher: dict[int, int | None] = {}
    for g in (await db.execute(select(Group.id, Group.name, Group.class_teacher_id).where(
            Group.org_id == org_id, Group.kind == GroupKind.class_,
            Group.archived_at.is_(None)))).all():
        groups[g.name] = g.id
        class_teacher[g.id] = g.class_teacher_id
    group_ids = list(class_teacher)
    members: dict[int, Member] = {}
    for row in (await db.execute(
            select(Membership.user_id, Membership.left_at, User.name, User.phone, User.email)
            .join(User, User.id == Membership.user_id).where(Membership.org_id == org_id))).all():
        members[row.user_id] = Member(user_id=row.user_id, name=row.name, phone=row.phone,
                                      email=row.email, roles=set(), active=row.left_at is None)
    for user_id, role in (await db.execute(
            select(Membership.user_id, MembershipRole.role)
            .join(MembershipRole, MembershipRole.membership_id == Membership.id)
            .where(Membership.org_id == org_id))).all():
        members[user_id].roles.add(role.value)
    subject_teachers: set[tuple[int, int, str]] = set()
    if group_ids:
        for gid, uid in (await db.execute(select(GroupMember.group_id, GroupMember.user_id)
                                          .join(Group, Group.id == GroupMember.group_id)
                                          .where(Group.org_id == org_id,
                                                 Group.kind == GroupKind.class_,
                                                 Group.archived_at.is_(None)))).all():
            if uid in members:
                members[uid].classes.add(gid)
        subject_teachers = {(r.group_id, r.user_id, r.subject) for r in (await db.execute(
            select(GroupTeacher.group_id, GroupTeacher.user_id, GroupTeacher.subject)
            .join(Group, Group.id == GroupTeacher.group_id)
            .where(Group.org_id == org_id, Group.archived_at.is_(None)))).all()}
    links = {(r.parent_id, r.child_id) for r in (await db.execute(
        select(ParentLink.parent_id, ParentLink.child_id).where(
            ParentLink.org_id == org_id, ParentLink.status == ParentLinkStatus.confirmed,
            ParentLink.child_id.is_not(None)))).all()}
    known = {r.user_id: Known(user_id=r.user_id, source_id=r.source_id, kind=r.kind,
                              name_key=r.name_key, birth_date=r.birth_date,
                              departed=r.departed_at is not None)
             for r in (await db.execute(select(RosterPerson).where(
                 RosterPerson.org_id == org_id))).scalars()}
    phone_users: dict[str, int] = {}
    for part in chunks(sorted(set(filter(None, phones)))):
        phone_users.update({str(p): u for u, p in (await db.execute(
            select(User.id, User.phone).where(User.phone.in_(part)))).all()})
    chats: set[tuple[int, str, str, int | None]] = set()
    if group_ids:
        owners = dict((await db.execute(
            select(ChatMember.chat_id, ChatMember.user_id)
            .join(Chat, Chat.id == ChatMember.chat_id)
            .where(Chat.org_id == org_id, Chat.kind == "subject",
                   ChatMember.role == ChatRole.owner, ChatMember.left_at.is_(None)))).all())
        for c in (await db.execute(select(Chat.id, Chat.group_id, Chat.kind, Chat.subject).where(
                Chat.org_id == org_id, Chat.kind.in_(AUTO_KINDS), Chat.archived_at.is_(None),
                Chat.group_id.is_not(None)))).all():
            chats.add((c.group_id, c.kind.value, c.subject if c.kind.value == "subject" else "",
                       owners.get(c.id) if c.kind.value == "subject" else None))
    return OrgState(org_id=org_id, groups=groups, class_teacher=class_teacher,
                    subject_teachers=subject_teachers, parent_links=links, members=members,
                    known=known, phone_users=phone_users, chats=chats)


async def import_in(db: AsyncSession, scope: OrgScope, import_id: int) -> RosterImport:
    """An import of this organization; another school's import does not exist here."""
    found = await db.get(RosterImport, import_id)
    if found is None or found.org_id != scope.org.id:
        raise NotFound()
    return found


async def imports(db: AsyncSession, scope: OrgScope, limit: int = 50) -> list[RosterImport]:
    return list((await db.execute(select(RosterImport).where(RosterImport.org_id == scope.org.id)
                                  .order_by(RosterImport.id.desc()).limit(limit))).scalars())


def _error_out(e: dict[str, Any], lang: str) -> RowErrorOut:
    return RowErrorOut(
        file=e["file"], line=e["line"], column=e["column"], code=e["code"], value=e["value"],
        message=t(lang, f"roster.error.{e['code']}", column=e["column"], value=e["value"]),
        message_ru=e["message_ru"])


def import_out(row: RosterImport, lang: str) -> ImportOut:
    """An import as the administrator's page shows it (the plan's rows come by ``items``)."""
    total = row.progress_total or 0
    done = min(row.progress_done or 0, total) if total else 0
    if row.status == ImportStatus.applied:
        done = total
    return ImportOut(
        id=row.id, file_name=row.file_name, kind=row.kind, status=row.status.value,
        complete=bool(row.plan.get("complete", True)), counts=row.counts,
        progress=Progress(done=done, total=total, percent=100 * done // total if total else 0),
        errors=[_error_out(e, lang) for e in row.errors],
        warnings=list(row.plan.get("warnings", [])), valid_rows_only=row.valid_rows_only,
        failure=row.failure, created_at=row.created_at, applied_at=row.applied_at,
        finished_at=row.finished_at)


async def import_consent_gaps(db: AsyncSession, scope: OrgScope, row: RosterImport
                              ) -> ConsentGapsOut | None:
    """The import's students and how many have no full consent on record. A preview counts
    the file's students: the new ones have none yet, the known ones as the ledger says. An
    applied import counts the students it last brought in or recognized (a later import
    takes over the ones it recognizes) who are still students here. Else None."""
    if row.org_id != scope.org.id:
        raise NotFound()
    if row.status in (ImportStatus.preview, ImportStatus.failed):
        students = [p for p in row.plan.get("people", []) if p.get("kind") == "student"]
        known = [int(p["user_id"]) for p in students if p.get("user_id")]
        new = len(students) - len(known)
        return ConsentGapsOut(students=len(students),
                              gaps=new + await gaps_among(db, scope, known))
    if row.status != ImportStatus.applied:
        return None
    active = (select(Membership.user_id)
              .join(MembershipRole, MembershipRole.membership_id == Membership.id)
              .where(Membership.org_id == row.org_id, Membership.left_at.is_(None),
                     MembershipRole.role == Role.student))
    ids = list((await db.execute(select(RosterPerson.user_id).where(
        RosterPerson.org_id == row.org_id, RosterPerson.last_import_id == row.id,
        RosterPerson.kind == "student", RosterPerson.departed_at.is_(None),
        RosterPerson.user_id.in_(active)))).scalars())
    return ConsentGapsOut(students=len(ids), gaps=await gaps_among(db, scope, ids))


def import_items(row: RosterImport, section: str, op: str | None, offset: int,
                 limit: int) -> ImportItemsOut:
    """One section of the plan, a page at a time (5,000 people do not go in one answer)."""
    items: list[dict[str, Any]] = list(row.plan.get(section, []))
    if op is not None and section == "people":
        items = [i for i in items if i.get("op") == op]
    page = [_shown(i) for i in items[offset:offset + limit]]
    return ImportItemsOut(section=section, total=len(items), items=page)  # type: ignore[arg-type]


def _shown(item: dict[str, Any]) -> dict[str, Any]:
    """A row as the administrator sees it. The phone of a row that becomes an invitation is
    masked, whether or not someone already has that number: until they accept, the person is
    nobody's here (the same as a movement's record, ``queries.movement``)."""
    out = {k: v for k, v in item.items() if k != "name_key"}
    if out.get("invite") and out.get("phone"):
        out["phone"] = mask_phone(str(out["phone"]))
    return out
