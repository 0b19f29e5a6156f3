"""The steps of applying a roster plan, each run as one batch (one transaction) by
``actions.roster.run_apply``. Every step is idempotent: a resumed apply repeats none of it.

People are admitted set-wise, a batch of a few hundred at a time, by :func:`admit_people`: the
same rules as ``members.add_member`` (roles merged with those held; staff join the staff room;
a student joins their class) and ``chats.subscribe_to_channels`` (everyone reads the school-wide
channel, staff the staff channel, administrators post in both) — in a handful of statements per
batch instead of some fifteen per person, which is what makes 5,000 people fit in seconds.
``tests/roster/test_matching.py`` checks that both ways give the same result, and that the
invitations reach exactly whom ``chats.eligible_for_group_chat`` says each chat is for.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import insert, select

from parta.actions.base import Ctx
from parta.actions.chats import add_chat_member, ensure_system_channels, invite_to_group_chats
from parta.actions.groups import create_group
from parta.actions.movement import depart, leave_class
from parta.actions.offers import offer_place
from parta.actions.roles import org_admin_ids
from parta.db import utcnow
from parta.models import (
    ADMIN_ROLES,
    STAFF_ROLES,
    Chat,
    ChatKind,
    ChatMember,
    ChatRole,
    EnrolmentOffer,
    Group,
    GroupKind,
    GroupMember,
    GroupTeacher,
    Membership,
    MembershipRole,
    Organization,
    ParentLink,
    ParentLinkStatus,
    Role,
    RosterPerson,
    User,
)
from parta.queries.roster import chunks
from parta.realtime.events import ChatChanged, GroupChanged, MemberJoined
from parta.roster.plan import Plan

__all__ = ["Run", "admit_people", "assignments", "chats", "classes", "departures", "finish_events"]


@dataclass
class Run:
    """What one apply knows across its batches."""

    org_id: int
    import_id: int
    plan: Plan
    resolved: dict[str, int]  # file key → user id
    groups: dict[str, int] = field(default_factory=dict)  # class name → group id
    touched: set[str] = field(default_factory=set)  # classes whose people or chats changed
    done: int = 0


def caller_id(ctx: Ctx) -> int | None:
    return ctx.user.id if ctx.user is not None and ctx.user.id else None


async def load_groups(ctx: Ctx, org_id: int) -> dict[str, int]:
    return {name: gid for gid, name in (await ctx.db.execute(select(Group.id, Group.name).where(
        Group.org_id == org_id, Group.kind == GroupKind.class_,
        Group.archived_at.is_(None)))).all()}


async def classes(ctx: Ctx, org: Organization, run: Run) -> None:
    run.groups = await load_groups(ctx, org.id)
    for c in run.plan.classes:
        if c["name"] not in run.groups:
            g = await create_group(ctx, org.id, grade=c["grade"], letter=c["letter"] or "",
                                   name=c["name"])
            run.groups[g.name] = g.id


# People --------------------------------------------------------------------------------------

async def _accounts(ctx: Ctx, run: Run, entries: list[dict[str, Any]]) -> dict[str, User]:
    """Each entry's account: found by id, or by a phone someone signed up with meanwhile, and
    brought in line with the file; or made. An account from elsewhere keeps its name and phone
    (a phone is how one signs in) unless the file corrects its own member's name."""
    ids = [run.resolved.get(e["key"]) or e["user_id"] for e in entries]
    by_id: dict[int, User] = {}
    for part in chunks([i for i in ids if i]):
        by_id.update({u.id: u for u in (await ctx.db.execute(
            select(User).where(User.id.in_(part)))).scalars()})
    phones = [e["phone"] for e in entries if e["phone"]]
    by_phone: dict[str, User] = {}
    for part in chunks(phones):
        by_phone.update({str(u.phone): u for u in (await ctx.db.execute(
            select(User).where(User.phone.in_(part)))).scalars()})
    found: dict[str, User] = {}
    made: list[User] = []
    for e, uid in zip(entries, ids, strict=True):
        user = by_id.get(uid or 0) or (by_phone.get(e["phone"]) if e["phone"] else None)
        if user is None:
            user = User(phone=e["phone"] or None, name=e["name"], email=e["email"])
            made.append(user)
        else:
            if "name" in e["changes"] or not user.name:
                user.name = e["name"]
            if e["phone"] and not user.phone and e["phone"] not in by_phone:
                user.phone = e["phone"]
            if e["email"] and ("email" in e["changes"] or not user.email):
                if user.email != e["email"]:
                    user.email_confirmed_at = None  # the school's address is not confirmed
                user.email = e["email"]
        found[e["key"]] = user
    ctx.db.add_all(made)
    await ctx.db.flush()
    return found


