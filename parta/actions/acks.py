"""Announcements every family acknowledges (issue 15): mark, confirm, and the escalation ladder.

Staff who may post in a parents' chat or a channel mark their own post «Требует подтверждения»,
with an optional deadline. A guardian confirms with one tap for each of their children's
families the announcement asks (either guardian confirms for the family; a second tap changes
nothing). After the deadline three steps go out, each once, by the timer of whichever server
process claims it first (a conditional UPDATE of the step's column):

1. ``reminder`` — to the guardians in the chat of the families that have not confirmed;
2. ``second_guardian`` — ``ack_second_guardian_minutes`` after the deadline, to those families'
   other guardians (confirmed guardians who are not in the chat and so were not reminded);
3. ``call_list`` — ``ack_call_list_minutes`` after the deadline, to each class teacher of the
   children whose families have still not confirmed (the author where a class has none): the
   list of families to call.

Each step: an ``ack.reminder`` event (the open app shows it; the notifier pushes it to
devices, keeping each person's quiet hours unless urgent), an e-mail to those with a confirmed
e-mail, and an SMS to their phone when the announcement is urgent and the installation sends
SMS through a gateway. A step waits while the school's quiet hours last unless it is urgent.
Each letter and SMS is a ``ReminderDelivery`` row written in the step's own transaction and
handed over after commit (``send_due_deliveries``, also at every pass of the timer): one the
mail server or the gateway refuses is tried again with growing delays (``RETRY_DELAYS``), also
after a restart, and after the last attempt counts as failed on the announcement's page
(``AckOut.reminders_failed``). One handed over is never sent again.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.orm import InstrumentedAttribute

from parta.actions.base import Ctx, Services, unit_of_work
from parta.actions.chats import active_member_ids, require_chat
from parta.actions.notifier import quiet_until
from parta.actions.outbox import Outbox, send_due
from parta.db import insert_ignoring_duplicates, utcnow
from parta.errors import Conflict, Forbidden, NotFound, ValidationFailed
from parta.i18n import t
from parta.models import (
    STAFF_ROLES,
    Announcement,
    Chat,
    ChatMember,
    ChatRole,
    FamilyAck,
    Group,
    GroupKind,
    GroupMember,
    Membership,
    MembershipRole,
    Message,
    NotificationSettings,
    Organization,
    ReminderDelivery,
    User,
)
from parta.policy import ChatAction, may_require_ack
from parta.queries.acks import ACK_CHAT_KINDS, Family, ack_answer, ack_view, families_of
from parta.queries.scope import chat_for
from parta.realtime.events import AckChanged, AckMarked, AckReminder
from parta.schemas.acks import AckIn, AckOut

__all__ = ["Step", "check_deadline", "confirm_ack", "do_mark", "escalate_forever", "mark_ack",
           "prune_deliveries", "run_escalations"]

log = logging.getLogger("parta.acks")
Step = Literal["reminder", "second_guardian", "call_list"]
PAST_GRACE = timedelta(minutes=1)
HORIZON = timedelta(days=366)
PER_PASS = 100
# A reminder letter or SMS the mail server or gateway refused is tried again after these many
# seconds (1 min, 5 min, 30 min, 2 h): five attempts in all, then it counts as failed.
RETRY_DELAYS = (60, 300, 1800, 7200)
REMINDERS = Outbox(ReminderDelivery, "a reminder", RETRY_DELAYS, PER_PASS)
MAX_ATTEMPTS = REMINDERS.max_attempts
TEXT_CHARS = 300


# Marking -------------------------------------------------------------------------------------

def check_deadline(deadline: datetime | None, now: datetime, field: str = "deadline") -> None:
    if deadline is None:
        return
    if deadline.tzinfo is None:
        raise ValidationFailed(fields={field: "invalid"})
    if deadline < now - PAST_GRACE:
        raise ValidationFailed(fields={field: "in_the_past"})
    if deadline > now + HORIZON:
        raise ValidationFailed(fields={field: "too_far"})


def require_ack_chat(chat: Chat, me: ChatMember | None, org_roles: Any) -> None:
    """An announcement is asked in a parents' chat or a channel, by staff who may post there."""
    if chat.kind not in ACK_CHAT_KINDS:
        raise Forbidden("acks_not_here")
    require_chat(chat, me, ChatAction.post)
    if not may_require_ack(org_roles):
        raise Forbidden("may_not_require_ack")


