"""A network of schools (R41): joint chats between the schools of a municipality, and its
methodical associations.

A joint chat is a chat of its owner school (its rules, R24; its files; its archive) that other
schools of the same municipality are invited to. Only the owner school's moderators of the chat
invite or remove a school; only an administrator of the invited school accepts or declines for
it (the school's own consent: nobody's staff is put anywhere by another school). Once a school
takes part, its administrator invites its staff (each joins by their own act, R23) or they come
by the chat's invite link; its administrator can take the school out, and its people leave the
chat with it (the history stays with the owner school). Each school's moderators act on their
own school's members only.

A methodical association is a standing joint chat per subject, made by the municipal
administrator and hosted by one school of the municipality; a teacher of that subject in any of
the municipality's schools (or one who runs a school) joins it from the directory.

The decisions that race (two administrators accepting at once; accepting while the owner
removes the school) are each one conditional UPDATE on the school's row, so exactly one wins.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from parta.actions.base import Ctx
from parta.actions.chats import active_member_ids, add_chat_member, chat_member
from parta.actions.roles import org_admin_ids
from parta.db import utcnow
from parta.errors import AlreadyDecided, Conflict, Forbidden, NotFound, ValidationFailed
from parta.i18n import t
from parta.models import (
    Chat,
    ChatInvitation,
    ChatKind,
    ChatMember,
    ChatOrg,
    ChatOrgStatus,
    ChatRole,
    Membership,
    MembershipRole,
    NetworkChat,
    NetworkKind,
    Organization,
    PostPolicy,
)
from parta.policy import ADMINS, STAFF, Action, ChatAction, can_chat
from parta.queries.network import (
    accepted_org_ids,
    network_of,
    staff_roles_in,
    teaches_subject,
)
from parta.queries.scope import chat_for, municipality_for, org_for
from parta.realtime.events import (
    ChatChanged,
    ChatInvited,
    ChatMemberChanged,
    NetworkChanged,
    NetworkInvited,
)
from parta.schemas.network import MAX_ORGS

__all__ = [
    "create_association",
    "create_joint_chat",
    "decide_invitation",
    "invite_orgs",
    "invite_staff",
    "join_association",
    "leave_network",
    "may_moderate_member",
    "open_channel",
    "remove_org",
]

OPEN = (ChatOrgStatus.invited, ChatOrgStatus.accepted)


async def _joint(ctx: Ctx, chat: Chat) -> NetworkChat:
    net = await network_of(ctx.db, chat)
    if net is None or net.kind != NetworkKind.joint:
        raise Conflict("not_joint_chat")
    return net


def _owner_side(ctx: Ctx, chat: Chat, me: ChatMember | None) -> None:
    """Schools are invited and removed by the chat's moderators who are staff of its owner
    school; a moderator from a guest school invites only their own school's staff."""
    if chat.archived_at is not None:
        raise Conflict("chat_archived")
    if me is None or not can_chat(me.role.value, ChatAction.manage) or not (
            ctx.require_actor().roles_in(chat.org_id) & STAFF):
        raise Forbidden("not_owner_school")


async def _staff_ids(ctx: Ctx, org_id: int, user_ids: list[int] | None = None) -> set[int]:
    q = (select(Membership.user_id).join(MembershipRole,
                                         MembershipRole.membership_id == Membership.id)
         .where(Membership.org_id == org_id, Membership.left_at.is_(None),
                MembershipRole.role.in_(sorted(STAFF))))
    if user_ids is not None:
        q = q.where(Membership.user_id.in_(user_ids))
    return set((await ctx.db.execute(q)).scalars())


