"""The e-mail digest: one letter to a person who has not opened the app, of what they missed
that matters — direct messages, mentions of them, replies to them, and the administration's
posts in the school channel.

Who: a person with a confirmed e-mail (``User.email_confirmed_at``) who kept the digest on in
their notification settings, has no event socket open in this process, and has not been seen
(no request, no socket opened: ``AuthSession.last_seen_at``) since the messages came.

Which messages: in chats the person is a member of, past what they read there
(``ChatMember.last_read_message_id``) and past what earlier digests mailed (``EmailDigest``),
unread for the person's delay (``digest_delay_minutes``, else the installation's), younger
than a week, by somebody else, and not in a chat they muted (a mention or a reply still counts).

When: not within the person's quiet hours (the letter waits for their end), and at most one
letter per delay. The mark moves by a conditional UPDATE from the value read, before the
letter goes: of two processes only one sends; a letter the mail server refused puts the mark
back, so the next pass tries again.

What it shows: per chat, the count, the kind of each message and — unless the chat has children
in it and the person did not allow previews (the lock screen rule of Web Push) — its author and
first words; a link to each chat and one to the notification settings. Plain text and HTML,
every value escaped, nothing fetched when the letter is opened.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from parta.actions.base import Ctx, Services, unit_of_work
from parta.actions.notifier import plural, quiet_until
from parta.actions.push import settings_of_user
from parta.db import insert_ignoring_duplicates, reading, utcnow
from parta.errors import NotFound
from parta.i18n import t
from parta.models import (
    ADMIN_ROLES,
    AuthSession,
    Chat,
    ChatKind,
    ChatMember,
    ChatMute,
    EmailDigest,
    Membership,
    MembershipRole,
    Message,
    NotificationSettings,
    Role,
    User,
)
from parta.queries.people import persons
from parta.schemas.messages import MENTION, mentioned_ids
from parta.security import keyed_hash, same
from parta.services.mail import MailFailed

__all__ = [
    "Letter",
    "compose",
    "digest_forever",
    "run_digests",
    "turn_off_by_link",
    "unsubscribe_link",
    "unsubscribe_token",
]

log = logging.getLogger("parta.digest")

MAX_AGE = timedelta(days=7)  # older unread messages are not mailed
MIN_DELAY_MINUTES = 5  # the shortest delay a person may choose
PEOPLE_PER_PASS = 200
ITEMS_PER_CHAT = 5
TEXT_CHARS = 200


@dataclass
class Item:
    message_id: int
    kind: str  # direct | mention | reply | notice
    author: str
    text: str  # empty when it may not show


@dataclass
class ChatDigest:
    chat_id: int
    title: str
    shown: bool  # whether authors and texts show
    items: list[Item] = field(default_factory=list)


@dataclass
class Letter:
    to: str
    subject: str
    text: str
    html: str


# The pass ----------------------------------------------------------------------------------------

async def run_digests(services: Services, *, now: datetime | None = None,
                      live: Callable[[int], bool] = lambda _user_id: False) -> int:
    """Mail each person whose digest is due at ``now``; the number of letters sent."""
    now = now or utcnow()
    sent, after = 0, 0
    while True:  # every candidate, a page at a time: those who must wait starve nobody
        async with reading(services.sessionmaker) as db:
            people = await _candidates(db, now, after)
        for user_id in people:
            if live(user_id):
                continue
            try:
                sent += await _one(services, user_id, now)
            except Exception:
                log.exception("the digest for a person failed")
        if len(people) < PEOPLE_PER_PASS:
            return sent
        after = people[-1]


async def digest_forever(services: Services, live: Callable[[int], bool],
                         clock: Callable[[], datetime] = utcnow) -> None:
    """The server's timer for digests (started in the app's lifespan)."""
    while True:
        try:
            await run_digests(services, now=clock(), live=live)
        except Exception:
            log.exception("the digest pass failed")
        await asyncio.sleep(services.settings.digest_every_seconds)


def _worth_mailing() -> ColumnElement[bool]:
    """Messages that may be in a digest at all (the rest is sorted out per person)."""
    return or_(Chat.kind.in_([ChatKind.direct, ChatKind.school_channel]),
               Message.reply_to_id.is_not(None), Message.body.contains("@["))


async def _candidates(db: AsyncSession, now: datetime, after: int) -> list[int]:
    """People (past ``after``, by id) who may have a digest due: a confirmed e-mail, the digest
    on, and a message worth mailing that is unread, not yet mailed, at least the shortest delay
    old, newer than the person's last visit and not in a chat they muted (but a mention or a
    reply). The rest (the person's delay, quiet hours, a letter lately) is looked at per person."""
    last_seen = (select(func.max(AuthSession.last_seen_at))
                 .where(AuthSession.user_id == ChatMember.user_id).scalar_subquery())
    muted = (select(ChatMute.id).where(ChatMute.user_id == ChatMember.user_id,
                                       ChatMute.chat_id == ChatMember.chat_id).exists())
    q = (select(ChatMember.user_id).distinct()
         .join(User, User.id == ChatMember.user_id)
         .join(Chat, Chat.id == ChatMember.chat_id)
         .join(Message, and_(Message.chat_id == ChatMember.chat_id,
                             Message.id > ChatMember.last_read_message_id))
         .outerjoin(EmailDigest, EmailDigest.user_id == ChatMember.user_id)
         .outerjoin(NotificationSettings, NotificationSettings.user_id == ChatMember.user_id)
         .where(ChatMember.user_id > after, ChatMember.left_at.is_(None), User.email != "",
                User.email_confirmed_at.is_not(None), User.deleted_at.is_(None),
                func.coalesce(NotificationSettings.email_digest, True).is_(True),
                Message.id > func.coalesce(EmailDigest.through_message_id, 0),
                Message.author_id.is_distinct_from(ChatMember.user_id),
                Message.deleted_at.is_(None), Message.kind == "text",
                Message.created_at <= now - timedelta(minutes=MIN_DELAY_MINUTES),
                Message.created_at > now - MAX_AGE,
                or_(last_seen.is_(None), Message.created_at > last_seen),
                or_(~muted, Message.reply_to_id.is_not(None), Message.body.contains("@[")),
                _worth_mailing())
         .order_by(ChatMember.user_id).limit(PEOPLE_PER_PASS))
    return list((await db.execute(q)).scalars())


async def _one(services: Services, user_id: int, now: datetime) -> int:
    async with reading(services.sessionmaker) as db:
        found = await _gather(services, db, user_id, now)
    if found is None:
        return 0
    letter, through, mark = found
    if not await _claim(services, user_id, mark, through, now):
        return 0
    headers = {"Auto-Submitted": "auto-generated",
               # RFC 8058: a mail client's «unsubscribe» turns the digest off in one request.
               "List-Unsubscribe": f"<{unsubscribe_link(services, user_id)}>",
               "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    try:
        await services.mail.send(letter.to, letter.subject, letter.text, html=letter.html,
                                 headers=headers)
    except MailFailed as exc:
        log.warning("digest delivery failed, to be tried again: %s", exc)
        await _unclaim(services, user_id, mark, through, now)
        return 0
    return 1


async def _gather(services: Services, db: AsyncSession, user_id: int, now: datetime
                  ) -> tuple[Letter, int, tuple[int, datetime | None]] | None:
    """The letter for the person if one is due, with the mark it moves to and the mark read."""
    user = await db.get(User, user_id)
    if user is None or not user.email or user.email_confirmed_at is None or user.deleted_at:
        return None
    s = await settings_of_user(db, user_id)
    if not s.email_digest or quiet_until(s, now) is not None:
        return None
    delay = timedelta(minutes=s.digest_delay_minutes or services.settings.digest_delay_minutes)
    state = await db.get(EmailDigest, user_id)
    mark = (state.through_message_id, state.sent_at) if state else (0, None)
    if mark[1] is not None and now - mark[1] < delay:
        return None
    last_seen = (await db.execute(select(func.max(AuthSession.last_seen_at)).where(
        AuthSession.user_id == user_id))).scalar()
    since = max(last_seen, now - MAX_AGE) if last_seen else now - MAX_AGE
    rows = (await db.execute(
        select(Message, Chat)
        .join(Chat, Chat.id == Message.chat_id)
        .join(ChatMember, and_(ChatMember.chat_id == Message.chat_id,
                               ChatMember.user_id == user_id))
        .where(ChatMember.left_at.is_(None), Message.id > ChatMember.last_read_message_id,
               Message.id > mark[0], Message.author_id.is_distinct_from(user_id),
               Message.deleted_at.is_(None), Message.kind == "text",
               Message.created_at <= now - delay, Message.created_at > since,
               _worth_mailing())
        .order_by(Message.id))).all()
    if not rows:
        return None
    muted = set((await db.execute(select(ChatMute.chat_id).where(
        ChatMute.user_id == user_id))).scalars())
    reply_ids = {m.reply_to_id for m, _ in rows if m.reply_to_id}
    mine = set((await db.execute(select(Message.id).where(
        Message.id.in_(reply_ids), Message.author_id == user_id))).scalars()) if reply_ids else set()
    admins = await _administrators(db, {(c.org_id, m.author_id) for m, c in rows
                                        if c.kind == ChatKind.school_channel and m.author_id})
    chosen: list[tuple[Message, Chat, str]] = []
    for m, c in rows:
        kind = ("mention" if user_id in mentioned_ids(m.body) else
                "reply" if m.reply_to_id in mine else
                "direct" if c.kind == ChatKind.direct else
                "notice" if (c.org_id, m.author_id) in admins else "")
        if not kind or (c.id in muted and kind not in ("mention", "reply")):
            continue
        chosen.append((m, c, kind))
    if not chosen:
        return None
    names = {uid: p.name for uid, p in (await persons(
        db, None, {m.author_id for m, _, _ in chosen})).items()}
    with_children = await _with_children(db, {c.id for _, c, _ in chosen})
    groups: dict[int, ChatDigest] = {}
    for m, c, kind in chosen:
        author = names.get(m.author_id or 0, "")
        group = groups.get(c.id)
        if group is None:
            group = groups[c.id] = ChatDigest(
                c.id, c.title or author, shown=s.previews or c.id not in with_children)
        group.items.append(Item(m.id, kind, author if group.shown else "",
                                _excerpt(m.body) if group.shown else ""))
    letter = compose(user.language or "ru", user.name, user.email, list(groups.values()),
                     services.settings.base_url)
    return letter, max(m.id for m, _, _ in chosen), mark


async def _administrators(db: AsyncSession, pairs: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which of the (organization, person) pairs are the organization's administration."""
    if not pairs:
        return set()
    rows = (await db.execute(
        select(Membership.org_id, Membership.user_id)
        .join(MembershipRole, MembershipRole.membership_id == Membership.id)
        .where(Membership.org_id.in_({o for o, _ in pairs}),
               Membership.user_id.in_({u for _, u in pairs}),
               MembershipRole.role.in_(list(ADMIN_ROLES))))).all()
    return {(o, u) for o, u in rows} & pairs


async def _with_children(db: AsyncSession, chat_ids: set[int]) -> set[int]:
    """Which of the chats have a student of their organization among their members."""
    rows = (await db.execute(
        select(ChatMember.chat_id).distinct()
        .join(Chat, Chat.id == ChatMember.chat_id)
        .join(Membership, and_(Membership.user_id == ChatMember.user_id,
                               Membership.org_id == Chat.org_id))
        .join(MembershipRole, MembershipRole.membership_id == Membership.id)
        .where(ChatMember.chat_id.in_(chat_ids), ChatMember.left_at.is_(None),
               MembershipRole.role == Role.student))).scalars()
    return set(rows)


def _excerpt(body: str) -> str:
    text = " ".join(MENTION.sub(lambda m: f"@{m.group(1)}", body).split())
    return text if len(text) <= TEXT_CHARS else text[:TEXT_CHARS - 1] + "…"


# Turning it off from the letter ----------------------------------------------------------------

def unsubscribe_token(services: Services, user_id: int) -> str:
    return keyed_hash(services.settings.secret_key, str(user_id), "digest-off")


def unsubscribe_link(services: Services, user_id: int) -> str:
    base = services.settings.base_url.rstrip("/")
    return (f"{base}/api/v1/notifications/digest/unsubscribe"
            f"?user={user_id}&token={unsubscribe_token(services, user_id)}")


async def turn_off_by_link(ctx: Ctx, user_id: int, token: str) -> None:
    """The letter's one-click «unsubscribe» (nobody signed in): the digest goes off for the
    person the link was made for. Any other link is «not found», changing nothing."""
    if not same(token, unsubscribe_token(ctx.services, user_id)):
        raise NotFound()
    user = await ctx.db.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise NotFound()
    found = await ctx.db.get(NotificationSettings, user_id)
    if found is None:
        found = NotificationSettings(user_id=user_id, quiet_own=False, quiet_enabled=True,
                                     quiet_start=21 * 60, quiet_end=7 * 60,
                                     time_zone="Europe/Moscow", previews=False)
        ctx.db.add(found)
    found.email_digest = False
    found.updated_at = utcnow()
    ctx.audit("digest.unsubscribed", None, "user", user_id)


# The mark ----------------------------------------------------------------------------------------

async def _claim(services: Services, user_id: int, mark: tuple[int, datetime | None],
                 through: int, now: datetime) -> bool:
    """Move the mark from what was read to ``through``; False if another pass moved it first."""
    async with unit_of_work(services) as ctx:
        await ctx.db.execute(insert_ignoring_duplicates(ctx.db, EmailDigest.__table__).values(
            user_id=user_id, through_message_id=0, sent_at=None))
        moved = await ctx.db.execute(
            update(EmailDigest)
            .where(EmailDigest.user_id == user_id, EmailDigest.through_message_id == mark[0])
            .values(through_message_id=through, sent_at=now))
        return bool(moved.rowcount == 1)  # type: ignore[attr-defined]


async def _unclaim(services: Services, user_id: int, mark: tuple[int, datetime | None],
                   through: int, now: datetime) -> None:
    """The letter did not go: put the mark back, unless a later pass moved it since."""
    async with unit_of_work(services) as ctx:
        await ctx.db.execute(
            update(EmailDigest)
            .where(EmailDigest.user_id == user_id, EmailDigest.through_message_id == through,
                   EmailDigest.sent_at == now)
            .values(through_message_id=mark[0], sent_at=mark[1]))


# The letter --------------------------------------------------------------------------------------

def _count(lang: str, key: str, n: int) -> str:
    return t(lang, f"{key}_{plural(lang, n)}", count=n)


def compose(lang: str, name: str, to: str, chats: list[ChatDigest], base_url: str) -> Letter:
    """The letter in the person's language: plain text and the same in HTML."""
    base = base_url.rstrip("/")
    total = sum(len(c.items) for c in chats)
    settings_url = f"{base}/profile#notifications"
    subject = _count(lang, "digest.subject", total)
    greeting = t(lang, "digest.greeting", name=name) if name else t(lang, "digest.greeting_anon")
    text = [greeting, "", t(lang, "digest.intro"), ""]
    parts = [f"<p>{html.escape(greeting)}</p>", f"<p>{html.escape(t(lang, 'digest.intro'))}</p>"]
    for chat in chats:
        url = f"{base}/chats/{chat.chat_id}"
        head = f"{chat.title} — {_count(lang, 'digest.messages', len(chat.items))}"
        text.append(head)
        parts.append(f'<h3><a href="{html.escape(url)}">{html.escape(chat.title)}</a> — '
                     f"{html.escape(_count(lang, 'digest.messages', len(chat.items)))}</h3>")
        lines = []
        for item in chat.items[:ITEMS_PER_CHAT]:
            label = t(lang, f"digest.kind.{item.kind}")
            said = f"{item.author}: {item.text}" if item.author and item.text else item.text
            lines.append(" — ".join(x for x in (label, said) if x))
        more = len(chat.items) - ITEMS_PER_CHAT
        if more > 0:
            lines.append(_count(lang, "digest.more", more))
        text.extend(f"  • {line}" for line in lines)
        parts.append("<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in lines)
                     + "</ul>")
        if not chat.shown:
            text.append(f"  {t(lang, 'digest.hidden')}")
            parts.append(f"<p>{html.escape(t(lang, 'digest.hidden'))}</p>")
        text.append(f"  {t(lang, 'digest.open_chat')}: {url}")
        text.append("")
        parts.append(f'<p><a href="{html.escape(url)}">{html.escape(t(lang, "digest.open_chat"))}'
                     "</a></p>")
    footer = t(lang, "digest.footer", email=to)
    text += ["--", footer, f"{t(lang, 'digest.settings')}: {settings_url}"]
    parts.append(f"<hr><p>{html.escape(footer)}<br>"
                 f'<a href="{html.escape(settings_url)}">{html.escape(t(lang, "digest.settings"))}'
                 "</a></p>")
    page = (f'<!doctype html><html lang="{html.escape(lang)}"><head><meta charset="utf-8">'
            f"<title>{html.escape(subject)}</title></head><body>{''.join(parts)}</body></html>")
    return Letter(to=to, subject=subject, text="\n".join(text) + "\n", html=page)
