"""The tenancy gate: every read or write of an organization's or a chat's things starts here.

A scope is what the gate hands out after it decided: an :class:`OrgScope` (this caller may do
this in this organization) or a :class:`ChatScope` (this caller may look at this chat). Only
the helpers of this module make one — the constructors refuse to run without this module's
private token — and every query in ``parta.queries`` that reads an organization's or a chat's
things takes a scope, never a bare id. A router, an action or a test that forgot to ask has
nothing to pass (the model is Polar's ``get_readable_statement``).
"""

from __future__ import annotations

from dataclasses import InitVar, dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.db import utcnow
from parta.errors import Forbidden, InviteRefused, NotFound
from parta.models import (
    Chat,
    ChatInvitation,
    ChatJoinRequest,
    ChatJoinStatus,
    ChatLink,
    ChatMember,
    ChatRole,
    Group,
    Municipality,
    Organization,
)
from parta.policy import (
    Action,
    Actor,
    ChatAction,
    can,
    can_chat,
    require,
    runs_municipality,
    sees_org,
)

__all__ = ["ChatScope", "LinkScope", "MunicipalityScope", "OrgScope", "ScopeForged",
           "blocks_scope", "chat_by_link", "chat_for", "chat_inviting", "chat_moderated",
           "chat_overseen", "chat_visible", "group_in", "municipality_for", "municipality_seen", "org_for", "org_seen",
           "oversee", "oversees", "queue_scope", "record_scope"]

_MINT = object()  # only this module holds it: a scope made anywhere else refuses to exist


class ScopeForged(TypeError):
    """A scope was made outside the gate (a programming error, never a user's)."""


def _check_mint(token: object, kind: str) -> None:
    if token is not _MINT:
        raise ScopeForged(f"{kind} is made only by parta.queries.scope after it decided")


@dataclass(frozen=True, slots=True)
class OrgScope:
    """``actor`` may act in ``org``: ``decided`` is the action the policy allowed, None when
    the gate only found that the caller sees the organization (the action checks the rest).
    ``chats``: within it, the chats the caller may look at (None: every chat)."""

    org: Organization
    actor: Actor
    decided: Action | None
    group_id: int | None = None
    chats: frozenset[int] | None = None
    mint: InitVar[object] = None  # not kept: ``dataclasses.replace`` cannot carry it over

    def __post_init__(self, mint: object) -> None:
        _check_mint(mint, "OrgScope")


@dataclass(frozen=True, slots=True)
class ChatScope:
    """``actor`` may look at ``chat``; ``member`` is the caller's membership (None for an
    invited guest, an overseeing administrator, or one who left reading their own record);
    ``moderates``: the caller moderates the chat or oversees its organization."""

    chat: Chat
    member: ChatMember | None
    actor: Actor
    moderates: bool = False
    mint: InitVar[object] = None

    def __post_init__(self, mint: object) -> None:
        _check_mint(mint, "ChatScope")


@dataclass(frozen=True, slots=True)
class MunicipalityScope:
    """``actor`` administers ``municipality`` (R2: its instructions, its associations; made by
    ``municipality_for``) or may see its figures (its administrators and the operator; made by
    ``municipality_seen``) — never what anyone wrote."""

    municipality: Municipality
    actor: Actor
    mint: InitVar[object] = None

    def __post_init__(self, mint: object) -> None:
        _check_mint(mint, "MunicipalityScope")


@dataclass(frozen=True, slots=True)
class LinkScope:
    """Whoever holds a chat's invite link may see where it leads: ``link``, its ``chat`` and
    the chat's ``org`` (the token, 256 random bits, is the key). ``actor``: the caller, None
    when signed out. Whether the caller may come in is the action's to decide."""

    link: ChatLink
    chat: Chat
    org: Organization
    actor: Actor | None
    mint: InitVar[object] = None

    def __post_init__(self, mint: object) -> None:
        _check_mint(mint, "LinkScope")


async def municipality_seen(db: AsyncSession, actor: Actor, municipality_id: int
                            ) -> MunicipalityScope:
    """The municipality whose figures ``actor`` may see (R2): its administrators and the
    operator; anyone else — a school's people, another municipality's administrator — gets
    ``NotFound``. Its own work (instructions, associations) is ``municipality_for``'s."""
    muni = await db.get(Municipality, municipality_id)
    if muni is None or not (actor.is_operator or muni.id in actor.municipalities):
        raise NotFound()
    return MunicipalityScope(muni, actor, mint=_MINT)


