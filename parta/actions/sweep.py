"""The server's hourly sweep (started in the app's lifespan): what is no longer needed goes.

- files uploaded into a chat or an instruction and never sent, after ``unsent_upload_hours``;
- acknowledgement reminders' letters and SMS that were sent or failed for good, after
  ``reminder_delivery_retention_days`` (those still waiting for an attempt stay).

Each goes in bounded batches, a transaction each, so the server keeps serving in between.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from parta.actions.acks import prune_deliveries
from parta.actions.attachments import prune_unsent, prune_unsent_instruction_files
from parta.actions.base import Services
from parta.db import utcnow

__all__ = ["sweep", "sweep_forever"]

log = logging.getLogger("parta.sweep")
BATCH = 500


async def _drain(prune: Callable[[Services, datetime, int], Awaitable[int]],
                 services: Services, older_than: datetime) -> int:
    total = 0
    while True:
        n = await prune(services, older_than, BATCH)
        total += n
        if n < BATCH:
            return total
        await asyncio.sleep(0.05)


async def sweep(services: Services, now: datetime | None = None) -> dict[str, int]:
    """One pass at ``now``: how many of each kind went. A kind that fails is logged and the
    others still go."""
    now = now or utcnow()
    s = services.settings
    kinds: dict[str, tuple[Callable[[Services, datetime, int], Awaitable[int]], datetime]] = {
        "unsent_uploads": (prune_unsent, now - timedelta(hours=s.unsent_upload_hours)),
        "unsent_instruction_files": (prune_unsent_instruction_files,
                                     now - timedelta(hours=s.unsent_upload_hours)),
        "reminder_deliveries": (prune_deliveries,
                                now - timedelta(days=s.reminder_delivery_retention_days)),
    }
    done: dict[str, int] = {}
    for kind, (prune, older_than) in kinds.items():
        try:
            done[kind] = await _drain(prune, services, older_than)
        except Exception:
            log.exception("sweeping %s failed", kind)
            done[kind] = 0
    return done


async def sweep_forever(services: Services, every_seconds: float = 3600) -> None:
    while True:
        await sweep(services)
        await asyncio.sleep(every_seconds)