async def _memberships(ctx: Ctx, org_id: int, users: Iterable[User]) -> dict[int, Membership]:
    ids = [u.id for u in users]
    have: dict[int, Membership] = {}
    for part in chunks(ids):
        have.update({m.user_id: m for m in (await ctx.db.execute(select(Membership).where(
            Membership.org_id == org_id, Membership.user_id.in_(part)))).scalars()})
    now = utcnow()
    for uid in ids:
        m = have.get(uid)
        if m is None:
            have[uid] = Membership(org_id=org_id, user_id=uid, position="")
            ctx.db.add(have[uid])
        elif m.left_at is not None:  # coming back after leaving
            m.left_at, m.joined_at = None, now
    await ctx.db.flush()
    return have


async def _roles(ctx: Ctx, members: dict[int, Membership],
                 wanted: dict[int, set[Role]]) -> dict[int, tuple[set[Role], set[Role]]]:
    """Merge the wanted roles into those held: user id → (held before, held now)."""
    held: dict[int, set[Role]] = defaultdict(set)
    by_membership = {m.id: uid for uid, m in members.items()}
    for part in chunks(list(by_membership)):
        for mid, role in (await ctx.db.execute(select(
                MembershipRole.membership_id, MembershipRole.role).where(
                MembershipRole.membership_id.in_(part)))).all():
            held[by_membership[mid]].add(role)
    result, rows, now = {}, [], utcnow()
    for uid, roles in wanted.items():
        before = held[uid]
        rows += [{"membership_id": members[uid].id, "role": r, "granted_at": now}
                 for r in sorted(roles - before)]
        result[uid] = (set(before), before | roles)
    if rows:
        await ctx.db.execute(insert(MembershipRole), rows)
    return result


async def _class_places(ctx: Ctx, org_id: int, users: dict[int, int]) -> dict[int, set[int]]:
    """The class groups each of these students is in now."""
    now: dict[int, set[int]] = defaultdict(set)
    for part in chunks(list(users)):
        for gid, uid in (await ctx.db.execute(select(GroupMember.group_id, GroupMember.user_id)
                                              .join(Group, Group.id == GroupMember.group_id).where(
                GroupMember.user_id.in_(part), Group.org_id == org_id,
                Group.kind == GroupKind.class_))).all():
            now[uid].add(gid)
    return now


async def _join_groups(ctx: Ctx, pairs: set[tuple[int, int]]) -> None:
    """(group, user) places that should exist; the missing ones are made."""
    by_group: dict[int, set[int]] = defaultdict(set)
    for gid, uid in pairs:
        by_group[gid].add(uid)
    for gid, uids in by_group.items():
        have: set[int] = set()
        for part in chunks(sorted(uids)):
            have |= set((await ctx.db.execute(select(GroupMember.user_id).where(
                GroupMember.group_id == gid, GroupMember.user_id.in_(part)))).scalars())
        if uids - have:
            now = utcnow()
            await ctx.db.execute(insert(GroupMember), [
                {"group_id": gid, "user_id": uid, "joined_at": now} for uid in sorted(uids - have)])


