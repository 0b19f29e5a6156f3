"""Every HTTP answer: the security headers it carries, its line in the request log, its count
in the metrics — a failure (500) included, with its traceback, which the framework would
otherwise answer past this log.

Pure ASGI, outside every other layer, so a refusal made by another middleware (a body over its
limit) is logged and counted like any other. WebSocket scopes pass through untouched.
"""

from __future__ import annotations

import logging
import time

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from parta import metrics
from parta.api.errors import ERROR_CODE_KEY, error_response

__all__ = ["HSTS", "SECURITY_HEADERS", "RequestLog"]

log = logging.getLogger("parta.http")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
}
# Browsers then refuse plain HTTP to this host (and its subdomains) for a year.
HSTS = "max-age=31536000; includeSubDomains"


class RequestLog:
    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.headers = dict(SECURITY_HEADERS)
        if hsts:
            self.headers["Strict-Transport-Security"] = HSTS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        api = scope["path"].startswith("/api/")
        status = 0

        async def with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                for key, value in self.headers.items():
                    headers.setdefault(key, value)
                if api:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        try:
            await self.app(scope, receive, with_headers)
        except Exception:
            self._log(scope, 500, "internal", started, failed=True)
            if status:
                raise  # the answer had begun: the server can only drop the connection
            response = error_response(Request(scope), 500, "internal")
            await response(scope, receive, with_headers)
            return
        code = scope.get("state", {}).get(ERROR_CODE_KEY)
        self._log(scope, status, code, started)

    @staticmethod
    def _log(scope: Scope, status: int, code: str | None, started: float,
             failed: bool = False) -> None:
        seconds = time.perf_counter() - started
        method, path = scope["method"], scope["path"]
        extra = {"method": method, "path": path, "status": status,
                 "ms": round(seconds * 1000, 1)}
        if failed:
            log.exception("%s %s %s", method, path, status, extra=extra)
        else:
            log.info("%s %s %s", method, path, status, extra=extra)
        metrics.record_request(status, code, seconds)
