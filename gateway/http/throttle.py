"""The HTTP side of the login throttle (``gateway.service.throttles``): the cookie that makes
a browser "known" for a login once it has logged in with it. The cookie holds a random id
and an HMAC of the login and that id, so it proves nothing for another login and cannot be
made up; the throttle holds a known browser to its own failures only (docs/staff.md,
"Throttles")."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from aiohttp import web

from gateway.http.keys import CONFIG, DEVICE_KEY

DEVICE_COOKIE = "mg_device"
DEVICE_MAX_AGE = 180 * 24 * 3600  # seconds


def device_key(session_key: bytes) -> bytes:
    """The cookie's HMAC key, derived from the session cookies' key."""
    return hmac.new(session_key, b"meter-gateway known browser", hashlib.sha256).digest()


def _mac(key: bytes, login: str, nonce: str) -> str:
    return hmac.new(key, f"{login}\n{nonce}".encode(), hashlib.sha256).hexdigest()


def known_device(request: web.Request, login: str) -> str | None:
    """The browser's id when its cookie was issued for ``login``, else None."""
    nonce, _, mac = request.cookies.get(DEVICE_COOKIE, "").partition(".")
    if not nonce or len(nonce) > 64 or not mac:
        return None
    if not hmac.compare_digest(mac, _mac(request.app[DEVICE_KEY], login, nonce)):
        return None
    return f"{login}|{nonce}"


def remember_device(request: web.Request, response: web.StreamResponse, login: str) -> None:
    """Mark this browser as known for ``login`` (after the right password)."""
    nonce = secrets.token_urlsafe(16)
    response.set_cookie(
        DEVICE_COOKIE,
        f"{nonce}.{_mac(request.app[DEVICE_KEY], login, nonce)}",
        max_age=DEVICE_MAX_AGE,
        path="/staff/",
        httponly=True,
        samesite="Strict",
        secure=request.app[CONFIG].staff.secure_cookies or None,
    )
