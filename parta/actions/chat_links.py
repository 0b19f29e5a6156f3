"""Invite links to one chat, joining by them, and asking to join a chat (R22, R23, R24).

A chat's moderators (and members, where the chat lets members invite) make a link with an
expiry, a use limit and, if they want, approval. A person of the chat's school who opens it
joins after accepting the rules — or asks, and a moderator lets them in or not. Colleagues find
the school's staff chats in a directory and ask the same way. Nobody outside the school gets
in, and each link counts its uses with one conditional UPDATE, so a last use is won once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from parta.actions.base import Ctx
from parta.actions.chats import active_member_ids, add_chat_member, require_chat
from parta.actions.roles import membership_of, roles_of
from parta.db import utcnow
from parta.errors import (
    AlreadyDecided,
    Conflict,
    Forbidden,
    InviteRefused,
    NotFound,
    ValidationFailed,
)
from parta.models import (
    GROUP_CHAT_KINDS,
    Chat,
    ChatInvitation,
    ChatJoinRequest,
    ChatJoinStatus,
    ChatKind,
    ChatLink,
    ChatMember,
    ChatRole,
    Organization,
    Role,
)
from parta.policy import Action, ChatAction, chat_join_refusal
from parta.queries.chat_links import removed_for_rules, staff_chats, staff_room_chat
from parta.queries.network import network_refusal
from parta.queries.scope import chat_by_link, chat_for, org_for
from parta.realtime.events import (
    ChatChanged,
    ChatJoinDecided,
    ChatJoinRequested,
    ChatLinkChanged,
    ChatMemberChanged,
)
from parta.security import new_token

__all__ = ["ChatJoinOutcome", "annul_link", "create_link", "decide_join_request",
           "join_by_link", "request_from_directory"]

NO_LINKS = (ChatKind.direct, ChatKind.school_channel, ChatKind.staff_channel)


@dataclass
class ChatJoinOutcome:
    status: str  # joined | requested
    chat_id: int
    request_id: int | None = None


async def moderator_ids(ctx: Ctx, chat_id: int) -> set[int]:
    return set((await ctx.db.execute(select(ChatMember.user_id).where(
        ChatMember.chat_id == chat_id, ChatMember.left_at.is_(None),
        ChatMember.role.in_([ChatRole.owner, ChatRole.moderator])))).scalars())


# Links -------------------------------------------------------------------------------------------

async def create_link(ctx: Ctx, chat_id: int, *, requires_approval: bool = False,
                      max_uses: int | None = None, ttl_days: int | None = None) -> ChatLink:
    """Whoever may invite to the chat (``ChatAction.invite``) makes a link to it; a one-to-one
    chat and the system channels have none (everyone who belongs is in them already)."""
    scope = await chat_for(ctx.db, ctx.require_actor(), chat_id)
    chat = scope.chat
    require_chat(chat, scope.member, ChatAction.invite)
    if chat.kind in NO_LINKS:
        raise Conflict("chat_link_not_allowed")
    s = ctx.settings
    ttl = ttl_days if ttl_days is not None else s.invite_default_ttl_days
    if not 1 <= ttl <= s.invite_max_ttl_days:
        raise ValidationFailed(fields={"ttl_days": "out_of_range"})
    actor = ctx.require_actor()
    link = ChatLink(org_id=chat.org_id, chat_id=chat.id, token=new_token(32),
                    requires_approval=requires_approval, max_uses=max_uses,
                    expires_at=utcnow() + timedelta(days=ttl), created_by=actor.user_id)
    ctx.db.add(link)
    await ctx.db.flush()
    ctx.audit("chat_link.created", chat.org_id, "chat", chat.id, link_id=link.id,
              max_uses=max_uses, ttl_days=ttl, requires_approval=requires_approval)
    ctx.emit(ChatLinkChanged(org_id=chat.org_id, chat_id=chat.id, link_id=link.id,
                             state="active"), await moderator_ids(ctx, chat.id) | {actor.user_id})
    return link


async def annul_link(ctx: Ctx, chat_id: int, link_id: int) -> ChatLink:
    """A chat's moderators annul any of its links; a member who may invite, the links they
    made."""
    actor = ctx.require_actor()
    scope = await chat_for(ctx.db, actor, chat_id)
    chat = scope.chat
    link = await ctx.db.get(ChatLink, link_id)
    if link is None or link.chat_id != chat.id:
        raise NotFound()
    require_chat(chat, scope.member, ChatAction.invite)
    if not scope.moderates and link.created_by != actor.user_id:
        raise Forbidden("not_moderator")
    if link.annulled_at is not None:
        raise Conflict("invite_not_active")
    link.annulled_at, link.annulled_by = utcnow(), actor.user_id
    ctx.audit("chat_link.annulled", chat.org_id, "chat", chat.id, link_id=link.id)
    ctx.emit(ChatLinkChanged(org_id=chat.org_id, chat_id=chat.id, link_id=link.id,
                             state="annulled"), await moderator_ids(ctx, chat.id) | {actor.user_id})
    return link


async def _claim_use(ctx: Ctx, link: ChatLink) -> None:
    """Count one use in one conditional UPDATE, so two people racing for the last use of a
    link cannot both win; the loser is told the link is used up."""
    res = await ctx.db.execute(
        update(ChatLink).where(ChatLink.id == link.id, ChatLink.annulled_at.is_(None),
                               ChatLink.expires_at > utcnow(),
                               or_(ChatLink.max_uses.is_(None), ChatLink.uses < ChatLink.max_uses))
        .values(uses=ChatLink.uses + 1).execution_options(synchronize_session=False))
    if res.rowcount != 1:  # type: ignore[attr-defined]
        raise InviteRefused("invite_used_up")
    await ctx.db.refresh(link)


# Joining ------------------------------------------------------------------------------------------

def _needs_rules(chat: Chat) -> bool:
    """A group chat always has rules: the school's (or Parta's standard ones) and its own."""
    return chat.kind in GROUP_CHAT_KINDS or bool(chat.rules.strip())


async def _refusal(ctx: Ctx, chat: Chat, roles: set[Role] | frozenset[Role],
                   user_id: int) -> str | None:
    """Why the person may not come in, or None. A joint chat of several schools (R41) is for
    the staff of the schools taking part in it (``queries.network.network_refusal``)."""
    network = await network_refusal(ctx.db, chat, user_id)
    if network is not None:
        return network or None
    return chat_join_refusal(chat.kind.value, frozenset(roles),
                             staff_room=await staff_room_chat(ctx.db, chat))


async def _pending(ctx: Ctx, chat: Chat, user_id: int) -> ChatJoinRequest | None:
    return (await ctx.db.execute(select(ChatJoinRequest).where(
        ChatJoinRequest.chat_id == chat.id, ChatJoinRequest.user_id == user_id))).scalar_one_or_none()


async def _is_member(ctx: Ctx, chat: Chat, user_id: int) -> bool:
    return user_id in await active_member_ids(ctx, chat.id)


async def _admit(ctx: Ctx, chat: Chat, user_id: int, *, rules_version: int | None = None,
                 org_rules_version: int | None = None, how: str, **detail: object) -> None:
    """Make the person a member who accepted the rules (now, or the versions they accepted when
    they asked); an invitation they had is answered by it."""
    async with ctx.db.begin_nested():  # the same person joining twice at once: one row wins
        row = await add_chat_member(ctx, chat, user_id, ChatRole.member,
                                    rules_accepted=rules_version is None)
    if rules_version is not None:
        row.rules_accepted_version, row.rules_accepted_at = rules_version, utcnow()
        row.org_rules_accepted_version = org_rules_version
    invitation = (await ctx.db.execute(select(ChatInvitation).where(
        ChatInvitation.chat_id == chat.id, ChatInvitation.user_id == user_id))).scalar_one_or_none()
    if invitation is not None:
        await ctx.db.delete(invitation)
    ctx.audit(how, chat.org_id, "chat", chat.id, user_id=user_id, **detail)
    ctx.emit(ChatMemberChanged(org_id=chat.org_id, chat_id=chat.id, user_id=user_id,
                               change="joined"), await active_member_ids(ctx, chat.id))
    ctx.emit(ChatChanged(org_id=chat.org_id, chat_id=chat.id), {user_id})


async def _ask(ctx: Ctx, chat: Chat, user_id: int, link: ChatLink | None) -> ChatJoinRequest:
    """A request waiting for the chat's moderators, with the rules' versions the person
    accepted; one asked before and refused is asked again."""
    org = await ctx.db.get(Organization, chat.org_id)
    async with ctx.db.begin_nested():  # asked twice at once: one row wins
        row = await _pending(ctx, chat, user_id)
        if row is None:
            row = ChatJoinRequest(chat_id=chat.id, user_id=user_id)
            ctx.db.add(row)
        row.link_id = link.id if link is not None else None
        row.status, row.created_at, row.decided_by, row.decided_at = (
            ChatJoinStatus.pending, utcnow(), None, None)
        row.rules_accepted_version = chat.rules_version
        row.org_rules_accepted_version = org.chat_rules_version if org else None
        await ctx.db.flush()
    ctx.audit("chat_join_request.created", chat.org_id, "chat", chat.id, request_id=row.id,
              via="link" if link is not None else "directory")
    ctx.emit(ChatJoinRequested(org_id=chat.org_id, chat_id=chat.id, request_id=row.id,
                               title=chat.title), await moderator_ids(ctx, chat.id))
    return row


async def _already(ctx: Ctx, chat: Chat, user_id: int) -> ChatJoinOutcome | None:
    """Asking twice is answered as the first time: in, or waiting."""
    if await _is_member(ctx, chat, user_id):
        return ChatJoinOutcome("joined", chat.id)
    asked = await _pending(ctx, chat, user_id)
    if asked is not None and asked.status == ChatJoinStatus.pending:
        return ChatJoinOutcome("requested", chat.id, asked.id)
    return None


async def _raced(ctx: Ctx, chat: Chat, user_id: int) -> ChatJoinOutcome:
    """The person's other request, at the same moment, got in first: answer as it did."""
    done = await _already(ctx, chat, user_id)
    if done is None:
        raise Conflict("already_member")
    return done


