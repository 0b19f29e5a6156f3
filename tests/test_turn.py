"""TURN credentials in coturn's shared-secret (REST) scheme: username «expiry:user», password
base64(HMAC-SHA1(secret, username)) — checked against a value worked out independently."""

from __future__ import annotations

from parta.services.turn import turn_credentials, turn_password


def test_credentials_expire_after_the_ttl_and_are_signed_with_the_shared_secret() -> None:
    creds = turn_credentials("parta-dev-turn-secret", 42, ["turn:127.0.0.1:34780?transport=udp"],
                             3600, now=1_800_000_000)
    assert creds.username == "1800003600:42"
    assert creds.expires_at == 1_800_003_600
    # printf %s 1800003600:42 | openssl dgst -sha1 -hmac parta-dev-turn-secret -binary | base64
    assert creds.password == "2bzMTA+p093dGsASosc1rS3xU2w="
    assert turn_password("another-secret", creds.username) != creds.password
    assert creds.urls == ["turn:127.0.0.1:34780?transport=udp"]
