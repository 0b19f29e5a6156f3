"""Roster reconciliation (R8): the platform compared with the school's records, as five lists.

The school's records are the roster: every person an applied roster import brought in or
recognized has a ``RosterPerson`` row, and a later import that no longer lists them marks it
departed. So «in the latest roster» means a ``RosterPerson`` row without ``departed_at``.

* ``not_activated`` — in the roster, a member here, but has never signed in
  (``User.activated_at`` is set by the first successful sign-in and never cleared). Joining a
  chat needs a sign-in, so this is also everyone who could not have accepted an invitation.
* ``not_in_roster`` — a member here with no record in the roster (``no_record``: came by a
  link or was added by hand), or whose record the latest roster marked departed
  (``departed_in_roster``: came back by a link since, say). Empty until a roster was applied:
  without the school's records there is nothing to compare with.
* ``departed_in_chats`` — someone who has left (``left_org``: their membership ended) or whom
  the roster marked departed (``departed_in_roster``), still a member of a chat of the
  organization — archived ones too (R32).
* ``parents_without_child`` — a member with the parent role and no confirmed child who is a
  student here: ``no_link`` (never asked), ``link_pending`` (asked, nobody confirmed yet),
  ``child_left`` (the confirmed children are no longer students here).
* ``classes_without_teacher`` — an active class with no class teacher (``none``), or whose
  class teacher is no longer a teacher here (``teacher_left``).

Reconciling is recorded by an administrator (``actions.reconciliation.mark_reconciled``). A
reminder is due when the last record is older than a quarter (92 days), or when there is none
yet but a roster has been applied.

Exports: XLSX (one sheet per list) and CSV (one table with the list's name in the first column,
UTF-8 with a byte-order mark so Excel reads Cyrillic), both with Russian headers — they go to
the school's records office. Nothing a person typed is ever run as a formula: XLSX cells are
stored as text, and CSV cells that start like a formula are quoted with an apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, union
from sqlalchemy.ext.asyncio import AsyncSession

from parta.db import utcnow
from parta.i18n import t
from parta.models import (
    Chat,
    ChatMember,
    Group,
    GroupKind,
    GroupMember,
    ImportStatus,
    Membership,
    MembershipRole,
    ParentLink,
    ParentLinkStatus,
    Reconciliation,
    Role,
    RosterImport,
    RosterPerson,
    User,
)
from parta.queries.scope import OrgScope
from parta.schemas.year import (
    LastReconciliationOut,
    ReconciliationEntryOut,
    ReconciliationOut,
    ReconciliationStatusOut,
    RosterRefOut,
)

__all__ = [
    "LISTS",
    "REMIND_AFTER",
    "Entry",
    "Report",
    "Status",
    "reconciliation",
    "reconciliation_out",
    "status_out",
    "to_csv",
    "to_xlsx",
]

LISTS = ("not_activated", "not_in_roster", "departed_in_chats", "parents_without_child",
         "classes_without_teacher")
REMIND_AFTER = timedelta(days=92)  # a quarter (R8)
ROLE_ORDER = {r.value: n for n, r in enumerate(Role)}


@dataclass
class Entry:
    """One line of a list: a person (``user_id``) or a class (``group_id``), and why."""

    why: str
    name: str
    user_id: int | None = None
    group_id: int | None = None
    roles: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    chats: list[str] = field(default_factory=list)
    students: int | None = None


@dataclass
class Status:
    roster_import_id: int | None
    roster_file: str
    roster_applied_at: datetime | None
    last_id: int | None
    last_at: datetime | None
    last_by: int | None
    last_counts: dict[str, Any]
    reminder: bool
    due_at: datetime | None


@dataclass
class Report:
    status: Status
    lists: dict[str, list[Entry]]

    @property
    def counts(self) -> dict[str, int]:
        return {k: len(v) for k, v in self.lists.items()}


async def _reconciliation_status(db: AsyncSession, org_id: int) -> Status:
    """The latest applied roster, the last reconciliation, and whether a reminder is due."""
    roster = (await db.execute(select(RosterImport).where(
        RosterImport.org_id == org_id, RosterImport.status == ImportStatus.applied)
        .order_by(RosterImport.id.desc()).limit(1))).scalar_one_or_none()
    last = (await db.execute(select(Reconciliation).where(Reconciliation.org_id == org_id)
                             .order_by(Reconciliation.id.desc()).limit(1))).scalar_one_or_none()
    applied_at = (roster.finished_at or roster.applied_at or roster.created_at) if roster else None
    if last is not None:
        due_at: datetime | None = last.created_at + REMIND_AFTER
        reminder = utcnow() > last.created_at + REMIND_AFTER
    else:
        due_at, reminder = applied_at, roster is not None
    return Status(
        roster_import_id=roster.id if roster else None,
        roster_file=roster.file_name if roster else "", roster_applied_at=applied_at,
        last_id=last.id if last else None, last_at=last.created_at if last else None,
        last_by=last.marked_by if last else None,
        last_counts=dict(last.counts or {}) if last else {}, reminder=reminder, due_at=due_at)


def _sorted(entries: list[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (e.name.casefold(), e.user_id or 0, e.group_id or 0))


def _roles(held: set[str]) -> list[str]:
    return sorted(held, key=lambda r: ROLE_ORDER.get(r, 99))


async def reconciliation(db: AsyncSession, scope: OrgScope) -> Report:
    """The five lists for one organization, in a dozen set-wise queries whatever its size.
    Preconditions: the caller may see them (``Action.reconciliation_view``)."""
    org_id = scope.org.id
    status = await _reconciliation_status(db, org_id)
    members: dict[int, tuple[str, datetime | None]] = {
        uid: (name, activated) for uid, name, activated in (await db.execute(
            select(Membership.user_id, User.name, User.activated_at)
            .join(User, User.id == Membership.user_id)
            .where(Membership.org_id == org_id, Membership.left_at.is_(None)))).all()}
    roles: dict[int, set[str]] = defaultdict(set)
    for uid, role in (await db.execute(
            select(Membership.user_id, MembershipRole.role)
            .join(MembershipRole, MembershipRole.membership_id == Membership.id)
            .where(Membership.org_id == org_id, Membership.left_at.is_(None)))).all():
        roles[uid].add(role.value)
    groups = {g.id: g for g in (await db.execute(select(Group).where(
        Group.org_id == org_id, Group.kind == GroupKind.class_,
        Group.archived_at.is_(None)))).scalars()}
    in_class: dict[int, set[str]] = defaultdict(set)
    students_in: dict[int, int] = defaultdict(int)
    for gid, uid in (await db.execute(select(GroupMember.group_id, GroupMember.user_id).where(
            GroupMember.group_id.in_(select(Group.id).where(
                Group.org_id == org_id, Group.kind == GroupKind.class_,
                Group.archived_at.is_(None)))))).all():
        in_class[uid].add(groups[gid].name)
        students_in[gid] += 1
    for g in groups.values():
        if g.class_teacher_id is not None:
            in_class[g.class_teacher_id].add(g.name)
    links: dict[int, list[tuple[int | None, ParentLinkStatus]]] = defaultdict(list)
    for pid, cid, st in (await db.execute(
            select(ParentLink.parent_id, ParentLink.child_id, ParentLink.status).where(
                ParentLink.org_id == org_id,
                ParentLink.status != ParentLinkStatus.refused))).all():
        links[pid].append((cid, st))

    def classes_of(uid: int) -> list[str]:
        mine = set(in_class.get(uid, set()))
        for cid, st in links.get(uid, []):
            if st == ParentLinkStatus.confirmed and cid is not None:
                mine |= in_class.get(cid, set()) if "student" in roles.get(cid, set()) else set()
        return sorted(mine)

    def person(uid: int, why: str, name: str | None = None, **kw: Any) -> Entry:
        return Entry(why=why, name=name if name is not None else members[uid][0], user_id=uid,
                     roles=_roles(roles.get(uid, set())), classes=classes_of(uid), **kw)

    records = {uid: departed for uid, departed in (await db.execute(
        select(RosterPerson.user_id, RosterPerson.departed_at).where(
            RosterPerson.org_id == org_id))).all()}
    lists: dict[str, list[Entry]] = {name: [] for name in LISTS}
    if status.roster_import_id is not None:
        for uid, (_, activated) in members.items():
            if uid in records and records[uid] is None and activated is None:
                lists["not_activated"].append(person(uid, "never_signed_in"))
            if uid not in records:
                lists["not_in_roster"].append(person(uid, "no_record"))
            elif records[uid] is not None:
                lists["not_in_roster"].append(person(uid, "departed_in_roster"))

    gone = union(
        select(Membership.user_id).where(Membership.org_id == org_id,
                                         Membership.left_at.is_not(None)),
        select(RosterPerson.user_id).where(RosterPerson.org_id == org_id,
                                           RosterPerson.departed_at.is_not(None))).subquery()
    in_chats: dict[int, list[str]] = defaultdict(list)
    for uid, title, kind in (await db.execute(
            select(ChatMember.user_id, Chat.title, Chat.kind)
            .join(Chat, Chat.id == ChatMember.chat_id)
            .where(Chat.org_id == org_id, ChatMember.left_at.is_(None),
                   ChatMember.user_id.in_(select(gone.c.user_id)))
            .order_by(Chat.id))).all():
        in_chats[uid].append(title or t("ru", f"reconciliation.chat.{kind.value}"))
    if in_chats:
        names = dict((await db.execute(select(User.id, User.name).where(
            User.id.in_(select(gone.c.user_id))))).all())
        for uid, chats in in_chats.items():
            why = "departed_in_roster" if uid in members else "left_org"
            lists["departed_in_chats"].append(
                person(uid, why, name=names.get(uid, ""), chats=chats))

    for uid, held in roles.items():
        if "parent" not in held:
            continue
        mine = links.get(uid, [])
        confirmed = [c for c, st in mine if st == ParentLinkStatus.confirmed and c is not None]
        if any("student" in roles.get(c, set()) for c in confirmed):
            continue
        why = ("child_left" if confirmed else
               "link_pending" if any(st == ParentLinkStatus.pending for _, st in mine)
               else "no_link")
        lists["parents_without_child"].append(person(uid, why))

    for g in groups.values():
        leader = g.class_teacher_id
        if leader is not None and "teacher" in roles.get(leader, set()):
            continue
        lists["classes_without_teacher"].append(Entry(
            why="none" if leader is None else "teacher_left", name=g.name, group_id=g.id,
            classes=[g.name], students=students_in.get(g.id, 0)))
    return Report(status=status, lists={k: _sorted(v) for k, v in lists.items()})


# Exports ---------------------------------------------------------------------------------------

COLUMNS = ("name", "roles", "classes", "chats", "reason")
CLASS_COLUMNS = ("class", "students", "reason")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: str | int) -> str | int:
    """A name like «=HYPERLINK(…)» stays text when a spreadsheet opens the CSV."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def _cells(list_name: str, e: Entry, lang: str = "ru") -> list[str | int]:
    reason = t(lang, f"reconciliation.why.{list_name}.{e.why}")
    if list_name == "classes_without_teacher":
        return [e.name, e.students or 0, reason]
    return [e.name, ", ".join(t(lang, f"reconciliation.role.{r}") for r in e.roles),
            ", ".join(e.classes), "; ".join(e.chats), reason]


