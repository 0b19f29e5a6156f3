"""Chats (R21–R24): creating, inviting, joining after accepting the rules, leaving, one-to-one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select

from parta.actions.base import Ctx
from parta.actions.roles import membership_of, roles_of
from parta.db import utcnow
from parta.errors import Conflict, Forbidden, NotFound, ValidationFailed
from parta.i18n import t
from parta.models import (
    GROUP_CHAT_KINDS,
    Chat,
    ChatInvitation,
    ChatKind,
    ChatMember,
    ChatRole,
    Group,
    GroupKind,
    GroupMember,
    GroupTeacher,
    Membership,
    MembershipRole,
    NetworkKind,
    Organization,
    ParentLink,
    ParentLinkStatus,
    PostPolicy,
    Role,
    User,
)
from parta.policy import ARCHIVE_CLOSED, STAFF, Action, ChatAction, appoints_moderators, can_chat
from parta.queries.direct import direct_refusal_in, direct_refusals
from parta.queries.network import accepted_org_ids, network_of, staff_roles_in
from parta.queries.scope import chat_for, chat_visible, group_in, org_for
from parta.realtime.events import ChatChanged, ChatInvited, ChatMemberChanged

__all__ = [
    "accept_rules",
    "active_member_ids",
    "chat_visible",
    "create_chat",
    "decline_invitation",
    "eligible_for_group_chat",
    "ensure_system_channels",
    "group_chats",
    "invite_to_chat",
    "invite_to_group_chats",
    "join_chat",
    "leave_chat",
    "require_direct_allowed",
    "set_chat_role",
    "start_direct",
    "subscribe_to_channels",
    "update_chat",
]

GROUP_BOUND = {ChatKind.class_, ChatKind.parents, ChatKind.class_teachers, ChatKind.subject}


async def chat_member(ctx: Ctx, chat_id: int, user_id: int) -> ChatMember | None:
    return (await ctx.db.execute(select(ChatMember).where(
        ChatMember.chat_id == chat_id, ChatMember.user_id == user_id,
        ChatMember.left_at.is_(None)))).scalar_one_or_none()




def require_chat(chat: Chat, me: ChatMember | None, action: ChatAction) -> None:
    if chat.archived_at is not None and me is not None and action in ARCHIVE_CLOSED:
        raise Conflict("chat_archived")
    if not can_chat(me.role.value if me else None, action,
                    moderators_only_post=chat.post_policy != PostPolicy.everyone,
                    members_reply=chat.post_policy == PostPolicy.replies,
                    members_invite=chat.members_invite):
        raise Forbidden("chat_read_only" if action in (ChatAction.post, ChatAction.reply)
                        else "forbidden")


async def active_member_ids(ctx: Ctx, chat_id: int) -> set[int]:
    return set((await ctx.db.execute(select(ChatMember.user_id).where(
        ChatMember.chat_id == chat_id, ChatMember.left_at.is_(None)))).scalars())


async def _org_user_ids(ctx: Ctx, org_id: int, user_ids: list[int]) -> set[int]:
    return set((await ctx.db.execute(select(Membership.user_id).where(
        Membership.org_id == org_id, Membership.user_id.in_(user_ids),
        Membership.left_at.is_(None)))).scalars())


async def eligible_for_group_chat(ctx: Ctx, chat: Chat) -> set[int]:
    """Who a class's chat is for (R21): its students, their parents, or its teachers."""
    if chat.group_id is None:
        return set()
    gid = chat.group_id
    leader = (await ctx.db.execute(select(Group.class_teacher_id).where(Group.id == gid))).scalar()
    teachers = {leader} if leader else set()
    students = set((await ctx.db.execute(select(GroupMember.user_id).where(
        GroupMember.group_id == gid))).scalars())
    if chat.kind == ChatKind.class_:
        return students | teachers
    if chat.kind == ChatKind.parents:
        parents = set((await ctx.db.execute(select(ParentLink.parent_id).where(
            ParentLink.org_id == chat.org_id, ParentLink.child_id.in_(students),
            ParentLink.status == ParentLinkStatus.confirmed))).scalars()) if students else set()
        return parents | teachers
    subject_teachers = set((await ctx.db.execute(select(GroupTeacher.user_id).where(
        GroupTeacher.group_id == gid, *( [GroupTeacher.subject == chat.subject]
                                          if chat.kind == ChatKind.subject else [])))).scalars())
    if chat.kind == ChatKind.subject:
        return subject_teachers | students
    return teachers | subject_teachers  # class teachers' chat


