"""The Web Push adapter: sends one encrypted payload to one browser's push endpoint.

The protocol is RFC 8030 (a POST to the endpoint the browser was given), signed with the
installation's VAPID key (RFC 8292) and encrypted to the browser's keys (RFC 8291,
``aes128gcm``); ``pywebpush`` does the signing and the encryption. This adapter decides
nothing: it reports what the push service answered, and the notifier acts on it.
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass
from enum import Enum
from typing import Any

import aiohttp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid
from pywebpush import WebPushException, webpush_async

__all__ = ["Outcome", "PushSender", "PushTarget", "b64url", "new_key", "public_key_of"]

log = logging.getLogger("parta.push")


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def new_key() -> str:
    """A fresh P-256 private key as its raw scalar, base64url (what settings may also give)."""
    key = ec.generate_private_key(ec.SECP256R1())
    return b64url(key.private_numbers().private_value.to_bytes(32, "big"))


def public_key_of(private_key: str) -> str:
    """The application server key a browser subscribes with: the uncompressed point, base64url."""
    vapid = Vapid.from_string(private_key)
    return b64url(vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))


@dataclass(frozen=True, slots=True)
class PushTarget:
    endpoint: str
    p256dh: str
    auth: str


class Outcome(Enum):
    sent = "sent"  # 201 (or 200/202): the push service took it
    gone = "gone"  # 404/410: the subscription has ended; forget it
    retry = "retry"  # 429, 5xx, no answer: try again later
    failed = "failed"  # any other refusal (400, 403, 413): trying again would not help


class PushSender:
    """Sends with one VAPID key; ``subject`` is the contact the push service may write to
    (``mailto:`` or ``https:``)."""

    def __init__(self, private_key: str, subject: str, timeout: float = 10.0) -> None:
        self._vapid = Vapid.from_string(private_key)
        self.public_key = public_key_of(private_key)
        self.subject = subject
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    async def send(self, target: PushTarget, payload: dict[str, Any], *, topic: str = "",
                   ttl: int = 24 * 3600, urgency: str = "normal") -> Outcome:
        """One POST. ``topic`` (RFC 8030 §5.4) lets a later push replace one not yet delivered."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self._timeout))
        headers: dict[str, str | int | float] = {"Urgency": urgency}
        if topic:
            headers["Topic"] = topic
        try:
            await webpush_async(
                {"endpoint": target.endpoint, "keys": {"p256dh": target.p256dh, "auth": target.auth}},
                json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
                vapid_private_key=self._vapid, vapid_claims={"sub": self.subject},
                ttl=ttl, headers=headers, aiohttp_session=self._session)
        except WebPushException as refused:
            status = refused.response.status if refused.response is not None else 0
            log.info("push refused: %s", status)
            if status in (404, 410):
                return Outcome.gone
            if status == 429 or status >= 500 or status == 0:
                return Outcome.retry
            return Outcome.failed
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            log.info("push failed: %s", type(exc).__name__)
            return Outcome.retry
        return Outcome.sent

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
