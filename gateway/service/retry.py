"""A transaction the database rolled back for a conflict with another one (a deadlock, a
serialization failure: ``Conflict``) is run again here, a few times after a short random
pause, before its sender is asked to retry later: two processes deciding the same messages
at once is normal operation, not an outage."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from gateway.service.uow import Conflict

log = logging.getLogger(__name__)

T = TypeVar("T")

ATTEMPTS = 3
PAUSE = 0.02  # seconds: the upper bound of the first random pause, doubled after each try


async def retrying(work: Callable[[], Awaitable[T]], what: str) -> T:
    """``await work()`` (one whole transaction), run again on a ``Conflict``; the last
    attempt's ``Conflict`` is raised."""
    for attempt in range(1, ATTEMPTS):
        try:
            return await work()
        except Conflict as e:
            log.warning("%s: %s; trying again (%d of %d)", what, e, attempt + 1, ATTEMPTS)
        # jitter: the two that collided do not collide again in step
        await asyncio.sleep(random.uniform(0, PAUSE * 2 ** (attempt - 1)))
    return await work()