async def subscribe_many(ctx: Ctx, org: Organization, roles: dict[int, set[Role]]) -> None:
    """``chats.subscribe_to_channels`` for many people at once (the same rules)."""
    school, staff = await ensure_system_channels(ctx, org)
    rows: dict[tuple[int, int], ChatMember] = {}
    for part in chunks(sorted(roles)):
        rows.update({(m.chat_id, m.user_id): m for m in (await ctx.db.execute(select(
            ChatMember).where(ChatMember.chat_id.in_([school.id, staff.id]),
                              ChatMember.user_id.in_(part)))).scalars()})
    now = utcnow()
    fresh: list[dict[str, Any]] = []
    for uid, held in roles.items():
        is_admin, is_staff = bool(held & ADMIN_ROLES), bool(held & STAFF_ROLES)
        role = ChatRole.moderator if is_admin else ChatRole.member
        staff_row = rows.get((staff.id, uid))
        if not is_staff and staff_row is not None and staff_row.left_at is None:
            staff_row.left_at = now  # no longer staff: no longer in the staff channel
        for channel in [school] + ([staff] if is_staff else []):
            row = rows.get((channel.id, uid))
            if row is None:  # as ``chats.add_chat_member`` makes it, without a query each
                fresh.append({"chat_id": channel.id, "user_id": uid, "role": role,
                              "joined_at": now, "rules_accepted_version": channel.rules_version,
                              "rules_accepted_at": now,
                              "last_read_message_id": channel.last_message_id or 0})
            elif row.left_at is not None:  # coming back
                await add_chat_member(ctx, channel, uid, role, rules_accepted=True)
            elif row.role != ChatRole.owner and row.role != role:
                row.role = role
    if fresh:
        await ctx.db.execute(insert(ChatMember), fresh)


async def admit_people(ctx: Ctx, org: Organization, run: Run, part: list[dict[str, Any]]) -> None:
    """Create, change and move a batch of the plan's people."""
    if not run.groups:
        run.groups = await load_groups(ctx, org.id)
    entries = []
    for e in part:
        if e["op"] == "same":
            run.resolved[e["key"]] = e["user_id"]
        else:
            entries.append(e)
    entries = await _offer_to_accounts_elsewhere(ctx, org, run, entries)
    if not entries:
        return
    users = await _accounts(ctx, run, entries)
    members = await _memberships(ctx, org.id, users.values())
    wanted = {users[e["key"]].id: {Role(r) for r in e["roles"]} for e in entries}
    roles = await _roles(ctx, members, wanted)
    target = {users[e["key"]].id: run.groups[e["class"]] for e in entries
              if e["kind"] == "student" and e["class"] and e["class"] in run.groups}
    current = await _class_places(ctx, org.id, target)
    for uid, gid in target.items():
        for old in sorted(current.get(uid, set()) - {gid}):
            await leave_class(ctx, org.id, old, uid, "transfer")
    staff_room = (await ctx.db.execute(select(Group.id).where(
        Group.org_id == org.id, Group.kind == GroupKind.staff_room))).scalar_one()
    places = {(gid, uid) for uid, gid in target.items()} | {
        (staff_room, uid) for uid, (_, now) in roles.items() if now & STAFF_ROLES}
    await _join_groups(ctx, places)
    await ctx.db.flush()
    await subscribe_many(ctx, org, {uid: now for uid, (_, now) in roles.items()})
    await _records(ctx, org.id, run.import_id, [(users[e["key"]].id, e) for e in entries])
    for e in entries:
        run.resolved[e["key"]] = users[e["key"]].id
        if e["class"]:
            run.touched.add(e["class"])
        if e.get("class_from"):
            run.touched.add(e["class_from"])
    # Those who have signed in before hear of it; a new account's client starts from a fresh
    # state on first sign-in (see ``finish_events`` for the administrators).
    for uid, (before, now) in roles.items():
        if now != before:
            ctx.emit(MemberJoined(org_id=org.id, user_id=uid, roles=sorted(now)), {uid})


def _offered_role(roles: list[str]) -> Role:
    """An offer proposes one role: the one the row is mainly about."""
    for role in (Role.student, Role.administration, Role.teacher):
        if role.value in roles:
            return role
    return Role.parent


