"""Two gateways on one PostgreSQL database, each with its own connection pool (as two
processes of ``run --workers 2`` are): a login throttle, a session and the form's limit
started on one hold on the other."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from yarl import URL

from gateway.app.factory import init_app
from gateway.config import load_config
from gateway.domain.staff import Role
from gateway.service.staff import add_staff
from storage.db import make_sessionmaker
from tests.conftest import Databases, clean
from tests.e2e.conftest import ACCOUNTS, ENV, HISTORY, NOW
from tests.helpers import seed, uow_of
from tests.web.conftest import PASSWORD
from tests.web.test_sessions import browser, log_in, post, queue_status


@pytest.fixture
async def two(databases: Databases) -> AsyncIterator[tuple[str, str]]:
    engine = await databases.engine("postgresql")
    await clean(engine)
    await seed(make_sessionmaker(engine), ACCOUNTS, HISTORY)
    await add_staff(uow_of(engine), "rita", PASSWORD, Role.REVIEWER, NOW)
    await add_staff(uow_of(engine), "anna", "anna's passphrase", Role.ADMIN, NOW)
    env = {
        **ENV,
        "METER_GATEWAY_DATABASE_URL": await databases.url("postgresql"),
        "METER_GATEWAY_STAFF_SESSION_SECRET": "shared-secret",
        "METER_GATEWAY_WEB_RATE_LIMIT_PER_HOUR": "3",
    }
    servers = [
        TestServer(init_app(load_config(environ=env), clock=lambda: NOW, background=False))
        for _ in range(2)
    ]
    for server in servers:
        await server.start_server()
    try:
        a, b = (str(s.make_url("")).rstrip("/") for s in servers)
        yield a, b
    finally:
        for server in servers:
            await server.close()


async def lookup(client: aiohttp.ClientSession, base: str) -> int:
    async with client.get(f"{base}/submit?uin=1234567") as resp:
        return resp.status


async def test_throttle_session_and_form_limit_hold_across_two_gateways(
    two: tuple[str, str],
) -> None:
    a, b = two
    async with browser() as guesser:
        for base in (a, a, a, b, b):  # five failures, split between the two
            assert await log_in(guesser, base, "rita", "guess") == 401
        assert await log_in(guesser, a, "rita", PASSWORD) == 429
        assert await log_in(guesser, b, "rita", PASSWORD) == 429
    async with browser() as clerk:  # one jar: a cookie of 127.0.0.1 goes to either port
        assert await log_in(clerk, a, "anna", "anna's passphrase") == 303
        assert await queue_status(clerk, b) == 200
        async with browser() as copy:  # the cookie, copied before the logout
            copy.cookie_jar.update_cookies(clerk.cookie_jar.filter_cookies(URL(a)))
            assert await post(clerk, b, "/staff/logout") == 303
            assert await queue_status(copy, a) == 303
    async with browser() as customer:
        assert [await lookup(customer, base) for base in (a, b, a, b)] == [200, 200, 200, 429]