async def join_by_link(ctx: Ctx, token: str, accept_rules: bool) -> ChatJoinOutcome:
    """A person of the chat's school joins by its link after accepting the rules (R23, R24),
    or asks when the link needs approval (or when a moderator removed them from the chat).
    Someone with no place in that school is refused (``not_in_school``) and told nothing more
    than the link's preview."""
    actor = ctx.require_actor()
    scope = await chat_by_link(ctx.db, actor, token)
    chat, link = scope.chat, scope.link
    refusal = await _refusal(ctx, chat, actor.roles_in(chat.org_id), actor.user_id)
    if refusal is not None:
        raise Forbidden(refusal)
    done = await _already(ctx, chat, actor.user_id)
    if done is not None:
        return done
    if _needs_rules(chat) and not accept_rules:
        raise ValidationFailed("rules_not_accepted", fields={"accept_rules": "required"})
    # In first, then the use counted: a refused claim rolls the whole action back, and someone
    # whose second request lost to their first one spends no second use.
    try:
        if link.requires_approval or await removed_for_rules(ctx.db, chat, actor.user_id):
            outcome = ChatJoinOutcome("requested", chat.id,
                                      (await _ask(ctx, chat, actor.user_id, link)).id)
        else:
            await _admit(ctx, chat, actor.user_id, how="chat.joined_by_link", link_id=link.id)
            outcome = ChatJoinOutcome("joined", chat.id)
    except IntegrityError:
        return await _raced(ctx, chat, actor.user_id)
    await _claim_use(ctx, link)
    return outcome