# Organizations ---------------------------------------------------------------------------------

async def org_for(db: AsyncSession, actor: Actor, org_id: int, action: Action,
                  group_id: int | None = None) -> OrgScope:
    """The organization if ``actor`` may do ``action`` in it; outsiders get ``NotFound``."""
    org = await db.get(Organization, org_id)
    if org is None:
        raise NotFound()
    require(actor, action, org, group_id)
    return OrgScope(org, actor, action, group_id, mint=_MINT)


async def org_seen(db: AsyncSession, actor: Actor, org_id: int) -> OrgScope:
    """The organization if the actor has any relation to it (the action checks the rest)."""
    org = await db.get(Organization, org_id)
    if org is None or not sees_org(actor, org):
        raise NotFound()
    return OrgScope(org, actor, None, mint=_MINT)


async def municipality_for(db: AsyncSession, actor: Actor,
                           municipality_id: int) -> MunicipalityScope:
    """The municipality for its own administrators; to anyone else it does not exist."""
    muni = await db.get(Municipality, municipality_id)
    if muni is None or not runs_municipality(actor, muni.id):
        raise NotFound()
    return MunicipalityScope(muni, actor, mint=_MINT)


async def oversee(db: AsyncSession, actor: Actor, org_id: int) -> OrgScope:
    """The organization whose moderation the caller oversees (removals, appeals)."""
    return await org_for(db, actor, org_id, Action.moderation_oversee)


async def queue_scope(db: AsyncSession, actor: Actor, org_id: int) -> OrgScope:
    """The moderation queue the caller sees: every chat for the organization's administrators,
    else the chats they moderate (``chats``); anyone else may not look."""
    scope = await org_for(db, actor, org_id, Action.org_view)
    if can(actor, Action.moderation_oversee, scope.org):
        return scope
    mine = frozenset((await db.execute(select(ChatMember.chat_id).join(
        Chat, Chat.id == ChatMember.chat_id).where(
        Chat.org_id == org_id, ChatMember.user_id == actor.user_id,
        ChatMember.left_at.is_(None),
        ChatMember.role.in_([ChatRole.owner, ChatRole.moderator])))).scalars())
    if not mine:
        raise Forbidden("not_moderator")
    return OrgScope(scope.org, actor, Action.org_view, chats=mine, mint=_MINT)


async def group_in(db: AsyncSession, scope: OrgScope, group_id: int,
                   include_archived: bool = False) -> Group:
    """A group of this organization; another organization's group does not exist here."""
    q = select(Group).where(Group.id == group_id, Group.org_id == scope.org.id)
    if not include_archived:
        q = q.where(Group.archived_at.is_(None))
    group = (await db.execute(q)).scalar_one_or_none()
    if group is None:
        raise NotFound()
    return group


# Chats ------------------------------------------------------------------------------------------

def chat_visible(actor: Actor, chat: Chat | None) -> bool:
    """Last year's chats are still there for the people of the organization; a chat that
    does not exist and one the caller may not know of look the same."""
    return chat is not None and (chat.archived_at is None or bool(actor.roles_in(chat.org_id)))


async def _member(db: AsyncSession, chat: Chat, user_id: int) -> ChatMember | None:
    return (await db.execute(select(ChatMember).where(
        ChatMember.chat_id == chat.id, ChatMember.user_id == user_id,
        ChatMember.left_at.is_(None)))).scalar_one_or_none()


def _moderator(me: ChatMember | None) -> bool:
    return can_chat(me.role.value if me else None, ChatAction.moderate)


async def oversees(db: AsyncSession, actor: Actor, chat: Chat) -> bool:
    """The organization's administrators oversee every chat's reports and held messages (R27)."""
    if not actor.roles_in(chat.org_id):
        return False
    org = await db.get(Organization, chat.org_id)
    return org is not None and can(actor, Action.moderation_oversee, org)


async def chat_for(db: AsyncSession, actor: Actor, chat_id: int, *,
                   invited_ok: bool = False) -> ChatScope:
    """The chat and the caller's membership. To anyone not in it (and not invited, where that
    is enough) the chat does not exist."""
    chat = await db.get(Chat, chat_id)
    if not chat_visible(actor, chat):
        raise NotFound()
    assert chat is not None
    me = await _member(db, chat, actor.user_id)
    if me is None:
        invited = invited_ok and (await db.execute(select(ChatInvitation.id).where(
            ChatInvitation.chat_id == chat.id, ChatInvitation.user_id == actor.user_id,
            ChatInvitation.declined_at.is_(None)))).first() is not None
        if not invited:
            raise NotFound()
    return ChatScope(chat, me, actor, _moderator(me), mint=_MINT)


