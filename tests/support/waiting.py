"""Waiting for a state, with a deadline: never "sleep, then assert".

``until`` polls a check (plain or async) until it returns something truthy and returns
that; past the deadline it fails the test with what the check saw last. The deadline is
generous (a loaded two-core machine), and it bounds only the wait: a test proving that
something does NOT happen waits for a later positive event instead of sleeping."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

TIMEOUT = 30.0  # seconds; for a busy machine, not a performance claim
INTERVAL = 0.05


async def until(
    check: Callable[[], Awaitable[T] | T],
    what: str = "",
    timeout: float = TIMEOUT,
    interval: float = INTERVAL,
) -> T:
    """Call ``check`` until its result is truthy; return that result. Fails with ``what``
    and the last result once ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if inspect.isawaitable(got):
            got = await got
        if got:
            return got  # type: ignore[return-value]
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what or check!r}; last saw {got!r}")
        await asyncio.sleep(interval)


def until_sync(
    check: Callable[[], T], what: str = "", timeout: float = TIMEOUT, interval: float = 0.1
) -> T:
    """``until`` for code outside an event loop (starting and stopping servers)."""
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what or check!r}; last saw {got!r}")
        time.sleep(interval)
