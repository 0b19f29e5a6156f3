"""Reads for the year rollover: the organization's classes as a plan needs them, and the plan.

``load_year_state`` reads, in a few set-wise queries, everything a rollover depends on: the
active classes with their students, class and subject teachers, the chats bound to them, who
holds which role, and who is whose parent. ``plan_rollover`` turns that state and the
administrator's decisions into the plan — a pure function, so the preview and the apply compute
the same plan from the same state, and applying refuses when the two differ.

For each active class (the first rule that fits):

* the administrator's decision, if given: ``promote`` (to ``name``, or grade + 1 with the same
  letter), ``graduate`` or ``keep``;
* no grade («АПК-21», a kindergarten group): ``keep`` — nothing changes;
* a name that is not grade + letter («5 кадетский»): ``undecided`` (``name_pattern``) until the
  administrator gives a name or marks it to graduate;
* grade ≥ the final grade: ``graduate``; otherwise ``promote`` to grade + 1 («5А» → «6А»).

A promoted class whose new name would be taken by a class that stays, or by another promoted
class, becomes ``undecided`` (``name_taken``). A plan with undecided classes cannot be applied.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.i18n import t
from parta.models import (
    Chat,
    ChatKind,
    Group,
    GroupKind,
    GroupMember,
    GroupTeacher,
    Membership,
    MembershipRole,
    OrgKind,
    ParentLink,
    ParentLinkStatus,
    RolloverStatus,
    User,
    YearRollover,
)
from parta.queries.scope import OrgScope
from parta.schemas.year import RolloverOut

__all__ = [
    "BOUND_KINDS",
    "DEFAULT_FINAL_GRADE",
    "FINAL_GRADES",
    "ClassState",
    "Decision",
    "YearState",
    "load_year_state",
    "plan_counts",
    "plan_rollover",
    "rollover_out",
]

# The chats a class has for the year: archived with it, made anew for the promoted class (R21).
BOUND_KINDS = (ChatKind.class_, ChatKind.parents, ChatKind.class_teachers, ChatKind.subject)
LEADER_KINDS = (ChatKind.class_, ChatKind.parents, ChatKind.class_teachers)

# The last grade, per kind of organization: a school ends with 11th grade (a basic school with
# 9th); a college's groups with their 4th course. Kindergartens and supplementary education name
# it themselves, if their groups have grades at all.
DEFAULT_FINAL_GRADE: dict[OrgKind, int | None] = {
    OrgKind.school: 11, OrgKind.college: 4,
    OrgKind.kindergarten: None, OrgKind.supplementary: None,
}
FINAL_GRADES: dict[OrgKind, frozenset[int]] = {
    OrgKind.school: frozenset({9, 11}), OrgKind.college: frozenset(range(1, 7)),
    OrgKind.kindergarten: frozenset(range(1, 13)), OrgKind.supplementary: frozenset(range(1, 13)),
}


@dataclass
class ClassState:
    id: int
    name: str
    grade: int | None
    letter: str
    class_teacher_id: int | None
    students: list[int] = field(default_factory=list)
    subjects: list[tuple[int, str]] = field(default_factory=list)  # (teacher, subject)

    @property
    def follows_pattern(self) -> bool:
        return self.grade is not None and self.name == Group.class_name(self.grade, self.letter, None)


@dataclass
class YearState:
    org_id: int
    kind: OrgKind
    classes: list[ClassState]
    names: dict[int, str]  # every active member, and every class teacher
    roles: dict[int, set[str]]  # active members only
    children: dict[int, set[int]]  # parent → confirmed children
    parents: dict[int, set[int]]  # child → confirmed parents
    student_classes: dict[int, set[int]]  # student → active classes
    chats: list[dict[str, Any]]  # the active chats bound to active classes
    last_applied_at: datetime | None


@dataclass(frozen=True)
class Decision:
    """What the administrator decided for one class (``None``: the default)."""

    group_id: int
    action: str | None = None  # promote | graduate | keep
    name: str | None = None  # the new name when promoting (a name alone: promote to it)
    class_teacher_id: int | None = None  # a new class teacher; None: the class teacher stays

    def to_json(self) -> dict[str, Any]:
        return {"group_id": self.group_id, "action": self.action, "name": self.name,
                "class_teacher_id": self.class_teacher_id}


def _class_order(c: ClassState) -> tuple[int, str, int]:
    return (c.grade if c.grade is not None else 99, c.name, c.id)


async def load_year_state(db: AsyncSession, scope: OrgScope) -> YearState:
    """The organization as a rollover sees it; reads only this organization's rows."""
    org = scope.org
    groups = {g.id: ClassState(id=g.id, name=g.name, grade=g.grade, letter=g.letter,
                               class_teacher_id=g.class_teacher_id)
              for g in (await db.execute(select(Group).where(
                  Group.org_id == org.id, Group.kind == GroupKind.class_,
                  Group.archived_at.is_(None)))).scalars()}
    active = select(Group.id).where(Group.org_id == org.id, Group.kind == GroupKind.class_,
                                    Group.archived_at.is_(None))
    student_classes: dict[int, set[int]] = defaultdict(set)
    for gid, uid in (await db.execute(select(GroupMember.group_id, GroupMember.user_id).where(
            GroupMember.group_id.in_(active)))).all():
        groups[gid].students.append(uid)
        student_classes[uid].add(gid)
    for gid, uid, subject in (await db.execute(
            select(GroupTeacher.group_id, GroupTeacher.user_id, GroupTeacher.subject).where(
                GroupTeacher.group_id.in_(active)))).all():
        groups[gid].subjects.append((uid, subject))
    for c in groups.values():
        c.students.sort()
        c.subjects.sort(key=lambda s: (s[1], s[0]))
    names: dict[int, str] = {}
    roles: dict[int, set[str]] = defaultdict(set)
    for uid, name, role in (await db.execute(
            select(Membership.user_id, User.name, MembershipRole.role)
            .join(User, User.id == Membership.user_id)
            .join(MembershipRole, MembershipRole.membership_id == Membership.id)
            .where(Membership.org_id == org.id, Membership.left_at.is_(None)))).all():
        names[uid] = name
        roles[uid].add(role.value)
    leaders = {c.class_teacher_id for c in groups.values() if c.class_teacher_id} - set(names)
    if leaders:
        names.update(dict((await db.execute(select(User.id, User.name).where(
            User.id.in_(sorted(leaders))))).all()))
    children: dict[int, set[int]] = defaultdict(set)
    parents: dict[int, set[int]] = defaultdict(set)
    for pid, cid in (await db.execute(select(ParentLink.parent_id, ParentLink.child_id).where(
            ParentLink.org_id == org.id, ParentLink.status == ParentLinkStatus.confirmed,
            ParentLink.child_id.is_not(None)))).all():
        if cid is not None:
            children[pid].add(cid)
            parents[cid].add(pid)
    chats = [{"chat_id": c.id, "group_id": c.group_id, "class": groups[c.group_id].name,
              "kind": c.kind.value, "title": c.title}
             for c in (await db.execute(select(Chat).where(
                 Chat.org_id == org.id, Chat.group_id.in_(active), Chat.kind.in_(BOUND_KINDS),
                 Chat.archived_at.is_(None)).order_by(Chat.id))).scalars()
             if c.group_id is not None]
    last = (await db.execute(select(YearRollover.applied_at).where(
        YearRollover.org_id == org.id, YearRollover.status == RolloverStatus.applied)
        .order_by(YearRollover.applied_at.desc()).limit(1))).scalar_one_or_none()
    return YearState(org_id=org.id, kind=org.kind, classes=sorted(groups.values(), key=_class_order),
                     names=names, roles=dict(roles), children=dict(children),
                     parents=dict(parents), student_classes=dict(student_classes),
                     chats=chats, last_applied_at=last)


