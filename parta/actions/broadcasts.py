"""Broadcasts (R38): the school's administration plans and cancels them; viewers ask
questions, which the presenters (and the administration) approve, answer or dismiss.

Planning is the administration's (``Action.broadcast_plan``): R38 has broadcasts «planned and
run by the organization», so a teacher may present one the administration planned but not plan
one. The audience is told where it already reads: the school channel (``school``), the staff
channel (``staff``), each chosen class's chat (``classes``) or its parents' chat (``parents``) —
a notice with «Смотреть» (the web client words it from ``meta``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from parta.actions.base import Ctx
from parta.actions.chats import active_member_ids, ensure_system_channels
from parta.actions.messages import publish_message
from parta.db import utcnow
from parta.errors import Conflict, Forbidden, NotFound, ValidationFailed
from parta.i18n import t
from parta.models import (
    Audience,
    Broadcast,
    BroadcastGroup,
    BroadcastPresenter,
    BroadcastQuestion,
    BroadcastViewer,
    Chat,
    ChatKind,
    Membership,
    MembershipRole,
    Message,
    Organization,
    QuestionStatus,
    Role,
)
from parta.policy import Action
from parta.queries.broadcasts import BroadcastView, broadcast_answer, broadcast_in
from parta.queries.scope import OrgScope, group_in, org_for
from parta.realtime.events import BroadcastChanged, BroadcastQuestionsChanged
from parta.schemas.broadcasts import (
    BroadcastIn,
    BroadcastOut,
    QuestionDecision,
    QuestionIn,
    QuestionOut,
)

__all__ = ["ask_question", "audience_chats", "cancel_broadcast", "decide_question",
           "notify_audience", "plan_broadcast", "watching_ids"]

PAST_GRACE = timedelta(minutes=1)
HORIZON = timedelta(days=366)
STAFF = (Role.org_admin, Role.administration, Role.teacher)


# Plan and cancel -----------------------------------------------------------------------------

def _check_times(ctx: Ctx, starts_at: datetime, ends_at: datetime) -> None:
    for name, moment in (("starts_at", starts_at), ("ends_at", ends_at)):
        if moment.tzinfo is None:
            raise ValidationFailed(fields={name: "invalid"})
    now = utcnow()
    if starts_at < now - PAST_GRACE:
        raise ValidationFailed(fields={"starts_at": "in_the_past"})
    if starts_at > now + HORIZON:
        raise ValidationFailed(fields={"starts_at": "too_far"})
    if ends_at <= starts_at:
        raise ValidationFailed(fields={"ends_at": "before_start"})
    if ends_at - starts_at > timedelta(minutes=ctx.settings.broadcast_max_minutes):
        raise ValidationFailed(fields={"ends_at": "too_long"})


async def _presenters(ctx: Ctx, scope: OrgScope, wanted: list[int]) -> list[int]:
    """The named presenters (the planner when none), each staff of the school, at most
    ``broadcast_max_presenters``."""
    ids = list(dict.fromkeys(wanted or [scope.actor.user_id]))
    if len(ids) > ctx.settings.broadcast_max_presenters:
        raise ValidationFailed("too_many_presenters", fields={"presenter_ids": "too_many"},
                               params={"count": ctx.settings.broadcast_max_presenters})
    staff = set((await ctx.db.execute(select(Membership.user_id).join(
        MembershipRole, MembershipRole.membership_id == Membership.id).where(
        Membership.org_id == scope.org.id, Membership.left_at.is_(None),
        Membership.user_id.in_(ids), MembershipRole.role.in_(STAFF)))).scalars())
    if set(ids) - staff:
        raise ValidationFailed("presenter_not_staff", fields={"presenter_ids": "invalid"})
    return ids


async def audience_chats(ctx: Ctx, org: Organization, audience: Audience,
                         group_ids: list[int]) -> list[Chat]:
    """Where the audience reads the broadcast's notice (``org``: the broadcast's school)."""
    if audience in (Audience.school, Audience.staff):
        school, staff = await ensure_system_channels(ctx, org)
        return [school if audience == Audience.school else staff]
    kind = ChatKind.class_ if audience == Audience.classes else ChatKind.parents
    chats = list((await ctx.db.execute(select(Chat).where(
        Chat.org_id == org.id, Chat.group_id.in_(group_ids), Chat.kind == kind,
        Chat.archived_at.is_(None)).order_by(Chat.id))).scalars())
    first: dict[int | None, Chat] = {}
    for chat in chats:
        first.setdefault(chat.group_id, chat)
    return list(first.values())


def _when(ctx: Ctx, broadcast: Broadcast) -> str:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(ctx.settings.lessons_time_zone)
    start, end = broadcast.starts_at.astimezone(zone), broadcast.ends_at.astimezone(zone)
    return f"{start:%d.%m} {start:%H:%M}–{end:%H:%M}"


async def notify_audience(ctx: Ctx, broadcast: Broadcast, chats: list[Chat], stage: str) -> None:
    """The broadcast's line in each audience chat, and ``broadcast.changed`` to their members."""
    lang = ctx.settings.default_language
    body = t(lang, f"broadcasts.notice.{stage}", title=broadcast.title, when=_when(ctx, broadcast))
    audience: set[int] = set()
    for chat in chats:
        notice = Message(chat_id=chat.id, author_id=broadcast.created_by, kind="broadcast",
                         body=body, meta={"broadcast_id": broadcast.id, "stage": stage,
                                          "title": broadcast.title,
                                          "starts_at": broadcast.starts_at.isoformat(),
                                          "ends_at": broadcast.ends_at.isoformat()},
                         created_at=utcnow())
        ctx.db.add(notice)
        await ctx.db.flush()
        if broadcast.message_id is None:
            broadcast.chat_id, broadcast.message_id = chat.id, notice.id
        await publish_message(ctx, chat, None, notice, [])
        audience |= await active_member_ids(ctx, chat.id)
    presenters = set((await ctx.db.execute(select(BroadcastPresenter.user_id).where(
        BroadcastPresenter.broadcast_id == broadcast.id))).scalars())
    ctx.emit(BroadcastChanged(org_id=broadcast.org_id, broadcast_id=broadcast.id, change=stage),
             audience | presenters)


