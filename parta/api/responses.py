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

from parta.schemas.errors import ErrorAnswer

__all__ = ["ERROR_STATUSES", "errors", "file_answer"]

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
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route that may refuse with these statuses, each with the one error
    body of ``parta.api.errors``."""
    unknown = set(statuses) - set(ERROR_STATUSES)
    if unknown:
        raise ValueError(f"no error tree status {sorted(unknown)}")
    return {s: {"model": ErrorAnswer, "description": ERROR_STATUSES[s]} for s in sorted(statuses)}


def file_answer(*media_types: str, description: str = "The file") -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a 200 that is a file of one of these media types."""
    return {200: {"description": description, "content": {
        m: {"schema": {"type": "string", "format": "binary"}} for m in media_types}}}
