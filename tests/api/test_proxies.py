"""Behind the school district's reverse proxy every connection comes from the proxy: the
client's own address is read from X-Forwarded-For — only when the proxy is one Parta was told
to trust — so one family cannot use up the sign-in limit of everyone else."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from parta.models import LoginCode
from parta.proxies import client_address, parse_networks
from tests.conftest import World, error_code
from tests.helpers import API

PROXY = "10.1.2.3"  # where world.client() connects from


async def ask_code(c: httpx.AsyncClient, n: int, **headers: str) -> httpx.Response:
    return await c.post(f"{API}/auth/code", json={"phone": f"+7900555{n:04d}"}, headers=headers)


async def test_a_forged_forwarded_for_from_an_untrusted_peer_is_ignored(world: World) -> None:
    world.services.settings.otp_per_ip_per_hour = 2
    c = world.client()
    assert (await ask_code(c, 1, **{"X-Forwarded-For": "198.51.100.1"})).status_code == 200
    assert (await ask_code(c, 2, **{"X-Forwarded-For": "198.51.100.2"})).status_code == 200
    r = await ask_code(c, 3, **{"X-Forwarded-For": "198.51.100.3", "X-Real-IP": "198.51.100.4"})
    assert (r.status_code, error_code(r)) == (429, "rate_limited")
    async with world.services.sessionmaker() as db:
        assert set((await db.execute(select(LoginCode.ip))).scalars()) == {PROXY}


async def test_behind_a_trusted_proxy_each_family_has_its_own_limit(world: World) -> None:
    world.services.settings.otp_per_ip_per_hour = 2
    world.services.settings.trusted_proxies = f"{PROXY}, 127.0.0.1"
    c = world.client()
    ivanovs, petrovs = {"X-Forwarded-For": "198.51.100.1"}, {"X-Forwarded-For": "198.51.100.2"}
    assert (await ask_code(c, 1, **ivanovs)).status_code == 200
    assert (await ask_code(c, 2, **ivanovs)).status_code == 200
    r = await ask_code(c, 3, **ivanovs)
    assert (r.status_code, error_code(r)) == (429, "rate_limited")
    # The neighbours behind the same proxy are not held up by the Ivanovs.
    assert (await ask_code(c, 4, **petrovs)).status_code == 200
    # Writing a new address left of the proxy's entry does not make a new client.
    r = await ask_code(c, 5, **{"X-Forwarded-For": "203.0.113.50, 198.51.100.1"})
    assert r.status_code == 429
    async with world.services.sessionmaker() as db:
        ips = sorted((await db.execute(select(LoginCode.ip))).scalars())
    assert ips == ["198.51.100.1", "198.51.100.1", "198.51.100.2"]


def scope(peer: str, **headers: str) -> dict[str, object]:
    return {"type": "http", "client": (peer, 1234),
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]}


@pytest.mark.parametrize(("peer", "headers", "expected"), [
    ("10.0.0.1", {}, "10.0.0.1"),
    ("203.0.113.1", {"X-Forwarded-For": "198.51.100.7"}, "203.0.113.1"),  # not a proxy of ours
    ("10.0.0.1", {"X-Forwarded-For": "198.51.100.7"}, "198.51.100.7"),
    # The right-most address that is not one of our proxies: nginx, then the load balancer.
    ("10.0.0.1", {"X-Forwarded-For": "6.6.6.6, 198.51.100.7, 10.9.0.5"}, "198.51.100.7"),
    ("10.0.0.1", {"X-Forwarded-For": "2001:db8::7"}, "2001:db8::7"),
    ("10.0.0.1", {"X-Forwarded-For": "198.51.100.7:51000"}, "198.51.100.7"),
    ("10.0.0.1", {"X-Real-IP": "198.51.100.8"}, "198.51.100.8"),
    ("10.0.0.1", {"X-Forwarded-For": "not-an-address"}, "10.0.0.1"),
    ("::ffff:10.0.0.1", {"X-Forwarded-For": "198.51.100.7"}, "198.51.100.7"),
])
def test_the_client_address_is_read_from_the_right(peer: str, headers: dict[str, str],
                                                    expected: str) -> None:
    trusted = parse_networks("10.0.0.1, 10.9.0.0/16")
    assert client_address(scope(peer, **headers), trusted) == expected


def test_nobody_is_trusted_by_default() -> None:
    assert client_address(scope("127.0.0.1", **{"X-Forwarded-For": "198.51.100.7"}),
                          parse_networks("")) == "127.0.0.1"
