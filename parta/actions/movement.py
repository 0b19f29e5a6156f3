"""Movement of students and staff (R7, R32): arrival, departure, transfer; hiring and leaving.

An administrator records a movement (``record_movement``) and it takes effect at once; a class
teacher proposes one for their class (``propose_movement``) and an administrator confirms or
refuses it (``decide_movement``).

The steps here are shared by the movement actions and by roster import:

* :func:`leave_class` — a student leaves a class: out of it and out of every chat bound to it;
  their parents out of its parents' chat too, unless another child of theirs is still there.
* :func:`depart` — a person leaves the organization: out of every group and every chat of it,
  their invitations withdrawn, their class leadership and subjects ended.

Every removal from a chat is recorded with its reason (``moderation.remove_for_movement``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update

from parta.actions.base import Ctx
from parta.actions.chats import group_chats, invite_to_group_chats
from parta.actions.members import add_member
from parta.actions.moderation import remove_for_movement
from parta.actions.offers import offer_place
from parta.actions.roles import membership_of, org_admin_ids, roles_of
from parta.db import utcnow
from parta.errors import Conflict, NotFound, ValidationFailed
from parta.i18n import t
from parta.models import (
    STAFF_ROLES,
    Chat,
    ChatInvitation,
    ChatKind,
    ChatMember,
    Group,
    GroupKind,
    GroupMember,
    GroupTeacher,
    Membership,
    Movement,
    MovementKind,
    MovementStatus,
    Organization,
    ParentLink,
    ParentLinkStatus,
    Role,
    RosterPerson,
    User,
)
from parta.models.chat import CHANNEL_KINDS
from parta.policy import Action, require
from parta.queries.scope import OrgScope, group_in, org_for, org_seen
from parta.realtime.events import (
    ChatMemberChanged,
    GroupChanged,
    MovementChanged,
    RolesChanged,
)
from parta.services.phones import normalize_phone

__all__ = [
    "Newcomer",
    "decide_movement",
    "depart",
    "leave_class",
    "parents_of",
    "propose_movement",
    "reason_text",
    "record_movement",
]


def reason_text(code: str, note: str = "") -> str:
    """Why someone was removed, as they and the administrators read it (in Russian)."""
    text = t("ru", f"movement.reason.{code}")
    return f"{text}: {note.strip()}" if note.strip() else text


async def _remove_from_chats(ctx: Ctx, chats: list[Chat], user_id: int, reason: str) -> int:
    removed = 0
    for chat in chats:
        if chat.kind in CHANNEL_KINDS:
            removed += await _leave_channel(ctx, chat, user_id, reason)
        elif await remove_for_movement(ctx, chat, user_id, reason) is not None:
            removed += 1
    ids = [c.id for c in chats]
    if ids:  # an invitation into a chat one may no longer see goes too
        await ctx.db.execute(delete(ChatInvitation).where(
            ChatInvitation.chat_id.in_(ids), ChatInvitation.user_id == user_id))
    return removed


async def _leave_channel(ctx: Ctx, chat: Chat, user_id: int, reason: str) -> int:
    """Out of a channel: nobody lists a channel's readers, so only the person is told (telling
    a school-wide channel's every reader of each departure would be thousands of events)."""
    row = (await ctx.db.execute(select(ChatMember).where(
        ChatMember.chat_id == chat.id, ChatMember.user_id == user_id,
        ChatMember.left_at.is_(None)))).scalar_one_or_none()
    if row is None:
        return 0
    row.left_at = utcnow()
    ctx.audit("chat.member_removed", chat.org_id, "user", user_id, chat_id=chat.id,
              kind="movement", reason=reason)
    ctx.emit(ChatMemberChanged(org_id=chat.org_id, chat_id=chat.id, user_id=user_id,
                               change="removed"), {user_id})
    return 1


async def parents_of(ctx: Ctx, org_id: int, child_id: int) -> list[int]:
    return list((await ctx.db.execute(select(ParentLink.parent_id).where(
        ParentLink.org_id == org_id, ParentLink.child_id == child_id,
        ParentLink.status == ParentLinkStatus.confirmed))).scalars())