async def _audience(ctx: Ctx, chat: Chat, ack: Announcement, family: set[int]) -> set[int]:
    """Who is told of a count: the author, the chat's owners and moderators, its members who
    are staff of the school; and the guardians of the family that just confirmed."""
    members = await active_member_ids(ctx, chat.id)
    staff = set((await ctx.db.execute(
        select(Membership.user_id).join(MembershipRole,
                                        MembershipRole.membership_id == Membership.id)
        .where(Membership.org_id == chat.org_id, Membership.user_id.in_(members),
               Membership.left_at.is_(None), MembershipRole.role.in_(list(STAFF_ROLES)))))
        .scalars())
    moderators = set((await ctx.db.execute(select(ChatMember.user_id).where(
        ChatMember.chat_id == chat.id, ChatMember.left_at.is_(None),
        ChatMember.role.in_([ChatRole.owner, ChatRole.moderator])))).scalars())
    out = staff | moderators | family
    if ack.author_id is not None:
        out.add(ack.author_id)
    return out


async def _changed(ctx: Ctx, chat: Chat, ack: Announcement, family: set[int]) -> set[int]:
    """Tell those who see the count (``_audience``) that it changed; returns who they are."""
    fams = await families_of(ctx.db, chat)
    done = set((await ctx.db.execute(select(FamilyAck.child_id).where(
        FamilyAck.announcement_id == ack.id))).scalars())
    told = await _audience(ctx, chat, ack, family)
    ctx.emit(AckChanged(org_id=chat.org_id, chat_id=chat.id, ack_id=ack.id,
                        message_id=ack.message_id,
                        confirmed=sum(1 for f in fams if f.child_id in done), total=len(fams)),
             told)
    return told


async def do_mark(ctx: Ctx, chat: Chat, message: Message, body: AckIn) -> Announcement:
    """Write the mark (the caller checked who and where). A post marked already: 409."""
    taken = (await ctx.db.execute(select(Announcement.id).where(
        Announcement.message_id == message.id))).first()
    if taken is not None:
        raise Conflict("already_needs_ack")
    ack = Announcement(org_id=chat.org_id, chat_id=chat.id, message_id=message.id,
                       author_id=message.author_id, urgent=body.urgent, deadline=body.deadline,
                       created_at=utcnow())
    ctx.db.add(ack)
    await ctx.db.flush()
    ctx.audit("ack.marked", chat.org_id, "announcement", ack.id, chat_id=chat.id,
              message_id=message.id, urgent=body.urgent,
              deadline=body.deadline.isoformat() if body.deadline else None)
    told = await _changed(ctx, chat, ack, set())
    ctx.emit(AckMarked(org_id=chat.org_id, chat_id=chat.id, ack_id=ack.id,
                       message_id=ack.message_id),
             await active_member_ids(ctx, chat.id) - told)
    return ack


async def mark_ack(ctx: Ctx, message_id: int, body: AckIn) -> AckOut:
    """The author marks their post in a parents' chat or channel «Требует подтверждения»."""
    actor = ctx.require_actor()
    message = await ctx.db.get(Message, message_id)
    if message is None or message.deleted_at is not None:
        raise NotFound()
    scope = await chat_for(ctx.db, actor, message.chat_id)
    if scope.member is None:
        raise NotFound()
    require_ack_chat(scope.chat, scope.member, actor.roles_in(scope.chat.org_id))
    if message.author_id != actor.user_id or message.kind != "text":
        raise Forbidden("not_own_message")
    check_deadline(body.deadline, utcnow())
    ack = await do_mark(ctx, scope.chat, message, body)
    return await ack_answer(ctx.db, actor, await ack_view(ctx.db, actor, ack.id))


