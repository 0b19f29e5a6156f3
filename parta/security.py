"""Secrets: random tokens, keyed hashes for what is stored, constant-time comparison."""

from __future__ import annotations

import hashlib
import hmac
import secrets

__all__ = ["keyed_hash", "new_code", "new_token", "same"]


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def new_code(digits: int = 6) -> str:
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def keyed_hash(secret_key: str, value: str, purpose: str) -> str:
    """HMAC-SHA256 so a leaked database alone reveals no code and no session token."""
    return hmac.new(secret_key.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
