"""The form's rate limit and the login throttle, over HTTP (no browser needed)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.web.conftest import PASSWORD, serve
from tests.web.test_form_browser import count_messages

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
async def base(engine: AsyncEngine) -> AsyncIterator[str]:
    async with serve(engine, METER_GATEWAY_WEB_RATE_LIMIT_PER_HOUR="3") as url:
        yield url


async def token(client: aiohttp.ClientSession, url: str) -> str:
    async with client.get(url) as resp:
        found = CSRF.search(await resp.text())
    assert found is not None
    return found.group(1)


async def test_the_form_is_rate_limited_per_client(base: str, engine: AsyncEngine) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        statuses = []
        csrf = await token(client, f"{base}/submit?uin=1234567")  # the lookup counts: 1 of 3
        for i in range(3):
            form = {"uin": "1234567", "reading-1-1": str(5100 + i), "reading-1-2": "2010",
                    "csrf": csrf, "submission": f"{i:032x}"}  # fmt: skip
            async with client.post(f"{base}/submit", data=form) as resp:
                statuses.append(resp.status)
                text = await resp.text()
    assert statuses == [200, 200, 429]
    assert "Слишком много попыток" in text
    assert await count_messages(engine) == 2


async def test_failed_logins_are_throttled(base: str) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        statuses = []
        for _ in range(6):
            form = {"login": "rita", "password": "wrong",
                    "csrf": await token(client, f"{base}/staff/login")}  # fmt: skip
            async with client.post(f"{base}/staff/login", data=form) as resp:
                statuses.append(resp.status)
        # even the right password is refused while the throttle holds
        form = {"login": "rita", "password": PASSWORD,
                "csrf": await token(client, f"{base}/staff/login")}  # fmt: skip
        async with client.post(f"{base}/staff/login", data=form, allow_redirects=False) as resp:
            statuses.append(resp.status)
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429, 429]
