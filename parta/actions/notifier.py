"""Who hears of what by Web Push, and when: the notifier.

It takes the events this process committed (``offer``, called after commit, never blocks) and,
off the request path, decides per person:

- who: a new message goes to the chat's members but its author (a mention or a reply to one's
  own message is told as such, and comes even from a muted chat); a moderation decision (a violation recorded, a block begun or ended) to the
  person it is about. Someone with a live event socket in this process is told there instead.
  With several server processes a person connected to another one may get a push too; the
  service worker then shows nothing while a window of the app is visible and focused.
- what: the chat's name and, for chats without children (or if the person allowed previews),
  the author and the first words. A lock screen of a shared family phone shows no child's text.
- when: not in a chat the person muted (a mention still comes); not in their quiet hours
  (kept for the morning), unless it is urgent: an administrator's post in the school channel,
  or a post the administration marked urgent in another chat (``message.urgent``).
  Several messages in one chat within ``COALESCE_SECONDS`` make one notification, updated (the
  same ``tag`` in the browser and ``Topic`` at the push service).

A push service that answers 404/410 has forgotten the subscription: it is deleted. A busy or
unreachable one is tried again with growing pauses, a few times. Everything waits in memory and
is bounded: what waits for the morning is lost if the process restarts (see the report in
docs). The clock is a parameter, so tests move it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, exists, select, update

from parta.actions.base import Services
from parta.actions.push import settings_for
from parta.db import utcnow
from parta.i18n import t
from parta.models import (
    ADMIN_ROLES,
    Chat,
    ChatKind,
    ChatMember,
    ChatMute,
    Membership,
    MembershipRole,
    Message,
    NotificationSettings,
    PushSubscription,
    Role,
    UnblockStatus,
    User,
)
from parta.quiet import quiet_until
from parta.realtime.events import (
    AckReminder,
    BlockChanged,
    CallRinging,
    Envelope,
    LessonReminder,
    MessageNew,
    MessageUrgent,
    PollReminder,
    ViolationRecorded,
)
from parta.services.push import Outcome, PushSender, PushTarget

__all__ = ["COALESCE_SECONDS", "Notifier", "in_quiet_hours", "quiet_until"]

log = logging.getLogger("parta.notifier")

COALESCE_SECONDS = 60
QUEUE_LIMIT = 10_000  # events waiting to be looked at; more are dropped (and logged)
WAITING_LIMIT = 50_000  # notifications waiting (coalescing, quiet hours, retries)
RETRY_PAUSES = (5, 30, 120, 600)  # seconds before each further try
GIVE_UP_AFTER = 10  # failures in a row, then the subscription is deleted
PREVIEW_CHARS = 140
_PUSHED = ("message.new", "moderation.violation", "moderation.block", "lesson.reminder",
           "call.ringing", "poll.reminder",
           "ack.reminder", "message.urgent")


def in_quiet_hours(s: NotificationSettings, now: datetime) -> bool:
    return quiet_until(s, now) is not None


@dataclass
class _Notice:
    """What one person is to be told about one chat (or one moderation matter)."""

    user_id: int
    topic: str
    chat_id: int
    chat_title: str
    kind: str  # message | mention | reply | direct | violation | blocked | unblocked | lesson | call | poll
    lang: str
    preview: str = ""  # «Author: text», empty when the text may not show
    urgent: bool = False


@dataclass
class _Waiting:
    notice: _Notice
    due: datetime
    count: int = 1


@dataclass
class _Retry:
    due: datetime
    subscription_id: int
    payload: dict[str, Any]
    topic: str
    urgency: str
    attempt: int


@dataclass
class Notifier:
    services: Services
    live: Callable[[int], bool] = lambda _user_id: False
    clock: Callable[[], datetime] = utcnow
    sender: PushSender | None = None
    queue: asyncio.Queue[Envelope] = field(default_factory=lambda: asyncio.Queue(QUEUE_LIMIT))
    _waiting: dict[tuple[int, str], _Waiting] = field(default_factory=dict)
    _last_sent: dict[tuple[int, str], tuple[datetime, int]] = field(default_factory=dict)
    _retries: list[_Retry] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None
    _dropped: int = 0

    # The committing side: cheap, synchronous, never raises.
    def offer(self, envelopes: list[Envelope]) -> None:
        for env in envelopes:
            if env.event.type not in _PUSHED:
                continue
            try:
                self.queue.put_nowait(env)
            except asyncio.QueueFull:
                self._dropped += 1
                if self._dropped % 1000 == 1:
                    log.warning("push queue full: %s events not pushed", self._dropped)

    # The worker.
    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="parta-push")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        if self.sender is not None:
            await self.sender.close()

    async def run(self) -> None:
        while True:
            try:
                env = await asyncio.wait_for(self.queue.get(), timeout=5)
            except TimeoutError:
                env = None
            try:
                if env is not None:
                    await self.consider(env)
                await self.send_due()
            except Exception:
                log.exception("push worker failed on an event")

    async def drain(self) -> None:
        """Look at everything offered so far and send what is due now (tests, shutdown)."""
        while not self.queue.empty():
            await self.consider(self.queue.get_nowait())
        await self.send_due()

    # Deciding.
    async def consider(self, env: Envelope) -> None:
        event = env.event
        if isinstance(event, MessageNew):
            await self._message(event, env.audience)
        elif isinstance(event, ViolationRecorded):
            await self._about_person(event.chat_id, event.user_id, "violation")
        elif isinstance(event, BlockChanged):
            block = event.block
            if block is None:
                await self._about_person(event.chat_id, event.user_id, "unblocked")
            elif block.apologized_at is None and block.unblock_status == UnblockStatus.none:
                # Begun. Its later changes (an apology, a proposal, an objection) are not pushed.
                await self._about_person(event.chat_id, event.user_id, "blocked")
        elif isinstance(event, LessonReminder):
            await self._lesson(event, env.audience)
        elif isinstance(event, CallRinging):
            await self._ringing(event, env.audience)
        elif isinstance(event, PollReminder):
            await self._poll(event, env.audience)
        elif isinstance(event, AckReminder):
            await self._ack(event, env.audience)
        elif isinstance(event, MessageUrgent):
            self._urgent(event, env.audience)

    async def _offline_readers(self, chat_id: int, audience: frozenset[int]) -> Any:
        """``_readers`` of those in ``audience`` with no live socket here; None: nobody to tell."""
        people = [u for u in audience if not self.live(u)]
        if not people:
            return None
        async with self.services.sessionmaker() as db:
            return await _readers(db, chat_id, people)

    async def _ringing(self, event: CallRinging, audience: frozenset[int]) -> None:
        """A one-to-one call rings someone whose app is closed: their phone rings now, or not at
        all — a call that waits for the morning is no call (their quiet hours, a muted chat)."""
        found = await self._offline_readers(event.chat_id, audience)
        if found is None:
            return
        chat, people, settings, muted, langs = found
        now = self.clock()
        caller = str(event.caller.get("name") or "")
        video = event.call.get("kind") != "audio"
        for uid in people:
            if uid in muted or quiet_until(settings[uid], now) is not None:
                continue
            text = t(langs[uid], "push.call_video" if video else "push.call_audio", name=caller)
            self._wait(_Notice(uid, f"call{event.call.get('id')}", chat.id, caller, "call",
                               langs[uid], text, urgent=True), settings[uid], now)

    async def _message(self, event: MessageNew, audience: frozenset[int]) -> None:
        msg = event.message
        if msg.deleted or msg.kind != "text":
            return
        author_id = msg.author_id
        people = [u for u in audience if u != author_id and not self.live(u)]
        if not people:
            return
        mentioned = set(msg.mentions or [])
        async with self.services.sessionmaker() as db:
            found = await _readers(db, event.chat_id, people)
            if found is None:
                return
            chat, people, settings, muted, langs = found
            children = await _has_children(db, chat)
            urgent = chat.kind == ChatKind.school_channel and author_id is not None \
                and await _is_admin(db, chat.org_id, int(author_id))
            replied_to = None
            if msg.reply_to_id:
                replied_to = (await db.execute(select(Message.author_id).where(
                    Message.id == msg.reply_to_id, Message.chat_id == chat.id))).scalar()
        author = msg.author.name if msg.author else ""
        text = " ".join(msg.body.split())
        if len(text) > PREVIEW_CHARS:
            text = text[:PREVIEW_CHARS - 1] + "…"
        now = self.clock()
        for uid in people:
            kind = "mention" if uid in mentioned else "reply" if uid == replied_to else (
                "direct" if chat.kind == ChatKind.direct else "message")
            if uid in muted and kind not in ("mention", "reply"):
                continue
            s = settings[uid]
            shown = not children or s.previews
            preview = f"{author}: {text}" if shown and author and text else (text if shown else "")
            title = chat.title or author
            self._wait(_Notice(uid, f"chat{chat.id}", chat.id, title, kind, langs[uid],
                               preview, urgent), s, now)

    async def _about_person(self, chat_id: int, user_id: int, kind: str) -> None:
        if self.live(user_id):
            return
        async with self.services.sessionmaker() as db:
            if not await _subscribed(db, [user_id]):
                return
            chat = await db.get(Chat, chat_id)
            if chat is None:
                return
            settings = (await settings_for(db, [user_id], chat.org_id))[user_id].settings
            lang = (await _languages(db, [user_id]))[user_id]
        self._wait(_Notice(user_id, f"mod{chat.id}", chat.id, chat.title, kind, lang),
                   settings, self.clock())

    async def _lesson(self, event: LessonReminder, audience: frozenset[int]) -> None:
        """A lesson begins shortly (R37): everyone in its chat who is not in the app, the
        teacher too, at the start's time in their own zone; a muted chat stays quiet."""
        found = await self._offline_readers(event.chat_id, audience)
        if found is None:
            return
        chat, people, settings, muted, langs = found
        starts = datetime.fromisoformat(event.starts_at)
        now = self.clock()
        for uid in people:
            if uid in muted:
                continue
            s = settings[uid]
            try:
                at = starts.astimezone(ZoneInfo(s.time_zone)).strftime("%H:%M")
            except (ValueError, KeyError):
                at = starts.strftime("%H:%M UTC")
            # The title is the staff's, not a child's words: it shows on the lock screen.
            text = t(langs[uid], "push.lesson", title=event.title, time=at)
            self._wait(_Notice(uid, f"lesson{event.lesson_id}", chat.id, chat.title, "lesson",
                               langs[uid], text), s, now)

    async def _poll(self, event: PollReminder, audience: frozenset[int]) -> None:
        """A poll's author asks those who have not answered (R26): each of them not in the app,
        as a mention would be (it comes from a muted chat too), in their quiet hours kept for
        the morning. The question stays off the lock screen (a pupil may have asked it)."""
        people = [u for u in audience if not self.live(u)]
        if not people:
            return
        async with self.services.sessionmaker() as db:
            found = await _readers(db, event.chat_id, people)
            if found is None:
                return
            chat, people, settings, _muted, langs = found
        now = self.clock()
        for uid in people:
            text = t(langs[uid], "push.poll", chat=chat.title)
            self._wait(_Notice(uid, f"poll{event.poll_id}", chat.id, chat.title, "poll",
                               langs[uid], text), settings[uid], now)

    async def _ack(self, event: AckReminder, audience: frozenset[int]) -> None:
        """A step of an announcement's escalation (issue 15): to guardians who have not
        confirmed, or to a class teacher with families to call. The chat may be one the
        person is not in (a second guardian): their own settings count, not the chat's mute.
        Quiet hours hold it for the morning unless the announcement is urgent."""
        people = [u for u in audience if not self.live(u)]
        if not people:
            return
        async with self.services.sessionmaker() as db:
            people = await _subscribed(db, people)
            chat = await db.get(Chat, event.chat_id)
            if not people or chat is None:
                return
            settings = {u: e.settings for u, e in
                        (await settings_for(db, people, chat.org_id)).items()}
            langs = await _languages(db, people)
        now = self.clock()
        for uid in people:
            lang = langs[uid]
            text = t(lang, f"push.ack_{event.step}", chat=chat.title, count=event.families)
            self._wait(_Notice(uid, f"ack{event.ack_id}", chat.id, chat.title, "ack", lang,
                               text, urgent=event.urgent), settings[uid], now)

    def _urgent(self, event: MessageUrgent, audience: frozenset[int]) -> None:
        """The administration marked its post urgent: what waits of that chat for the morning
        (or for the coalescing pause) goes now. Who was told already is not told again."""
        now = self.clock()
        for uid in audience:
            waiting = self._waiting.get((uid, f"chat{event.chat_id}"))
            if waiting is not None:
                waiting.notice.urgent = True
                waiting.due = min(waiting.due, now)

    def _wait(self, notice: _Notice, s: NotificationSettings, now: datetime) -> None:
        key = (notice.user_id, notice.topic)
        waiting = self._waiting.get(key)
        if waiting is not None:
            waiting.count += 1
            urgent = waiting.notice.urgent or notice.urgent
            if notice.kind == "mention" or waiting.notice.kind != "mention":
                waiting.notice = notice
            waiting.notice.urgent = urgent
            if urgent:
                waiting.due = min(waiting.due, self._coalesced_due(key, now))
            return
        if len(self._waiting) >= WAITING_LIMIT:
            self._dropped += 1
            return
        due = self._coalesced_due(key, now)
        if not notice.urgent:
            morning = quiet_until(s, now)
            if morning is not None:
                due = max(due, morning)
        self._waiting[key] = _Waiting(notice, due)

    def _coalesced_due(self, key: tuple[int, str], now: datetime) -> datetime:
        last = self._last_sent.get(key)
        if last is None:
            return now
        return max(now, last[0] + timedelta(seconds=COALESCE_SECONDS))

    # Sending.
    async def send_due(self) -> None:
        now = self.clock()
        due = [w for w in self._waiting.values() if w.due <= now]
        retries = [r for r in self._retries if r.due <= now]
        if not due and not retries:
            return
        for w in due:
            key = (w.notice.user_id, w.notice.topic)
            del self._waiting[key]
            last = self._last_sent.get(key)
            if last is not None and now - last[0] <= timedelta(seconds=2 * COALESCE_SECONDS):
                w.count += last[1]  # the shown notification is replaced: it counts them all
            self._last_sent[key] = (now, w.count)
        stale = now - timedelta(seconds=2 * COALESCE_SECONDS)
        for key in [k for k, (at, _) in self._last_sent.items() if at < stale]:
            del self._last_sent[key]
        self._retries = [r for r in self._retries if r.due > now]
        sender = await self._sender()
        jobs: list[tuple[PushSubscription, dict[str, Any], str, str, int]] = []
        async with self.services.sessionmaker() as db:
            users = {w.notice.user_id for w in due}
            subs: dict[int, list[PushSubscription]] = {}
            if users:
                for sub in (await db.execute(select(PushSubscription).where(
                        PushSubscription.user_id.in_(users)))).scalars():
                    subs.setdefault(sub.user_id, []).append(sub)
            for w in due:
                urgency = "high" if w.notice.urgent or w.notice.kind in ("mention", "reply", "direct") \
                    else "normal"
                for sub in subs.get(w.notice.user_id, []):
                    jobs.append((sub, payload(w.notice, w.count), w.notice.topic, urgency, 0))
            by_id = {r.subscription_id: r for r in retries}
            if by_id:
                for sub in (await db.execute(select(PushSubscription).where(
                        PushSubscription.id.in_(list(by_id))))).scalars():
                    r = by_id[sub.id]
                    jobs.append((sub, r.payload, r.topic, r.urgency, r.attempt))
            db.expunge_all()
        gate = asyncio.Semaphore(8)

        async def one(job: tuple[PushSubscription, dict[str, Any], str, str, int]
                      ) -> tuple[int, Outcome]:
            sub, body, topic, urgency, _attempt = job
            async with gate:
                return sub.id, await sender.send(PushTarget(sub.endpoint, sub.p256dh, sub.auth),
                                                 body, topic=topic, urgency=urgency)

        outcomes = await asyncio.gather(*(one(j) for j in jobs))
        await self._record(jobs, outcomes, now)

    async def _record(self, jobs: list[tuple[PushSubscription, dict[str, Any], str, str, int]],
                      outcomes: list[tuple[int, Outcome]], now: datetime) -> None:
        sent = [sid for sid, o in outcomes if o is Outcome.sent]
        gone = [sid for sid, o in outcomes if o is Outcome.gone]
        failed = [sid for sid, o in outcomes if o in (Outcome.failed, Outcome.retry)]
        for job, (sid, outcome) in zip(jobs, outcomes, strict=True):
            attempt = job[4]
            if outcome is Outcome.retry and attempt < len(RETRY_PAUSES) \
                    and len(self._retries) < WAITING_LIMIT:
                self._retries.append(_Retry(now + timedelta(seconds=RETRY_PAUSES[attempt]), sid,
                                            job[1], job[2], job[3], attempt + 1))
        async with self.services.sessionmaker() as db:
            if sent:
                await db.execute(update(PushSubscription).where(PushSubscription.id.in_(sent))
                                 .values(last_success_at=now, failures=0))
            if failed:
                await db.execute(update(PushSubscription).where(PushSubscription.id.in_(failed))
                                 .values(failures=PushSubscription.failures + 1))
            await db.execute(delete(PushSubscription).where(
                PushSubscription.id.in_(gone) | (PushSubscription.id.in_(failed)
                                                 & (PushSubscription.failures >= GIVE_UP_AFTER))))
            await db.commit()

    async def _sender(self) -> PushSender:
        if self.sender is None:
            from parta.actions.push import installation_key, vapid_subject

            self.sender = PushSender(await installation_key(self.services),
                                     vapid_subject(self.services))
        return self.sender