async def chat_moderated(db: AsyncSession, actor: Actor, chat_id: int) -> ChatScope:
    """A chat for its moderators (its requests to join): a member who does not moderate may
    not look (``not_moderator``); to anyone else the chat does not exist."""
    scope = await chat_for(db, actor, chat_id)
    if not scope.moderates:
        raise Forbidden("not_moderator")
    return scope


async def chat_inviting(db: AsyncSession, actor: Actor, chat_id: int) -> ChatScope:
    """A chat for those who may invite to it (its invite links): its moderators, and its
    members where the chat lets members invite; to anyone else outside it, no chat."""
    scope = await chat_for(db, actor, chat_id)
    me = scope.member
    if not can_chat(me.role.value if me else None, ChatAction.invite,
                    members_invite=scope.chat.members_invite):
        raise Forbidden("not_moderator")
    return scope


async def chat_overseen(db: AsyncSession, actor: Actor, chat_id: int) -> ChatScope:
    """The chat for its members and for the administrators who oversee its organization; to
    anyone else it does not exist."""
    chat = await db.get(Chat, chat_id)
    if chat is None:
        raise NotFound()
    me = await _member(db, chat, actor.user_id)
    moderates = _moderator(me) or await oversees(db, actor, chat)
    if me is None and not moderates:
        raise NotFound()
    return ChatScope(chat, me, actor, moderates, mint=_MINT)


async def blocks_scope(db: AsyncSession, actor: Actor, chat_id: int) -> ChatScope:
    """A chat's blocks: members see those open to their objection, moderators every block
    (``moderates``; the rule is ``policy.sees_block``)."""
    return await chat_overseen(db, actor, chat_id)


async def record_scope(db: AsyncSession, actor: Actor, chat_id: int, user_id: int) -> ChatScope:
    """A member's record in a chat is for the member, the chat's moderators, administrators.
    The member's own: a chat they are or were in; any other chat does not exist for them."""
    if actor.user_id == user_id:
        chat = await db.get(Chat, chat_id)
        ever = chat is not None and (await db.execute(select(ChatMember.id).where(
            ChatMember.chat_id == chat.id, ChatMember.user_id == actor.user_id))).first()
        if chat is None or not ever:
            raise NotFound()
        me = await _member(db, chat, actor.user_id)
        return ChatScope(chat, me, actor, _moderator(me), mint=_MINT)
    scope = await chat_overseen(db, actor, chat_id)
    if not scope.moderates:
        raise Forbidden("not_moderator")
    return scope


async def chat_by_link(db: AsyncSession, actor: Actor | None, token: str) -> LinkScope:
    """The chat behind an invite link while the link works: an unknown token is ``NotFound``,
    a link that no longer lets anyone in is ``InviteRefused`` (410) with why — annulled,
    expired, used up (a link to a chat archived since counts as annulled). To someone the link
    already let in (a member, or one whose request waits) it still leads where it did: their
    second visit answers as the first."""
    link = (await db.execute(select(ChatLink).where(ChatLink.token == token))).scalar_one_or_none()
    if link is None:
        raise NotFound()
    chat = await db.get(Chat, link.chat_id)
    org = await db.get(Organization, link.org_id)
    if chat is None or org is None:
        raise NotFound()
    why = link.state(utcnow())
    if why == "active" and chat.archived_at is not None:
        why = "annulled"
    if why != "active" and not (actor is not None and await _let_in(db, chat, actor.user_id)):
        raise InviteRefused(f"invite_{why}")
    return LinkScope(link, chat, org, actor, mint=_MINT)


async def _let_in(db: AsyncSession, chat: Chat, user_id: int) -> bool:
    if await _member(db, chat, user_id) is not None:
        return True
    asked = await db.execute(select(ChatJoinRequest.id).where(
        ChatJoinRequest.chat_id == chat.id, ChatJoinRequest.user_id == user_id,
        ChatJoinRequest.status == ChatJoinStatus.pending))
    return asked.first() is not None