async def plan_broadcast(ctx: Ctx, org_id: int, body: BroadcastIn) -> BroadcastOut:
    """The school's administration plans a broadcast (403 to anyone else in the school, 404 to
    anyone outside it)."""
    actor = ctx.require_actor()
    scope = await org_for(ctx.db, actor, org_id, Action.broadcast_plan)
    _check_times(ctx, body.starts_at, body.ends_at)
    by_class = body.audience in (Audience.classes, Audience.parents)
    group_ids = list(dict.fromkeys(body.group_ids))
    if by_class and not group_ids:
        raise ValidationFailed(fields={"group_ids": "required"})
    if not by_class and group_ids:
        raise ValidationFailed(fields={"group_ids": "invalid"})
    for group_id in group_ids:
        await group_in(ctx.db, scope, group_id)  # another school's class does not exist
    presenters = await _presenters(ctx, scope, body.presenter_ids)
    chats = await audience_chats(ctx, scope.org, body.audience, group_ids)
    if not chats:
        raise ValidationFailed("no_audience_chat", fields={"group_ids": "invalid"})
    broadcast = Broadcast(org_id=scope.org.id, title=body.title, audience=body.audience,
                          starts_at=body.starts_at, ends_at=body.ends_at,
                          created_by=actor.user_id, created_at=utcnow())
    ctx.db.add(broadcast)
    await ctx.db.flush()
    ctx.db.add_all([BroadcastGroup(broadcast_id=broadcast.id, group_id=g) for g in group_ids])
    ctx.db.add_all([BroadcastPresenter(broadcast_id=broadcast.id, user_id=u) for u in presenters])
    await ctx.db.flush()
    await notify_audience(ctx, broadcast, chats, "planned")
    ctx.audit("broadcast.planned", scope.org.id, "broadcast", broadcast.id,
              audience=body.audience.value, groups=group_ids, presenters=presenters,
              starts_at=body.starts_at.isoformat())
    return await broadcast_answer(ctx.db, await broadcast_in(ctx.db, actor, broadcast.id))


def _not_over(view: BroadcastView) -> None:
    b = view.broadcast
    if b.cancelled_at is not None:
        raise Conflict("broadcast_cancelled")
    if b.off_air_at is not None or b.ends_at <= utcnow() and b.on_air_at is None:
        raise Conflict("broadcast_over")


