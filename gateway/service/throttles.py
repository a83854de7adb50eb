"""Throttles kept in the database, so that they hold across gateway processes: failed staff
logins and the customer form's hourly limits. The scheme is in docs/staff.md, "Throttles":
a guesser is stopped per (login, address), per address and per login, and none of the
three lets a stranger lock a user out of a browser she has logged in with before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from gateway.service.receive import Clock
from gateway.service.uow import UnitOfWorkFactory

KEEP = timedelta(days=1)  # events older than this are deleted (every window is shorter)


@dataclass(frozen=True)
class LoginLimits:
    window: timedelta = timedelta(minutes=15)
    pair: int = 5  # failures of one login from one address (or one known browser)
    address: int = 20  # failures from one address, whatever the login
    login: int = 10  # failures of one login from anywhere: then known browsers only


class LoginThrottle:
    """``allowed`` before the password is checked, ``failed`` or ``succeeded`` after.

    ``device`` is the id of a browser that has logged in as this login before (a signed
    cookie, ``gateway.http.throttle``): it is held to its own failures only, so neither a
    guesser elsewhere nor one behind the same address can lock it out."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, limits: LoginLimits = LoginLimits()):
        self.uow = uow
        self.clock = clock
        self.limits = limits

    def _checks(self, login: str, address: str, device: str | None) -> dict[tuple[str, str], int]:
        lim = self.limits
        if device is not None:
            return {("device", device): lim.pair}
        return {
            ("pair", f"{login}|{address}"): lim.pair,
            ("addr", address): lim.address,
            ("login", login): lim.login,
        }

    async def allowed(self, login: str, address: str, device: str | None = None) -> bool:
        checks = self._checks(login, address, device)
        async with self.uow() as work:
            counts = await work.throttles.counts(list(checks), self.clock() - self.limits.window)
        return all(counts.get(key, 0) < limit for key, limit in checks.items())

    async def failed(self, login: str, address: str, device: str | None = None) -> None:
        keys = [("pair", f"{login}|{address}"), ("addr", address), ("login", login)]
        if device is not None:
            keys.append(("device", device))
        now = self.clock()
        async with self.uow() as work:
            await work.throttles.add(keys, now)
            await work.throttles.prune(now - KEEP)
            await work.commit()

    async def succeeded(self, login: str, address: str, device: str | None = None) -> None:
        """The right password: the failures of this login from here are forgiven (not the
        login's own count, which a guesser elsewhere may be adding to)."""
        async with self.uow() as work:
            await work.throttles.clear("pair", f"{login}|{address}")
            if device is not None:
                await work.throttles.clear("device", device)
            await work.commit()


class FormLimit:
    """At most ``per_hour`` uses of the customer form per key (``form_addr``: the client
    address, ``form_uin``: the account); 0: no limit."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, per_hour: int) -> None:
        self.uow = uow
        self.clock = clock
        self.per_hour = per_hour

    async def allow(self, *keys: tuple[str, str]) -> bool:
        """True and counted, or False (and not counted) when a key is at its limit."""
        if self.per_hour <= 0:
            return True
        now = self.clock()
        async with self.uow() as work:
            counts = await work.throttles.counts(keys, now - timedelta(hours=1))
            if any(n >= self.per_hour for n in counts.values()):
                return False
            await work.throttles.add(keys, now)
            await work.throttles.prune(now - KEEP)
            await work.commit()
        return True
