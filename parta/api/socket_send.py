"""Sending messages over the event socket, committed together.

A client that has its event socket open may send a message on it instead of over HTTP:

    → {"type": "send", "ref": R, "chat_id": C, "body": B, "client_id": K, ...}
    ← {"type": "sent", "ref": R, "status": 200, "result": {…what POST /chats/C/messages returns…}}
    ← {"type": "refused", "ref": R, "status": 4xx, "error": {…what HTTP puts under "error"…}}

The other fields (``reply_to_id``, ``attachment_ids``, ``forward_of``, ``confirm_conduct``) and
their limits are those of the HTTP body. The answer comes after the commit, and after the
message's own ``message.new`` event on the same socket; it carries no stream id and is not
replayed, so a send left without an answer (the socket dropped) is retried with the same
client id, which never makes a second message.

Sends from every socket of this process wait in one queue; whatever arrived while the previous
batch was being written is decided and written as the next batch, in one transaction
(``actions.sending.send_messages``): one commit, one event-log write and a few reads for
many messages. A lone send waits for nothing: a batch starts on the next turn of the loop.

Each batch reads every sender as an HTTP request does (``queries.actors.callers_by_session``,
one query for the batch): the session still live, the person and their relations (roles,
classes, the teacher badge) as they are now — nothing is cached between batches, so a session
ended or a role taken away counts for the very next send. Membership of the chat, blocks and
the rest are decided by ``actions.sending`` in the same transaction.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi.encoders import jsonable_encoder
from pydantic import Field, StringConstraints, ValidationError

from parta.actions.base import Ctx, Services, unit_of_work
from parta.actions.sending import Outgoing, Sent, send_messages
from parta.api.chats import sent_answer
from parta.api.errors import error_body, validation_fields
from parta.errors import NotAuthenticated, PartaError, RateLimited
from parta.queries.actors import callers_by_session
from parta.realtime.frames import text_frame
from parta.realtime.gateway import Connection
from parta.schemas.chats import MessageIn

__all__ = ["MAX_BATCH", "MAX_PENDING", "SendQueue", "SocketSender"]

log = logging.getLogger("parta.api.socket_send")

MAX_PENDING = 64  # sends a socket may have waiting for their answers
MAX_BATCH = 256  # sends decided in one transaction


class SocketSendIn(MessageIn):
    type: Literal["send"]
    ref: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
    chat_id: Annotated[int, Field(ge=1, le=2**62)]


@dataclass(eq=False, slots=True)
class SocketSender:
    """One socket's sender: who sends (their session), where the answers go, and the
    language they are in until the sender's own is known."""

    conn: Connection
    session_id: int
    lang: str
    pending: int = 0

    def answer(self, payload: dict[str, Any]) -> None:
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        self.conn.reply(text, text_frame(text) if self.conn.frames else None)

    def refuse(self, ref: str | None, error: PartaError, lang: str | None = None) -> None:
        """``lang``: the sender's own language, when the batch has read it."""
        self.answer({"type": "refused", "ref": ref, "status": error.status,
                     "error": error_body(lang or self.lang, error.code, error.fields,
                                         error.params)})


@dataclass(eq=False)
class _Job:
    sender: SocketSender
    ref: str
    send: SocketSendIn


class SendQueue:
    """This process's waiting socket sends, written batch after batch."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._waiting: list[_Job] = []
        self._task: asyncio.Task[None] | None = None

    def offer(self, sender: SocketSender, raw: dict[str, Any]) -> None:
        """A ``send`` frame from a socket: refuse it now, or queue it."""
        ref = raw.get("ref") if isinstance(raw.get("ref"), str) else None
        try:
            send = SocketSendIn.model_validate(raw)
        except ValidationError as e:
            fields = validation_fields(e.errors())
            sender.refuse(ref if fields.get("ref") is None else None,
                          _Refusal(422, "validation_failed", fields))
            return
        if sender.pending >= MAX_PENDING:
            sender.refuse(send.ref, RateLimited(1, "too_many_pending"))
            return
        sender.pending += 1
        self._waiting.append(_Job(sender, send.ref, send))
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
                await self._write(batch)
        finally:
            self._task = None

    def depth(self) -> int:
        """Sends waiting for a batch (the one being written is not counted)."""
        return len(self._waiting)

    async def drain(self) -> None:
        """Wait until every queued send has been answered (for an orderly shutdown)."""
        while self._task is not None:
            await asyncio.shield(self._task)

    async def _write(self, batch: list[_Job]) -> None:
        try:
            answers, langs = await self._decide(batch)
        except Exception:
            if len(batch) > 1:  # find the one that fails; the others go through
                for job in batch:
                    await self._write([job])
                return
            log.exception("a send over the event socket failed")
            answers, langs = [_Refusal(500, "internal")], {}
        for job, result in zip(batch, answers, strict=True):
            job.sender.pending -= 1
            if isinstance(result, PartaError):
                job.sender.refuse(job.ref, result, langs.get(job.sender.session_id))
            else:
                status, body = sent_answer(result)
                if result.held is not None:
                    body = jsonable_encoder(body)
                job.sender.answer({"type": "sent", "ref": job.ref, "status": status,
                                   "result": body})

    async def _decide(self, batch: list[_Job]
                      ) -> tuple[list[Sent | PartaError], dict[int, str]]:
        """Each send's outcome, and the senders' own languages by session."""
        answers: list[Sent | PartaError | None] = [None] * len(batch)
        async with unit_of_work(self._services) as uow:
            callers = await callers_by_session(
                uow.db, {(j.sender.session_id, j.sender.conn.user_id) for j in batch})
            langs = {sid: u.language for sid, (u, _) in callers.items() if u.language}
            items: list[Outgoing] = []
            at: list[int] = []
            for n, job in enumerate(batch):
                s = job.sender
                found = callers.get(s.session_id)
                if found is None:
                    answers[n] = NotAuthenticated()
                    continue
                user, caller = found
                ctx = Ctx(db=uow.db, services=self._services, user=user, actor=caller.actor,
                          session_id=s.session_id, verified_in=caller.verified_in,
                          lang=user.language or s.lang, events=uow.events)
                m = job.send
                items.append(Outgoing(ctx, m.chat_id, m.body, m.client_id, m.reply_to_id,
                                      list(m.attachment_ids), m.forward_of, m.confirm_conduct))
                at.append(n)
            if items:
                for n, result in zip(at, await send_messages(uow, items), strict=True):
                    answers[n] = result
        assert all(a is not None for a in answers)
        return answers, langs  # type: ignore[return-value]


class _Refusal(PartaError):
    def __init__(self, status: int, code: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(code, fields=fields)
        self.status = status
