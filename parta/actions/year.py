"""The school year rollover: classes move up, the final grade graduates, last year's chats are
kept as a read-only archive, and the promoted classes get new chats by invitation.

    preview_rollover   validate the administrator's decisions, plan, store the plan (status
                       «preview»); writes nothing else. A newer preview replaces older ones.
    apply_rollover     recompute the plan from the organization as it is now; refuse if it is
                       not the stored one (``rollover_changed``); then do exactly that, in one
                       transaction.

Applying, in order:

1. Graduation. Each student of a graduating class leaves it and its chats, and their parents
   leave its parents' chat (``movement.leave_class``). A graduate who holds no other role and
   is in no other class leaves the organization (``movement.depart``: every chat, every
   invitation, the roster record marked departed); one who is also, say, a teacher keeps the
   membership and loses the student role. A parent whose last child at school graduated leaves
   the same way, or loses the parent role if they hold another. The class is archived
   (``groups.archive_group``: its invite links are annulled).
2. Last year's chats — class, parents', class teachers', subject — of every promoted and
   graduated class are archived: still readable by their members, closed to posting, reacting,
   editing and inviting (``chats.require_chat``); pending invitations into them are withdrawn.
3. Promotion. Each promoted class takes its new name and grade (the same group: its students,
   subject teachers and parents' links stay). The class teacher stays, or the one named in the
   preview takes over (``groups.set_class_teacher``).
4. New chats for each promoted class, by the roster's own chat-making step: class, parents' and
   class teachers' chats owned by the class teacher (none without one: a warning in the
   preview), a subject chat per subject teacher; the people they are for are invited (R23).

Every removal is recorded with its reason (R32), everything is audited, and the people affected
hear of it after commit.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update

from parta.actions.base import Ctx
from parta.actions.chats import invite_to_group_chats
from parta.actions.groups import archive_group, set_class_teacher
from parta.actions.movement import depart, leave_class
from parta.actions.roles import org_admin_ids
from parta.actions.roster_apply import _chat as roster_chat
from parta.db import utcnow
from parta.errors import Conflict, NotFound, ValidationFailed
from parta.models import (
    Chat,
    ChatInvitation,
    ChatMember,
    Group,
    GroupMember,
    ImportStatus,
    Membership,
    MembershipRole,
    Organization,
    ParentLink,
    ParentLinkStatus,
    Role,
    RolloverStatus,
    RosterImport,
    YearRollover,
)
from parta.policy import Action
from parta.queries.scope import org_for
from parta.queries.year import (
    BOUND_KINDS,
    DEFAULT_FINAL_GRADE,
    FINAL_GRADES,
    Decision,
    YearState,
    load_year_state,
    plan_counts,
    plan_rollover,
)
from parta.realtime.events import ChatChanged, GroupChanged, RolesChanged

__all__ = ["REPEAT_GUARD", "apply_rollover", "preview_rollover", "rollover_in"]

# A second rollover this soon after the last one is almost surely a mistake (it would promote
# every class twice): the preview asks for ``repeat`` to be said out loud.
REPEAT_GUARD = timedelta(days=180)


def _caller_id(ctx: Ctx) -> int | None:
    return ctx.user.id if ctx.user is not None and ctx.user.id else None


async def rollover_in(ctx: Ctx, org_id: int, rollover_id: int) -> YearRollover:
    """A rollover of this organization; another school's does not exist here."""
    row = await ctx.db.get(YearRollover, rollover_id)
    if row is None or row.org_id != org_id:
        raise NotFound()
    return row


def _final_grade(state: YearState, given: int | None) -> int | None:
    allowed = FINAL_GRADES[state.kind]
    if given is not None:
        if given not in allowed:
            raise ValidationFailed(fields={"final_grade": "out_of_range"},
                                   params={"allowed": sorted(allowed)})
        return given
    default = DEFAULT_FINAL_GRADE[state.kind]
    if default is None and any(c.grade is not None for c in state.classes):
        raise ValidationFailed(fields={"final_grade": "required"})
    return default


def _decisions(state: YearState, given: list[Decision]) -> dict[int, Decision]:
    """Check each decision against the organization: a class of it, named once; a name only
    for a promotion; a new class teacher who is a teacher here, only for a class that goes on."""
    classes = {c.id for c in state.classes}
    teachers = {u for u, roles in state.roles.items() if Role.teacher.value in roles}
    fields: dict[str, str] = {}
    found: dict[int, Decision] = {}
    for i, d in enumerate(given):
        key = f"classes.{i}"
        if d.group_id not in classes:
            fields[f"{key}.group_id"] = "invalid"  # another school's class: just «invalid»
            continue
        if d.group_id in found:
            fields[f"{key}.group_id"] = "duplicate"
            continue
        if d.name is not None and d.action in ("graduate", "keep"):
            fields[f"{key}.name"] = "invalid"
        if d.class_teacher_id is not None:
            if d.action == "graduate":
                fields[f"{key}.class_teacher_id"] = "invalid"
            elif d.class_teacher_id not in teachers:
                fields[f"{key}.class_teacher_id"] = "not_a_teacher"
        found[d.group_id] = d
    if fields:
        code = "not_a_teacher" if set(fields.values()) == {"not_a_teacher"} else None
        raise ValidationFailed(code, fields=fields)
    return found