def _person(state: YearState, uid: int | None) -> dict[str, Any] | None:
    return None if uid is None else {"id": uid, "name": state.names.get(uid, "")}


def _default(c: ClassState, final_grade: int | None) -> tuple[str, str]:
    if c.grade is None:
        return "keep", ""
    if not c.follows_pattern:
        return "undecided", "name_pattern"
    if final_grade is not None and c.grade >= final_grade:
        return "graduate", ""
    return "promote", ""


def _classes(state: YearState, final_grade: int | None,
             decisions: dict[int, Decision]) -> list[dict[str, Any]]:
    rows = []
    for c in state.classes:
        d = decisions.get(c.id)
        if d is not None and (d.action or d.name):
            op, reason = d.action or "promote", ""  # a new name alone means «promote to it»
        else:
            op, reason = _default(c, final_grade)
        if op == "promote" and not (d and d.name) and not c.follows_pattern:
            op, reason = "undecided", "name_pattern"
        leader = c.class_teacher_id
        if leader is not None and "teacher" not in state.roles.get(leader, set()):
            leader = None  # no longer a teacher here: nobody to carry over
        new_leader = d.class_teacher_id if d is not None and d.class_teacher_id else leader
        row: dict[str, Any] = {
            "group_id": c.id, "name": c.name, "grade": c.grade, "letter": c.letter, "op": op,
            "reason": reason, "new_name": None, "new_grade": None,
            "class_teacher": _person(state, c.class_teacher_id),
            "new_class_teacher": _person(state, new_leader) if op in ("promote", "keep") else None,
            "students": len(c.students),
        }
        if op == "promote":
            row["new_grade"] = c.grade + 1 if c.grade is not None else None
            row["new_name"] = (d.name if d is not None and d.name
                               else Group.class_name(c.grade + 1 if c.grade is not None else None,
                                               c.letter, None))
        rows.append(row)
    # A promoted class may not take a name that stays in use; undecided keeps its old name,
    # which may in turn block another promotion — so repeat until nothing changes.
    changed = True
    while changed:
        changed = False
        staying = defaultdict(list)
        for r in rows:
            if r["op"] in ("keep", "undecided"):
                staying[r["name"]].append(r["group_id"])
            elif r["op"] == "promote":
                staying[r["new_name"]].append(r["group_id"])
        for r in rows:
            if r["op"] == "promote" and len(staying[r["new_name"]]) > 1:
                r["op"], r["reason"], changed = "undecided", "name_taken", True
    return rows


