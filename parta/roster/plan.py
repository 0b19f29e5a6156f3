"""Comparing a roster with the organization as it is: who would be created, changed, moved to
another class, or marked departed — and which classes, assignments, links and chats follow.

Pure: :func:`make_plan` reads an :class:`OrgState` (``parta.queries.roster.load_state``) and
writes nothing. The plan is plain JSON (:meth:`Plan.to_json`), stored with the import, so the
preview the administrator saw is exactly what gets applied.

People are matched by the record's id, then by name and birth date, then by phone, and — for
members who joined by a link before any import — by name alone when that is unambiguous.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from parta.i18n import t
from parta.models.enums import Role
from parta.roster.model import KIND_ROLES, PersonKind, Roster, RosterPerson, RowError, name_key

__all__ = ["Known", "Member", "OrgState", "Plan", "make_plan"]

PLAN_VERSION = 1


@dataclass
class Member:
    """A person of the organization as the platform knows them."""

    user_id: int
    name: str
    phone: str | None
    email: str
    roles: set[str]
    active: bool
    classes: set[int] = field(default_factory=set)  # class groups the person is a student in


@dataclass
class Known:
    """A member's row from an earlier import (``roster_person``)."""

    user_id: int
    source_id: str | None
    kind: str
    name_key: str
    birth_date: date | None
    departed: bool


@dataclass
class OrgState:
    org_id: int
    groups: dict[str, int]  # active class name → id
    class_teacher: dict[int, int | None]  # group id → user id
    subject_teachers: set[tuple[int, int, str]]  # (group, user, subject)
    parent_links: set[tuple[int, int]]  # confirmed (parent, child)
    members: dict[int, Member]  # everyone with a membership, including those who left
    known: dict[int, Known]  # user id → roster row
    # The file's phones already held by an account (any school). Only those of this school's
    # members are ever matched; the others are never named in a plan (``phone_owner_here``).
    phone_users: dict[str, int]
    chats: set[tuple[int, str, str, int | None]]  # (group, kind, subject, owner) of class chats

    def fingerprint(self) -> str:
        """A digest of what the plan depends on: if it changed, the plan is out of date."""
        parts = [
            sorted(self.groups.items()),
            sorted((g, u or 0) for g, u in self.class_teacher.items()),
            sorted(self.subject_teachers),
            sorted(self.parent_links),
            sorted((m.user_id, m.name, m.phone or "", m.email, sorted(m.roles), m.active,
                    sorted(m.classes)) for m in self.members.values()),
            sorted((k.user_id, k.source_id or "", k.kind, k.name_key, str(k.birth_date),
                    k.departed) for k in self.known.values()),
        ]
        return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


