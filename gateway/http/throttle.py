"""A throttle on failed logins, in the process's memory (enough to slow a guesser down)."""

from __future__ import annotations

from collections import defaultdict, deque
from datetime import datetime, timedelta

from gateway.service.receive import Clock


class LoginThrottle:
    """At most ``limit`` failures per login and per address within ``window``."""

    def __init__(self, clock: Clock, limit: int = 5, window: timedelta = timedelta(minutes=15)):
        self.clock = clock
        self.limit = limit
        self.window = window
        self.failures: defaultdict[str, deque[datetime]] = defaultdict(deque)

    def _recent(self, key: str) -> deque[datetime]:
        times = self.failures[key]
        while times and times[0] < self.clock() - self.window:
            times.popleft()
        return times

    def blocked(self, *keys: str) -> bool:
        return any(len(self._recent(k)) >= self.limit for k in keys)

    def fail(self, *keys: str) -> None:
        for k in keys:
            self._recent(k).append(self.clock())

    def clear(self, *keys: str) -> None:
        for k in keys:
            self.failures.pop(k, None)