async def _readers(db: Any, chat_id: int, people: list[int]
                   ) -> tuple[Chat, list[int], dict[int, NotificationSettings], set[int],
                              dict[int, str]] | None:
    """Of ``people``, those with a device to push to, and for the chat: their settings, who
    muted it, their languages. None when nobody is left or the chat is gone."""
    people = await _subscribed(db, people)
    if not people:
        return None
    chat = await db.get(Chat, chat_id)
    if chat is None:
        return None
    settings = {u: e.settings for u, e in (await settings_for(db, people, chat.org_id)).items()}
    muted = set((await db.execute(select(ChatMute.user_id).where(
        ChatMute.chat_id == chat.id, ChatMute.user_id.in_(people)))).scalars())
    return chat, people, settings, muted, await _languages(db, people)


def payload(notice: _Notice, count: int) -> dict[str, Any]:
    """What the service worker gets: the notification's title, text, tag and where a tap leads."""
    lang, name = notice.lang, notice.chat_title
    if notice.kind in ("violation", "blocked", "unblocked"):
        title, body = t(lang, "push.title"), t(lang, f"push.{notice.kind}", chat=name)
    elif count > 1:
        title = name or t(lang, "push.title")
        body = t(lang, f"push.messages_{plural(lang, count)}", count=count, chat=name)
        if notice.kind in ("mention", "reply"):
            body = f"{t(lang, f'push.{notice.kind}', chat=name)}\n{body}"
        if notice.preview:
            body = f"{body}\n{notice.preview}"
    else:
        title = name or t(lang, "push.title")
        body = notice.preview or t(lang, f"push.{notice.kind}", chat=name)
        if notice.kind in ("mention", "reply") and notice.preview:
            body = f"{t(lang, f'push.{notice.kind}', chat=name)}\n{notice.preview}"
    return {"title": title, "body": body, "tag": notice.topic, "url": f"/chats/{notice.chat_id}",
            "count": count, "kind": notice.kind}


