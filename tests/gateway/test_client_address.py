"""The client address behind reverse proxies: ``X-Forwarded-For`` only from a peer named in
``http.trusted_proxies``, the right-most address that is not a trusted proxy."""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from gateway.config import ConfigError, load_config
from gateway.http.keys import TRUSTED_PROXIES
from gateway.http.remote import client_address, networks

PROXIES = ["10.0.0.0/8", "192.0.2.10", "2001:db8::/32"]


def address(peer: str | None, *forwarded: str, trusted: list[str] = PROXIES) -> str:
    app = web.Application()
    app[TRUSTED_PROXIES] = networks(trusted)
    headers = [("X-Forwarded-For", f) for f in forwarded]
    request = make_mocked_request("GET", "/", headers=headers, app=app)
    return client_address(request.clone(remote=peer))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        # a peer that is not a trusted proxy: its own address, whatever it claims
        ("203.0.113.5", ["198.51.100.1"], "203.0.113.5"),
        ("203.0.113.5", [], "203.0.113.5"),
        # a trusted proxy: the right-most untrusted address; a client's own (forged) entry
        # to the left of it is never reached
        ("10.1.2.3", ["198.51.100.1"], "198.51.100.1"),
        ("10.1.2.3", ["6.6.6.6, 198.51.100.1"], "198.51.100.1"),
        ("10.1.2.3", ["6.6.6.6, 198.51.100.1, 192.0.2.10"], "198.51.100.1"),
        ("10.1.2.3", ["6.6.6.6", "198.51.100.1"], "198.51.100.1"),  # two header lines
        ("10.1.2.3", ["198.51.100.1:5123"], "198.51.100.1"),
        ("10.1.2.3", ["[2001:db9::7]:443"], "2001:db9::7"),
        ("2001:db8::1", ["198.51.100.1"], "198.51.100.1"),
        ("::ffff:10.0.0.1", ["198.51.100.1"], "198.51.100.1"),
        # nothing usable from the proxy: the proxy itself
        ("10.1.2.3", [], "10.1.2.3"),
        ("10.1.2.3", ["not-an-address"], "10.1.2.3"),
        ("10.1.2.3", ["6.6.6.6, unknown"], "10.1.2.3"),
        # every hop trusted: the left-most
        ("10.1.2.3", ["10.9.9.9, 192.0.2.10"], "10.9.9.9"),
        (None, ["198.51.100.1"], "unknown"),
    ],
)
def test_forwarded_for_counts_only_from_a_trusted_peer(
    peer: str | None, forwarded: list[str], client: str
) -> None:
    assert address(peer, *forwarded) == client


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    assert address("10.1.2.3", "198.51.100.1", trusted=[]) == "10.1.2.3"


def test_trusted_proxies_are_checked_when_the_config_is_loaded() -> None:
    config = load_config(environ={"METER_GATEWAY_HTTP_TRUSTED_PROXIES": "10.0.0.0/8,::1"})
    assert config.http.trusted_proxies == ("10.0.0.0/8", "::1")
    assert load_config(environ={}).http.trusted_proxies == ()
    with pytest.raises(
        ConfigError, match="http.trusted_proxies.*'proxy.example' is not an IP address"
    ):
        load_config(environ={"METER_GATEWAY_HTTP_TRUSTED_PROXIES": "10.0.0.1,proxy.example"})
