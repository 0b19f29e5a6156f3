"""Who was at a call, when, and for how long (R37 attendance, R40 oversight): for the call's
host, the chat's owner and moderators, and the school's administrators — to anyone else the
call does not exist. Read from the call's stays (``CallParticipant``: joined, left; a rejoin is
a new stay); a stay still open counts up to the call's end, or now."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.db import utcnow
from parta.errors import NotFound
from parta.i18n import t
from parta.models import (
    Call,
    CallParticipant,
    Group,
    GroupKind,
    GroupMember,
    Membership,
    MembershipRole,
)
from parta.policy import Actor, sees_attendance
from parta.queries.people import persons
from parta.queries.scope import ChatScope, chat_overseen
from parta.schemas.common import Ref
from parta.schemas.lessons import AttendanceOut, AttendanceRow

__all__ = ["attendance", "attendance_scope", "minutes_in", "to_csv", "to_xlsx"]

ROLE_ORDER = ("student", "teacher", "administration", "org_admin", "parent")
COLUMNS = ("name", "class", "roles", "first_joined", "last_left", "minutes", "stays")


async def attendance_scope(db: AsyncSession, actor: Actor, call_id: int) -> tuple[Call, ChatScope]:
    """The call and its chat's scope, for those who see its attendance; else ``NotFound``."""
    call = await db.get(Call, call_id)
    if call is None:
        raise NotFound()
    scope = await chat_overseen(db, actor, call.chat_id)
    role = scope.member.role.value if scope.member else None
    if not sees_attendance(role, call.started_by == actor.user_id, scope.moderates):
        raise NotFound()
    return call, scope


def minutes_in(spans: list[tuple[datetime, datetime]]) -> int:
    """Whole minutes covered by ``spans`` (overlaps — two tabs — counted once), rounded."""
    total, end_so_far = 0.0, None
    for start, end in sorted(spans):
        if end_so_far is not None and start < end_so_far:
            start = end_so_far
        if end > start:
            total += (end - start).total_seconds()
            end_so_far = end
    return round(total / 60)


async def attendance(db: AsyncSession, scope: ChatScope, call: Call) -> AttendanceOut:
    chat = scope.chat
    if call.chat_id != chat.id:
        raise NotFound()
    now = utcnow()
    until = call.ended_at or now
    stays = (await db.execute(select(CallParticipant).where(
        CallParticipant.call_id == call.id).order_by(
        CallParticipant.joined_at, CallParticipant.id))).scalars().all()
    by_person: dict[int, list[CallParticipant]] = defaultdict(list)
    for s in stays:
        by_person[s.user_id].append(s)
    ids = list(by_person)
    people = await persons(db, chat.org_id, ids)
    roles: dict[int, set[str]] = defaultdict(set)
    for uid, role in (await db.execute(select(Membership.user_id, MembershipRole.role).join(
            MembershipRole, MembershipRole.membership_id == Membership.id).where(
            Membership.org_id == chat.org_id, Membership.user_id.in_(ids)))).all():
        roles[uid].add(role.value)
    classes: dict[int, str] = {}
    for uid, name in (await db.execute(select(GroupMember.user_id, Group.name).join(
            Group, Group.id == GroupMember.group_id).where(
            Group.org_id == chat.org_id, Group.kind == GroupKind.class_,
            Group.archived_at.is_(None), GroupMember.user_id.in_(ids)).order_by(
            Group.grade, Group.name))).all():
        classes.setdefault(uid, name)
    rows = []
    for uid, mine in by_person.items():
        if uid not in people:
            continue
        open_ = [s for s in mine if s.left_at is None]
        lefts = [s.left_at for s in mine if s.left_at is not None]
        rows.append(AttendanceRow(
            person=people[uid], roles=[r for r in ROLE_ORDER if r in roles[uid]],
            class_name=classes.get(uid) if "student" in roles[uid] else None,
            first_joined_at=mine[0].joined_at,
            last_left_at=None if open_ and call.ended_at is None else max(lefts, default=until),
            minutes=minutes_in([(s.joined_at, s.left_at or until) for s in mine]),
            stays=len(mine)))
    # Students first, by class and name; then the adults, by name.
    rows.sort(key=lambda r: (r.class_name is None, r.class_name or "", r.person.name))
    return AttendanceOut(call_id=call.id, chat=Ref(id=chat.id, name=chat.title), kind=call.kind,
                         started_at=call.started_at, ended_at=call.ended_at,
                         minutes=round((until - call.started_at).total_seconds() / 60),
                         people=rows)


def _cells(row: AttendanceRow, lang: str, zone_name: str) -> list[str | int]:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(zone_name)

    def when(moment: datetime | None) -> str:
        return moment.astimezone(zone).strftime("%d.%m.%Y %H:%M") if moment else ""

    return [row.person.name, row.class_name or "",
            ", ".join(t(lang, f"attendance.role.{r}") for r in row.roles),
            when(row.first_joined_at), when(row.last_left_at), row.minutes, row.stays]


def _headers(lang: str) -> list[str]:
    return [t(lang, f"attendance.column.{c}") for c in COLUMNS]


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: str | int) -> str | int:
    """A name like «=HYPERLINK(…)» stays text when a spreadsheet opens the CSV."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def to_csv(report: AttendanceOut, lang: str, zone: str) -> bytes:
    """UTF-8 with a byte-order mark and «;» between columns, as Excel in Russia expects."""
    buf = io.StringIO()
    out = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    out.writerow(_headers(lang))
    for row in report.people:
        out.writerow([_safe(v) for v in _cells(row, lang, zone)])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(report: AttendanceOut, lang: str, zone: str) -> bytes:
    """One sheet: the call's chat and time on top, then one row a person; text stays text."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = t(lang, "attendance.sheet")[:31]
    sheet.append([ILLEGAL_CHARACTERS_RE.sub("", report.chat.name)])
    sheet.append([])
    sheet.append(_headers(lang))
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in report.people:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v
                      for v in _cells(row, lang, zone)])
    for cells in sheet.iter_rows(min_row=1):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # a name is never run as a formula, whatever it says
    for column in sheet.columns:
        width = max(len(str(c.value or "")) for c in column[2:]) if len(column) > 2 else 10
        sheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 10), 50)
    sheet.freeze_panes = "A4"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
