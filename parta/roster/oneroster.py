"""Reading a OneRoster 1.2 CSV bundle (a zip, or a folder of CSV files).

What we take from it: schools' classes (homeroom classes become our classes — «5А»; scheduled
classes give subjects: a teacher teaching «Математика» in 5А), the people with their record ids
(``sourcedId``), roles (``roles.csv`` in 1.2, or the ``role`` column of 1.1-style ``users.csv``),
phones, e-mails, birth dates (``demographics.csv``, when present), and parents linked to
children through ``agentSourcedIds`` (on either side).

A bundle that cannot be read as a whole (no manifest, a required file or column missing) is
refused with every reason at once; a row that cannot be read becomes a :class:`RowError` and
its person is left out (and never taken for departed).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from parta.errors import ValidationFailed
from parta.roster.model import (
    PersonKind,
    Roster,
    RosterPerson,
    RowError,
    clean,
    normalize_class,
    parse_date,
    parse_email,
    parse_phone,
)

__all__ = ["MAX_UNPACKED", "read_oneroster"]

MAX_UNPACKED = 200 * 1024 * 1024  # a zip that unpacks past this is refused (a zip bomb)
REQUIRED_FILES = ("orgs", "academicSessions", "courses", "classes", "users", "enrollments")
OPTIONAL_FILES = ("roles", "demographics")
COLUMNS: dict[str, tuple[str, ...]] = {
    "manifest": ("propertyName", "value"),
    "orgs": ("sourcedId", "name", "type"),
    "academicSessions": ("sourcedId", "title", "type", "startDate", "endDate"),
    "courses": ("sourcedId", "title"),
    "classes": ("sourcedId", "title", "courseSourcedId", "schoolSourcedId"),
    "users": ("sourcedId", "givenName", "familyName"),
    "enrollments": ("sourcedId", "classSourcedId", "userSourcedId", "role"),
    "roles": ("userSourcedId", "role"),
    "demographics": ("sourcedId", "birthDate"),
}
ROLES: dict[str, PersonKind] = {
    "student": PersonKind.student,
    "teacher": PersonKind.teacher,
    "aide": PersonKind.teacher,
    "parent": PersonKind.parent,
    "guardian": PersonKind.parent,
    "relative": PersonKind.parent,
    "administrator": PersonKind.administrator,
    "principal": PersonKind.administrator,
    "siteadministrator": PersonKind.administrator,
    "districtadministrator": PersonKind.administrator,
    "systemadministrator": PersonKind.administrator,
    "counselor": PersonKind.staff,
    "proctor": PersonKind.staff,
}
# When one person holds several roles, the one that says most about them names their kind.
PRECEDENCE = (PersonKind.administrator, PersonKind.teacher, PersonKind.staff,
              PersonKind.student, PersonKind.parent)
_CLASS_IN_TEXT = re.compile(r"(?<![\dA-Za-zА-Яа-яЁё])(\d{1,2})\s*[-–]?\s*([А-ЯЁA-Z])(?![A-Za-zА-Яа-яЁё])")


@dataclass
class _Table:
    name: str
    rows: list[tuple[int, dict[str, str]]]  # (line, row)


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1251"):  # Russian exports from Windows come in cp1251
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="replace")


def _files_of(source: Path | bytes) -> dict[str, bytes]:
    """The CSV files of the bundle by their name without ``.csv``, from a zip or a folder."""
    found: dict[str, bytes] = {}
    if isinstance(source, Path) and source.is_dir():
        for p in source.iterdir():
            if p.suffix.lower() == ".csv" and p.is_file():
                found[p.stem] = p.read_bytes()
        return found
    data = source.read_bytes() if isinstance(source, Path) else source
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ValidationFailed("roster_unsupported", fields={"file": "roster_unsupported"}) from None
    with archive:
        members = [m for m in archive.infolist()
                   if not m.is_dir() and m.filename.lower().endswith(".csv")
                   and "__MACOSX" not in m.filename]
        if sum(m.file_size for m in members) > MAX_UNPACKED:
            raise ValidationFailed("too_large", fields={"file": "too_large"})
        for m in members:
            stem = m.filename.rsplit("/", 1)[-1][:-4]
            with archive.open(m) as f:
                found[stem] = f.read(MAX_UNPACKED + 1)
    return found


def _table(name: str, raw: bytes, errors: list[RowError]) -> _Table | None:
    text = _decode(raw)
    reader = csv.reader(io.StringIO(text, newline=""))
    file = f"{name}.csv"
    try:
        header = next(reader)
    except StopIteration:
        errors.append(RowError.of(file, 1, "", "missing_header"))
        return None
    except csv.Error:
        errors.append(RowError.of(file, 1, "", "bad_csv"))
        return None
    by_lower = {h.strip().lower(): i for i, h in enumerate(header)}
    missing = [c for c in COLUMNS[name] if c.lower() not in by_lower]
    for col in missing:
        errors.append(RowError.of(file, 1, col, "missing_column"))
    if missing:
        return None
    names = [h.strip() for h in header]
    canonical = {c.lower(): c for cols in COLUMNS.values() for c in cols}
    keys = [canonical.get(n.lower(), n) for n in names]
    rows: list[tuple[int, dict[str, str]]] = []
    line = reader.line_num
    try:
        for values in reader:
            start = line + 1
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            rows.append((start, {k: (values[i].strip() if i < len(values) else "")
                                 for i, k in enumerate(keys)}))
    except csv.Error:
        errors.append(RowError.of(file, line + 1, "", "bad_csv"))
    return _Table(name=name, rows=rows)


def _manifest(raw: bytes | None, errors: list[RowError]) -> dict[str, str]:
    if raw is None:
        errors.append(RowError.of("manifest.csv", 0, "", "missing_file"))
        return {}
    table = _table("manifest", raw, errors)
    if table is None:
        return {}
    return {row["propertyName"]: row["value"].strip().lower() for _, row in table.rows}


def _list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _true(value: str) -> bool:
    return value.strip().lower() in ("true", "1", "yes", "y")


def _current_year(table: _Table) -> str:
    """The school year the bundle is for: the one that contains today, or the latest one."""
    years = []
    for _, row in table.rows:
        if row["type"].lower() != "schoolyear":
            continue
        try:
            start, end = date.fromisoformat(row["startDate"]), date.fromisoformat(row["endDate"])
        except ValueError:
            continue
        years.append((start, end, row["title"]))
    today = date.today()
    for start, end, title in years:
        if start <= today <= end:
            return title
    return max(years)[2] if years else ""


def read_oneroster(source: Path | bytes) -> Roster:
    """Read a bundle; refuses (``ValidationFailed roster_unreadable``) if it cannot be read at all."""
    files = _files_of(source)
    errors: list[RowError] = []
    manifest = _manifest(files.get("manifest"), errors)
    if manifest and not manifest.get("oneroster.version", "").startswith("1."):
        errors.append(RowError.of("manifest.csv", 0, "oneroster.version", "bad_version",
                                  manifest.get("oneroster.version", "")))
    tables: dict[str, _Table] = {}
    for name in REQUIRED_FILES + OPTIONAL_FILES:
        mode = manifest.get(f"file.{name}", "absent" if name in OPTIONAL_FILES else "")
        if name in REQUIRED_FILES and mode == "absent":
            errors.append(RowError.of("manifest.csv", 0, f"file.{name}", "file_absent"))
            continue
        if mode == "absent":
            continue
        if name not in files:
            errors.append(RowError.of(f"{name}.csv", 0, "", "missing_file"))
            continue
        table = _table(name, files[name], errors)
        if table is not None:
            tables[name] = table
    if errors:
        raise ValidationFailed("roster_unreadable", fields={"file": "roster_unreadable"},
                               params={"errors": [e.as_dict() for e in errors[:50]]})
    return _Reader(tables, delta=manifest.get("file.users") == "delta").read()


class _Reader:
    """Turns the tables of a readable bundle into a roster, row by row."""

    def __init__(self, tables: dict[str, _Table], delta: bool) -> None:
        self.t = tables
        self.roster = Roster(source="oneroster", complete=not delta)
        self.people: dict[str, RosterPerson] = {}
        self.agents: dict[str, tuple[int, list[str]]] = {}
        self.bad_classes: set[str] = set()

    def error(self, file: str, line: int, column: str, code: str, value: str = "",
              key: str | None = None) -> None:
        self.roster.errors.append(RowError.of(f"{file}.csv", line, column, code, value))
        if key:
            self.roster.skipped.add(key)

    def read(self) -> Roster:
        self.roster.school_year = _current_year(self.t["academicSessions"])
        kinds = self._roles()
        self._users(kinds)
        self._demographics()
        classes = self._classes()
        self._enrollments(classes)
        self._links()
        for key in self.roster.skipped:
            self.people.pop(key, None)
        self.roster.people = list(self.people.values())
        return self.roster

    def _roles(self) -> dict[str, set[PersonKind]]:
        kinds: dict[str, set[PersonKind]] = defaultdict(set)
        if "roles" in self.t:
            for line, row in self.t["roles"].rows:
                if row.get("status", "").lower() == "tobedeleted":
                    continue
                kind = ROLES.get(row["role"].lower())
                if kind is None:
                    self.error("roles", line, "role", "bad_role", row["role"],
                               key=row["userSourcedId"])
                    continue
                kinds[row["userSourcedId"]].add(kind)
        return kinds

    def _users(self, kinds: dict[str, set[PersonKind]]) -> None:
        seen: set[str] = set()
        for line, row in self.t["users"].rows:
            sid = row["sourcedId"]
            if not sid:
                self.error("users", line, "sourcedId", "missing_id")
                continue
            if sid in seen:
                self.error("users", line, "sourcedId", "duplicate_id", sid)
                continue
            seen.add(sid)
            if row.get("status", "").lower() == "tobedeleted":
                self.roster.departed.add(sid)
                continue
            if row.get("enabledUser") and not _true(row["enabledUser"]):
                continue  # a disabled account is not on the roster
            own = set(kinds.get(sid, ()))
            if row.get("role"):
                kind = ROLES.get(row["role"].lower())
                if kind is None:
                    self.error("users", line, "role", "bad_role", row["role"], key=sid)
                    continue
                own.add(kind)
            if not own:
                self.error("users", line, "role", "missing_role", key=sid)
                continue
            person = RosterPerson(
                key=sid, source_id=sid, kind=next(k for k in PRECEDENCE if k in own),
                last_name=clean(row["familyName"]), first_name=clean(row["givenName"]),
                middle_name=clean(row.get("middleName", "")), file="users.csv", line=line)
            if not person.last_name or not person.first_name:
                column = "familyName" if not person.last_name else "givenName"
                self.error("users", line, column, "missing_name", key=sid)
                continue
            phone_column = "sms" if row.get("sms") else "phone"
            try:
                person.phone = parse_phone(row.get(phone_column, ""))
            except ValueError:
                self.error("users", line, phone_column, "bad_phone", row[phone_column], key=sid)
                continue
            try:
                person.email = parse_email(row.get("email", ""))
            except ValueError:
                self.error("users", line, "email", "bad_email", row["email"], key=sid)
                continue
            self.people[sid] = person
            if row.get("agentSourcedIds"):
                self.agents[sid] = (line, _list(row["agentSourcedIds"]))

    def _demographics(self) -> None:
        for line, row in self.t.get("demographics", _Table("demographics", [])).rows:
            person = self.people.get(row["sourcedId"])
            if person is None:
                continue
            try:
                person.birth_date = parse_date(row["birthDate"])
            except ValueError:
                self.error("demographics", line, "birthDate", "bad_date", row["birthDate"],
                           key=person.key)

    def _classes(self) -> dict[str, tuple[str | None, str, bool, int]]:
        """Class id → (our class name or None if still unknown, subject, homeroom?, line)."""
        courses = {row["sourcedId"]: row for _, row in self.t["courses"].rows}
        found: dict[str, tuple[str | None, str, bool, int]] = {}
        for line, row in self.t["classes"].rows:
            if row.get("status", "").lower() == "tobedeleted":
                continue
            homeroom = row.get("classType", "").lower() == "homeroom"
            course = courses.get(row["courseSourcedId"])
            if course is None and not homeroom:
                self.error("classes", line, "courseSourcedId", "unknown_course",
                           row["courseSourcedId"])
                self.bad_classes.add(row["sourcedId"])
                continue
            subjects = _list(row.get("subjects", "")) or _list((course or {}).get("subjects", ""))
            if homeroom:
                name = normalize_class(row["title"]) or normalize_class(row.get("classCode", ""))
                if name is None:
                    self.error("classes", line, "title", "bad_class", row["title"])
                    self.bad_classes.add(row["sourcedId"])
                    continue
                self.roster.add_class(name, row["sourcedId"])
                found[row["sourcedId"]] = (name, "", True, line)
                continue
            name = None
            for text in (row["title"], row.get("classCode", "")):
                m = _CLASS_IN_TEXT.search(text)
                if m:
                    name = normalize_class(m.group(0))
                    break
            subject = subjects[0] if subjects else clean((course or {}).get("title", ""))
            if not subject:
                subject = clean(_CLASS_IN_TEXT.sub("", row["title"])).strip(" -–") or row["title"]
            found[row["sourcedId"]] = (name, subject[:100], False, line)
        return found

    def _enrollments(self, classes: dict[str, tuple[str | None, str, bool, int]]) -> None:
        today = date.today()
        homeroom_teachers: dict[str, list[tuple[bool, str]]] = defaultdict(list)
        scheduled: dict[str, list[tuple[str, str]]] = defaultdict(list)  # class id → (role, user)
        for line, row in self.t["enrollments"].rows:
            if row.get("status", "").lower() == "tobedeleted":
                continue
            uid, cid = row["userSourcedId"], row["classSourcedId"]
            if uid in self.roster.skipped or uid in self.roster.departed:
                continue
            if cid in self.bad_classes:
                self.error("enrollments", line, "classSourcedId", "bad_class_ref", cid, key=uid)
                continue
            if cid not in classes:
                self.error("enrollments", line, "classSourcedId", "unknown_class", cid, key=uid)
                continue
            person = self.people.get(uid)
            if person is None:
                self.error("enrollments", line, "userSourcedId", "unknown_user", uid)
                continue
            if row.get("endDate"):
                try:
                    if date.fromisoformat(row["endDate"][:10]) < today:
                        continue  # the enrollment is over
                except ValueError:
                    self.error("enrollments", line, "endDate", "bad_date", row["endDate"], key=uid)
                    continue
            name, _subject, homeroom, _ = classes[cid]
            role = row["role"].lower()
            if role == "student" and homeroom:
                if person.class_name and person.class_name != name:
                    self.error("enrollments", line, "classSourcedId", "two_classes",
                               str(name), key=uid)
                    continue
                person.class_name = name or ""
            elif role == "teacher" and homeroom:
                homeroom_teachers[str(name)].append((_true(row.get("primary", "")), uid))
            elif role in ("student", "teacher"):
                scheduled[cid].append((role, uid))
        for name, teachers in homeroom_teachers.items():
            primary = [u for p, u in teachers if p] or ([teachers[0][1]] if len(teachers) == 1 else [])
            for uid in primary[:1]:
                self.people[uid].leads.append(name)
        self._scheduled(classes, scheduled)

    def _scheduled(self, classes: dict[str, tuple[str | None, str, bool, int]],
                   scheduled: dict[str, list[tuple[str, str]]]) -> None:
        for cid, members in scheduled.items():
            name, subject, _, line = classes[cid]
            students = [self.people[u] for r, u in members if r == "student" and u in self.people]
            if name is None:  # a section of one class: its students all share a homeroom
                homes = {p.class_name for p in students if p.class_name}
                name = homes.pop() if len(homes) == 1 else None
            if name is None:
                self.error("classes", line, "title", "unknown_class", cid)
                continue
            self.roster.add_class(name)
            for p in students:
                if not p.class_name:
                    p.class_name = name
            for role, uid in members:
                if role == "teacher" and uid in self.people:
                    pair = (name, subject)
                    if pair not in self.people[uid].teaches:
                        self.people[uid].teaches.append(pair)

    def _links(self) -> None:
        """Parents and children from ``agentSourcedIds``, whichever side lists the other."""
        for key, (line, agents) in self.agents.items():
            me = self.people.get(key)
            if me is None:
                continue
            for other_id in agents:
                other = self.people.get(other_id)
                if other is None:
                    if other_id in self.roster.skipped:
                        continue
                    self.error("users", line, "agentSourcedIds", "unknown_parent", other_id,
                               key=key)
                    break
                if me.kind == PersonKind.student and other.kind != PersonKind.student:
                    parent, child = other, me
                elif other.kind == PersonKind.student and me.kind != PersonKind.student:
                    parent, child = me, other
                else:
                    self.error("users", line, "agentSourcedIds", "bad_agent", other_id, key=key)
                    break
                if child.key not in parent.children:
                    parent.children.append(child.key)
        for p in self.people.values():
            p.children = [c for c in p.children if c not in self.roster.skipped]
