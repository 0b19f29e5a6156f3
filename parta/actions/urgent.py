"""What the administration marks urgent in an ordinary chat (issue 14).

An administrator (org_admin, administration) marks their own text post urgent in a group chat
or a staff-made channel where they may post — a parents' chat, say. Then:

- it comes now: pushes of that chat waiting for the end of someone's quiet hours go at once
  (the notifier, on ``message.urgent``);
- it goes by SMS, through the SMS adapter, to the chat's parents (a parent's role in the
  chat's school) who signed in with their phone (so it is confirmed), have not read it yet,
  and have not said no to such SMS in their notification settings. Students and staff get
  no SMS: a child's phone is not written to, and staff are in the app.

Bounds, since an SMS costs money and an urgent mark wakes people: a school marks at most
``urgent_per_day`` posts in 24 hours, and at most ``urgent_sms_per_day`` SMS go for them in 24
hours; a mark that would pass either is refused whole (429), nothing sent. A post is marked
once (409). An SMS the gateway refused is logged, not retried.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, exists, func, select

from parta.actions.base import Ctx, Services
from parta.actions.chats import active_member_ids, require_chat
from parta.db import insert_ignoring_duplicates, utcnow
from parta.errors import Conflict, Forbidden, NotFound, RateLimited
from parta.i18n import t
from parta.models import (
    ADMIN_ROLES,
    ChatMember,
    Membership,
    MembershipRole,
    Message,
    NotificationSettings,
    Role,
    UrgentMark,
    User,
)
from parta.policy import URGENT_CHAT_KINDS, ChatAction
from parta.queries.blocks import active_block
from parta.queries.scope import chat_for
from parta.realtime.events import MessageUrgent
from parta.schemas.urgent import UrgentOut
from parta.services.sms import SmsFailed

__all__ = ["mark_urgent", "sms_recipients"]

log = logging.getLogger("parta.urgent")
DAY = timedelta(hours=24)
TEXT_CHARS = 100  # of the post, in the SMS (the link leads to the rest)


async def sms_recipients(ctx: Ctx, message: Message, org_id: int) -> list[User]:
    """The chat's parents with a confirmed phone who have not read ``message`` and have not
    opted out of urgent SMS."""
    parent = exists(select(MembershipRole.id)
                    .join(Membership, Membership.id == MembershipRole.membership_id)
                    .where(Membership.user_id == User.id, Membership.org_id == org_id,
                           Membership.left_at.is_(None), MembershipRole.role == Role.parent))
    declined = exists(select(NotificationSettings.user_id).where(
        NotificationSettings.user_id == User.id, NotificationSettings.urgent_sms.is_(False)))
    return list((await ctx.db.execute(
        select(User).join(ChatMember, ChatMember.user_id == User.id)
        .where(ChatMember.chat_id == message.chat_id, ChatMember.left_at.is_(None),
               ChatMember.last_read_message_id < message.id, User.id != message.author_id,
               User.phone.is_not(None), User.activated_at.is_not(None),
               User.deleted_at.is_(None), parent, ~declined)
        .order_by(User.id))).scalars())


async def _bounds(ctx: Ctx, org_id: int, wanted: int, now: datetime) -> None:
    """Refuse a mark past the school's daily bounds (marks, SMS)."""
    s = ctx.settings
    marks, sms, oldest = (await ctx.db.execute(
        select(func.count(UrgentMark.id), func.coalesce(func.sum(UrgentMark.sms), 0),
               func.min(UrgentMark.marked_at))
        .where(UrgentMark.org_id == org_id, UrgentMark.marked_at > now - DAY))).one()
    wait = max(60, int(((oldest + DAY) - now).total_seconds())) if oldest is not None else 60
    if marks >= s.urgent_per_day:
        raise RateLimited(wait, "too_many_urgent")
    if wanted and int(sms) + wanted > s.urgent_sms_per_day:
        raise RateLimited(wait, "urgent_sms_budget")


async def mark_urgent(ctx: Ctx, message_id: int) -> UrgentOut:
    """Mark one's own post urgent: it comes now, and by SMS to the chat's parents who have not
    read it (see the module's text)."""
    actor = ctx.require_actor()
    message = await ctx.db.get(Message, message_id)
    if message is None or message.deleted_at is not None:
        raise NotFound()
    scope = await chat_for(ctx.db, actor, message.chat_id)
    chat, me = scope.chat, scope.member
    if me is None or me.left_at is not None:
        raise NotFound()
    if not actor.roles_in(chat.org_id) & ADMIN_ROLES:
        raise Forbidden("may_not_mark_urgent")
    if chat.kind.value not in URGENT_CHAT_KINDS:
        raise Forbidden("urgent_not_here")
    require_chat(chat, me, ChatAction.post)
    if await active_block(ctx.db, chat, actor.user_id) is not None:
        raise Forbidden("chat_read_only")
    if message.author_id != actor.user_id or (message.kind or "text") != "text":
        raise Forbidden("not_own_message")
    if (await ctx.db.execute(select(UrgentMark.id).where(
            UrgentMark.message_id == message.id))).first() is not None:
        raise Conflict("already_urgent")
    now = utcnow()
    people = await sms_recipients(ctx, message, chat.org_id)
    await _bounds(ctx, chat.org_id, len(people), now)
    done = await ctx.db.execute(insert_ignoring_duplicates(ctx.db, UrgentMark.__table__), [{
        "org_id": chat.org_id, "chat_id": chat.id, "message_id": message.id,
        "marked_by": actor.user_id, "marked_at": now, "sms": len(people)}])
    if cast(CursorResult[Any], done).rowcount != 1:
        raise Conflict("already_urgent")  # another request marked it meanwhile
    ctx.audit("message.urgent", chat.org_id, "message", message.id, chat_id=chat.id,
              sms=len(people))
    ctx.emit(MessageUrgent(org_id=chat.org_id, chat_id=chat.id, message_id=message.id,
                           sms=len(people)),
             await active_member_ids(ctx, chat.id))
    link = f"{ctx.settings.base_url.rstrip('/')}/chats/{chat.id}"
    text = " ".join(message.body.split())
    if len(text) > TEXT_CHARS:
        text = text[:TEXT_CHARS - 1] + "…"
    letters = [(str(u.phone), t(u.language or "ru", "urgent.sms", chat=chat.title, text=text,
                                link=link)) for u in people]
    ctx.after_commit.append(lambda: _send(ctx.services, letters))
    return UrgentOut(message_id=message.id, chat_id=chat.id, marked_at=now.isoformat(), sms=len(people))


async def _send(services: Services, letters: list[tuple[str, str]]) -> None:
    for phone, text in letters:
        try:
            await services.sms.send(phone, text)
        except SmsFailed as exc:
            log.warning("an urgent SMS was not handed over: %s", exc)
