"""Outboxes: letters and SMS written in the transaction that decides them, handed to the mail
server or the SMS gateway after commit by a worker (reminders of announcements, urgent SMS).

A row's ``state``: ``pending`` (to send at ``next_at``), ``sending`` (claimed by one process
with a conditional UPDATE committed before the send, under way), ``sent``, ``failed`` (refused
``max_attempts`` times, or an attempt whose outcome was never written: the process died while
handing it over, so it may have gone out and is not sent again — after ``lease`` it counts as
failed), and, for an outbox that looks again before each try, ``unneeded`` (``still_wanted``
said no). A refusal puts the row back with a later ``next_at`` (``delays``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update

from parta.actions.base import Services, unit_of_work
from parta.db import utcnow
from parta.services.mail import MailFailed
from parta.services.sms import SmsFailed

__all__ = ["Outbox", "send_due"]

log = logging.getLogger("parta.outbox")


@dataclass(frozen=True)
class Outbox:
    model: Any  # a mapped class with id, state, attempts, next_at, last_error, sent_at
    what: str  # for the log: «a reminder», «an urgent SMS»
    delays: tuple[int, ...]  # seconds before the 2nd, 3rd … try
    per_pass: int
    lease: timedelta = timedelta(minutes=10)  # far longer than one SMTP or gateway call

    @property
    def max_attempts(self) -> int:
        return len(self.delays) + 1


async def send_due(services: Services, box: Outbox, now: datetime | None,
                   send: Callable[[Services, Any], Awaitable[None]], *,
                   still_wanted: Callable[[int], Any] | None = None,
                   on_failed: Callable[[], None] | None = None) -> int:
    """Hand over every row of ``box`` due at ``now`` with ``send(services, row)`` (which raises
    on a refusal); the number handed over. ``still_wanted(id)``: a SQL condition looked at
    before each try. ``on_failed()``: a row given up for good."""
    now = now or utcnow()
    m = box.model
    async with unit_of_work(services) as ctx:
        await ctx.db.execute(
            update(m).where(m.state == "sending", m.next_at <= now - box.lease)
            .values(state="failed", last_error="outcome unknown (interrupted)")
            .execution_options(synchronize_session=False))
        due = list((await ctx.db.execute(select(m.id).where(
            m.state == "pending", m.next_at <= now)
            .order_by(m.next_at, m.id).limit(box.per_pass))).scalars())
    sent = 0
    for row_id in due:
        sent += await _attempt(services, box, row_id, now, send, still_wanted, on_failed)
    return sent


async def _attempt(services: Services, box: Outbox, row_id: int, now: datetime,
                   send: Callable[[Services, Any], Awaitable[None]],
                   still_wanted: Callable[[int], Any] | None,
                   on_failed: Callable[[], None] | None) -> int:
    m = box.model
    async with unit_of_work(services) as ctx:
        if still_wanted is not None and not (
                await ctx.db.execute(select(still_wanted(row_id)))).scalar():
            await ctx.db.execute(
                update(m).where(m.id == row_id, m.state == "pending")
                .values(state="unneeded").execution_options(synchronize_session=False))
            return 0
        won = await ctx.db.execute(
            update(m).where(m.id == row_id, m.state == "pending", m.next_at <= now)
            .values(state="sending", attempts=m.attempts + 1, next_at=now)
            .execution_options(synchronize_session=False))
        if cast(CursorResult[Any], won).rowcount != 1:
            return 0  # another process has it, or it is done
        row = (await ctx.db.execute(select(m).where(m.id == row_id))).scalar_one()
    error: str | None = None
    try:
        await send(services, row)
    except (MailFailed, SmsFailed) as exc:
        error = str(exc) or type(exc).__name__
    except Exception as exc:
        log.exception("%s could not be handed over", box.what)
        error = type(exc).__name__
    if error is None:
        values: dict[str, Any] = {"state": "sent", "sent_at": utcnow(), "last_error": None}
    elif row.attempts >= box.max_attempts:
        log.warning("%s failed for good after %s attempts: %s", box.what, row.attempts, error)
        if on_failed is not None:
            on_failed()
        values = {"state": "failed", "last_error": error[:500]}
    else:
        log.warning("%s was not handed over (attempt %s), tried again later: %s",
                    box.what, row.attempts, error)
        values = {"state": "pending", "last_error": error[:500],
                  "next_at": now + timedelta(seconds=box.delays[row.attempts - 1])}
    async with unit_of_work(services) as ctx:
        await ctx.db.execute(update(m).where(m.id == row_id, m.state == "sending")
                             .values(values).execution_options(synchronize_session=False))
    return 1 if error is None else 0