async def preview_rollover(ctx: Ctx, org_id: int, *, final_grade: int | None = None,
                           decisions: list[Decision] | None = None,
                           repeat: bool = False) -> YearRollover:
    """Plan the move to the next school year and store the plan; changes nothing else.

    Refuses: a final grade the organization's kind does not have, or none where one is needed
    (422); decisions naming classes that are not the organization's, or a new class teacher who
    is not its teacher (422); a rollover applied less than half a year ago unless ``repeat``
    (409 ``rollover_recent``)."""
    actor = ctx.require_actor()
    allowed = await org_for(ctx.db, actor, org_id, Action.year_rollover)
    org = allowed.org
    state = await load_year_state(ctx.db, allowed)
    grade = _final_grade(state, final_grade)
    chosen = _decisions(state, decisions or [])
    if (state.last_applied_at is not None and not repeat
            and utcnow() - state.last_applied_at < REPEAT_GUARD):
        raise Conflict("rollover_recent", fields={"repeat": "required"},
                       params={"date": state.last_applied_at.date().isoformat()})
    plan = plan_rollover(state, grade, chosen)
    await ctx.db.execute(update(YearRollover).where(
        YearRollover.org_id == org.id, YearRollover.status == RolloverStatus.preview)
        .values(status=RolloverStatus.discarded))  # only the newest preview can be applied
    counts = plan_counts(plan)
    row = YearRollover(org_id=org.id, status=RolloverStatus.preview, final_grade=grade,
                       decisions=[d.to_json() for d in chosen.values()], plan=plan,
                       counts=counts, created_by=_caller_id(ctx))
    ctx.db.add(row)
    await ctx.db.flush()
    ctx.audit("year.rollover_previewed", org.id, "year_rollover", row.id, final_grade=grade,
              counts=counts)
    return row


async def apply_rollover(ctx: Ctx, org_id: int, rollover_id: int) -> YearRollover:
    """Do what the preview showed, all of it or nothing.

    Refuses: a rollover already applied or replaced by a newer preview (409
    ``rollover_not_preview``); a roster import being applied (409 ``roster_busy``); a plan
    with undecided classes (422 ``rollover_undecided``); an organization that changed since
    the preview so the plan would differ (409 ``rollover_changed``: preview again)."""
    actor = ctx.require_actor()
    allowed = await org_for(ctx.db, actor, org_id, Action.year_rollover)
    org = allowed.org
    row = await rollover_in(ctx, org.id, rollover_id)
    # Claim it first: a second apply waits for this one and then finds it no longer a preview.
    claimed = await ctx.db.execute(update(YearRollover).where(
        YearRollover.id == row.id, YearRollover.status == RolloverStatus.preview)
        .values(status=RolloverStatus.applied, applied_by=_caller_id(ctx), applied_at=utcnow())
        .execution_options(synchronize_session=False))
    if getattr(claimed, "rowcount", 0) != 1:
        raise Conflict("rollover_not_preview")
    await ctx.db.refresh(row)
    importing = (await ctx.db.execute(select(RosterImport.id).where(
        RosterImport.org_id == org.id, RosterImport.status == ImportStatus.applying))).first()
    if importing is not None:  # the two would interleave: let the import finish (or resume it)
        raise Conflict("roster_busy")
    plan = row.plan
    if plan_counts(plan)["undecided"]:
        raise ValidationFailed("rollover_undecided", fields={"classes": "undecided"})
    state = await load_year_state(ctx.db, allowed)
    decisions = {int(d["group_id"]): Decision(**d) for d in row.decisions}
    if plan_rollover(state, row.final_grade, decisions) != plan:
        raise Conflict("rollover_changed")
    await _graduate(ctx, org, plan)
    archived = await _archive_chats(ctx, org, plan)
    await _promote(ctx, org, plan)
    created = await _new_chats(ctx, org, plan)
    ctx.audit("year.rollover_applied", org.id, "year_rollover", row.id,
              final_grade=row.final_grade, counts=row.counts, archived_chats=archived,
              created_chats=created)
    return row


# The steps -----------------------------------------------------------------------------------

async def _drop_role(ctx: Ctx, org: Organization, user_id: int, role: Role) -> None:
    """One role ends, the membership stays (a graduate who also works here, say)."""
    m = (await ctx.db.execute(select(Membership).where(
        Membership.org_id == org.id, Membership.user_id == user_id,
        Membership.left_at.is_(None)))).scalar_one_or_none()
    if m is None:
        return
    await ctx.db.execute(delete(MembershipRole).where(MembershipRole.membership_id == m.id,
                                                      MembershipRole.role == role))
    left = sorted(r.value for r in (await ctx.db.execute(select(MembershipRole.role).where(
        MembershipRole.membership_id == m.id))).scalars())
    ctx.audit("role.ended", org.id, "user", user_id, role=role.value, reason="graduation")
    ctx.emit(RolesChanged(org_id=org.id, user_id=user_id, roles=left),
             await org_admin_ids(ctx, org.id) | {user_id})