async def add_chat_member(ctx: Ctx, chat: Chat, user_id: int, role: ChatRole,
                      rules_accepted: bool) -> ChatMember:
    row = (await ctx.db.execute(select(ChatMember).where(
        ChatMember.chat_id == chat.id, ChatMember.user_id == user_id))).scalar_one_or_none()
    now = utcnow()
    if row is None:
        row = ChatMember(chat_id=chat.id, user_id=user_id, role=role, joined_at=now,
                         last_read_message_id=chat.last_message_id or 0)
        ctx.db.add(row)
    else:
        row.left_at, row.role, row.joined_at = None, role, now
        row.last_read_message_id = chat.last_message_id or 0
    if rules_accepted:
        org = await ctx.db.get(Organization, chat.org_id)
        row.rules_accepted_version, row.rules_accepted_at = chat.rules_version, now
        row.org_rules_accepted_version = org.chat_rules_version if org else None
    await ctx.db.flush()
    return row


def _chat_event(chat: Chat) -> ChatChanged:
    return ChatChanged(org_id=chat.org_id, chat_id=chat.id)


async def _invite(ctx: Ctx, chat: Chat, user_ids: set[int]) -> list[int]:
    """Invite people of the chat's organization who are neither in it nor invited yet."""
    if not user_ids:
        return []
    valid = await _org_user_ids(ctx, chat.org_id, sorted(user_ids))
    present = await active_member_ids(ctx, chat.id)
    existing = {i.user_id: i for i in (await ctx.db.execute(select(ChatInvitation).where(
        ChatInvitation.chat_id == chat.id, ChatInvitation.user_id.in_(valid)))).scalars()}
    invited = []
    for uid in sorted(valid - present):
        inv = existing.get(uid)
        if inv is None:
            ctx.db.add(ChatInvitation(chat_id=chat.id, user_id=uid, invited_by=ctx.user.id if ctx.user else None))
        elif inv.declined_at is not None:
            inv.declined_at = None  # asked again; still their choice
        else:
            continue
        invited.append(uid)
    await ctx.db.flush()
    for uid in invited:
        ctx.emit(ChatInvited(org_id=chat.org_id, chat_id=chat.id, title=chat.title), {uid})
    return invited


async def create_chat(ctx: Ctx, org_id: int, *, kind: ChatKind, title: str,
                      description: str = "", rules: str = "", group_id: int | None = None,
                      subject: str = "", post_policy: PostPolicy = PostPolicy.everyone,
                      members_invite: bool = False, slow_mode_seconds: int = 0,
                      invite_user_ids: list[int] | None = None,
                      invite_group: bool = False) -> Chat:
    """Staff create group chats (R22); the creator owns and moderates it (R27)."""
    actor = ctx.require_actor()
    allowed = await org_for(ctx.db, actor, org_id, Action.chat_create)
    org = allowed.org
    if kind not in GROUP_CHAT_KINDS and kind != ChatKind.channel:
        raise ValidationFailed(fields={"kind": "invalid"})
    if kind == ChatKind.channel:
        await org_for(ctx.db, actor, org_id, Action.channel_create)
        post_policy = PostPolicy.moderators
    if kind in GROUP_BOUND:
        if group_id is None:
            raise ValidationFailed(fields={"group_id": "required"})
        group = await group_in(ctx.db, allowed, group_id)
        if group.kind != GroupKind.class_:
            raise ValidationFailed(fields={"group_id": "invalid"})
        if kind == ChatKind.subject and not subject.strip():
            raise ValidationFailed(fields={"subject": "required"})
    elif group_id is not None:
        await group_in(ctx.db, allowed, group_id)
    chat = Chat(org_id=org.id, kind=kind, title=title, description=description, rules=rules,
                group_id=group_id, subject=subject.strip(), created_by=actor.user_id,
                post_policy=post_policy, members_invite=members_invite,
                slow_mode_seconds=slow_mode_seconds)
    ctx.db.add(chat)
    await ctx.db.flush()
    await add_chat_member(ctx, chat, actor.user_id, ChatRole.owner, rules_accepted=True)
    wanted = set(invite_user_ids or [])
    if invite_group:
        wanted |= await eligible_for_group_chat(ctx, chat)
    invited = await _invite(ctx, chat, wanted - {actor.user_id})
    ctx.audit("chat.created", org.id, "chat", chat.id, kind=kind.value, title=title,
              invited=len(invited))
    ctx.emit(_chat_event(chat), {actor.user_id})
    return chat


