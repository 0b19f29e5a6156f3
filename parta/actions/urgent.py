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
once (409).

The SMS go through an outbox (``UrgentSms``): one row per parent, written in the mark's own
transaction, so a mark committed is a mark whose SMS go out even if the process dies before
sending. After commit the mark wakes this process's worker (``urgent_sms_forever``, started in
the app's lifespan; it also looks every ``urgent_sms_check_seconds`` and at start, which is how
rows left by a crash, or by another process, go out). Each row is claimed first (``pending`` →
``sending``, a conditional UPDATE committed before the send), so of two processes one sends
it; one per (message, person) by a unique key. An SMS the gateway refused is tried again with
growing delays (``RETRY_DELAYS``); after ``MAX_ATTEMPTS`` it is ``failed`` and counted (the
``parta_urgent_sms_failed`` metric; the row stays, with its last error). An attempt whose outcome was never
written (the process died while handing it over) is not sent again: it may have gone out.
Before each try the row is looked at again: a parent who has read the post since (or left the
chat, or said no to such SMS), or a post deleted since, gets no SMS (``unneeded``).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, exists, func, select

from parta import metrics
from parta.actions.base import Ctx, Services
from parta.actions.chats import active_member_ids, require_chat
from parta.actions.outbox import Outbox, send_due
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
    Organization,
    Role,
    UrgentMark,
    UrgentSms,
    User,
)
from parta.policy import URGENT_CHAT_KINDS, ChatAction
from parta.queries.blocks import active_block
from parta.queries.scope import chat_for
from parta.realtime.events import MessageUrgent
from parta.schemas.urgent import UrgentOut

__all__ = ["mark_urgent", "send_due_urgent_sms", "sms_recipients",
           "urgent_sms_forever"]

log = logging.getLogger("parta.urgent")
DAY = timedelta(hours=24)
TEXT_CHARS = 100  # of the post, in the SMS (the link leads to the rest)
PER_PASS = 200
# An SMS the gateway refused is tried again after these many seconds (30 s, 2 min, 10 min,
# 30 min): five attempts in all, then it counts as failed. An urgent SMS late by hours is
# worth little, so the ladder is shorter than the reminders'.
RETRY_DELAYS = (30, 120, 600, 1800)
URGENT_SMS = Outbox(UrgentSms, "an urgent SMS", RETRY_DELAYS, PER_PASS)
MAX_ATTEMPTS = URGENT_SMS.max_attempts
SENDING_LEASE = URGENT_SMS.lease


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
    """Refuse a mark past the school's daily bounds (marks, SMS).

    Two marks at the same moment would both count the marks before either is written and
    both pass the last one left: on PostgreSQL the school's marks are counted under a lock of
    the school's row held to the commit (``FOR NO KEY UPDATE``: rows that only refer to the
    school are not held up), so the second counts after the first committed. SQLite's
    transactions take the database's write lock at BEGIN already."""
    s = ctx.settings
    await ctx.db.execute(select(Organization.id).where(Organization.id == org_id)
                         .with_for_update(key_share=True))
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
    if people:  # the outbox, in this transaction: sent after commit, retried, once per person
        await ctx.db.execute(insert_ignoring_duplicates(ctx.db, UrgentSms.__table__), [{
            "org_id": chat.org_id, "message_id": message.id, "user_id": u.id,
            "phone": str(u.phone), "body": t(u.language or "ru", "urgent.sms", chat=chat.title,
                                             text=text, link=link),
            "state": "pending", "attempts": 0, "next_at": now, "created_at": now,
        } for u in people])
        wake = ctx.services.urgent_wake
        ctx.after_commit.append(lambda: _wake(wake))
    return UrgentOut(message_id=message.id, chat_id=chat.id, marked_at=now.isoformat(), sms=len(people))


async def _wake(wake: asyncio.Event) -> None:
    wake.set()  # the worker sends; the request does not wait for the gateway


async def send_due_urgent_sms(services: Services, now: datetime | None = None) -> int:
    """Hand every urgent SMS due at ``now`` to the gateway; the number handed over (claimed,
    retried and given up as ``actions.outbox`` says; each looked at again before its try)."""
    return await send_due(services, URGENT_SMS, now, _hand_over, still_wanted=_still_wanted,
                          on_failed=metrics.URGENT_SMS_FAILED.inc)


async def _hand_over(services: Services, sms: UrgentSms) -> None:
    await services.sms.send(sms.phone, sms.body)


def _still_wanted(sms_id: int) -> Any:
    """The SMS's parent still has not read the post, which is still there, and still wants
    such SMS: a retry minutes later (or the first try, when she opened the chat meanwhile)
    texts nobody who has already seen it."""
    return exists(
        select(UrgentSms.id).join(Message, Message.id == UrgentSms.message_id)
        .join(ChatMember, (ChatMember.chat_id == Message.chat_id)
              & (ChatMember.user_id == UrgentSms.user_id))
        .where(UrgentSms.id == sms_id, Message.deleted_at.is_(None),
               ChatMember.left_at.is_(None), ChatMember.last_read_message_id < Message.id,
               ~exists(select(NotificationSettings.user_id).where(
                   NotificationSettings.user_id == UrgentSms.user_id,
                   NotificationSettings.urgent_sms.is_(False)))))


async def urgent_sms_forever(services: Services) -> None:
    """The server's urgent-SMS worker (started in the app's lifespan): a pass at start (rows a
    crash left), after each mark of this process, and every ``urgent_sms_check_seconds``."""
    wake = services.urgent_wake
    while True:
        wake.clear()
        try:
            await send_due_urgent_sms(services)
        except Exception:
            log.exception("the urgent SMS pass failed")
        try:
            await asyncio.wait_for(wake.wait(), timeout=services.settings.urgent_sms_check_seconds)
        except TimeoutError:
            pass