async def _invite_orgs(ctx: Ctx, chat: Chat, org_ids: list[int]) -> list[int]:
    """Invite schools of the chat's municipality; one already invited or taking part is left
    as it is, one that declined, left or was removed is asked again."""
    owner = await ctx.db.get(Organization, chat.org_id)
    assert owner is not None
    wanted = sorted(set(org_ids) - {owner.id})
    if not wanted:
        return []
    found = set((await ctx.db.execute(select(Organization.id).where(
        Organization.id.in_(wanted),
        Organization.municipality_id == owner.municipality_id))).scalars())
    if found != set(wanted):  # another municipality's school is not there to invite
        raise ValidationFailed(fields={"org_ids": "invalid"})
    rows = {r.org_id: r for r in (await ctx.db.execute(select(ChatOrg).where(
        ChatOrg.chat_id == chat.id))).scalars()}
    if len({o for o, r in rows.items() if r.status in OPEN} | set(wanted)) > MAX_ORGS:
        raise ValidationFailed("too_many_orgs", fields={"org_ids": "too_many_orgs"})
    actor = ctx.require_actor()
    invited = []
    now = utcnow()
    for org_id in wanted:
        row = rows.get(org_id)
        if row is not None and row.status in OPEN:
            continue
        if row is None:
            ctx.db.add(ChatOrg(chat_id=chat.id, org_id=org_id, status=ChatOrgStatus.invited,
                               invited_by=actor.user_id, invited_at=now))
        else:
            row.status, row.invited_by, row.invited_at = ChatOrgStatus.invited, actor.user_id, now
            row.decided_by = row.decided_at = None
        invited.append(org_id)
    await ctx.db.flush()
    for org_id in invited:
        ctx.audit("network.org_invited", chat.org_id, "chat", chat.id, school_id=org_id)
        ctx.emit(NetworkInvited(org_id=org_id, chat_id=chat.id, title=chat.title,
                                from_org=owner.name), await org_admin_ids(ctx, org_id))
    return invited


async def create_joint_chat(ctx: Ctx, org_id: int, *, title: str, description: str = "",
                            rules: str = "", org_ids: list[int] | None = None) -> Chat:
    """A staff member starts a joint chat of their school and invites other schools of the
    municipality; they own and moderate it (R27)."""
    actor = ctx.require_actor()
    allowed = await org_for(ctx.db, actor, org_id, Action.network_chat_create)
    org = allowed.org
    chat = Chat(org_id=org.id, kind=ChatKind.custom, title=title, description=description,
                rules=rules, created_by=actor.user_id, post_policy=PostPolicy.everyone)
    ctx.db.add(chat)
    await ctx.db.flush()
    ctx.db.add(NetworkChat(chat_id=chat.id, kind=NetworkKind.joint,
                           municipality_id=org.municipality_id))
    ctx.db.add(ChatOrg(chat_id=chat.id, org_id=org.id, status=ChatOrgStatus.accepted,
                       invited_by=actor.user_id, decided_by=actor.user_id, decided_at=utcnow()))
    await add_chat_member(ctx, chat, actor.user_id, ChatRole.owner, rules_accepted=True)
    ctx.audit("network.chat_created", org.id, "chat", chat.id, title=title)
    await _invite_orgs(ctx, chat, list(org_ids or []))
    ctx.emit(ChatChanged(org_id=chat.org_id, chat_id=chat.id), {actor.user_id})
    return chat


async def invite_orgs(ctx: Ctx, chat_id: int, org_ids: list[int]) -> list[int]:
    scope = await chat_for(ctx.db, ctx.require_actor(), chat_id)
    chat = scope.chat
    await _joint(ctx, chat)
    _owner_side(ctx, chat, scope.member)
    return await _invite_orgs(ctx, chat, org_ids)


async def _place(ctx: Ctx, chat_id: int, org_id: int) -> tuple[Chat, ChatOrg]:
    """The school's row in a joint chat that invited it; to anyone else, nothing."""
    row = (await ctx.db.execute(select(ChatOrg).where(
        ChatOrg.chat_id == chat_id, ChatOrg.org_id == org_id))).scalar_one_or_none()
    chat = await ctx.db.get(Chat, chat_id)
    if row is None or chat is None or chat.org_id == org_id:
        raise NotFound()
    return chat, row


