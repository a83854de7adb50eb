"""The client's address: the peer's, or behind a reverse proxy named in
``http.trusted_proxies`` the right-most address of ``X-Forwarded-For`` that is not one of
them (docs/operations.md, "Behind a reverse proxy"). The form's limits, the login throttle
and the web form's sender all take it from here."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from aiohttp import web

from gateway.http.keys import TRUSTED_PROXIES

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

UNKNOWN = "unknown"  # a peer without an address (a Unix socket)


def networks(values: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(v, strict=False) for v in values)


def _address(text: str) -> Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "192.0.2.1:5000"
        text = text.partition(":")[0]
    try:
        found = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(found, ipaddress.IPv6Address) and found.ipv4_mapped is not None:
        return found.ipv4_mapped
    return found


def client_address(request: web.Request) -> str:
    """The address the limits and throttles count by (never longer than 45 characters)."""
    peer = request.remote or ""
    trusted = request.app.get(TRUSTED_PROXIES, ())
    hop = _address(peer)
    if hop is None:
        return peer[:45] or UNKNOWN
    if not trusted or not any(hop in net for net in trusted):
        return str(hop)
    chain = [
        h for header in request.headers.getall("X-Forwarded-For", []) for h in header.split(",")
    ]
    for text in reversed(chain):
        found = _address(text)
        if found is None:  # what a trusted proxy passed on is no address: stop at that proxy
            return str(hop)
        hop = found
        if not any(hop in net for net in trusted):
            return str(hop)
    return str(hop)  # every hop trusted: the left-most is the client
