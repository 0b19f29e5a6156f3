"""Short-lived TURN credentials for coturn's shared-secret (TURN REST) scheme.

coturn, started with ``use-auth-secret`` and ``static-auth-secret``, takes any username of the
form ``<expiry unix time>:<anything>`` whose password is base64(HMAC-SHA1(secret, username)),
until that time. So Parta mints them without telling coturn anything, and they end by
themselves.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass

__all__ = ["TurnCredentials", "turn_credentials", "turn_password"]


@dataclass(frozen=True)
class TurnCredentials:
    username: str
    password: str
    expires_at: int  # unix time
    urls: list[str]


def turn_password(secret: str, username: str) -> str:
    mac = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return base64.b64encode(mac).decode()


def turn_credentials(secret: str, user_id: int, urls: list[str], ttl_seconds: int,
                     now: float | None = None) -> TurnCredentials:
    expires_at = int(now if now is not None else time.time()) + ttl_seconds
    username = f"{expires_at}:{user_id}"
    return TurnCredentials(username=username, password=turn_password(secret, username),
                           expires_at=expires_at, urls=urls)