async def cancel_broadcast(ctx: Ctx, broadcast_id: int) -> BroadcastOut:
    """The administration cancels a broadcast that is not over (one on the air goes off it)."""
    actor = ctx.require_actor()
    view = await broadcast_in(ctx.db, actor, broadcast_id)
    if not view.manages:
        raise Forbidden("may_not_plan_broadcasts")
    _not_over(view)
    b = view.broadcast
    b.cancelled_at = utcnow()
    if b.stream_id is not None and b.stream_secret is not None and b.stream_ended_at is None:
        # Its video plays: ffmpeg stops and the mountpoint goes, after commit.
        from parta.actions.broadcast_video import forget_stream

        services, mountpoint, secret, bid = ctx.services, b.stream_id, b.stream_secret, b.id
        b.stream_ended_at = b.cancelled_at
        ctx.after_commit.append(lambda: forget_stream(services, bid, mountpoint, secret))
    chats = await audience_chats(ctx, view.scope.org, b.audience, view.group_ids)
    await notify_audience(ctx, b, chats, "cancelled")
    ctx.audit("broadcast.cancelled", b.org_id, "broadcast", b.id)
    return await broadcast_answer(ctx.db, view)


async def watching_ids(ctx: Ctx, broadcast_id: int) -> set[int]:
    """Who watches the broadcast now."""
    return set((await ctx.db.execute(select(BroadcastViewer.user_id).where(
        BroadcastViewer.broadcast_id == broadcast_id,
        BroadcastViewer.left_at.is_(None)))).scalars())


# Questions -----------------------------------------------------------------------------------

def _question_out(view: BroadcastView, q: BroadcastQuestion, user_id: int) -> QuestionOut:
    return QuestionOut(id=q.id, body=q.body, asked_at=q.asked_at, status=q.status,
                       answer=q.answer, mine=q.user_id == user_id, asker=None)


async def _tell_moderators(ctx: Ctx, view: BroadcastView, question_id: int) -> None:
    b = view.broadcast
    presenters = set((await ctx.db.execute(select(BroadcastPresenter.user_id).where(
        BroadcastPresenter.broadcast_id == b.id))).scalars())
    ctx.emit(BroadcastQuestionsChanged(org_id=b.org_id, broadcast_id=b.id,
                                       question_id=question_id), presenters)


async def ask_question(ctx: Ctx, broadcast_id: int, body: QuestionIn) -> QuestionOut:
    """A viewer asks: the question waits for a presenter's decision. At most
    ``broadcast_questions_waiting`` of one person's questions wait at once (409
    ``too_many_questions`` until the presenters decide)."""
    actor = ctx.require_actor()
    view = await broadcast_in(ctx.db, actor, broadcast_id)
    _not_over(view)
    waiting = (await ctx.db.execute(select(func.count()).select_from(BroadcastQuestion).where(
        BroadcastQuestion.broadcast_id == view.broadcast.id,
        BroadcastQuestion.user_id == actor.user_id,
        BroadcastQuestion.status == QuestionStatus.pending))).scalar_one()
    if waiting >= ctx.settings.broadcast_questions_waiting:
        raise Conflict("too_many_questions",
                       params={"count": ctx.settings.broadcast_questions_waiting})
    question = BroadcastQuestion(broadcast_id=view.broadcast.id, user_id=actor.user_id,
                                 body=body.body, asked_at=utcnow())
    ctx.db.add(question)
    await ctx.db.flush()
    await _tell_moderators(ctx, view, question.id)
    return _question_out(view, question, actor.user_id)


async def decide_question(ctx: Ctx, broadcast_id: int, question_id: int,
                          body: QuestionDecision) -> QuestionOut:
    """A presenter or the administration approves, answers or dismisses a question; approved
    and answered ones go to every viewer."""
    actor = ctx.require_actor()
    view = await broadcast_in(ctx.db, actor, broadcast_id)
    if not view.moderates:
        raise Forbidden("not_presenter")
    question = await ctx.db.get(BroadcastQuestion, question_id)
    if question is None or question.broadcast_id != view.broadcast.id:
        raise NotFound()
    if view.broadcast.cancelled_at is not None:
        raise Conflict("broadcast_cancelled")
    if body.status == "answered" and not body.answer:
        raise ValidationFailed(fields={"answer": "required"})
    question.status = QuestionStatus(body.status)
    question.answer = body.answer if body.status == "answered" else None
    question.decided_by, question.decided_at = actor.user_id, utcnow()
    ctx.audit("broadcast.question", view.broadcast.org_id, "broadcast", view.broadcast.id,
              question_id=question.id, status=body.status)
    await _tell_moderators(ctx, view, question.id)
    if question.status != QuestionStatus.dismissed:
        b = view.broadcast
        ctx.emit(BroadcastQuestionsChanged(org_id=b.org_id, broadcast_id=b.id,
                                           question_id=question.id),
                 await watching_ids(ctx, b.id))
    return _question_out(view, question, actor.user_id)
