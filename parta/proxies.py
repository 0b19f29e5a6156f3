"""Who is on the other end of a connection, when a reverse proxy may stand in between.

Behind a proxy every connection comes from the proxy's address, so the client's own address is
read from ``X-Forwarded-For`` (or ``X-Real-IP``) — but only when the peer is one of the proxies
the operator listed in ``PARTA_TRUSTED_PROXIES``: anyone else could write those headers. The
chain is read from the right, skipping trusted proxies; the first address that is not one of
them is the client (everything left of it was written by the client and proves nothing).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from starlette.types import Scope

__all__ = ["Networks", "client_address", "forwarded_headers", "parse_networks", "peer_address"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Networks = tuple[Network, ...]


@lru_cache(maxsize=64)
def parse_networks(spec: str) -> Networks:
    """«10.0.0.1, 10.1.0.0/16, ::1» as networks; raises ValueError on anything unreadable."""
    items = spec.split(",")
    return tuple(ipaddress.ip_network(i.strip(), strict=False) for i in items if i.strip())


@lru_cache(maxsize=4096)
def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # «[2001:db8::1]:443»
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # «203.0.113.7:51000»
        text = text.split(":", 1)[0]
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def _within(text: str, networks: Networks) -> bool:
    addr = _address(text)
    return addr is not None and any(addr in n for n in networks)


def peer_address(scope: Scope) -> str:
    """The address the connection itself comes from."""
    client = scope.get("client")
    return str(client[0]) if client else ""


def _header(scope: Scope, name: bytes) -> str | None:
    values = [v.decode("latin-1") for k, v in scope.get("headers", ()) if k == name]
    return ",".join(values) if values else None


def forwarded_headers(scope: Scope) -> bool:
    """Whether the request says it was passed on by a proxy."""
    return any(k in (b"x-forwarded-for", b"x-real-ip", b"forwarded")
               for k, _ in scope.get("headers", ()))


def client_address(scope: Scope, trusted: Networks) -> str:
    """The client's address: the peer's, unless the peer is a trusted proxy; then the
    right-most address of ``X-Forwarded-For`` that is not a trusted proxy (or ``X-Real-IP``
    when there is no ``X-Forwarded-For``). Unreadable entries end the walk: what a proxy
    passed on as garbage is not an address to count sign-ins by."""
    peer = peer_address(scope)
    if not trusted or not _within(peer, trusted):
        return peer
    chain = _header(scope, b"x-forwarded-for")
    if chain is None:
        real = _header(scope, b"x-real-ip")
        addr = _address(real.split(",")[-1]) if real else None
        return str(addr) if addr is not None else peer
    client = peer
    for hop in reversed(chain.split(",")):
        addr = _address(hop)
        if addr is None:
            break
        client = str(addr)
        if not any(addr in n for n in trusted):
            break
    return client