# Confirming ----------------------------------------------------------------------------------

async def confirm_ack(ctx: Ctx, ack_id: int) -> AckOut:
    """«Ознакомлен(а)»: the caller confirms for each of their children's families the
    announcement asks. Again: nothing changes, nobody is told."""
    actor = ctx.require_actor()
    view = await ack_view(ctx.db, actor, ack_id)
    if not view.my_children:
        raise Forbidden("not_a_guardian")
    done = set((await ctx.db.execute(select(FamilyAck.child_id).where(
        FamilyAck.announcement_id == view.ack.id,
        FamilyAck.child_id.in_(view.my_children)))).scalars())
    fresh = [c for c in view.my_children if c not in done]
    if fresh:
        now = utcnow()
        result = await ctx.db.execute(insert_ignoring_duplicates(ctx.db, FamilyAck.__table__), [
            {"announcement_id": view.ack.id, "child_id": c, "confirmed_by": actor.user_id,
             "confirmed_at": now} for c in fresh])
        if cast(CursorResult[Any], result).rowcount:
            guardians = {g for f in await families_of(ctx.db, view.chat)
                         if f.child_id in fresh for g in f.guardians}
            await _changed(ctx, view.chat, view.ack, guardians)
    return await ack_answer(ctx.db, actor, view)


# The escalation ladder -----------------------------------------------------------------------

_STEPS: tuple[tuple[Step, InstrumentedAttribute[datetime | None]], ...] = (
    ("reminder", Announcement.reminded_at),
    ("second_guardian", Announcement.second_asked_at),
    ("call_list", Announcement.teacher_told_at),
)


def _due_step(services: Services, ack: Announcement, now: datetime) -> Step | None:
    assert ack.deadline is not None
    s = services.settings
    if ack.reminded_at is None:
        return "reminder"
    if ack.second_asked_at is None:
        later = ack.deadline + timedelta(minutes=s.ack_second_guardian_minutes)
        return "second_guardian" if now >= later else None
    if ack.teacher_told_at is None:
        later = ack.deadline + timedelta(minutes=s.ack_call_list_minutes)
        return "call_list" if now >= later else None
    return None


def _school_quiet(org: Organization, now: datetime) -> bool:
    """Whether ``now`` falls in the school's quiet hours (21:00–07:00 where it set none)."""
    s = NotificationSettings(quiet_enabled=True, quiet_start=org.quiet_start
                             if org.quiet_start is not None else 21 * 60,
                             quiet_end=org.quiet_end if org.quiet_end is not None else 7 * 60,
                             time_zone=org.time_zone or "Europe/Moscow")
    return quiet_until(s, now) is not None


async def run_escalations(services: Services, now: datetime | None = None) -> int:
    """Send every escalation step due at ``now``; the number of steps that went out."""
    now = now or utcnow()
    async with unit_of_work(services, read_only=True) as ctx:
        due = list((await ctx.db.execute(select(Announcement.id).where(
            Announcement.deadline.is_not(None), Announcement.deadline <= now,
            Announcement.teacher_told_at.is_(None)).order_by(Announcement.deadline)
            .limit(PER_PASS))).scalars())
    sent = 0
    for ack_id in due:
        try:
            sent += await _escalate(services, ack_id, now)
        except Exception:
            log.exception("an acknowledgement's escalation step failed")
    await send_due_deliveries(services, now)  # the steps' letters, and retries now due
    return sent


