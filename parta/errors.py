"""The one error tree. Every refusal has a stable code, an HTTP status and catalog text.

    PartaError (400 bad_request)
    ├── ValidationFailed (422 validation_failed)          fields: {name: code}
    ├── NotAuthenticated (401 not_authenticated)
    ├── CsrfFailed (403 csrf_failed)
    ├── Forbidden (403 forbidden)
    │   ├── NotAMember (403 not_a_member)
    │   └── ConsentRequired (403 consent_required)         a parent withdrew consent (152-ФЗ)
    ├── NotFound (404 not_found)                            also for other organizations' things
    ├── Conflict (409 conflict)                            also phone_member_here (hire/arrival)
    │   ├── AlreadyMember (409 already_member)
    │   └── AlreadyDecided (409 already_decided)
    ├── InviteRefused (410 invite_*)                        expired, used_up, annulled
    ├── Gone (410 gone)                                     e.g. export_expired
    ├── CodeRefused (400 code_*)                            code_invalid, code_expired, code_attempts
    ├── RateLimited (429 rate_limited)                      retry_after seconds; also flood,
    │                                                      slow_mode, uploads_busy, upload_limit …
    ├── TooLarge (413 too_large)                            file_too_large, image_too_large
    ├── DeliveryFailed (502 delivery_failed)              the SMS gateway or mail server failed
    └── Unavailable (503 unavailable)                      calls_unavailable: Janus does not answer;
                                                           server_busy: the database's writers queue
                                                           too long (api/errors.is_busy)

The message is looked up in the caller's language catalog by code (see ``parta.i18n``).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AlreadyDecided",
    "AlreadyMember",
    "CodeRefused",
    "Conflict",
    "ConsentRequired",
    "CsrfFailed",
    "DeliveryFailed",
    "Forbidden",
    "Gone",
    "InviteRefused",
    "NotAMember",
    "NotAuthenticated",
    "NotFound",
    "PartaError",
    "RateLimited",
    "TooLarge",
    "Unavailable",
    "ValidationFailed",
]


class PartaError(Exception):
    status = 400
    code = "bad_request"

    def __init__(
        self,
        code: str | None = None,
        *,
        fields: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        if code is not None:
            self.code = code
        self.fields = fields or {}
        self.params = params or {}
        self.headers = headers or {}
        super().__init__(self.code)


class ValidationFailed(PartaError):
    status = 422
    code = "validation_failed"


class NotAuthenticated(PartaError):
    status = 401
    code = "not_authenticated"


class CsrfFailed(PartaError):
    status = 403
    code = "csrf_failed"


class Forbidden(PartaError):
    status = 403
    code = "forbidden"


class NotAMember(Forbidden):
    code = "not_a_member"


class ConsentRequired(Forbidden):
    """The child's parent withdrew a consent this needs; ``params.purpose`` names which."""

    code = "consent_required"


class NotFound(PartaError):
    status = 404
    code = "not_found"


class Conflict(PartaError):
    status = 409
    code = "conflict"


class AlreadyMember(Conflict):
    code = "already_member"


class AlreadyDecided(Conflict):
    code = "already_decided"


class Gone(PartaError):
    status = 410
    code = "gone"


class InviteRefused(PartaError):
    status = 410
    code = "invite_expired"


class CodeRefused(PartaError):
    status = 400
    code = "code_invalid"


class RateLimited(PartaError):
    status = 429
    code = "rate_limited"

    def __init__(self, retry_after: int, code: str | None = None) -> None:
        super().__init__(
            code,
            params={"seconds": retry_after},
            headers={"Retry-After": str(retry_after)},
        )
        self.retry_after = retry_after


class TooLarge(PartaError):
    status = 413
    code = "too_large"


class DeliveryFailed(PartaError):
    status = 502
    code = "delivery_failed"


class Unavailable(PartaError):
    """A service Parta relies on does not answer (Janus for calls): try again later."""

    status = 503
    code = "unavailable"