async def request_from_directory(ctx: Ctx, org_id: int, chat_id: int,
                                 accept_rules: bool) -> ChatJoinOutcome:
    """A colleague asks to join one of the school's staff chats (R22); its moderators decide.
    A chat that is not in the directory does not exist here."""
    actor = ctx.require_actor()
    allowed = await org_for(ctx.db, actor, org_id, Action.chat_directory)
    chat = next((c for c in await staff_chats(ctx.db, allowed) if c.id == chat_id), None)
    if chat is None:
        raise NotFound()
    done = await _already(ctx, chat, actor.user_id)
    if done is not None:
        return done
    if not accept_rules:
        raise ValidationFailed("rules_not_accepted", fields={"accept_rules": "required"})
    try:
        row = await _ask(ctx, chat, actor.user_id, None)
    except IntegrityError:
        return await _raced(ctx, chat, actor.user_id)
    return ChatJoinOutcome("requested", chat.id, row.id)


async def decide_join_request(ctx: Ctx, chat_id: int, request_id: int,
                              approve: bool) -> ChatJoinRequest:
    """A chat's moderator lets the person in or not; the person hears of it either way."""
    actor = ctx.require_actor()
    scope = await chat_for(ctx.db, actor, chat_id)
    chat = scope.chat
    row = await ctx.db.get(ChatJoinRequest, request_id)
    if row is None or row.chat_id != chat.id:
        raise NotFound()
    if not scope.moderates:
        raise Forbidden("not_moderator")
    if chat.archived_at is not None:
        raise Conflict("chat_archived")
    if row.status != ChatJoinStatus.pending:
        raise AlreadyDecided()
    if approve:
        # The person's place may have changed since they asked: they must still belong.
        m = await membership_of(ctx, chat.org_id, row.user_id)
        roles = await roles_of(ctx, m.id) if m is not None else set()
        refusal = await _refusal(ctx, chat, roles, row.user_id)
        if refusal is not None:
            raise Conflict(refusal)
    row.status = ChatJoinStatus.approved if approve else ChatJoinStatus.denied
    row.decided_by, row.decided_at = actor.user_id, utcnow()
    if approve and not await _is_member(ctx, chat, row.user_id):
        await _admit(ctx, chat, row.user_id, rules_version=row.rules_accepted_version,
                     org_rules_version=row.org_rules_accepted_version,
                     how="chat.joined_by_request", request_id=row.id)
    ctx.audit(f"chat_join_request.{row.status.value}", chat.org_id, "chat", chat.id,
              request_id=row.id, user_id=row.user_id)
    ctx.emit(ChatJoinDecided(org_id=chat.org_id, chat_id=chat.id, request_id=row.id,
                             user_id=row.user_id, status=row.status.value, title=chat.title),
             await moderator_ids(ctx, chat.id) | {row.user_id})
    return row