async def leave_class(ctx: Ctx, org_id: int, group_id: int, user_id: int, code: str,
                      note: str = "") -> int:
    """Take a student out of a class and its chats, and their parents out of its parents' chat
    unless they still have another child there. Returns how many chat places were ended."""
    await ctx.db.execute(delete(GroupMember).where(GroupMember.group_id == group_id,
                                                   GroupMember.user_id == user_id))
    removed = await _remove_from_chats(ctx, await group_chats(ctx, group_id), user_id,
                                       reason_text(code, note))
    parents_chats = await group_chats(ctx, group_id, (ChatKind.parents,))
    if not parents_chats:
        return removed
    for parent in await parents_of(ctx, org_id, user_id):
        others = select(ParentLink.child_id).where(
            ParentLink.org_id == org_id, ParentLink.parent_id == parent,
            ParentLink.status == ParentLinkStatus.confirmed, ParentLink.child_id != user_id)
        still = (await ctx.db.execute(select(GroupMember.id).where(
            GroupMember.group_id == group_id, GroupMember.user_id.in_(others)))).first()
        if still is None:
            removed += await _remove_from_chats(ctx, parents_chats, parent,
                                                reason_text(f"{code}_of_child", note))
    return removed


async def depart(ctx: Ctx, org: Organization, user_id: int, code: str, note: str = "") -> int:
    """The person leaves the organization and keeps nothing of it they should no longer see.
    Preconditions: the caller was authorized by the action. Returns chat places ended."""
    now = utcnow()
    m = (await ctx.db.execute(select(Membership).where(
        Membership.org_id == org.id, Membership.user_id == user_id))).scalar_one_or_none()
    if m is not None and m.left_at is None:
        m.left_at = now
    removed = 0
    groups = list((await ctx.db.execute(select(Group.id, Group.kind).join(
        GroupMember, GroupMember.group_id == Group.id).where(
        Group.org_id == org.id, GroupMember.user_id == user_id))).all())
    for gid, kind in groups:
        if kind == GroupKind.class_:
            removed += await leave_class(ctx, org.id, gid, user_id, code, note)
    org_groups = select(Group.id).where(Group.org_id == org.id)
    await ctx.db.execute(delete(GroupMember).where(GroupMember.user_id == user_id,
                                                   GroupMember.group_id.in_(org_groups)))
    led = list((await ctx.db.execute(select(Group.id).where(
        Group.org_id == org.id, Group.class_teacher_id == user_id))).scalars())
    if led:
        await ctx.db.execute(update(Group).where(Group.id.in_(led)).values(class_teacher_id=None))
    taught = list((await ctx.db.execute(select(GroupTeacher.group_id).where(
        GroupTeacher.user_id == user_id, GroupTeacher.group_id.in_(org_groups)))).scalars())
    if taught:
        await ctx.db.execute(delete(GroupTeacher).where(GroupTeacher.user_id == user_id,
                                                        GroupTeacher.group_id.in_(org_groups)))
    chats = list((await ctx.db.execute(select(Chat).join(
        ChatMember, ChatMember.chat_id == Chat.id).where(
        Chat.org_id == org.id, ChatMember.user_id == user_id,
        ChatMember.left_at.is_(None)).order_by(Chat.id))).scalars())
    removed += await _remove_from_chats(ctx, chats, user_id, reason_text(code, note))
    await ctx.db.execute(delete(ChatInvitation).where(
        ChatInvitation.user_id == user_id,
        ChatInvitation.chat_id.in_(select(Chat.id).where(Chat.org_id == org.id))))
    await ctx.db.execute(update(RosterPerson).where(
        RosterPerson.org_id == org.id, RosterPerson.user_id == user_id,
        RosterPerson.departed_at.is_(None)).values(departed_at=now))
    await ctx.db.flush()
    ctx.audit("member.departed", org.id, "user", user_id, reason=code, note=note,
              chats_left=removed, led=led, taught=sorted(set(taught)))
    admins = await org_admin_ids(ctx, org.id)
    ctx.emit(RolesChanged(org_id=org.id, user_id=user_id, roles=[]), admins | {user_id})
    for gid in sorted(set(led) | set(taught)):
        ctx.emit(GroupChanged(org_id=org.id, group_id=gid), admins)
    return removed


