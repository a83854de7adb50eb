"""The login throttle's scheme and the form's limit on a real database (docs/staff.md,
"Throttles"): what a guesser runs into, and what he cannot do to a user."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.service.throttles import FormLimit, LoginThrottle
from tests.e2e.conftest import NOW
from tests.helpers import uow_of

ATTACKER = "203.0.113.7"
OFFICE = "198.51.100.2"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


async def fail(throttle: LoginThrottle, n: int, login: str, address: str) -> None:
    for _ in range(n):
        assert await throttle.allowed(login, address)
        await throttle.failed(login, address)


async def test_five_failures_lock_that_login_at_that_address_only(engine: AsyncEngine) -> None:
    clock = Clock()
    throttle = LoginThrottle(uow_of(engine), clock)
    await fail(throttle, 5, "rita", ATTACKER)
    assert not await throttle.allowed("rita", ATTACKER)
    assert await throttle.allowed("rita", OFFICE)  # the same user elsewhere
    assert await throttle.allowed("anna", ATTACKER)  # another user at the same address
    clock.now += timedelta(minutes=15, seconds=1)
    assert await throttle.allowed("rita", ATTACKER)  # the window has passed


async def test_an_address_trying_many_logins_is_stopped(engine: AsyncEngine) -> None:
    throttle = LoginThrottle(uow_of(engine), Clock())
    for i in range(5):
        await fail(throttle, 4, f"user{i}", ATTACKER)  # 20, never 5 for one login
    assert not await throttle.allowed("anna", ATTACKER)
    assert await throttle.allowed("anna", OFFICE)


async def test_a_login_guessed_from_many_addresses_stays_open_to_a_known_browser(
    engine: AsyncEngine,
) -> None:
    throttle = LoginThrottle(uow_of(engine), Clock())
    for i in range(10):
        await fail(throttle, 1, "rita", f"203.0.113.{i}")
    assert not await throttle.allowed("rita", OFFICE)  # a new browser: the login is locked
    assert await throttle.allowed("rita", OFFICE, device="rita|known")
    # a known browser is held to its own failures
    for _ in range(5):
        await throttle.failed("rita", OFFICE, device="rita|known")
    assert not await throttle.allowed("rita", OFFICE, device="rita|known")
    await throttle.succeeded("rita", OFFICE, device="rita|known")
    assert await throttle.allowed("rita", OFFICE, device="rita|known")


async def test_the_right_password_forgives_this_address_not_the_login(engine: AsyncEngine) -> None:
    throttle = LoginThrottle(uow_of(engine), Clock())
    await fail(throttle, 5, "rita", OFFICE)
    assert not await throttle.allowed("rita", OFFICE)
    await throttle.succeeded("rita", OFFICE)  # (a known browser's login while locked)
    assert await throttle.allowed("rita", OFFICE)
    for i in range(5):
        await fail(throttle, 1, "rita", f"203.0.113.{i}")
    assert not await throttle.allowed("rita", "192.0.2.1")  # the office's 5 still count


async def test_the_form_limit_counts_per_key_and_refuses_without_counting(
    engine: AsyncEngine,
) -> None:
    clock = Clock()
    limit = FormLimit(uow_of(engine), clock, per_hour=2)
    a, b = ("form_addr", ATTACKER), ("form_addr", OFFICE)
    uin = ("form_uin", "1234567")
    assert await limit.allow(a, uin)
    assert await limit.allow(b, uin)
    assert not await limit.allow(b, uin)  # the UIN's two are used
    assert await limit.allow(b)  # the refusal did not count against b
    assert not await limit.allow(b)
    clock.now += timedelta(hours=1, seconds=1)
    assert await limit.allow(b, uin)
    assert await FormLimit(uow_of(engine), clock, per_hour=0).allow(a)  # 0: no limit