async def _graduate(ctx: Ctx, org: Organization, plan: dict[str, Any]) -> None:
    for g in plan["graduates"]:
        await leave_class(ctx, org.id, g["group_id"], g["user_id"], "graduation")
        if g["ends"] == "membership":
            await depart(ctx, org, g["user_id"], "graduation")
        elif g["ends"] == "student_role":
            await _drop_role(ctx, org, g["user_id"], Role.student)
    for p in plan["parents"]:
        if p["ends"] == "membership":
            await depart(ctx, org, p["user_id"], "graduation_of_child")
        else:
            await _drop_role(ctx, org, p["user_id"], Role.parent)
    for r in plan["classes"]:
        if r["op"] == "graduate":
            await archive_group(ctx, org.id, r["group_id"])


async def _archive_chats(ctx: Ctx, org: Organization, plan: dict[str, Any]) -> list[int]:
    ids = [c["chat_id"] for c in plan["archive_chats"]]
    if not ids:
        return []
    await ctx.db.execute(update(Chat).where(Chat.id.in_(ids), Chat.org_id == org.id)
                         .values(archived_at=utcnow())
                         .execution_options(synchronize_session=False))
    # An invitation into a chat nobody may post in any more is withdrawn.
    await ctx.db.execute(delete(ChatInvitation).where(ChatInvitation.chat_id.in_(ids)))
    audience: dict[int, set[int]] = {i: set() for i in ids}
    for chat_id, user_id in (await ctx.db.execute(select(ChatMember.chat_id, ChatMember.user_id)
                                                  .where(ChatMember.chat_id.in_(ids),
                                                         ChatMember.left_at.is_(None)))).all():
        audience[chat_id].add(user_id)
    for c in plan["archive_chats"]:
        ctx.audit("chat.archived", org.id, "chat", c["chat_id"], title=c["title"],
                  by="year_rollover")
        ctx.emit(ChatChanged(org_id=org.id, chat_id=c["chat_id"]), audience[c["chat_id"]])
    return ids


async def _promote(ctx: Ctx, org: Organization, plan: dict[str, Any]) -> None:
    moving = [r for r in plan["classes"] if r["op"] == "promote"]
    groups = {g.id: g for g in (await ctx.db.execute(select(Group).where(
        Group.id.in_([r["group_id"] for r in moving] or [0])))).scalars()}
    # Names are unique among active classes: step aside first, so «5А» → «6А» → «7А» never
    # meets itself half way, whatever the order.
    for r in moving:
        groups[r["group_id"]].name = f"~{r['group_id']}"
    await ctx.db.flush()
    for r in moving:
        g = groups[r["group_id"]]
        g.name, g.grade = r["new_name"], r["new_grade"]
        ctx.audit("group.promoted", org.id, "group", g.id, before=r["name"], after=g.name,
                  by="year_rollover")
    await ctx.db.flush()
    admins = await org_admin_ids(ctx, org.id)
    for r in plan["classes"]:
        if r["op"] not in ("promote", "keep") or r["new_class_teacher"] is None:
            continue
        before = (r["class_teacher"] or {}).get("id")
        after = r["new_class_teacher"]["id"]
        if before != after:
            await set_class_teacher(ctx, org.id, r["group_id"], after)
    for r in moving:
        g = groups[r["group_id"]]
        people = await _group_people(ctx, org.id, g.id)
        people |= {x["id"] for x in (r["class_teacher"], r["new_class_teacher"]) if x}
        ctx.emit(GroupChanged(org_id=org.id, group_id=g.id), admins | people)


async def _group_people(ctx: Ctx, org_id: int, group_id: int) -> set[int]:
    """A class's students and their confirmed parents: they see the class's new name."""
    students = set((await ctx.db.execute(select(GroupMember.user_id).where(
        GroupMember.group_id == group_id))).scalars())
    if not students:
        return set()
    parents = set((await ctx.db.execute(select(ParentLink.parent_id).where(
        ParentLink.org_id == org_id, ParentLink.child_id.in_(students),
        ParentLink.status == ParentLinkStatus.confirmed))).scalars())
    return students | parents


async def _new_chats(ctx: Ctx, org: Organization, plan: dict[str, Any]) -> list[int]:
    """The promoted classes' chats, made the way a roster import makes them; then invitations."""
    groups = sorted({e["group_id"] for e in plan["new_chats"]})
    for entry in plan["new_chats"]:
        await roster_chat(ctx, org, entry["group_id"], entry, entry["teacher"]["id"])
    for gid in groups:
        await invite_to_group_chats(ctx, gid)
    if not groups:
        return []
    return list((await ctx.db.execute(select(Chat.id).where(
        Chat.org_id == org.id, Chat.group_id.in_(groups), Chat.kind.in_(BOUND_KINDS),
        Chat.archived_at.is_(None)).order_by(Chat.id))).scalars())