CHAT_SETTINGS = ("title", "description", "rules", "post_policy", "members_invite",
                 "slow_mode_seconds")


async def update_chat(ctx: Ctx, chat_id: int, changes: dict[str, Any]) -> Chat:
    scope = await chat_for(ctx.db, ctx.require_actor(), chat_id)
    chat, me = scope.chat, scope.member
    require_chat(chat, me, ChatAction.manage)
    if chat.kind in (ChatKind.direct,):
        raise Forbidden()
    unknown = set(changes) - set(CHAT_SETTINGS)
    if unknown:
        raise ValidationFailed(fields={k: "invalid" for k in unknown})
    changed = sorted(k for k, v in changes.items() if getattr(chat, k) != v)
    for k in changed:
        setattr(chat, k, changes[k])
    if "rules" in changed:
        chat.rules_version += 1  # members see the new rules; new joiners accept this version
    if changed:
        ctx.audit("chat.updated", chat.org_id, "chat", chat.id, fields=changed)
        ctx.emit(_chat_event(chat), await active_member_ids(ctx, chat.id))
    return chat


async def invite_to_chat(ctx: Ctx, chat_id: int, user_ids: list[int],
                         invite_group: bool = False) -> list[int]:
    scope = await chat_for(ctx.db, ctx.require_actor(), chat_id)
    chat, me = scope.chat, scope.member
    require_chat(chat, me, ChatAction.invite)
    if chat.kind == ChatKind.direct:
        raise Forbidden()
    wanted = set(user_ids)
    unknown = wanted - await _org_user_ids(ctx, chat.org_id, sorted(wanted)) if wanted else set()
    if unknown:
        raise ValidationFailed(fields={"user_ids": "invalid"})
    if invite_group:
        wanted |= await eligible_for_group_chat(ctx, chat)
    invited = await _invite(ctx, chat, wanted)
    if invited:
        ctx.audit("chat.invited", chat.org_id, "chat", chat.id, user_ids=invited)
    return invited


async def join_chat(ctx: Ctx, chat_id: int, accept_rules: bool) -> ChatMember:
    """Joining is the person's own act (R23), after reading and accepting the rules (R24)."""
    actor = ctx.require_actor()
    scope = await chat_for(ctx.db, ctx.require_actor(), chat_id, invited_ok=True)
    chat, me = scope.chat, scope.member
    if me is not None:
        raise Conflict("already_member")
    # A group chat always has rules: the organization's (or Parta's default) and its own (R24).
    if (chat.kind in GROUP_CHAT_KINDS or chat.rules.strip()) and not accept_rules:
        raise ValidationFailed("rules_not_accepted", fields={"accept_rules": "required"})
    row = await add_chat_member(ctx, chat, actor.user_id, ChatRole.member, rules_accepted=True)
    inv = (await ctx.db.execute(select(ChatInvitation).where(
        ChatInvitation.chat_id == chat.id, ChatInvitation.user_id == actor.user_id))).scalar_one()
    await ctx.db.delete(inv)
    ctx.audit("chat.joined", chat.org_id, "chat", chat.id, rules_version=chat.rules_version,
              org_rules_version=row.org_rules_accepted_version)
    ctx.emit(ChatMemberChanged(org_id=chat.org_id, chat_id=chat.id, user_id=actor.user_id,
                               change="joined"), await active_member_ids(ctx, chat.id))
    return row


