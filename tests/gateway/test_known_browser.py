"""The cookie that makes a browser known for a login (``gateway.http.throttle``): good for
the login it was issued for only, and not to be made up."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from gateway.config import load_config
from gateway.http.keys import CONFIG, DEVICE_KEY
from gateway.http.throttle import DEVICE_COOKIE, device_key, known_device, remember_device


def app(secret: bytes) -> web.Application:
    application = web.Application()
    application[DEVICE_KEY] = device_key(secret)
    application[CONFIG] = load_config(environ={"METER_GATEWAY_STAFF_SECURE_COOKIES": "true"})
    return application


def with_cookie(application: web.Application, value: str) -> web.Request:
    return make_mocked_request(
        "POST", "/staff/login", headers={"Cookie": f"{DEVICE_COOKIE}={value}"}, app=application
    )


def test_the_cookie_proves_its_own_login_only() -> None:
    gateway = app(b"k" * 32)
    response = web.Response()
    remember_device(make_mocked_request("POST", "/staff/login", app=gateway), response, "rita")
    cookie = response.cookies[DEVICE_COOKIE]
    assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "Strict"
    assert cookie["path"] == "/staff/"
    nonce = cookie.value.partition(".")[0]
    assert known_device(with_cookie(gateway, cookie.value), "rita") == f"rita|{nonce}"
    assert known_device(with_cookie(gateway, cookie.value), "anna") is None
    assert known_device(with_cookie(app(b"x" * 32), cookie.value), "rita") is None  # other key
    for forged in ("", "abc", f"{nonce}.", f"{nonce}.{'0' * 64}", "." + "0" * 64):
        assert known_device(with_cookie(gateway, forged), "rita") is None, forged