@dataclass
class Plan:
    kind: str
    complete: bool
    school_year: str = ""
    classes: list[dict[str, Any]] = field(default_factory=list)
    people: list[dict[str, Any]] = field(default_factory=list)
    departures: list[dict[str, Any]] = field(default_factory=list)
    class_teachers: list[dict[str, Any]] = field(default_factory=list)
    subject_teachers: list[dict[str, Any]] = field(default_factory=list)
    parent_links: list[dict[str, Any]] = field(default_factory=list)
    chats: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        ops: dict[str, int] = defaultdict(int)
        for p in self.people:
            ops[p["op"]] += 1
        return {
            "create": ops["create"], "change": ops["change"], "move": ops["move"],
            "same": ops["same"], "depart": len(self.departures),
            "invite": sum(1 for p in self.people if p.get("invite")),
            "classes": sum(1 for c in self.classes if c["op"] == "create"),
            "class_teachers": len(self.class_teachers),
            "subject_teachers": len(self.subject_teachers),
            "parent_links": len(self.parent_links), "chats": len(self.chats),
            "errors": len(self.errors), "people": len(self.people),
        }

    def is_noop(self) -> bool:
        c = self.counts()
        return not any(c[k] for k in ("create", "change", "move", "depart", "classes",
                                      "class_teachers", "subject_teachers", "parent_links",
                                      "chats"))

    def to_json(self) -> dict[str, Any]:
        return {"version": PLAN_VERSION, **asdict(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Plan:
        return cls(**{k: v for k, v in data.items() if k != "version"})


def roles_for(p: RosterPerson) -> set[str]:
    roles = {r.value for r in KIND_ROLES[p.kind]}
    if p.leads or p.teaches:
        roles.add(Role.teacher.value)  # a deputy who leads a class teaches in it
    if p.children:
        roles.add(Role.parent.value)  # a teacher whose child studies here
    return roles


class _Planner:
    def __init__(self, roster: Roster, state: OrgState) -> None:
        self.r, self.s = roster, state
        self.plan = Plan(kind=roster.source, complete=roster.complete,
                         school_year=roster.school_year)
        self.errors: list[RowError] = list(roster.errors)
        self.matched: dict[str, int] = {}  # file key → user id
        self.claimed: dict[int, RosterPerson] = {}
        self.protected: set[int] = set()  # users whose row had an error: never departed
        self.dropped: set[str] = set()  # keys of people the plan itself found in error
        self.people = list(roster.people)
        self.group_names = {gid: name for name, gid in state.groups.items()}

    def error(self, p: RosterPerson, column: str, code: str, value: str = "") -> None:
        self.errors.append(RowError.of(p.file, p.line, column, code, value))
        self.people.remove(p)
        self.dropped.add(p.key)

    def column(self, name: str) -> str:
        xlsx = self.r.source == "xlsx"
        return {"class": "Класс" if xlsx else "classSourcedId",
                "phone": "Телефон" if xlsx else "phone",
                "name": "ФИО" if xlsx else "sourcedId"}[name]

    # Matching --------------------------------------------------------------------------------

    def _index(self) -> None:
        s = self.s
        self.by_source = {k.source_id: k.user_id for k in s.known.values() if k.source_id}
        self.by_birth: dict[tuple[str, date], list[int]] = defaultdict(list)
        for k in s.known.values():
            if k.birth_date is not None:
                self.by_birth[(k.name_key, k.birth_date)].append(k.user_id)
        self.by_name: dict[tuple[str, str], list[int]] = defaultdict(list)
        for m in s.members.values():
            if m.active and m.user_id not in s.known:
                for role in m.roles:
                    self.by_name[(name_key(m.name), role)].append(m.user_id)
        self.name_count: dict[tuple[str, PersonKind], int] = defaultdict(int)
        for p in self.people:
            self.name_count[(p.name_key, p.kind)] += 1

    def match(self, p: RosterPerson) -> tuple[int | None, str]:
        if p.source_id and p.source_id in self.by_source:
            return self.by_source[p.source_id], "source_id"
        if p.birth_date is not None:
            found = self.by_birth.get((p.name_key, p.birth_date), [])
            if len(found) == 1:
                return found[0], "name_birth"
        owner = self.phone_owner_here(p.phone)
        if owner is not None:
            return owner, "phone"
        # Joined by a link before any import: the same name, the same kind, nobody else.
        role = next(iter(KIND_ROLES[p.kind])).value
        found = self.by_name.get((p.name_key, role), [])
        if len(found) == 1 and self.name_count[(p.name_key, p.kind)] == 1:
            phone = self.s.members[found[0]].phone
            if not (p.phone and phone and phone != p.phone):  # a name alone never outweighs a phone
                return found[0], "name"
        return None, ""

    def phone_owner_here(self, phone: str) -> int | None:
        """The member of this organization who signs in with ``phone``. An account that is
        not this school's member is never matched nor named: its row is an invitation, the
        same row as for a phone nobody has (``offers.offer_place`` at apply)."""
        owner = self.s.phone_users.get(phone) if phone else None
        member = self.s.members.get(owner) if owner is not None else None
        return owner if member is not None and member.active else None

    def run(self) -> Plan:
        self._index()
        self._check_classes()
        for p in list(self.people):
            user_id, how = self.match(p)
            if user_id is not None and user_id in self.claimed:
                other = self.claimed[user_id]
                self.error(p, self.column("name"), "same_person", str(other.line))
                self.protected.add(user_id)
                continue
            owner = self.phone_owner_here(p.phone)
            if owner is not None and user_id is not None and owner != user_id:
                self.error(p, self.column("phone"), "phone_taken", p.phone)
                self.protected.add(user_id)
                continue
            if user_id is None and owner is not None:
                user_id, how = owner, "phone"
            if user_id is not None:
                self.claimed[user_id] = p
                self.matched[p.key] = user_id
            entry = self.person(p, user_id, how)
            if user_id is None and p.phone:
                entry["invite"] = True  # the phone's owner, if it has one, decides
            self.plan.people.append(entry)
        self._departures()
        self._structure()
        self.plan.errors = [e.as_dict() for e in self.errors]
        return self.plan

    def _check_classes(self) -> None:
        """A class named only by a teacher must exist in the file or in the organization."""
        for p in list(self.people):
            for c in list(p.leads) + [c for c, _ in p.teaches]:
                if c not in self.r.classes and c not in self.s.groups:
                    uid, _ = self.match(p)
                    if uid is not None:
                        self.protected.add(uid)
                    self.error(p, self.column("class"), "unknown_class", c)
                    break

    # People ----------------------------------------------------------------------------------

    def person(self, p: RosterPerson, user_id: int | None, how: str) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "key": p.key, "source_id": p.source_id, "kind": p.kind.value, "name": p.name,
            "last_name": p.last_name, "first_name": p.first_name, "middle_name": p.middle_name,
            "name_key": p.name_key, "birth_date": p.birth_date.isoformat() if p.birth_date else None,
            "phone": p.phone, "email": p.email, "class": p.class_name, "class_from": None,
            "roles": sorted(roles_for(p)), "user_id": user_id, "matched_by": how or None,
            "changes": {}, "file": p.file, "line": p.line, "role_text": p.role_text,
        }
        member = self.s.members.get(user_id) if user_id is not None else None
        known = self.s.known.get(user_id) if user_id is not None else None
        if member is None or not member.active or (known is not None and known.departed):
            entry["op"] = "create"
            entry["returning"] = member is not None
            return entry
        changes: dict[str, Any] = {}
        if member.name != p.name:
            changes["name"] = [member.name, p.name]
        if p.phone and not member.phone:
            changes["phone"] = [None, p.phone]
        elif p.phone and member.phone != p.phone:
            # A phone is how one signs in: the records do not take it from its owner.
            self.plan.warnings.append({"code": "phone_differs", "key": p.key, "name": p.name,
                                       "file": p.file, "line": p.line})
        if p.email and member.email != p.email:
            changes["email"] = [member.email, p.email]
        added = sorted(roles_for(p) - member.roles)
        if added:
            changes["roles"] = added
        if known is None or (p.source_id and known.source_id != p.source_id) \
                or known.kind != p.kind.value or known.name_key != p.name_key \
                or (p.birth_date is not None and known.birth_date != p.birth_date):
            changes["record"] = True  # the record's id, name or birth date, kept for matching
        op = "change" if changes else "same"
        if p.kind == PersonKind.student and p.class_name:
            names = {self._group_name(g) for g in member.classes}
            if names != {p.class_name}:
                if names:
                    op = "move"
                    entry["class_from"] = min((n for n in names if n), default=None)
                else:
                    changes["class"] = [None, p.class_name]
                    op = "change"
        entry["op"] = op
        entry["changes"] = changes
        return entry

    def _group_name(self, group_id: int) -> str:
        return self.group_names.get(group_id, "")

    def _departures(self) -> None:
        s = self.s
        gone: list[int] = []
        if self.r.complete:
            present = set(self.matched.values()) | self.protected
            skipped_sources = self.r.skipped | self.dropped
            gone = [k.user_id for k in s.known.values()
                    if not k.departed and k.user_id not in present
                    and (k.source_id or "") not in skipped_sources
                    and k.user_id in s.members and s.members[k.user_id].active]
        else:
            by_source = {k.source_id: k for k in s.known.values() if k.source_id}
            gone = [by_source[sid].user_id for sid in sorted(self.r.departed)
                    if sid in by_source and not by_source[sid].departed
                    and s.members.get(by_source[sid].user_id, None) is not None
                    and s.members[by_source[sid].user_id].active]
        for uid in sorted(gone):
            m = s.members[uid]
            self.plan.departures.append({
                "user_id": uid, "name": m.name, "kind": s.known[uid].kind,
                "class": ", ".join(sorted(filter(None, (self._group_name(g) for g in m.classes)))),
            })

    # Classes, assignments, links, chats -------------------------------------------------------

    def _structure(self) -> None:
        s, plan = self.s, self.plan
        people = {p.key: p for p in self.people}
        wanted = set(self.r.classes) | {c for p in self.people for c in p.leads} | {
            c for p in self.people for c, _ in p.teaches}
        for name in sorted(wanted, key=_class_order):
            rc = self.r.classes.get(name)
            plan.classes.append({
                "name": name, "op": "same" if name in s.groups else "create",
                "group_id": s.groups.get(name),
                "grade": rc.grade if rc else None, "letter": rc.letter if rc else ""})
        leaders: dict[str, RosterPerson] = {}
        for p in self.people:
            for c in p.leads:
                leaders.setdefault(c, p)
        for c, p in sorted(leaders.items()):
            gid, uid = s.groups.get(c), self.matched.get(p.key)
            if gid is not None and uid is not None and s.class_teacher.get(gid) == uid:
                continue
            plan.class_teachers.append({"class": c, "teacher": p.key, "name": p.name})
        for p in self.people:
            uid = self.matched.get(p.key)
            for c, subject in p.teaches:
                gid = s.groups.get(c)
                if gid is not None and uid is not None and (gid, uid, subject) in s.subject_teachers:
                    continue
                plan.subject_teachers.append({"class": c, "subject": subject, "teacher": p.key,
                                              "name": p.name})
        for p in self.people:
            for child in p.children:
                if child not in people:
                    continue
                pu, cu = self.matched.get(p.key), self.matched.get(child)
                if pu is not None and cu is not None and (pu, cu) in s.parent_links:
                    continue
                plan.parent_links.append({"parent": p.key, "child": child,
                                          "parent_name": p.name, "child_name": people[child].name})
        self._chats(wanted, leaders)

    def _chats(self, wanted: set[str], leaders: dict[str, RosterPerson]) -> None:
        s, plan = self.s, self.plan
        for c in sorted(wanted, key=_class_order):
            gid = s.groups.get(c)
            leader = leaders.get(c)
            leader_id = self.matched.get(leader.key) if leader else (
                s.class_teacher.get(gid) if gid is not None else None)
            if leader is None and leader_id is None:
                plan.warnings.append({"code": "no_class_teacher", "class": c})
            else:
                for kind in ("class", "parents", "class_teachers"):
                    if gid is not None and any(g == gid and k == kind for g, k, _, _ in s.chats):
                        continue
                    plan.chats.append({"class": c, "kind": kind, "subject": "",
                                       "teacher": leader.key if leader else None,
                                       "teacher_id": None if leader else leader_id,
                                       "title": t("ru", f"roster.chat.{kind}", group=c)})
        teachers_of: dict[tuple[str, str], list[RosterPerson]] = defaultdict(list)
        for p in self.people:
            for c, subject in p.teaches:
                teachers_of[(c, subject)].append(p)
        for (c, subject), teachers in sorted(teachers_of.items()):
            gid = s.groups.get(c)
            for p in teachers:
                uid = self.matched.get(p.key)
                if gid is not None and uid is not None and (gid, "subject", subject, uid) in s.chats:
                    continue
                title = (t("ru", "roster.chat.subject", group=c, subject=subject)
                         if len(teachers) == 1 else
                         t("ru", "roster.chat.subject_of", group=c, subject=subject,
                           teacher=f"{p.last_name} {p.first_name[:1]}.{p.middle_name[:1]}."
                           .rstrip(".") + "."))
                plan.chats.append({"class": c, "kind": "subject", "subject": subject,
                                   "teacher": p.key, "teacher_id": None, "title": title})


def _class_order(name: str) -> tuple[int, str]:
    digits = "".join(c for c in name if c.isdigit())
    return (int(digits) if digits and name[:1].isdigit() else 99, name)


def make_plan(roster: Roster, state: OrgState) -> Plan:
    """What applying ``roster`` to the organization in ``state`` would do."""
    return _Planner(roster, state).run()
