"""Turning every refusal into ``{"error": {"code", "message", "fields"}}`` in the caller's language."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from parta.errors import PartaError
from parta.i18n import catalog, pick_language, t

__all__ = ["ERROR_CODE_KEY", "error_body", "error_response", "install_error_handlers", "is_busy",
           "validation_fields"]

log = logging.getLogger("parta.api")

# Where an answer's error code is left in the request's state, for the request log's metrics.
ERROR_CODE_KEY = "error_code"


def _lang(request: Request) -> str:
    return getattr(request.state, "lang", None) or pick_language(
        request.headers.get("accept-language"))


def error_response(request: Request, status: int, code: str, fields: dict[str, str] | None = None,
                   params: dict[str, object] | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    setattr(request.state, ERROR_CODE_KEY, code)
    return JSONResponse({"error": error_body(_lang(request), code, fields, params)},
                        status_code=status, headers=headers)


def error_body(lang: str, code: str, fields: dict[str, str] | None = None,
               params: dict[str, object] | None = None) -> dict[str, object]:
    """What a refusal says, over HTTP (under ``error``) and on the event socket alike."""
    return {
        "code": code, "message": t(lang, f"error.{code}", **(params or {})),
        "fields": {k: _field_text(lang, v) for k, v in (fields or {}).items()},
        "field_codes": dict(fields or {}),
        "params": params or {},
    }


def _field_text(lang: str, code: str) -> str:
    """A field's code («required», «invalid_phone») as a sentence for a person."""
    known = catalog(lang)
    for key in (f"field.{code}", f"error.{code}"):
        if key in known:
            return t(lang, key)
    return t(lang, "field.invalid")


_PYDANTIC_TO_FIELD = {
    "missing": "required", "string_too_long": "too_long", "string_too_short": "too_short",
    # A cleaned name's length is checked after the cleaning, as a length of any value.
    "too_long": "too_long", "too_short": "too_short",
    "greater_than_equal": "out_of_range", "less_than_equal": "out_of_range",
    "string_pattern_mismatch": "invalid",
}


def validation_fields(errors: Sequence[Any]) -> dict[str, str]:
    """Pydantic's complaints as our field codes: {"body": "too_long", ...}."""
    fields: dict[str, str] = {}
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
        name = ".".join(loc) or "body"
        kind = _PYDANTIC_TO_FIELD.get(err.get("type", ""), "invalid")
        if name.endswith(("email", "gradebook_url", "website")) and kind == "invalid":
            kind = "invalid_email" if name.endswith("email") else "invalid_url"
        fields.setdefault(name, kind)
    return fields


# SQLite: the writer's queue was longer than the wait (sqlite_driver.BUSY_WAIT); PostgreSQL: a
# lock not granted in time, a deadlock or a serialization failure — the transaction was undone.
_BUSY_SQLSTATES = frozenset({"55P03", "40P01", "40001"})


def is_busy(exc: DBAPIError) -> bool:
    for cause in (exc.orig, getattr(exc.orig, "__cause__", None)):  # asyncpg's under SQLAlchemy's
        if isinstance(cause, sqlite3.OperationalError) and ("locked" in str(cause) or "busy" in str(cause)):
            return True
        if getattr(cause, "sqlstate", None) in _BUSY_SQLSTATES:
            return True
    return False


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(PartaError)
    async def parta_error(request: Request, exc: PartaError) -> JSONResponse:
        return error_response(request, exc.status, exc.code, exc.fields, exc.params, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        if exc.errors() and all(e.get("loc", ("",))[0] == "path" for e in exc.errors()):
            return error_response(request, 404, "not_found")  # /orgs/abc names nothing
        fields = validation_fields(exc.errors())
        return error_response(request, 422, "validation_failed", fields)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(
            exc.status_code, "bad_request")
        return error_response(request, exc.status_code, code)

    @app.exception_handler(DBAPIError)
    async def database_error(request: Request, exc: DBAPIError) -> JSONResponse:
        if is_busy(exc):  # overload, not a fault: nothing was written, the client may try again
            log.warning("database busy on %s %s: %s", request.method, request.url.path, exc.orig)
            return error_response(request, 503, "server_busy", headers={"Retry-After": "2"})
        log.exception("database error on %s %s", request.method, request.url.path)
        return error_response(request, 500, "internal")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(request, 500, "internal")
