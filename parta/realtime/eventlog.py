"""Storing events per recipient inside the action's transaction, and reading them back to resume."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from parta.db import lock_event_stream
from parta.models import EventStreamState, UserEvent
from parta.realtime.events import Envelope

__all__ = ["latest_id", "prune", "pruned_through", "replay", "store", "wire"]


async def store(db: AsyncSession, envelopes: list[Envelope]) -> None:
    """Give every recipient of every durable envelope a stream id, in this transaction."""
    durable = [e for e in envelopes if not e.ephemeral and e.audience]
    if not durable:
        return
    await lock_event_stream(db)
    for env in durable:
        payload = env.payload()
        rows = [{"user_id": u, "type": env.event.type, "payload": payload}
                for u in sorted(env.audience)]
        result = await db.execute(
            insert(UserEvent).returning(UserEvent.id, UserEvent.user_id,
                                        sort_by_parameter_order=True), rows)
        env.ids = {user_id: event_id for event_id, user_id in result.all()}


def wire(event_id: int, payload: dict[str, Any]) -> dict[str, Any]:
    """What a client receives: the event's fields with its id in the client's stream."""
    return {"id": event_id, **payload}


async def replay(db: AsyncSession, user_id: int, after_id: int,
                 limit: int) -> list[dict[str, Any]]:
    rows = (await db.execute(
        select(UserEvent.id, UserEvent.payload)
        .where(UserEvent.user_id == user_id, UserEvent.id > after_id)
        .order_by(UserEvent.id).limit(limit))).all()
    return [wire(i, p) for i, p in rows]


async def latest_id(db: AsyncSession, user_id: int) -> int:
    found = (await db.execute(select(func.max(UserEvent.id)).where(
        UserEvent.user_id == user_id))).scalar_one_or_none()
    return int(found or 0)


async def pruned_through(db: AsyncSession) -> int:
    found = (await db.execute(select(EventStreamState.pruned_through))).scalar_one_or_none()
    return int(found or 0)


async def prune(db: AsyncSession, older_than: datetime) -> int:
    """Forget old events; clients that were behind them are told to resync. Returns how many."""
    edge = (await db.execute(select(func.max(UserEvent.id)).where(
        UserEvent.created_at < older_than))).scalar_one_or_none()
    if edge is None:
        return 0
    result = await db.execute(delete(UserEvent).where(UserEvent.id <= edge))
    state = await db.get(EventStreamState, 1)
    if state is None:
        db.add(EventStreamState(id=1, pruned_through=edge))
    else:
        state.pruned_through = max(state.pruned_through, edge)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def prune_forever(sessionmaker: Any, retention_days: int, every_seconds: float = 3600) -> None:
    """The server's background pruning: forget events older than the retention, every hour."""
    import asyncio
    import logging
    from datetime import timedelta

    from parta.db import utcnow

    log = logging.getLogger("parta.eventlog")
    while True:
        try:
            async with sessionmaker() as db:
                n = await prune(db, utcnow() - timedelta(days=retention_days))
                await db.commit()
            if n:
                log.info("pruned %s events older than %s days", n, retention_days)
        except Exception:  # a failed round is retried next hour; the server keeps serving
            log.exception("event pruning failed")
        await asyncio.sleep(every_seconds)