# Recording, proposing and confirming movement (R7) -----------------------------------------

STUDENT_KINDS = (MovementKind.arrival, MovementKind.departure, MovementKind.transfer)


@dataclass(frozen=True)
class Newcomer:
    """Who arrives (a student) or is hired (staff): as the school's records name them."""

    last_name: str
    first_name: str
    middle_name: str = ""
    phone: str = ""
    email: str = ""
    position: str = ""  # «учитель математики», for staff


async def _student_class(ctx: Ctx, org_id: int, user_id: int) -> Group:
    """The class an active student of the organization is in (``not_a_student`` otherwise)."""
    m = await membership_of(ctx, org_id, user_id)
    if m is None or Role.student not in await roles_of(ctx, m.id):
        raise ValidationFailed("not_a_student", fields={"user_id": "not_a_student"})
    group = (await ctx.db.execute(select(Group).join(
        GroupMember, GroupMember.group_id == Group.id).where(
        GroupMember.user_id == user_id, Group.org_id == org_id,
        Group.kind == GroupKind.class_).order_by(Group.id))).scalars().first()
    if group is None:
        raise ValidationFailed("not_a_student", fields={"user_id": "not_a_student"})
    return group


async def _check(ctx: Ctx, allowed: OrgScope, kind: MovementKind, user_id: int | None,
                 to_group_id: int | None, person: Newcomer | None
                 ) -> tuple[int | None, int | None, dict[str, Any]]:
    """Validate a movement; returns (from group, to group, details to keep)."""
    org = allowed.org
    details: dict[str, Any] = {}
    from_group = to_group = None
    if kind in (MovementKind.arrival, MovementKind.hire):
        if person is None or not person.last_name.strip() or not person.first_name.strip():
            raise ValidationFailed(fields={"person": "required"})
        phone = normalize_phone(person.phone, ctx.settings.default_phone_region) \
            if person.phone.strip() else ""
        if kind == MovementKind.hire and not phone:
            raise ValidationFailed(fields={"person.phone": "required"})  # staff sign in by it
        if phone:
            taken = (await ctx.db.execute(select(User.id).join(
                Membership, Membership.user_id == User.id).where(
                User.phone == phone, Membership.org_id == org.id,
                Membership.left_at.is_(None)))).first()
            if taken is not None:
                # Said about the person, not the administrator («вы уже состоите» would be wrong).
                raise Conflict("phone_member_here", fields={"person.phone": "phone_member_here"})
        details = {"last_name": person.last_name.strip(), "first_name": person.first_name.strip(),
                   "middle_name": person.middle_name.strip(), "phone": phone,
                   "email": person.email.strip(), "position": person.position.strip()}
    elif user_id is None:
        raise ValidationFailed(fields={"user_id": "required"})
    if kind in (MovementKind.departure, MovementKind.transfer):
        assert user_id is not None
        from_group = (await _student_class(ctx, org.id, user_id)).id
    if kind == MovementKind.leave:
        assert user_id is not None
        m = await membership_of(ctx, org.id, user_id)
        if m is None or not await roles_of(ctx, m.id) & STAFF_ROLES:
            raise ValidationFailed("not_staff", fields={"user_id": "not_staff"})
        if Role.org_admin in await roles_of(ctx, m.id) and len(
                await org_admin_ids(ctx, org.id, frozenset({Role.org_admin}))) <= 1:
            raise Conflict("last_admin")
    if kind in (MovementKind.arrival, MovementKind.transfer):
        if to_group_id is None:
            raise ValidationFailed(fields={"to_group_id": "required"})
        group = await group_in(ctx.db, allowed, to_group_id)
        if group.kind != GroupKind.class_ or group.id == from_group:
            raise ValidationFailed(fields={"to_group_id": "invalid"})
        to_group = group.id
    return from_group, to_group, details


