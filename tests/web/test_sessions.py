"""Staff sessions kept in the database and the login throttle, over HTTP (no browser):
logout, "log out everywhere" and ``staff disable`` end sessions at once (a copied cookie
is dead), the cookie is ``SameSite=Lax``, the login page keeps a live session, and failed
logins from one address do not lock the user out elsewhere (docs/staff.md)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from yarl import URL

from gateway.domain.staff import Role
from gateway.service.staff import add_staff
from gateway.service.throttles import LoginThrottle
from storage.db import make_sessionmaker
from storage.models import AuditEntry, Message
from tests.e2e.conftest import NOW
from tests.e2e.test_review_api import JUMP
from tests.helpers import uow_of
from tests.support.gateway import run_cli
from tests.web.conftest import PASSWORD, serve
from tests.web.test_helpers import sms
from tests.web.test_limits import CSRF, token

ATTACKER = "203.0.113.7"


@pytest.fixture
async def base(engine: AsyncEngine) -> AsyncIterator[str]:
    """The gateway behind a "reverse proxy" on 127.0.0.1: the tests choose each request's
    client address with X-Forwarded-For."""
    async with serve(engine, METER_GATEWAY_HTTP_TRUSTED_PROXIES="127.0.0.1") as url:
        await add_staff(uow_of(engine), "anna", "anna's passphrase", Role.ADMIN, NOW)
        yield url


def browser() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def log_in(
    client: aiohttp.ClientSession,
    base: str,
    login: str = "rita",
    password: str = PASSWORD,
    address: str = "198.51.100.2",
) -> int:
    form = {
        "login": login,
        "password": password,
        "csrf": await token(client, f"{base}/staff/login"),
    }
    headers = {"X-Forwarded-For": address}
    async with client.post(
        f"{base}/staff/login", data=form, headers=headers, allow_redirects=False
    ) as resp:
        return resp.status


async def queue_status(client: aiohttp.ClientSession, base: str, cookie: str | None = None) -> int:
    headers = {"Cookie": f"mg_session={cookie}"} if cookie else {}
    async with client.get(f"{base}/staff/review", headers=headers, allow_redirects=False) as r:
        return r.status


def session_cookie(client: aiohttp.ClientSession, base: str) -> str:
    return client.cookie_jar.filter_cookies(URL(base))["mg_session"].value


async def post(client: aiohttp.ClientSession, base: str, path: str) -> int:
    csrf = await token(client, f"{base}/staff/review")
    async with client.post(f"{base}{path}", data={"csrf": csrf}, allow_redirects=False) as r:
        return r.status


async def test_a_copied_cookie_is_dead_after_logout(base: str, engine: AsyncEngine) -> None:
    message = await sms(base, JUMP, "c1")
    assert message["status"] == "review"
    async with (
        browser() as clerk,
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as thief,
    ):
        assert await log_in(clerk, base) == 303
        copy = session_cookie(clerk, base)
        headers = {"Cookie": f"mg_session={copy}"}
        async with thief.get(f"{base}/staff/review", headers=headers) as r:
            assert r.status == 200
            csrf = CSRF.search(await r.text())
        assert csrf is not None
        assert await post(clerk, base, "/staff/logout") == 303
        assert await queue_status(thief, base, copy) == 303  # to the login page
        assert await queue_status(clerk, base) == 303
        # nor is the copy's form token of any use: nothing is decided in the clerk's name
        async with thief.post(
            f"{base}/staff/review/{message['id']}/reject",
            data={"csrf": csrf.group(1), "reason": "other"},
            headers=headers,
            allow_redirects=False,
        ) as r:
            assert r.status == 303 and r.headers["Location"].startswith("/staff/login")
    async with make_sessionmaker(engine)() as s:
        assert await s.scalar(select(Message.status).where(Message.id == message["id"])) == "review"
        assert await s.scalar(select(func.count()).select_from(AuditEntry)) == 0


async def test_log_out_everywhere_ends_every_session_of_the_user(base: str) -> None:
    async with browser() as desk, browser() as phone, browser() as colleague:
        assert await log_in(desk, base) == 303
        assert await log_in(phone, base, address="192.0.2.44") == 303
        assert await log_in(colleague, base, "anna", "anna's passphrase") == 303
        assert await post(phone, base, "/staff/logout/everywhere") == 303
        assert await queue_status(desk, base) == 303
        assert await queue_status(phone, base) == 303
        assert await queue_status(colleague, base) == 200  # another user's session lives


async def test_staff_disable_ends_the_users_sessions(base: str, db_url: str) -> None:
    async with browser() as clerk:
        assert await log_in(clerk, base) == 303
        assert await queue_status(clerk, base) == 200
        done = run_cli("staff", "disable", "rita", db_url=db_url)
        assert done.returncode == 0, done.stderr
        assert await queue_status(clerk, base) == 303


async def test_the_cookie_is_lax_and_the_login_page_keeps_a_live_session(base: str) -> None:
    async with browser() as clerk:
        form = {"login": "rita", "password": PASSWORD,
                "csrf": await token(clerk, f"{base}/staff/login")}  # fmt: skip
        async with clerk.post(f"{base}/staff/login", data=form, allow_redirects=False) as r:
            cookie = r.cookies["mg_session"]
        assert cookie["samesite"] == "Lax" and cookie["httponly"]
        before = session_cookie(clerk, base)
        async with clerk.get(
            f"{base}/staff/login?next=/staff/review%3Freason%3Dambiguous", allow_redirects=False
        ) as r:
            assert r.status == 303
            assert r.headers["Location"] == "/staff/review?reason=ambiguous"
            assert "mg_session" not in r.cookies
        assert session_cookie(clerk, base) == before
        assert await queue_status(clerk, base) == 200


async def test_wrong_passwords_from_one_address_lock_nobody_elsewhere(base: str) -> None:
    async with browser() as attacker, browser() as rita, browser() as anna:
        for _ in range(5):
            assert await log_in(attacker, base, "rita", "guess", ATTACKER) == 401
        # the guesser's address is locked for that login, the right password included
        assert await log_in(attacker, base, "rita", PASSWORD, ATTACKER) == 429
        # the same user from another address, another user from another address or from
        # the guesser's own: all let in
        assert await log_in(rita, base, "rita", PASSWORD, "198.51.100.2") == 303
        assert await log_in(anna, base, "anna", "anna's passphrase", "198.51.100.3") == 303
        async with browser() as other:
            assert await log_in(other, base, "anna", "anna's passphrase", ATTACKER) == 303


async def test_a_browser_that_logged_in_before_outlasts_a_distributed_guesser(
    base: str, engine: AsyncEngine
) -> None:
    async with browser() as desk:
        assert await log_in(desk, base) == 303
        assert await post(desk, base, "/staff/logout") == 303
        async with browser() as attacker:
            assert await log_in(attacker, base, "rita", "guess", "203.0.113.99") == 401
        throttle = LoginThrottle(uow_of(engine), lambda: NOW)  # nine more, from nine addresses
        for i in range(9):
            await throttle.failed("rita", f"203.0.113.{i}")
        async with browser() as fresh:  # a browser rita never used: the login is locked
            assert await log_in(fresh, base, "rita", PASSWORD, "198.51.100.9") == 429
        assert await log_in(desk, base, "rita", PASSWORD, "198.51.100.9") == 303


async def test_forwarded_for_is_ignored_from_an_untrusted_peer(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    """No trusted proxies: every X-Forwarded-For is the peer's own (127.0.0.1)."""
    async with serve(engine) as url, browser() as attacker:
        for i in range(5):
            assert await log_in(attacker, url, "rita", "guess", f"203.0.113.{i}") == 401
        assert await log_in(attacker, url, "rita", PASSWORD, "198.51.100.2") == 429
    assert "refused a staff login as 'rita' from 127.0.0.1: too many" in caplog.text