def _subject_title(c_name: str, subject: str, teacher: str, shared: bool) -> str:
    if shared:
        return t("ru", "roster.chat.subject_of", group=c_name, subject=subject, teacher=teacher)
    return t("ru", "roster.chat.subject", group=c_name, subject=subject)


def plan_rollover(state: YearState, final_grade: int | None,
                  decisions: dict[int, Decision]) -> dict[str, Any]:
    """What applying the rollover would do, as plain JSON data. Preconditions: the decisions
    were validated against ``state`` (classes of the organization, teachers of it)."""
    rows = _classes(state, final_grade, decisions)
    by_id = {c.id: c for c in state.classes}
    members = set(state.roles)
    graduating = {r["group_id"] for r in rows if r["op"] == "graduate"}
    changing = graduating | {r["group_id"] for r in rows if r["op"] == "promote"}
    graduates: list[dict[str, Any]] = []
    leaving: set[int] = set()
    for r in rows:
        if r["op"] != "graduate":
            continue
        for uid in by_id[r["group_id"]].students:
            if state.student_classes.get(uid, set()) - graduating:
                ends = "class"  # still a student of another class that goes on
            elif state.roles.get(uid, set()) - {"student"}:
                ends = "student_role"
            else:
                ends = "membership"
            if ends != "class":
                leaving.add(uid)
            graduates.append({"user_id": uid, "name": state.names.get(uid, ""),
                              "group_id": r["group_id"], "class": r["name"], "ends": ends})
    staying_students = {u for u, rs in state.roles.items() if "student" in rs} - leaving
    parents: list[dict[str, Any]] = []
    for pid in sorted({p for c in leaving for p in state.parents.get(c, set())} & members):
        if pid in leaving or state.children.get(pid, set()) & staying_students:
            continue  # a graduate themselves, or another child still at school
        ends = "parent_role" if state.roles[pid] - {"parent"} else "membership"
        kids = sorted(state.names.get(c, "") for c in state.children.get(pid, set()) & leaving)
        parents.append({"user_id": pid, "name": state.names.get(pid, ""), "children": kids,
                        "ends": ends})
    archive = [c for c in state.chats if c["group_id"] in changing]
    new_chats: list[dict[str, Any]] = []
    warnings: list[dict[str, Any]] = []
    for r in rows:
        if r["op"] != "promote":
            continue
        c, name = by_id[r["group_id"]], r["new_name"]
        leader = r["new_class_teacher"]["id"] if r["new_class_teacher"] else None
        students = set(c.students) & members
        teachers = {u for u, _ in c.subjects if u in members}
        kid_parents = {p for s in students for p in state.parents.get(s, set())} & members
        if leader is None:
            warnings.append({"code": "no_class_teacher", "group_id": c.id, "class": name})
        else:
            for kind in LEADER_KINDS:
                wanted = {ChatKind.class_: students, ChatKind.parents: kid_parents,
                          ChatKind.class_teachers: teachers}[kind] | {leader}
                new_chats.append({"group_id": c.id, "class": name, "kind": kind.value,
                                  "subject": "", "teacher": _person(state, leader),
                                  "title": t("ru", f"roster.chat.{kind.value}", group=name),
                                  "invited": len(wanted - {leader})})
        per_subject: dict[str, list[int]] = defaultdict(list)
        for uid, subject in c.subjects:
            if uid in members:
                per_subject[subject].append(uid)
        for subject, owners in sorted(per_subject.items()):
            for uid in owners:
                wanted = students | set(owners)
                new_chats.append({
                    "group_id": c.id, "class": name, "kind": ChatKind.subject.value,
                    "subject": subject, "teacher": _person(state, uid),
                    "title": _subject_title(name, subject, state.names.get(uid, ""),
                                            len(owners) > 1),
                    "invited": len(wanted - {uid})})
    return {
        "final_grade": final_grade, "classes": rows, "graduates": graduates, "parents": parents,
        "archive_chats": archive, "new_chats": new_chats, "warnings": warnings,
    }