def plural(lang: str, n: int) -> str:
    """The catalog's plural form for ``n``: one | few | many (Russian), one | many (English)."""
    if lang == "en":
        return "one" if n == 1 else "many"
    if n % 10 == 1 and n % 100 != 11:
        return "one"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return "few"
    return "many"


async def _subscribed(db: Any, people: list[int]) -> list[int]:
    """Those of ``people`` with at least one browser subscribed."""
    found = set((await db.execute(select(PushSubscription.user_id).where(
        PushSubscription.user_id.in_(people)).distinct())).scalars())
    return [u for u in people if u in found]


async def _languages(db: Any, people: list[int]) -> dict[int, str]:
    rows = dict((await db.execute(select(User.id, User.language).where(User.id.in_(people)))).all())
    return {u: str(rows.get(u) or "ru") for u in people}


async def _has_children(db: Any, chat: Chat) -> bool:
    """Whether a student of the chat's organization is among its members."""
    student = (select(MembershipRole.id)
               .join(Membership, Membership.id == MembershipRole.membership_id)
               .join(ChatMember, ChatMember.user_id == Membership.user_id)
               .where(ChatMember.chat_id == chat.id, ChatMember.left_at.is_(None),
                      Membership.org_id == chat.org_id, MembershipRole.role == Role.student))
    return bool((await db.execute(select(exists(student)))).scalar())


async def _is_admin(db: Any, org_id: int, user_id: int) -> bool:
    q = (select(MembershipRole.id).join(Membership, Membership.id == MembershipRole.membership_id)
         .where(Membership.org_id == org_id, Membership.user_id == user_id,
                MembershipRole.role.in_(list(ADMIN_ROLES))))
    return bool((await db.execute(select(exists(q)))).scalar())