async def _admit(ctx: Ctx, org: Organization, details: dict[str, Any], roles: set[Role],
                 group_id: int | None) -> User:
    """A newcomer without a phone: the school makes their account and enrols them."""
    user = User(phone=None, email=details["email"], name=" ".join(
        p for p in (details["first_name"], details["middle_name"], details["last_name"]) if p))
    ctx.db.add(user)
    await ctx.db.flush()
    await add_member(ctx, org, user, roles, group_id=group_id, position=details["position"])
    return user


async def _invite_by_phone(ctx: Ctx, org: Organization, mv: Movement, role: Role) -> None:
    """A newcomer with a phone is offered the place (``offers.offer_place``) and joins by
    accepting it. The phone's account, if it has one, is left as it is and never named to the
    school; a phone with none gets an account from the records, which its owner finds on
    signing in. Either way the movement reads the same: «invited»."""
    d = mv.details
    user = (await ctx.db.execute(select(User).where(
        User.phone == d["phone"]))).scalar_one_or_none()
    if user is None:
        user = User(phone=d["phone"], email=d["email"], name=" ".join(
            p for p in (d["first_name"], d["middle_name"], d["last_name"]) if p))
        ctx.db.add(user)
        await ctx.db.flush()
    await offer_place(ctx, org, user, role, mv.to_group_id, d["position"], movement_id=mv.id)
    mv.details = {**d, "invited": True}


async def _carry_out(ctx: Ctx, org: Organization, mv: Movement) -> None:
    """Do what the movement says; every removal from a chat is recorded with its reason."""
    note = mv.reason
    if mv.kind in (MovementKind.arrival, MovementKind.hire) and mv.details.get("phone"):
        await _invite_by_phone(ctx, org, mv, Role.student if mv.kind == MovementKind.arrival
                               else Role.teacher)
    elif mv.kind == MovementKind.arrival:
        user = await _admit(ctx, org, mv.details, {Role.student}, mv.to_group_id)
        mv.user_id = user.id
        assert mv.to_group_id is not None
        await invite_to_group_chats(ctx, mv.to_group_id, only={user.id})
    elif mv.kind == MovementKind.hire:
        user = await _admit(ctx, org, mv.details, {Role.teacher}, None)
        mv.user_id = user.id
    elif mv.kind == MovementKind.transfer:
        assert mv.user_id is not None and mv.to_group_id is not None
        student = await ctx.db.get(User, mv.user_id)
        assert student is not None
        old = (await _student_class(ctx, org.id, student.id)).id
        mv.from_group_id = old
        await leave_class(ctx, org.id, old, student.id, "transfer", note)
        await add_member(ctx, org, student, {Role.student}, group_id=mv.to_group_id)
        parents = set(await parents_of(ctx, org.id, student.id))
        await invite_to_group_chats(ctx, mv.to_group_id, only={student.id} | parents)
        admins = await org_admin_ids(ctx, org.id)
        for gid in (old, mv.to_group_id):
            ctx.emit(GroupChanged(org_id=org.id, group_id=gid), admins)
    else:
        assert mv.user_id is not None
        code = "departure" if mv.kind == MovementKind.departure else "leave"
        await depart(ctx, org, mv.user_id, code, note)


def _reason(reason: str) -> str:
    text = reason.strip()
    if len(text) > 2000:
        raise ValidationFailed(fields={"reason": "too_long"})
    return text


async def _announce(ctx: Ctx, org: Organization, mv: Movement) -> None:
    audience = await org_admin_ids(ctx, org.id) | ({mv.proposed_by} if mv.proposed_by else set())
    ctx.emit(MovementChanged(org_id=org.id, movement_id=mv.id, status=mv.status.value), audience)