async def _escalate(services: Services, ack_id: int, now: datetime) -> int:
    async with unit_of_work(services) as ctx:
        ack = await ctx.db.get(Announcement, ack_id)
        if ack is None or ack.deadline is None:
            return 0
        step = _due_step(services, ack, now)
        if step is None:
            return 0
        chat = await ctx.db.get(Chat, ack.chat_id)
        org = await ctx.db.get(Organization, ack.org_id)
        if chat is None or org is None:
            return 0
        if not ack.urgent and _school_quiet(org, now):
            return 0  # the step waits for the morning
        column = dict(_STEPS)[step]
        won = await ctx.db.execute(
            update(Announcement).where(Announcement.id == ack.id, column.is_(None))
            .values({column.key: now}).execution_options(synchronize_session=False))
        if cast(CursorResult[Any], won).rowcount != 1:
            return 0  # another process sent this step
        message = await ctx.db.get(Message, ack.message_id)
        if message is None or message.deleted_at is not None or chat.archived_at is not None:
            return 0
        done = set((await ctx.db.execute(select(FamilyAck.child_id).where(
            FamilyAck.announcement_id == ack.id))).scalars())
        open_ = [f for f in await families_of(ctx.db, chat) if f.child_id not in done]
        if not open_:
            return 0
        members = await active_member_ids(ctx, chat.id)
        if step == "call_list":
            await _call_list(ctx, ack, chat, message, open_, now)
            return 1
        if step == "reminder":
            people = {g for f in open_ for g in f.guardians if g in members}
        else:
            people = {g for f in open_ for g in f.guardians if g not in members}
        if not people:
            return 0
        ctx.emit(AckReminder(org_id=chat.org_id, chat_id=chat.id, ack_id=ack.id, step=step,
                             urgent=ack.urgent, families=len(open_)), people)
        letters = await _letters(ctx, people, lambda lang: _reminder_text(
            ctx, lang, step, chat, message, ack))
        _queue(ctx, ack, step, letters, now)
        return 1


def _reminder_text(ctx: Ctx, lang: str, step: Step, chat: Chat, message: Message,
                   ack: Announcement) -> tuple[str, str, str]:
    text = " ".join(message.body.split())
    if len(text) > TEXT_CHARS:
        text = text[:TEXT_CHARS - 1] + "…"
    link = f"{ctx.settings.base_url.rstrip('/')}/chats/{chat.id}"
    subject = t(lang, f"acks.mail.{step}.subject", chat=chat.title)
    body = t(lang, f"acks.mail.{step}.body", chat=chat.title, text=text, link=link)
    sms = t(lang, f"acks.sms.{step}", chat=chat.title, link=link)
    return subject, body, sms


async def _call_list(ctx: Ctx, ack: Announcement, chat: Chat, message: Message,
                     open_: list[Family], now: datetime) -> None:
    """Each class teacher gets the families of their class still to call (the author gets
    those of a child with no class teacher)."""
    children = [f.child_id for f in open_]
    teacher_of: dict[int, int] = {}
    for child_id, teacher_id in (await ctx.db.execute(
            select(GroupMember.user_id, Group.class_teacher_id)
            .join(Group, Group.id == GroupMember.group_id)
            .where(GroupMember.user_id.in_(children), Group.org_id == chat.org_id,
                   Group.kind == GroupKind.class_, Group.archived_at.is_(None)))).all():
        if teacher_id is not None:
            teacher_of.setdefault(int(child_id), int(teacher_id))
    ids = set(children) | {g for f in open_ for g in f.guardians}
    people = {int(u.id): u for u in (await ctx.db.execute(
        select(User).where(User.id.in_(ids)))).scalars()}
    by_teacher: dict[int, list[Family]] = {}
    for f in open_:
        teacher = teacher_of.get(f.child_id, ack.author_id)
        if teacher is not None:
            by_teacher.setdefault(teacher, []).append(f)
    for teacher, fams in by_teacher.items():
        ctx.emit(AckReminder(org_id=chat.org_id, chat_id=chat.id, ack_id=ack.id,
                             step="call_list", urgent=ack.urgent, families=len(fams)), {teacher})

        def lines(lang: str, fams: list[Family] = fams) -> tuple[str, str, str]:
            rows = []
            for f in fams:
                child = people.get(f.child_id)
                guardians = [people[g] for g in f.guardians if g in people]
                who = "; ".join(f"{g.name} {g.phone or ''}".strip() for g in guardians) or t(
                    lang, "acks.no_guardian")
                rows.append(f"— {child.name if child else ''}: {who}")
            link = f"{ctx.settings.base_url.rstrip('/')}/chats/{chat.id}"
            subject = t(lang, "acks.mail.call_list.subject", chat=chat.title)
            body = t(lang, "acks.mail.call_list.body", chat=chat.title, link=link,
                     families="\n".join(rows))
            return subject, body, t(lang, "acks.sms.call_list", chat=chat.title, link=link)

        _queue(ctx, ack, "call_list", await _letters(ctx, {teacher}, lines), now)