async def _offer_to_accounts_elsewhere(ctx: Ctx, org: Organization, run: Run,
                                       entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows the plan marks «invite» (a phone that is no member's here): a phone whose account
    exists is offered the place (``offers.offer_place``) and that account is neither enrolled
    nor changed; a phone nobody has gets an account made from the row, as before. Returns the
    rows left to admit. Once per import: a resumed apply does not offer twice."""
    wanted = [e for e in entries if e.get("invite") and e["phone"]
              and not run.resolved.get(e["key"])]
    if not wanted:
        return entries
    owners: dict[str, User] = {}
    for part in chunks([e["phone"] for e in wanted]):
        owners.update({str(u.phone): u for u in (await ctx.db.execute(
            select(User).where(User.phone.in_(part)))).scalars()})
    ids = [u.id for u in owners.values()]
    here: set[int] = set()
    offered_before: set[int] = set()
    for part in chunks(ids):
        here |= set((await ctx.db.execute(select(Membership.user_id).where(
            Membership.org_id == org.id, Membership.left_at.is_(None),
            Membership.user_id.in_(part)))).scalars())
        offered_before |= set((await ctx.db.execute(select(EnrolmentOffer.user_id).where(
            EnrolmentOffer.org_id == org.id, EnrolmentOffer.import_id == run.import_id,
            EnrolmentOffer.user_id.in_(part)))).scalars())
    offered: set[str] = set()
    for e in wanted:
        user = owners.get(e["phone"])
        if user is None or user.id in here:
            continue
        offered.add(e["key"])
        if user.id in offered_before:
            continue
        role = _offered_role(e["roles"])
        group_id = run.groups.get(e["class"]) if role == Role.student and e["class"] else None
        await offer_place(ctx, org, user, role, group_id, import_id=run.import_id)
    return [e for e in entries if e["key"] not in offered]


async def _records(ctx: Ctx, org_id: int, import_id: int,
                   people: list[tuple[int, dict[str, Any]]]) -> None:
    """Remember each person's record id, name and birth date, for matching the next file."""
    ids = [uid for uid, _ in people]
    rows: dict[int, RosterPerson] = {}
    for part in chunks(ids):
        rows.update({r.user_id: r for r in (await ctx.db.execute(select(RosterPerson).where(
            RosterPerson.org_id == org_id, RosterPerson.user_id.in_(part)))).scalars()})
    sources = [e["source_id"] for _, e in people if e["source_id"]]
    holders: dict[str, int] = {}
    for part in chunks(sources):
        holders.update({str(sid): uid for sid, uid in (await ctx.db.execute(select(
            RosterPerson.source_id, RosterPerson.user_id).where(
            RosterPerson.org_id == org_id, RosterPerson.source_id.in_(part)))).all()})
    fresh, now = [], utcnow()
    for uid, e in people:
        source = e["source_id"] or None
        if source is not None and holders.get(source, uid) != uid:
            source = None  # another member holds that id; matching falls back to the name
        birth = date.fromisoformat(e["birth_date"]) if e["birth_date"] else None
        row = rows.get(uid)
        if row is None:
            fresh.append({"org_id": org_id, "user_id": uid, "source_id": source,
                          "kind": e["kind"], "name_key": e["name_key"], "birth_date": birth,
                          "last_import_id": import_id, "created_at": now})
            continue
        row.source_id = source or row.source_id
        row.kind, row.name_key = e["kind"], e["name_key"]
        row.birth_date = birth or row.birth_date
        row.last_import_id, row.departed_at = import_id, None
    if fresh:
        await ctx.db.execute(insert(RosterPerson), fresh)


# Assignments, departures, chats -------------------------------------------------------------

def _user_of(run: Run, key: str | None) -> int | None:
    return run.resolved.get(key) if key else None


async def assignments(ctx: Ctx, org: Organization, run: Run) -> None:
    """Class teachers, subject teachers and confirmed parents."""
    await _teachers(ctx, org, run)
    await _parent_links(ctx, org, run)


async def _teachers(ctx: Ctx, org: Organization, run: Run) -> None:
    """``groups.set_class_teacher`` and ``add_subject_teacher`` set-wise, with the same checks
    (a class, not the staff room; a teacher of the organization) and the same audit entries."""
    wanted_lead = [(run.groups.get(a["class"]), _user_of(run, a["teacher"]), a["class"])
                   for a in run.plan.class_teachers]
    wanted_subject = [(run.groups.get(a["class"]), _user_of(run, a["teacher"]), a["class"],
                       a["subject"]) for a in run.plan.subject_teachers]
    uids = sorted({u for _, u, _ in wanted_lead if u} | {u for _, u, _, _ in wanted_subject if u})
    teachers: set[int] = set()
    for part in chunks(uids):
        teachers |= set((await ctx.db.execute(select(Membership.user_id).join(
            MembershipRole, MembershipRole.membership_id == Membership.id).where(
            Membership.org_id == org.id, Membership.left_at.is_(None),
            Membership.user_id.in_(part), MembershipRole.role == Role.teacher))).scalars())
    groups = {g.id: g for g in (await ctx.db.execute(select(Group).where(
        Group.org_id == org.id, Group.kind == GroupKind.class_,
        Group.archived_at.is_(None)))).scalars()}
    for gid, uid, name in wanted_lead:
        group = groups.get(gid or 0)
        if group is None or uid not in teachers or group.class_teacher_id == uid:
            continue
        before, group.class_teacher_id = group.class_teacher_id, uid
        ctx.audit("group.class_teacher_set", org.id, "group", group.id, before=before, after=uid)
        run.touched.add(name)
    have = {(g, u, s) for g, u, s in (await ctx.db.execute(select(
        GroupTeacher.group_id, GroupTeacher.user_id, GroupTeacher.subject).where(
        GroupTeacher.group_id.in_(list(groups))))).all()} if groups else set()
    for gid, uid, name, subject in wanted_subject:
        if gid not in groups or uid not in teachers or (gid, uid, subject) in have:
            continue
        have.add((gid, uid, subject))
        ctx.db.add(GroupTeacher(group_id=gid, user_id=uid, subject=subject))
        ctx.audit("group.subject_teacher_added", org.id, "group", gid, user_id=uid,
                  subject=subject)
        run.touched.add(name)
    await ctx.db.flush()


async def _children_of_invited_parents(ctx: Ctx, org: Organization, run: Run) -> None:
    """A parent the import offered a place to (their phone is an account elsewhere) is linked
    to their children when they accept: the children go on the offer."""
    wanted: dict[str, set[int]] = defaultdict(set)  # parent's phone → children's accounts
    phones = {e["key"]: e["phone"] for e in run.plan.people if e.get("invite") and e["phone"]}
    for a in run.plan.parent_links:
        child = _user_of(run, a["child"])
        if a["parent"] in phones and _user_of(run, a["parent"]) is None and child is not None:
            wanted[phones[a["parent"]]].add(child)
    if not wanted:
        return
    for offer, phone in (await ctx.db.execute(select(EnrolmentOffer, User.phone).join(
            User, User.id == EnrolmentOffer.user_id).where(
            EnrolmentOffer.org_id == org.id, EnrolmentOffer.import_id == run.import_id,
            EnrolmentOffer.role == Role.parent, User.phone.in_(sorted(wanted))))).all():
        offer.child_ids = sorted(set(offer.child_ids or []) | wanted[str(phone)])


async def _parent_links(ctx: Ctx, org: Organization, run: Run) -> None:
    await _children_of_invited_parents(ctx, org, run)
    pairs = [(_user_of(run, a["parent"]), _user_of(run, a["child"]), a)
             for a in run.plan.parent_links]
    pairs = [(p, c, a) for p, c, a in pairs if p is not None and c is not None]
    if not pairs:
        return
    parents = sorted({p for p, _, _ in pairs if p is not None})
    links: dict[int, list[ParentLink]] = defaultdict(list)
    for part in chunks(parents):
        for link in (await ctx.db.execute(select(ParentLink).where(
                ParentLink.org_id == org.id, ParentLink.parent_id.in_(part),
                ParentLink.status != ParentLinkStatus.refused))).scalars():
            links[link.parent_id].append(link)
    children = sorted({c for _, c, _ in pairs if c is not None})
    class_of: dict[int, int] = {}
    for part in chunks(children):
        class_of.update(dict((await ctx.db.execute(select(GroupMember.user_id, GroupMember.group_id)
                                                   .join(Group, Group.id == GroupMember.group_id)
                                                   .where(GroupMember.user_id.in_(part),
                                                          Group.org_id == org.id,
                                                          Group.kind == GroupKind.class_))).all()))
    names = {gid: name for name, gid in run.groups.items()}
    now, decider, linked = utcnow(), caller_id(ctx), 0
    for pu, cu, a in pairs:
        assert pu is not None and cu is not None
        mine = links[pu]
        if any(x.child_id == cu and x.status == ParentLinkStatus.confirmed for x in mine):
            continue
        # A parent who already asked through a link is confirmed, not linked a second time.
        pending = next((x for x in mine if x.status == ParentLinkStatus.pending
                        and x.child_id in (None, cu)), None)
        link = pending or ParentLink(org_id=org.id, parent_id=pu,
                                     child_name_claimed=a["child_name"])
        if pending is None:
            ctx.db.add(link)
            mine.append(link)
        link.child_id, link.group_id = cu, link.group_id or class_of.get(cu)
        link.status, link.decided_by, link.decided_at = ParentLinkStatus.confirmed, decider, now
        linked += 1
        if cu in class_of and class_of[cu] in names:
            run.touched.add(names[class_of[cu]])
    if linked:
        ctx.audit("parent_link.imported", org.id, "roster_import", run.import_id, links=linked)
    await _code_emails(ctx, org, run, pairs)


async def _code_emails(ctx: Ctx, org: Organization, run: Run,
                       pairs: list[tuple[int | None, int | None, dict[str, Any]]]) -> None:
    """A primary pupil with no address for sign-in codes gets the e-mail of a parent the file
    names (R10): the school's records are where the administrator would take it from anyway.
    An address already set (by the parent, who proved it) is never replaced."""
    email_of = {e["key"]: e["email"] for e in run.plan.people if e.get("email")}
    wanted: dict[int, str] = {}
    for _, cu, a in pairs:
        if cu is not None and cu not in wanted and email_of.get(a["parent"]):
            wanted[cu] = email_of[a["parent"]]
    if not wanted:
        return
    limit = ctx.settings.primary_school_max_grade
    primary = set()
    for part in chunks(sorted(wanted)):
        primary |= set((await ctx.db.execute(select(GroupMember.user_id).join(
            Group, Group.id == GroupMember.group_id).where(
            GroupMember.user_id.in_(part), Group.org_id == org.id, Group.kind == GroupKind.class_,
            Group.archived_at.is_(None), Group.grade <= limit))).scalars())
    done = 0
    for part in chunks(sorted(primary)):
        for child in (await ctx.db.execute(select(User).where(User.id.in_(part)))).scalars():
            if not child.parent_email:
                child.parent_email = wanted[child.id]
                done += 1
    if done:
        ctx.audit("code_email.imported", org.id, "roster_import", run.import_id, children=done)


async def departures(ctx: Ctx, org: Organization, part: list[dict[str, Any]]) -> None:
    for d in part:
        await depart(ctx, org, d["user_id"], "roster")


async def _chat(ctx: Ctx, org: Organization, gid: int, entry: dict[str, Any], owner: int) -> None:
    """The class's chat of this kind (for a subject: with this teacher), found or made."""
    kind = ChatKind(entry["kind"])
    q = select(Chat.id).where(Chat.org_id == org.id, Chat.group_id == gid, Chat.kind == kind,
                              Chat.archived_at.is_(None))
    if kind == ChatKind.subject:
        q = q.join(ChatMember, ChatMember.chat_id == Chat.id).where(
            Chat.subject == entry["subject"], ChatMember.user_id == owner,
            ChatMember.role == ChatRole.owner)
    if (await ctx.db.execute(q)).first() is not None:
        return
    chat = Chat(org_id=org.id, kind=kind, title=entry["title"], group_id=gid,
                subject=entry["subject"], created_by=caller_id(ctx))
    ctx.db.add(chat)
    await ctx.db.flush()
    # The class teacher (the subject's teacher) runs it and moderates it (R27).
    await add_chat_member(ctx, chat, owner, ChatRole.owner, rules_accepted=True)
    ctx.audit("chat.created", org.id, "chat", chat.id, kind=kind.value, title=chat.title,
              owner_id=owner, roster_import=True)
    ctx.emit(ChatChanged(org_id=org.id, chat_id=chat.id), {owner})


async def chats(ctx: Ctx, org: Organization, run: Run, names: list[str]) -> None:
    """Make the classes' missing chats, then invite those they are for (R9, R21, R23)."""
    for name in names:
        gid = run.groups.get(name)
        if gid is None:
            continue
        for entry in run.plan.chats:
            if entry["class"] == name:
                owner = _user_of(run, entry["teacher"]) or entry.get("teacher_id")
                if owner is not None:
                    await _chat(ctx, org, gid, entry, owner)
        await invite_to_group_chats(ctx, gid)


async def finish_events(ctx: Ctx, org: Organization, run: Run) -> None:
    """The administrators' pages refresh the classes that changed (one event per class)."""
    admins = await org_admin_ids(ctx, org.id)
    for name in sorted(run.touched):
        if name in run.groups:
            ctx.emit(GroupChanged(org_id=org.id, group_id=run.groups[name]), admins)
