"""A push service on loopback for the tests (RFC 8030): it takes the server's POSTs, checks
the VAPID signature (RFC 8292) with the installation's public key, and decrypts each payload
(RFC 8291, aes128gcm) with the subscriber's private key and auth secret, as a browser would.

Nothing of the protocol is faked: the keys are real P-256 keys made here, the JWT is checked
with ``cryptography``, the body is decrypted with ``http_ece``.
"""

from __future__ import annotations

import base64
import json
import os
import time
from dataclasses import dataclass, field
from typing import Any

import http_ece
from aiohttp import web
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64d(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class Browser:
    """One browser's subscription: its key pair and auth secret, made here."""

    endpoint: str
    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    def subscription(self, label: str = "Chromium") -> dict[str, Any]:
        point = self.key.public_key().public_bytes(serialization.Encoding.X962,
                                                   serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": self.endpoint, "expirationTime": None, "label": label,
                "keys": {"p256dh": b64e(point), "auth": b64e(self.auth)}}


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    payload: dict[str, Any]
    claims: dict[str, Any]


def verify_vapid(authorization: str, public_key: str, origin: str) -> dict[str, Any]:
    """The claims of a valid «vapid t=<jwt>,k=<key>» header signed by ``public_key`` for
    ``origin``; AssertionError for anything else."""
    scheme, _, rest = authorization.partition(" ")
    assert scheme == "vapid", authorization
    parts = dict(p.split("=", 1) for p in rest.split(","))
    assert parts["k"] == public_key, "signed with another key"
    header_b64, claims_b64, sig_b64 = parts["t"].split(".")
    header = json.loads(b64d(header_b64))
    assert header == {"typ": "JWT", "alg": "ES256"}, header
    sig = b64d(sig_b64)
    assert len(sig) == 64
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64d(public_key))
    key.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    claims: dict[str, Any] = json.loads(b64d(claims_b64))
    assert claims["aud"] == origin, claims
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600, claims
    assert claims["sub"].startswith(("mailto:", "https://")), claims
    return claims


class PushService:
    """Listens on 127.0.0.1; ``answers`` sets the status for a path (default 201)."""

    def __init__(self) -> None:
        self.browsers: dict[str, Browser] = {}
        self.received: list[Received] = []
        self.answers: dict[str, int] = {}
        self.public_key = ""  # the server's VAPID key, from GET /push/key
        self._runner: web.AppRunner | None = None
        self.origin = ""

    def browser(self, name: str) -> Browser:
        b = self.browsers[f"/push/{name}"] = Browser(f"{self.origin}/push/{name}")
        return b

    async def _take(self, request: web.Request) -> web.Response:
        browser = self.browsers.get(request.path)
        if browser is None:
            return web.Response(status=404)
        body = await request.read()
        claims = verify_vapid(request.headers["Authorization"], self.public_key, self.origin)
        assert request.headers["Content-Encoding"] == "aes128gcm"
        assert int(request.headers["TTL"]) > 0
        plain = http_ece.decrypt(body, private_key=browser.key, auth_secret=browser.auth,
                                 version="aes128gcm")
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.received.append(Received(request.path, headers, json.loads(plain), claims))
        return web.Response(status=self.answers.get(request.path, 201))

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/push/{name}", self._take)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.origin = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def to(self, name: str) -> list[dict[str, Any]]:
        return [r.payload for r in self.received if r.path == f"/push/{name}"]