def _sheet_cell(value: str | int) -> str | int:
    """A value a spreadsheet can hold: control characters (a name may carry them, pasted from
    elsewhere) are left out, since the XLSX format has no way to store them."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _headers(list_name: str, lang: str = "ru") -> list[str]:
    cols = CLASS_COLUMNS if list_name == "classes_without_teacher" else COLUMNS
    return [t(lang, f"reconciliation.column.{c}") for c in cols]


def to_xlsx(report: Report) -> bytes:
    """One sheet per list, headers in Russian, widths fitted to the content."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for list_name in LISTS:
        sheet = book.create_sheet(t("ru", f"reconciliation.list.{list_name}")[:31])
        sheet.append(_headers(list_name))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for e in report.lists[list_name]:
            sheet.append([_sheet_cell(v) for v in _cells(list_name, e)])
        for cells in sheet.iter_rows(min_row=2):
            for cell in cells:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # a name is never run as a formula, whatever it says
        for column in sheet.columns:
            width = max(len(str(c.value or "")) for c in column)
            sheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 10), 60)
        sheet.freeze_panes = "A2"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def to_csv(report: Report) -> bytes:
    """One table for every list: the list's name first, then the person's or the class's
    columns. UTF-8 with a byte-order mark and «;» between columns, as Excel in Russia expects."""
    buf = io.StringIO()
    out = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    out.writerow([t("ru", "reconciliation.column.list"), t("ru", "reconciliation.column.who"),
                  *_headers("not_activated")[1:], t("ru", "reconciliation.column.students")])
    for list_name in LISTS:
        title = t("ru", f"reconciliation.list.{list_name}")
        for e in report.lists[list_name]:
            if list_name == "classes_without_teacher":
                name, students, reason = _cells(list_name, e)
                row = [title, name, "", name, "", reason, students]
            else:
                row = [title, *_cells(list_name, e), ""]
            out.writerow([_safe(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


async def _status_fields(db: AsyncSession, org_id: int, s: Status) -> dict[str, Any]:
    from parta.queries.people import persons

    by = (await persons(db, org_id, [s.last_by])).get(s.last_by or 0)
    return {
        "roster": RosterRefOut(import_id=s.roster_import_id, file_name=s.roster_file,
                               applied_at=s.roster_applied_at)
        if s.roster_import_id is not None else None,
        "last": LastReconciliationOut(id=s.last_id, at=s.last_at, by=by, counts=s.last_counts)
        if s.last_id is not None and s.last_at is not None else None,
        "reminder": s.reminder, "due_at": s.due_at}


async def status_out(db: AsyncSession, scope: OrgScope) -> ReconciliationStatusOut:
    """For the administrators' home: the last reconciliation and whether a reminder is due."""
    return ReconciliationStatusOut(**await _status_fields(
        db, scope.org.id, await _reconciliation_status(db, scope.org.id)))


async def reconciliation_out(db: AsyncSession, scope: OrgScope, lang: str) -> ReconciliationOut:
    """The report as the API returns it, each reason in the caller's language."""
    report = await reconciliation(db, scope)
    return ReconciliationOut(**await _status_fields(db, scope.org.id, report.status),
                             counts=report.counts, lists={
        name: [ReconciliationEntryOut(
            user_id=e.user_id, group_id=e.group_id, name=e.name, roles=e.roles,
            classes=e.classes, chats=e.chats, students=e.students, why=e.why,
            reason=t(lang, f"reconciliation.why.{name}.{e.why}")) for e in entries]
        for name, entries in report.lists.items()})