async def _set_status(ctx: Ctx, row: ChatOrg, frm: tuple[ChatOrgStatus, ...],
                      to: ChatOrgStatus) -> None:
    """One conditional UPDATE: of two decisions racing for the school's row, one wins and the
    other is told it was decided already."""
    res = await ctx.db.execute(
        update(ChatOrg).where(ChatOrg.id == row.id, ChatOrg.status.in_(frm))
        .values(status=to, decided_by=ctx.require_actor().user_id, decided_at=utcnow())
        .execution_options(synchronize_session=False))
    if res.rowcount != 1:  # type: ignore[attr-defined]
        raise AlreadyDecided()
    await ctx.db.refresh(row)


async def _announce(ctx: Ctx, chat: Chat, org_id: int, status: ChatOrgStatus,
                    also: set[int] | None = None) -> None:
    ctx.emit(NetworkChanged(org_id=org_id, chat_id=chat.id, status=status.value),
             await active_member_ids(ctx, chat.id) | await org_admin_ids(ctx, org_id)
             | (also or set()))


async def decide_invitation(ctx: Ctx, org_id: int, chat_id: int, *, accept: bool,
                            accept_rules: bool = False) -> ChatOrg:
    """An administrator of the invited school accepts (after reading the chat's rules, R24:
    they join it as their school's moderator) or declines."""
    actor = ctx.require_actor()
    await org_for(ctx.db, actor, org_id, Action.network_decide)
    chat, row = await _place(ctx, chat_id, org_id)
    if row.status != ChatOrgStatus.invited:
        raise AlreadyDecided()
    if chat.archived_at is not None:
        raise Conflict("chat_archived")
    if accept and not accept_rules:
        raise ValidationFailed("rules_not_accepted", fields={"accept_rules": "required"})
    status = ChatOrgStatus.accepted if accept else ChatOrgStatus.declined
    await _set_status(ctx, row, (ChatOrgStatus.invited,), status)
    if accept:
        await add_chat_member(ctx, chat, actor.user_id, ChatRole.moderator, rules_accepted=True)
        ctx.emit(ChatMemberChanged(org_id=chat.org_id, chat_id=chat.id, user_id=actor.user_id,
                                   change="joined"), await active_member_ids(ctx, chat.id))
        ctx.emit(ChatChanged(org_id=org_id, chat_id=chat.id), {actor.user_id})
    ctx.audit("network.invitation_accepted" if accept else "network.invitation_declined",
              org_id, "chat", chat.id, owner_org_id=chat.org_id)
    await _announce(ctx, chat, org_id, status)
    return row


async def invite_staff(ctx: Ctx, org_id: int, chat_id: int, user_ids: list[int]) -> list[int]:
    """The administrator of a school taking part invites its staff; each joins by their own
    act after reading the rules (R23, R24). Someone who is not the school's staff is refused."""
    actor = ctx.require_actor()
    await org_for(ctx.db, actor, org_id, Action.network_decide)
    chat, row = await _place(ctx, chat_id, org_id)
    if row.status != ChatOrgStatus.accepted:
        raise NotFound()
    if chat.archived_at is not None:
        raise Conflict("chat_archived")
    wanted = sorted(set(user_ids))
    staff = await _staff_ids(ctx, org_id, wanted)
    if staff != set(wanted):
        raise ValidationFailed(fields={"user_ids": "not_staff"})
    present = await active_member_ids(ctx, chat.id)
    existing = {i.user_id: i for i in (await ctx.db.execute(select(ChatInvitation).where(
        ChatInvitation.chat_id == chat.id, ChatInvitation.user_id.in_(wanted)))).scalars()}
    invited = []
    for uid in wanted:
        if uid in present:
            continue
        inv = existing.get(uid)
        if inv is None:
            ctx.db.add(ChatInvitation(chat_id=chat.id, user_id=uid, invited_by=actor.user_id))
        elif inv.declined_at is not None:
            inv.declined_at = None
        else:
            continue
        invited.append(uid)
    await ctx.db.flush()
    for uid in invited:  # told as people of their own school, where their list is
        ctx.emit(ChatInvited(org_id=org_id, chat_id=chat.id, title=chat.title), {uid})
    if invited:
        ctx.audit("network.staff_invited", org_id, "chat", chat.id, user_ids=invited)
    return invited


