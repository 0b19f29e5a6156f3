"""Votes written together (group commit): every vote this process receives while the previous
batch is being written goes into the next batch, one transaction for all of them.

A vote over HTTP reads its caller in a transaction that only reads (it neither waits for nor
holds the writer), then hands ``(caller, poll, body)`` to the queue and waits for its own
outcome. The batch decides each vote in that one transaction exactly as ``polls.vote`` /
``polls.retract_vote`` decide a lone one (membership, blocks, consent, the poll still open, the
options, the conduct filter), each inside its own savepoint: a refused vote is rolled back to
its savepoint and refused to its caller alone, the others go on. The answers are made after
the batch's last vote, in its transaction: the counts (and the poll's options and author) are
read once per poll for the whole batch, each answer counting every vote of it. The batch
commits once (one ``BEGIN``/``COMMIT``, one event-log write, one turn of the writer), and only then does any
caller get its answer: a crash or a failed commit acknowledges nothing. A batch that fails as a
whole (a database error) is written again one vote at a time, so one bad vote cannot sink the
others. A lone vote waits for nothing: its batch starts on the next turn of the loop.

Votes of one batch are written poll by poll (a stable sort: one person's two votes keep their
order, the later wins): on PostgreSQL a batch then takes the polls' rows in one order, so two
processes' batches cannot deadlock on two polls.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from parta.actions.base import Ctx, Services, unit_of_work
from parta.errors import PartaError
from parta.schemas.polls import PollOut, VoteIn

__all__ = ["MAX_BATCH", "VoteQueue"]

log = logging.getLogger("parta.actions.poll_votes")

MAX_BATCH = 256  # votes decided in one transaction


@dataclass(eq=False)
class _Vote:
    caller: dict[str, Any]  # Ctx.caller() of the request
    poll_id: int
    body: VoteIn | None  # None: take the vote back
    done: asyncio.Future[PollOut] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future())


class VoteQueue:
    """This process's waiting votes, written batch after batch."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._waiting: list[_Vote] = []
        self._task: asyncio.Task[None] | None = None
        self.batches = 0  # batches written (for the bench and the tests)

    async def vote(self, ctx: Ctx, poll_id: int, body: VoteIn | None) -> PollOut:
        """Queue the caller's vote (``body`` None: take it back); its answer once committed,
        or its own refusal."""
        ctx.require_actor()
        job = _Vote(ctx.caller(), poll_id, body)
        self._waiting.append(job)
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())
        return await asyncio.shield(job.done)

    async def _run(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
                await self._write(batch)
        finally:
            self._task = None

    async def drain(self) -> None:
        """Wait until every queued vote has been answered (for an orderly shutdown)."""
        while self._task is not None:
            await asyncio.shield(self._task)

    async def _write(self, batch: list[_Vote]) -> None:
        try:
            outcomes = await self._decide(sorted(batch, key=lambda j: j.poll_id))
        except Exception as exc:
            if len(batch) > 1:  # find the one that fails; the others go through
                for job in batch:
                    await self._write([job])
                return
            log.exception("a vote failed")
            outcomes = [(batch[0], exc)]
        for job, result in outcomes:
            if job.done.done():
                continue
            if isinstance(result, BaseException):
                job.done.set_exception(result)
            else:
                job.done.set_result(result)

    async def _decide(self, batch: list[_Vote]) -> list[tuple[_Vote, PollOut | BaseException]]:
        from parta.actions.polls import Options, Voted, answer_votes, retract_vote, vote

        refused: list[tuple[_Vote, PollOut | BaseException]] = []
        written: list[tuple[_Vote, Voted]] = []
        known: Options = {}  # each poll's options, read once per batch
        self.batches += 1
        async with unit_of_work(self._services) as uow:
            for job in batch:
                ctx = Ctx(db=uow.db, services=self._services, **job.caller)
                try:
                    async with uow.db.begin_nested():
                        done = (await retract_vote(ctx, job.poll_id, known) if job.body is None
                                else await vote(ctx, job.poll_id, job.body, known))
                except PartaError as refusal:  # rolled back to its savepoint: nothing changed
                    refused.append((job, refusal))
                    continue
                written.append((job, done))
            # The answers after the batch's last vote: one reading of the counts per poll.
            outs = await answer_votes([done for _, done in written])
            for _, done in written:
                uow.events.extend(done.ctx.events)
                uow.after_commit.extend(done.ctx.after_commit)
        # committed: now the callers hear
        return refused + [(job, out) for (job, _), out in zip(written, outs, strict=True)]
