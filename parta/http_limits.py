"""How large a request body may be, counted while it streams in.

``Content-Length`` alone is no limit: a chunked body has none, and the app would buffer a JSON
body (or spool a multipart upload to disk) whole before anyone looked at its size. So the
middleware counts the bytes the app receives, and the chunk that takes a request past its
route's limit is never handed on: the app's read fails, and the caller gets 413 ``too_large``
— whatever the app was about to answer. A declared length over the limit is refused before a
byte is read.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from parta.api.errors import error_response

__all__ = ["JSON_LIMIT", "BodyLimits", "BodyTooLarge", "route_limits"]

JSON_LIMIT = 1024 * 1024  # every body that is not a file
FORM_SLACK = 64 * 1024  # a file's multipart framing and its form fields

# the files of a chat, of an instruction and of the materials library (one upload path, one
# limit: the largest kind's, the kind's own is checked once the bytes say what it is)
_ATTACHMENTS = re.compile(r"/api/v1/chats/[^/]+/attachments"
                          r"|/api/v1/municipalities/[^/]+/instruction-files"
                          r"|/api/v1/orgs/[^/]+/materials|/api/v1/materials/[^/]+/versions")
_ROSTER_IMPORTS = re.compile(r"/api/v1/orgs/[^/]+/roster/imports")


def route_limits(upload: int, roster: int) -> Callable[[str], int]:
    """The limit for a path: files their own (plus the form around them), the rest 1 MiB."""

    def limit_for(path: str) -> int:
        if _ATTACHMENTS.fullmatch(path):
            return upload + FORM_SLACK
        if _ROSTER_IMPORTS.fullmatch(path):
            return roster + FORM_SLACK
        return JSON_LIMIT

    return limit_for


class BodyTooLarge(HTTPException):
    """What the app's read of the body raises once the body passed its limit. An HTTP error,
    so the framework passes it on as it is, rather than as a parse error."""

    def __init__(self) -> None:
        super().__init__(413)


class BodyLimits:
    """Pure ASGI: wraps ``receive`` (counting) and ``send`` (so that once the limit is passed
    nothing but the 413 goes out). WebSocket and lifespan scopes pass through untouched."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _refuse(scope, receive, send)
            return
        counted = 0
        over = False
        started = False

        async def limited() -> Message:
            nonlocal counted, over
            if over:
                raise BodyTooLarge()
            message = await receive()
            if message["type"] == "http.request":
                counted += len(message.get("body", b""))
                if counted > limit:
                    over = True
                    raise BodyTooLarge()
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if over and not started:
                return  # the app's own answer to a failed read: ours goes instead
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited, guarded)
        except Exception:
            if not over or started:
                raise
        if over and not started:
            await _refuse(scope, receive, send)


def _content_length(scope: Scope) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == b"content-length":
            return str(value.decode("latin-1").strip())
    return None


async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
    # The rest of the body stays unread: the connection cannot be reused, so say so.
    response = error_response(Request(scope), 413, "too_large", headers={"Connection": "close"})
    await response(scope, receive, send)