async def accept_rules(ctx: Ctx, chat_id: int) -> ChatMember:
    """A member accepts the chat's rules as they are now, after the school or the chat changed
    them (R24); the versions accepted are recorded."""
    scope = await chat_for(ctx.db, ctx.require_actor(), chat_id)
    chat, me = scope.chat, scope.member
    assert me is not None
    org = await ctx.db.get(Organization, chat.org_id)
    assert org is not None
    if (me.rules_accepted_version, me.org_rules_accepted_version) != (
            chat.rules_version, org.chat_rules_version):
        me.rules_accepted_version, me.rules_accepted_at = chat.rules_version, utcnow()
        me.org_rules_accepted_version = org.chat_rules_version
        ctx.audit("chat.rules_accepted", chat.org_id, "chat", chat.id,
                  rules_version=chat.rules_version, org_rules_version=org.chat_rules_version)
    return me


async def decline_invitation(ctx: Ctx, chat_id: int) -> None:
    actor = ctx.require_actor()
    scope = await chat_for(ctx.db, ctx.require_actor(), chat_id, invited_ok=True)
    chat, me = scope.chat, scope.member
    if me is not None:
        raise Conflict("already_member")
    inv = (await ctx.db.execute(select(ChatInvitation).where(
        ChatInvitation.chat_id == chat.id, ChatInvitation.user_id == actor.user_id))).scalar_one()
    inv.declined_at = utcnow()


async def leave_chat(ctx: Ctx, chat_id: int) -> None:
    """Anyone may leave (R23); the last moderator hands over first; system channels stay."""
    actor = ctx.require_actor()
    scope = await chat_for(ctx.db, ctx.require_actor(), chat_id)
    chat, me = scope.chat, scope.member
    assert me is not None
    if chat.kind in (ChatKind.school_channel, ChatKind.staff_channel):
        raise Conflict("system_channel")
    if me.role in (ChatRole.owner, ChatRole.moderator):
        others = (await ctx.db.execute(select(ChatMember.id).where(
            ChatMember.chat_id == chat.id, ChatMember.left_at.is_(None),
            ChatMember.user_id != actor.user_id,
            ChatMember.role.in_([ChatRole.owner, ChatRole.moderator])))).first()
        remaining = await active_member_ids(ctx, chat.id) - {actor.user_id}
        if others is None and remaining and chat.kind != ChatKind.direct:
            raise Conflict("last_moderator")
    audience = await active_member_ids(ctx, chat.id)
    me.left_at = utcnow()
    ctx.audit("chat.left", chat.org_id, "chat", chat.id)
    ctx.emit(ChatMemberChanged(org_id=chat.org_id, chat_id=chat.id, user_id=actor.user_id,
                               change="left"), audience)


async def set_chat_role(ctx: Ctx, chat_id: int, user_id: int, role: ChatRole) -> ChatMember:
    scope = await chat_for(ctx.db, ctx.require_actor(), chat_id)
    chat, me = scope.chat, scope.member
    require_chat(chat, me, ChatAction.manage)
    net = await network_of(ctx.db, chat)
    joint = net is not None and net.kind == NetworkKind.joint
    if not appoints_moderators(me.role.value if me else None, direct=False, archived=False,
                               joint=joint, owner_school_staff=bool(
                                   ctx.require_actor().roles_in(chat.org_id) & STAFF)):
        raise Forbidden("not_owner_school")  # a guest school's moderator of a joint chat
    if role == ChatRole.owner or chat.kind == ChatKind.direct:
        raise ValidationFailed("role_not_allowed", fields={"role": "invalid"})
    target = await chat_member(ctx, chat.id, user_id)
    if target is None:
        raise NotFound()
    if target.role == ChatRole.owner:
        raise Conflict("role_not_allowed")
    school = chat.org_id
    if role == ChatRole.moderator:
        # The regulation gives the moderator's powers to staff, never to a student (R27): staff
        # of the chat's school, or, in a chat of several schools, of a school taking part.
        school = await _staff_school(ctx, chat, net is not None, user_id)
    elif net is not None:  # whose moderator stops being one: for the audit
        school = await _staff_school(ctx, chat, True, user_id, strict=False)
    target.role = role
    extra = {"school_id": school} if school != chat.org_id else {}
    ctx.audit("chat.role_set", chat.org_id, "chat", chat.id, user_id=user_id, role=role.value,
              **extra)
    ctx.emit(ChatMemberChanged(org_id=chat.org_id, chat_id=chat.id, user_id=user_id,
                               change=f"role:{role.value}"), await active_member_ids(ctx, chat.id))
    return target