async def _take_out(ctx: Ctx, chat: Chat, org_id: int) -> int:
    """The school's people leave the chat (unless they take part from another school still in
    it) and their pending invitations go; the messages stay."""
    staying = await accepted_org_ids(ctx.db, chat)
    members = await active_member_ids(ctx, chat.id)
    of_school = set((await ctx.db.execute(select(Membership.user_id).where(
        Membership.org_id == org_id, Membership.user_id.in_(sorted(members) or [0]),
        Membership.left_at.is_(None)))).scalars())
    leaving = []
    for uid in sorted(of_school):
        roles = await staff_roles_in(ctx.db, uid, staying)
        if not any(roles.values()):
            leaving.append(uid)
    # A municipal administrator, or anyone of no school, is not the school's to take out.
    now = utcnow()
    for row in (await ctx.db.execute(select(ChatMember).where(
            ChatMember.chat_id == chat.id, ChatMember.user_id.in_(leaving or [0]),
            ChatMember.left_at.is_(None)))).scalars():
        row.left_at = now
    school_people = set((await ctx.db.execute(select(Membership.user_id).where(
        Membership.org_id == org_id, Membership.left_at.is_(None)))).scalars())
    for inv in (await ctx.db.execute(select(ChatInvitation).where(
            ChatInvitation.chat_id == chat.id,
            ChatInvitation.user_id.in_(sorted(school_people) or [0])))).scalars():
        await ctx.db.delete(inv)
    await ctx.db.flush()
    for uid in leaving:
        ctx.emit(ChatMemberChanged(org_id=chat.org_id, chat_id=chat.id, user_id=uid,
                                   change="left"), members)
    return len(leaving)


async def leave_network(ctx: Ctx, org_id: int, chat_id: int) -> ChatOrg:
    """The school's administrator takes the school out of a joint chat."""
    actor = ctx.require_actor()
    await org_for(ctx.db, actor, org_id, Action.network_decide)
    chat, row = await _place(ctx, chat_id, org_id)
    if row.status != ChatOrgStatus.accepted:
        raise NotFound()
    before = await active_member_ids(ctx, chat.id)
    await _set_status(ctx, row, (ChatOrgStatus.accepted,), ChatOrgStatus.left)
    left = await _take_out(ctx, chat, org_id)
    ctx.audit("network.school_left", org_id, "chat", chat.id, owner_org_id=chat.org_id,
              members_left=left)
    await _announce(ctx, chat, org_id, ChatOrgStatus.left, before)
    return row


async def remove_org(ctx: Ctx, chat_id: int, org_id: int) -> ChatOrg:
    """The owner school's moderators take a school out of the chat (or withdraw its
    invitation)."""
    scope = await chat_for(ctx.db, ctx.require_actor(), chat_id)
    chat = scope.chat
    await _joint(ctx, chat)
    _owner_side(ctx, chat, scope.member)
    row = (await ctx.db.execute(select(ChatOrg).where(
        ChatOrg.chat_id == chat.id, ChatOrg.org_id == org_id))).scalar_one_or_none()
    if row is None or org_id == chat.org_id:
        raise NotFound()
    before = await active_member_ids(ctx, chat.id)
    await _set_status(ctx, row, OPEN, ChatOrgStatus.removed)
    left = await _take_out(ctx, chat, org_id)
    ctx.audit("network.school_removed", chat.org_id, "chat", chat.id, school_id=org_id,
              members_left=left)
    await _announce(ctx, chat, org_id, ChatOrgStatus.removed, before)
    return row