async def record_movement(ctx: Ctx, org_id: int, kind: MovementKind, *, user_id: int | None = None,
                          to_group_id: int | None = None, person: Newcomer | None = None,
                          reason: str = "") -> Movement:
    """An administrator records a movement, and it takes effect at once (R7, R32)."""
    actor = ctx.require_actor()
    allowed = await org_for(ctx.db, actor, org_id, Action.movement_record)
    org = allowed.org
    from_group, to_group, details = await _check(ctx, allowed, kind, user_id, to_group_id, person)
    mv = Movement(org_id=org.id, kind=kind, status=MovementStatus.recorded, user_id=user_id,
                  from_group_id=from_group, to_group_id=to_group, reason=_reason(reason),
                  details=details, decided_by=actor.user_id or None, decided_at=utcnow())
    ctx.db.add(mv)
    await ctx.db.flush()
    await _carry_out(ctx, org, mv)
    ctx.audit(f"movement.{kind.value}", org.id, "movement", mv.id, user_id=mv.user_id,
              from_group_id=mv.from_group_id, to_group_id=mv.to_group_id, reason=mv.reason)
    await _announce(ctx, org, mv)
    return mv


async def propose_movement(ctx: Ctx, org_id: int, kind: MovementKind, *,
                           user_id: int | None = None, to_group_id: int | None = None,
                           person: Newcomer | None = None, reason: str = "") -> Movement:
    """A class teacher reports an arrival, departure or transfer in their class (R7); an
    administrator confirms it. Staff movement is the administrators' to record."""
    actor = ctx.require_actor()
    allowed = await org_seen(ctx.db, actor, org_id)
    org = allowed.org
    if kind not in STUDENT_KINDS:
        require(actor, Action.movement_record, org)
    from_group, to_group, details = await _check(ctx, allowed, kind, user_id, to_group_id, person)
    # A class teacher speaks for their own class: the one the student leaves, or joins.
    require(actor, Action.movement_propose, org, from_group or to_group)
    mv = Movement(org_id=org.id, kind=kind, status=MovementStatus.proposed, user_id=user_id,
                  from_group_id=from_group, to_group_id=to_group, reason=_reason(reason),
                  details=details, proposed_by=actor.user_id)
    ctx.db.add(mv)
    await ctx.db.flush()
    ctx.audit("movement.proposed", org.id, "movement", mv.id, kind=kind.value, user_id=user_id,
              from_group_id=from_group, to_group_id=to_group, reason=mv.reason)
    await _announce(ctx, org, mv)
    return mv


async def decide_movement(ctx: Ctx, org_id: int, movement_id: int, confirm: bool,
                          note: str = "") -> Movement:
    """An administrator confirms a proposed movement (it takes effect) or refuses it."""
    actor = ctx.require_actor()
    allowed = await org_for(ctx.db, actor, org_id, Action.movement_record)
    org = allowed.org
    mv = await ctx.db.get(Movement, movement_id)
    if mv is None or mv.org_id != org.id:
        raise NotFound()
    if mv.status != MovementStatus.proposed:
        raise Conflict("movement_not_proposed")
    if confirm:  # the school may have changed since: checked again
        person = Newcomer(**{k: mv.details.get(k, "") for k in (
            "last_name", "first_name", "middle_name", "phone", "email", "position")}) \
            if mv.kind in (MovementKind.arrival, MovementKind.hire) else None
        await _check(ctx, allowed, mv.kind, mv.user_id, mv.to_group_id, person)
        await _carry_out(ctx, org, mv)
    mv.status = MovementStatus.recorded if confirm else MovementStatus.refused
    mv.decided_by, mv.decided_at = actor.user_id or None, utcnow()
    if note.strip():
        mv.details = {**mv.details, "decision_note": _reason(note)}
    ctx.audit("movement.confirmed" if confirm else "movement.refused", org.id, "movement", mv.id,
              kind=mv.kind.value, user_id=mv.user_id, note=note.strip())
    await _announce(ctx, org, mv)
    return mv