async def _staff_school(ctx: Ctx, chat: Chat, network: bool, user_id: int, *,
                        strict: bool = True) -> int:
    """The school whose staff the person is: the chat's own first, else (a chat of several
    schools, R41) a school taking part in it now. None such: ``not_staff`` (``strict``) or
    the chat's school."""
    m = await membership_of(ctx, chat.org_id, user_id)
    if m is not None and await roles_of(ctx, m.id) & STAFF:
        return chat.org_id
    if network:
        schools = await accepted_org_ids(ctx.db, chat)
        for org_id, roles in sorted((await staff_roles_in(ctx.db, user_id, schools)).items()):
            if roles & STAFF:
                return org_id
    if strict:
        raise ValidationFailed("not_staff", fields={"user_id": "not_staff"})
    return chat.org_id


async def start_direct(ctx: Ctx, org_id: int, user_id: int) -> Chat:
    """A one-to-one chat, found or made; who may write to whom is the policy's
    (``policy.DIRECT_RULES``: R19 and safe mode for the students). Someone who is not of the
    organization does not exist here."""
    actor = ctx.require_actor()
    allowed = await org_for(ctx.db, actor, org_id, Action.org_view)
    org = allowed.org
    if user_id == actor.user_id:
        raise ValidationFailed(fields={"user_id": "invalid"})
    refusals = await direct_refusals(ctx.db, allowed, [user_id])
    if user_id not in refusals:
        raise NotFound()
    refusal = refusals[user_id]
    if refusal is not None:
        raise Forbidden(refusal)
    key = f"{min(actor.user_id, user_id)}:{max(actor.user_id, user_id)}"
    chat = (await ctx.db.execute(select(Chat).where(
        Chat.org_id == org.id, Chat.direct_key == key))).scalar_one_or_none()
    if chat is None:
        chat = Chat(org_id=org.id, kind=ChatKind.direct, direct_key=key, created_by=actor.user_id)
        ctx.db.add(chat)
        await ctx.db.flush()
    for uid in (actor.user_id, user_id):
        if await chat_member(ctx, chat.id, uid) is None:
            await add_chat_member(ctx, chat, uid, ChatRole.member, rules_accepted=True)
    ctx.emit(_chat_event(chat), {actor.user_id})
    return chat


async def require_direct_allowed(ctx: Ctx, chat: Chat, user_id: int) -> None:
    """In a one-to-one chat, the policy still holds: a chat opened before safe mode, or before
    a teacher stopped teaching the class, takes no new messages once the two may no longer
    write to each other. (Someone who left the school is the movement's to handle.)"""
    if chat.kind != ChatKind.direct or not chat.direct_key:
        return
    other = next((int(p) for p in chat.direct_key.split(":") if int(p) != user_id), None)
    if other is None:
        return
    refusal = await direct_refusal_in(ctx.db, chat, ctx.require_actor(), other)
    if refusal is not None:
        raise Forbidden(refusal)


async def ensure_system_channels(ctx: Ctx, org: Organization) -> tuple[Chat, Chat]:
    """Every organization has the school-wide channel and the staff channel (R35)."""
    found = {c.kind: c for c in (await ctx.db.execute(select(Chat).where(
        Chat.org_id == org.id, Chat.kind.in_([ChatKind.school_channel, ChatKind.staff_channel])
    ))).scalars()}
    for kind, title in ((ChatKind.school_channel, "channel.school"),
                        (ChatKind.staff_channel, "channel.staff")):
        if kind not in found:
            found[kind] = Chat(org_id=org.id, kind=kind, title=t("ru", title),
                               post_policy=PostPolicy.moderators)
            ctx.db.add(found[kind])
    await ctx.db.flush()
    return found[ChatKind.school_channel], found[ChatKind.staff_channel]