async def may_moderate_member(ctx: Ctx, chat: Chat, me: ChatMember, user_id: int) -> bool:
    """In a joint chat each school's moderators act on their own school's members (the owner
    of an association, the municipality's, on anyone); in any other chat, its moderators on
    anyone."""
    net = await network_of(ctx.db, chat)
    if net is None:
        return True
    if net.kind != NetworkKind.joint and me.role == ChatRole.owner:
        return True  # the municipality's own chats: its administrator acts on anyone
    schools = await accepted_org_ids(ctx.db, chat) if net.kind == NetworkKind.joint else set(
        (await ctx.db.execute(select(Organization.id).where(
            Organization.municipality_id == net.municipality_id))).scalars())
    mine = {o for o, r in (await staff_roles_in(ctx.db, me.user_id, schools)).items()
            if r & STAFF}
    theirs = set((await staff_roles_in(ctx.db, user_id, schools)).keys())
    return bool(mine & theirs)


# Methodical associations ----------------------------------------------------------------------

async def create_association(ctx: Ctx, municipality_id: int, *, subject: str, title: str,
                             host_org_id: int, description: str = "", rules: str = "") -> Chat:
    """The municipal administrator makes the association of a subject, hosted by one of the
    municipality's schools; they own it. One association per subject."""
    actor = ctx.require_actor()
    muni = (await municipality_for(ctx.db, actor, municipality_id)).municipality
    host = await ctx.db.get(Organization, host_org_id)
    if host is None or host.municipality_id != muni.id:
        raise ValidationFailed(fields={"host_org_id": "invalid"})
    taken = (await ctx.db.execute(select(NetworkChat.subject).where(
        NetworkChat.municipality_id == muni.id,
        NetworkChat.kind == NetworkKind.association))).scalars()
    if any(s.casefold() == subject.strip().casefold() for s in taken):
        raise Conflict("association_exists")
    chat = Chat(org_id=host.id, kind=ChatKind.custom, title=title, description=description,
                rules=rules, subject=subject.strip(), created_by=actor.user_id)
    ctx.db.add(chat)
    await ctx.db.flush()
    ctx.db.add(NetworkChat(chat_id=chat.id, kind=NetworkKind.association,
                           municipality_id=muni.id, subject=subject.strip()))
    ctx.db.add(ChatOrg(chat_id=chat.id, org_id=host.id, status=ChatOrgStatus.accepted,
                       invited_by=actor.user_id, decided_by=actor.user_id, decided_at=utcnow()))
    await add_chat_member(ctx, chat, actor.user_id, ChatRole.owner, rules_accepted=True)
    ctx.audit("network.association_created", host.id, "chat", chat.id, subject=subject,
              municipality_id=muni.id)
    ctx.emit(ChatChanged(org_id=chat.org_id, chat_id=chat.id), {actor.user_id})
    return chat


async def join_association(ctx: Ctx, org_id: int, chat_id: int, accept_rules: bool) -> ChatMember:
    """A teacher of the subject in a school of the municipality (or one who runs the school)
    joins its association after accepting the rules (R24). Another municipality's association
    does not exist here; a subject the caller does not teach is refused (``not_your_subject``)."""
    actor = ctx.require_actor()
    scope = await org_for(ctx.db, actor, org_id, Action.association_join)
    chat = await ctx.db.get(Chat, chat_id)
    net = await network_of(ctx.db, chat) if chat is not None else None
    if (chat is None or net is None or net.kind != NetworkKind.association
            or net.municipality_id != scope.org.municipality_id or chat.archived_at is not None):
        raise NotFound()
    if not (actor.roles_in(org_id) & ADMINS) and not await teaches_subject(
            ctx.db, scope, net.subject):
        raise Forbidden("not_your_subject")
    already = (await ctx.db.execute(select(ChatMember).where(
        ChatMember.chat_id == chat.id, ChatMember.user_id == actor.user_id,
        ChatMember.left_at.is_(None)))).scalar_one_or_none()
    if already is not None:
        raise Conflict("already_member")
    if not accept_rules:
        raise ValidationFailed("rules_not_accepted", fields={"accept_rules": "required"})
    place = (await ctx.db.execute(select(ChatOrg).where(
        ChatOrg.chat_id == chat.id, ChatOrg.org_id == org_id))).scalar_one_or_none()
    if place is None:
        try:
            async with ctx.db.begin_nested():  # two teachers of one school at once: one row
                ctx.db.add(ChatOrg(chat_id=chat.id, org_id=org_id,
                                   status=ChatOrgStatus.accepted, invited_by=actor.user_id,
                                   decided_by=actor.user_id, decided_at=utcnow()))
        except IntegrityError:
            pass  # the other teacher's row is the school's place
    async with ctx.db.begin_nested():  # the same person joining twice at once: one row wins
        row = await add_chat_member(ctx, chat, actor.user_id, ChatRole.member,
                                    rules_accepted=True)
    ctx.audit("network.association_joined", org_id, "chat", chat.id)
    ctx.emit(ChatMemberChanged(org_id=chat.org_id, chat_id=chat.id, user_id=actor.user_id,
                               change="joined"), await active_member_ids(ctx, chat.id))
    ctx.emit(ChatChanged(org_id=org_id, chat_id=chat.id), {actor.user_id})
    return row