Letter = tuple[int, str, str, str, str, str]  # person, e-mail (or ""), phone (or ""), subject, body, sms


async def _letters(ctx: Ctx, people: set[int], words: Any) -> list[Letter]:
    out: list[Letter] = []
    for user in (await ctx.db.execute(select(User).where(
            User.id.in_(people), User.deleted_at.is_(None)).order_by(User.id))).scalars():
        lang = user.language or "ru"
        subject, body, sms = words(lang)
        email = user.email if user.email and user.email_confirmed_at is not None else ""
        out.append((user.id, email, user.phone or "", subject, body, sms))
    return out


def _queue(ctx: Ctx, ack: Announcement, step: Step, letters: list[Letter], now: datetime) -> None:
    """The step's letters (and SMS, when urgent and the installation sends SMS), written with
    the step itself: they go out after commit (``send_due_deliveries``), and a failed one is
    tried again later, across a restart."""
    sms = ack.urgent and ctx.settings.sms_backend == "http"
    for user_id, email, phone, subject, body, text in letters:
        if email:
            ctx.db.add(ReminderDelivery(announcement_id=ack.id, user_id=user_id, step=step,
                                        channel="mail", address=email, subject=subject[:500],
                                        body=body, state="pending", attempts=0,
                                        next_at=now))
        if sms and phone:
            ctx.db.add(ReminderDelivery(announcement_id=ack.id, user_id=user_id, step=step,
                                        channel="sms", address=phone, subject="", body=text,
                                        state="pending", attempts=0, next_at=now))


async def send_due_deliveries(services: Services, now: datetime | None = None) -> int:
    """Hand over every reminder letter and SMS due at ``now``; the number handed over (claimed,
    retried and given up as ``actions.outbox`` says; a ``failed`` one the announcement's page
    counts)."""
    return await send_due(services, REMINDERS, now, _hand_over)


async def _hand_over(services: Services, d: ReminderDelivery) -> None:
    if d.channel == "mail":
        await services.mail.send(d.address, d.subject, d.body,
                                 headers={"Auto-Submitted": "auto-generated"})
    else:
        await services.sms.send(d.address, d.body)


async def prune_deliveries(services: Services, older_than: datetime,
                           limit: int = 1000) -> int:
    """Forget up to ``limit`` reminder letters and SMS whose last attempt (``next_at``) was
    before ``older_than`` and that are done with: ``sent`` or ``failed``. Those still
    ``pending`` or ``sending`` stay whatever their age. The number forgotten."""
    async with unit_of_work(services) as ctx:
        ids = list((await ctx.db.execute(select(ReminderDelivery.id).where(
            ReminderDelivery.state.in_(("sent", "failed")),
            ReminderDelivery.next_at < older_than).limit(limit))).scalars())
        if ids:
            await ctx.db.execute(delete(ReminderDelivery).where(ReminderDelivery.id.in_(ids))
                                 .execution_options(synchronize_session=False))
    return len(ids)


async def escalate_forever(services: Services) -> None:
    """The server's timer for the escalation ladder (started in the app's lifespan)."""
    while True:
        try:
            await run_escalations(services)
        except Exception:
            log.exception("the acknowledgements' escalation pass failed")
        await asyncio.sleep(services.settings.ack_check_seconds)