async def subscribe_to_channels(ctx: Ctx, org: Organization, user_id: int) -> None:
    """Everyone reads the school-wide channel; staff the staff channel; administrators post."""
    school, staff = await ensure_system_channels(ctx, org)
    roles = set((await ctx.db.execute(select(MembershipRole.role).join(
        Membership, Membership.id == MembershipRole.membership_id).where(
        Membership.org_id == org.id, Membership.user_id == user_id,
        Membership.left_at.is_(None)))).scalars())
    is_admin = bool(roles & {Role.org_admin, Role.administration})
    is_staff = bool(roles & {Role.org_admin, Role.administration, Role.teacher})
    wanted = [school] + ([staff] if is_staff else [])
    if not is_staff:
        row = await chat_member(ctx, staff.id, user_id)
        if row is not None:  # no longer staff: no longer in the staff channel
            row.left_at = utcnow()
    for channel in wanted:
        role = ChatRole.moderator if is_admin else ChatRole.member
        row = await chat_member(ctx, channel.id, user_id)
        if row is None:
            await add_chat_member(ctx, channel, user_id, role, rules_accepted=True)
        elif row.role != ChatRole.owner and row.role != role:
            row.role = role


# Places in the school imply chats (R9, R21, R23) ------------------------------------------------

async def group_chats(ctx: Ctx, group_id: int, kinds: tuple[ChatKind, ...] | None = None
                       ) -> list[Chat]:
    q = select(Chat).where(Chat.group_id == group_id).order_by(Chat.id)
    if kinds is not None:
        q = q.where(Chat.kind.in_(kinds))
    return list((await ctx.db.execute(q)).scalars())


async def invite_to_group_chats(ctx: Ctx, group_id: int, only: set[int] | None = None,
                                invited_by: int | None = None) -> int:
    """Invite those a class's chats are for (``chats.eligible_for_group_chat``) who were never
    in them nor asked: someone who declined or left is not asked again. ``only`` narrows it to
    some people. Set-wise over the class's chats: a few statements per class, not per person."""
    chats = [c for c in await group_chats(ctx, group_id) if c.archived_at is None
             and c.kind in (ChatKind.class_, ChatKind.parents, ChatKind.class_teachers,
                            ChatKind.subject)]
    if not chats:
        return 0
    ids = [c.id for c in chats]
    seen = {(c, u) for c, u in (await ctx.db.execute(select(
        ChatMember.chat_id, ChatMember.user_id).where(ChatMember.chat_id.in_(ids)))).all()}
    seen |= {(c, u) for c, u in (await ctx.db.execute(select(
        ChatInvitation.chat_id, ChatInvitation.user_id).where(
        ChatInvitation.chat_id.in_(ids)))).all()}
    wanted: list[tuple[Chat, int]] = []
    for chat in chats:
        people = await eligible_for_group_chat(ctx, chat)
        if only is not None:
            people &= only
        wanted += [(chat, uid) for uid in sorted(people) if (chat.id, uid) not in seen]
    if not wanted:
        return 0
    members = set((await ctx.db.execute(select(Membership.user_id).where(
        Membership.org_id == chats[0].org_id, Membership.left_at.is_(None),
        Membership.user_id.in_(sorted({uid for _, uid in wanted}))))).scalars())
    wanted = [(chat, uid) for chat, uid in wanted if uid in members]
    # Whoever gave the place asks (the caller, or the author of the link one joined by); a person
    # is never shown as having invited themselves.
    inviter = invited_by or (ctx.user.id if ctx.user is not None and ctx.user.id else None)
    if only is not None and inviter in only:
        inviter = None
    now = utcnow()
    await ctx.db.execute(insert(ChatInvitation), [
        {"chat_id": chat.id, "user_id": uid, "invited_by": inviter, "created_at": now}
        for chat, uid in wanted])
    # Only someone who has signed in can hear of it now; others see it on first sign-in.
    reachable = set((await ctx.db.execute(select(User.id).where(
        User.id.in_(sorted({uid for _, uid in wanted})), User.activated_at.is_not(None)))).scalars())
    for chat, uid in wanted:
        if uid in reachable:
            ctx.emit(ChatInvited(org_id=chat.org_id, chat_id=chat.id, title=chat.title), {uid})
    return len(wanted)