# The municipality's channel (R2) ----------------------------------------------------------------

async def open_channel(ctx: Ctx, municipality_id: int) -> Chat:
    """The municipality's channel to its schools' administrators, made the first time its
    administrator opens it (hosted by the municipality's first school, for the chat's home);
    each opening brings in the schools' administrators who are not in it yet — a work channel
    of their office, like the school's staff channel. The municipal administrator posts; the
    schools' administrators read and answer a post (``PostPolicy.replies``), where all of
    the channel — the municipality's and every school's administrators — read the answers."""
    actor = ctx.require_actor()
    muni = (await municipality_for(ctx.db, actor, municipality_id)).municipality
    schools = list((await ctx.db.execute(select(Organization).where(
        Organization.municipality_id == muni.id).order_by(Organization.id))).scalars())
    if not schools:
        raise Conflict("no_schools")
    found = (await ctx.db.execute(select(NetworkChat).where(
        NetworkChat.municipality_id == muni.id,
        NetworkChat.kind == NetworkKind.channel))).scalar_one_or_none()
    if found is None:
        chat = Chat(org_id=schools[0].id, kind=ChatKind.channel,
                    title=t("ru", "channel.municipality", name=muni.name),
                    post_policy=PostPolicy.replies, created_by=actor.user_id)
        ctx.db.add(chat)
        await ctx.db.flush()
        ctx.db.add(NetworkChat(chat_id=chat.id, kind=NetworkKind.channel,
                               municipality_id=muni.id))
        await add_chat_member(ctx, chat, actor.user_id, ChatRole.owner, rules_accepted=True)
        ctx.audit("network.channel_created", schools[0].id, "chat", chat.id,
                  municipality_id=muni.id)
    else:
        loaded = await ctx.db.get(Chat, found.chat_id)
        assert loaded is not None
        chat = loaded
        owner = await chat_member(ctx, chat.id, actor.user_id)
        if owner is None:  # a second municipal administrator runs it too
            await add_chat_member(ctx, chat, actor.user_id, ChatRole.moderator,
                                  rules_accepted=True)
    places = {r.org_id: r for r in (await ctx.db.execute(select(ChatOrg).where(
        ChatOrg.chat_id == chat.id))).scalars()}
    present = await active_member_ids(ctx, chat.id)
    added: set[int] = set()
    for org in schools:
        if org.id not in places:
            ctx.db.add(ChatOrg(chat_id=chat.id, org_id=org.id, status=ChatOrgStatus.accepted,
                               invited_by=actor.user_id, decided_by=actor.user_id,
                               decided_at=utcnow()))
        for uid in sorted(await org_admin_ids(ctx, org.id) - present - added):
            await add_chat_member(ctx, chat, uid, ChatRole.member, rules_accepted=True)
            added.add(uid)
    await ctx.db.flush()
    if added:
        ctx.audit("network.channel_subscribed", chat.org_id, "chat", chat.id,
                  user_ids=sorted(added))
        for uid in added:
            ctx.emit(ChatChanged(org_id=chat.org_id, chat_id=chat.id), {uid})
    ctx.emit(ChatChanged(org_id=chat.org_id, chat_id=chat.id), {actor.user_id})
    return chat
