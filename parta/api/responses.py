"""What a route documents besides its answer: the refusals it can give (``errors``) and the
media types of the files it sends (``file_answer``).

Which codes a route lists, by what can refuse it:

- 401 — it needs a signed-in caller; 403 — a role or membership decides (and, for a write
  signed in by cookie, the CSRF check); 404 — it names something by id (a path id out of range
  is 404 too, and so is another school's thing); 409 — a state it would contradict;
  410 — a link or file that no longer works; 413 — it takes a body (1 MiB, files their own
  limit); 422 — a body or query to validate; 429 — a rate or flood limit.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.responses import StreamingResponse

from parta.errors import NotFound
from parta.schemas.errors import ErrorAnswer
from parta.services.storage import ObjectNotFound, Storage

__all__ = ["ERROR_STATUSES", "document_errors_honestly", "errors", "file_answer", "stored_file",
           "without_framework_422"]

ERROR_STATUSES = {
    400: "Refused: a code that does not match, or a request that makes no sense",
    401: "Not signed in, or the session ended",
    403: "Not allowed for this caller",
    404: "Nothing of that id that the caller may see",
    409: "Conflicts with the current state",
    410: "No longer valid",
    413: "The body is too large",
    422: "Invalid input: see error.fields",
    429: "Too many requests: see Retry-After",
    502: "The SMS gateway or mail server failed",
    503: "A service the request needs (the calls server) does not answer",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route that may refuse with these statuses, each with the one error
    body of ``parta.api.errors``."""
    unknown = set(statuses) - set(ERROR_STATUSES)
    if unknown:
        raise ValueError(f"no error tree status {sorted(unknown)}")
    return {s: {"model": ErrorAnswer, "description": ERROR_STATUSES[s]} for s in sorted(statuses)}


def file_answer(*media_types: str, description: str = "The file"
                ) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a 200 that is a file of one of these media types."""
    return {200: {"description": description, "content": {
        m: {"schema": {"type": "string", "format": "binary"}} for m in media_types}}}


async def stored_file(storage: Storage, key: str, *, mime: str, name: str,
                      inline: bool) -> StreamingResponse:
    """A stored file, served as every file is: of the type found in its bytes when it was
    stored, never sniffed again by the browser, sandboxed, offered under its cleaned name; a
    stored object that is gone is ``NotFound``."""
    try:
        chunks = await storage.open(key)
    except ObjectNotFound:
        raise NotFound() from None
    disposition = "inline" if inline else "attachment"
    return StreamingResponse(chunks, media_type=mime, headers={
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name)}",
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=86400",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    })


def without_framework_422(document: dict[str, Any]) -> dict[str, Any]:
    """The document without the 422 FastAPI adds to every route with a parameter: a route whose
    only parameters are in its path never answers 422 (a bad path id is 404, see
    ``parta.api.errors``), and every route that can lists 422 with our error body."""
    ref = "#/components/schemas/HTTPValidationError"
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            answer = operation.get("responses", {}).get("422", {})
            if answer.get("content", {}).get("application/json", {}).get("schema") == {"$ref": ref}:
                del operation["responses"]["422"]
    schemas = document.get("components", {}).get("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    return document


def document_errors_honestly(app: FastAPI) -> None:
    """Build ``app``'s OpenAPI document once, as FastAPI does, then drop its own 422s."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = without_framework_422(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