def plan_counts(plan: dict[str, Any]) -> dict[str, int]:
    ops: dict[str, int] = defaultdict(int)
    for r in plan["classes"]:
        ops[r["op"]] += 1
    teachers = sum(1 for r in plan["classes"] if r["new_class_teacher"] is not None
                   and (r["class_teacher"] or {}).get("id") != r["new_class_teacher"]["id"])
    ended = sum(1 for g in plan["graduates"] if g["ends"] == "membership") + sum(
        1 for p in plan["parents"] if p["ends"] == "membership")
    return {"promote": ops["promote"], "graduate": ops["graduate"], "keep": ops["keep"],
            "undecided": ops["undecided"], "graduates": len(plan["graduates"]),
            "memberships_ended": ended, "class_teachers_changed": teachers,
            "chats_archived": len(plan["archive_chats"]), "chats_created": len(plan["new_chats"])}


def rollover_out(row: YearRollover) -> RolloverOut:
    """A stored rollover as the API returns it: the plan exactly as it will be applied."""
    plan = row.plan
    return RolloverOut.model_validate({
        "id": row.id, "status": row.status.value, "final_grade": row.final_grade,
        "ready": not row.counts.get("undecided"), "counts": row.counts,
        "classes": plan["classes"], "graduates": plan["graduates"], "parents": plan["parents"],
        "archive_chats": plan["archive_chats"], "new_chats": plan["new_chats"],
        "warnings": plan["warnings"], "created_at": row.created_at, "applied_at": row.applied_at})
