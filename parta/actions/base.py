"""The context every action receives, and the unit of work that commits it."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from parta import metrics
from parta.actions.flood_state import RecentPosts
from parta.actions.throttle import Rates
from parta.config import Settings
from parta.db import reading
from parta.models import AuditEntry, ConductMode, User
from parta.policy import Actor
from parta.queries.people import persons
from parta.realtime import eventlog
from parta.realtime.bus import Bus
from parta.realtime.coalesce import Coalescer
from parta.realtime.events import Envelope, Event
from parta.schemas.common import Person
from parta.services.janus import Janus, make_janus
from parta.services.mail import Mailer
from parta.services.sms import SmsSender
from parta.services.storage import Storage
from parta.services.streamer import Streamer
from parta.services.upload_gate import UploadGate

__all__ = ["CommitThenRefuse", "Ctx", "Services", "unit_of_work"]

log = logging.getLogger("parta.actions")


@dataclass
class Services:
    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    sms: SmsSender
    mail: Mailer
    bus: Bus
    storage: Storage
    publish_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    readers: eventlog.Readers = field(default_factory=eventlog.Readers)
    rates: Rates = field(default_factory=Rates)  # in-memory limits: reactions, «typing»
    # The flood limits' memory of each sender's recent posts (one process: see actions.flood).
    recent_posts: RecentPosts = field(default_factory=RecentPosts)
    # Each organization's conduct filter modes by kind of chat (see actions.screening).
    conduct_modes: dict[int, dict[str, ConductMode]] = field(default_factory=dict)
    # Uploads' share of this process: files worked on at once, and per-person allowances.
    uploads: UploadGate = field(init=False)
    # The SFU for calls (one HTTP client for the process).
    janus: Janus = field(init=False)
    # The ffmpeg runs that send broadcast video files to Janus (children of this process).
    streamer: Streamer = field(default_factory=Streamer)
    # Told of every batch of events this process committed, after it was published (the
    # notifier, which must not block: it only queues).
    committed: list[Callable[[list[Envelope]], None]] = field(default_factory=list)
    # Polls' live results: one event per poll per interval however many vote (actions.polls).
    poll_results: Coalescer = field(init=False)
    # Broadcasts' live viewer counts waiting out their window (actions.broadcast_air): one
    # timer per broadcast, owned by these services, not by the module (a timer of another
    # app, or of a test before, must never swallow this one's count).
    broadcast_counts: dict[int, asyncio.Task[None]] = field(default_factory=dict)
    # Set after an urgent mark commits: this process's urgent-SMS worker sends now.
    urgent_wake: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.uploads = UploadGate(self.settings.media_workers)
        self.janus = make_janus(self.settings)
        self.poll_results = Coalescer(self.settings.poll_results_seconds)


@dataclass
class Ctx:
    """One request's view of the world: its transaction, its caller, its queued events."""

    db: AsyncSession
    services: Services
    user: User | None = None
    actor: Actor | None = None
    session_id: int | None = None
    # Orgs where the caller is a verified teacher, when loaded with them (their badge).
    verified_in: frozenset[int] | None = None
    ip: str = ""
    lang: str = "ru"
    events: list[Envelope] = field(default_factory=list)
    # Work to run after commit that must not hold the transaction (sending an SMS, say).
    after_commit: list[Any] = field(default_factory=list)

    @property
    def settings(self) -> Settings:
        return self.services.settings

    def emit(self, event: Event, audience: set[int] | frozenset[int]) -> None:
        self.events.append(Envelope(event=event, audience=frozenset(audience)))

    def audit(self, action: str, org_id: int | None, target_type: str = "",
              target_id: int | None = None, **details: Any) -> None:
        self.db.add(AuditEntry(
            org_id=org_id, actor_id=self.user.id if self.user else None, action=action,
            target_type=target_type, target_id=target_id, details=details,
        ))

    async def caller_person(self, org_id: int) -> Person:
        """The caller's name and badge as shown in ``org_id`` (what their messages carry)."""
        assert self.user is not None
        if self.verified_in is None:
            return (await persons(self.db, org_id, [self.user.id]))[self.user.id]
        return Person(id=self.user.id, name=self.user.name,
                      verified_teacher=org_id in self.verified_in)

    def caller(self) -> dict[str, Any]:
        """Who is calling, for another unit of work on their behalf (``unit_of_work(**…)``)."""
        return {"user": self.user, "actor": self.actor, "session_id": self.session_id,
                "verified_in": self.verified_in, "ip": self.ip, "lang": self.lang}

    def require_actor(self) -> Actor:
        from parta.errors import NotAuthenticated

        if self.actor is None or self.user is None:
            raise NotAuthenticated()
        return self.actor


async def _commit(ctx: Ctx) -> None:
    """Store the events with the change, commit, then publish — in commit order within this
    process, so live delivery keeps the order that resuming from the log would give."""
    if not ctx.events:
        await ctx.db.commit()
        return
    async with ctx.services.publish_lock:
        remember = await eventlog.store(ctx.db, ctx.events, ctx.services.readers)
        await ctx.db.commit()
        committed_at = time.time()
        for env in ctx.events:
            env.committed_at = committed_at
        metrics.count_committed(ctx.events)
        # Committed: whatever fails from here on must not make the action look failed (a
        # caller would do it again). A client that misses the live event finds it on resume.
        try:
            if remember is not None:
                remember()
            await ctx.services.bus.publish(ctx.events)
            for listener in ctx.services.committed:
                listener(ctx.events)
        except Exception:
            log.exception("publishing %s committed events failed", len(ctx.events))


class CommitThenRefuse(Exception):
    """Raised by an action whose refusal must still be recorded (a wrong sign-in code counts
    as a try): the unit of work commits what was written, then raises ``error``."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


@asynccontextmanager
async def unit_of_work(services: Services, *, read_only: bool = False,
                       **kw: Any) -> AsyncIterator[Ctx]:
    """Commit once if the block succeeds, then publish its events; roll back and drop them if not.
    ``read_only``: the block only reads (on SQLite it then never waits for a writer)."""
    async with reading(services.sessionmaker) if read_only else services.sessionmaker() as db:
        ctx = Ctx(db=db, services=services, **kw)
        try:
            yield ctx
            await _commit(ctx)
        except CommitThenRefuse as refusal:
            ctx.events.clear()  # a refusal tells nobody anything
            await _commit(ctx)
            raise refusal.error from None
        except BaseException:
            await db.rollback()
            ctx.events.clear()
            raise
    for job in ctx.after_commit:
        await job()
