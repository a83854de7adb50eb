"""Staff users: added from the command line, checked at the login form. Passwords are kept
as argon2id hashes only. A login is a session row in the database (docs/staff.md,
"Sessions"): the browser holds a random token, the row its SHA-256; logout, "log out
everywhere" and ``staff disable`` end rows, and an ended or expired row lets nobody in."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from gateway.domain.staff import Role, StaffUser
from gateway.service.uow import UnitOfWorkFactory

_hasher = PasswordHasher()


@cache
def _dummy() -> str:
    """Verified when the login is unknown, so that a wrong login takes as long as a wrong
    password. Made on first use, not at import: argon2 takes 64 MiB for a moment, which
    every gateway process (and every one-shot CLI command) would otherwise pay at start."""
    return _hasher.hash("not a password")


MIN_PASSWORD = 8


class StaffError(Exception):
    """A staff command that cannot be done; the message says why."""


async def add_staff(
    uow: UnitOfWorkFactory, login: str, password: str, role: Role, now: datetime
) -> None:
    login = login.strip()
    if not login or len(login) > 64 or any(c.isspace() for c in login):
        raise StaffError("a login is 1 to 64 characters without spaces")
    if len(password) < MIN_PASSWORD:
        raise StaffError(f"the password must have at least {MIN_PASSWORD} characters")
    async with uow() as work:
        if not await work.staff.add(login, _hasher.hash(password), role, now):
            raise StaffError(f"staff user {login} exists already")
        await work.commit()


async def list_staff(uow: UnitOfWorkFactory) -> list[StaffUser]:
    async with uow() as work:
        return await work.staff.all()


async def disable_staff(uow: UnitOfWorkFactory, login: str, now: datetime) -> None:
    """Disabled, and every session of the user ended in the same transaction."""
    async with uow() as work:
        if not await work.staff.set_disabled(login, True):
            raise StaffError(f"no staff user {login}")
        await work.staff_sessions.end_all(login, now)
        await work.commit()


async def authenticate(uow: UnitOfWorkFactory, login: str, password: str) -> StaffUser | None:
    """The user when the login exists, is enabled and the password is right."""
    async with uow() as work:
        user = await work.staff.get(login)
    try:
        _hasher.verify(user.password_hash if user else _dummy(), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or user.disabled:
        return None
    return user


@dataclass(frozen=True)
class SessionPolicy:
    """A session ends ``max_age`` after the login, or ``idle`` after its last request."""

    max_age: timedelta
    idle: timedelta


# a session's last request is written at most this often (a tenth of a short idle time)
SEEN_EVERY = timedelta(minutes=1)
FORGET_AFTER = timedelta(days=30)  # rows of sessions begun longer ago are deleted


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def start_session(
    uow: UnitOfWorkFactory, login: str, now: datetime, replaces: str | None = None
) -> str:
    """A new session of ``login``; its token goes into the cookie. ``replaces``: the token
    the browser held until now, ended here (a new login in the same browser)."""
    token = secrets.token_urlsafe(32)
    async with uow() as work:
        if replaces:
            await work.staff_sessions.end(_hash(replaces), now)
        await work.staff_sessions.add(_hash(token), login, now)
        await work.staff_sessions.prune(now - FORGET_AFTER)
        await work.commit()
    return token


async def session_user(
    uow: UnitOfWorkFactory, token: str, now: datetime, policy: SessionPolicy
) -> StaffUser | None:
    """The user of a live session: not ended, not expired, the user still enabled."""
    key = _hash(token)
    async with uow() as work:
        found = await work.staff_sessions.get(key)
        if found is None:
            return None
        login, created, seen, ended = found
        if ended or now - created >= policy.max_age or now - seen >= policy.idle:
            return None
        user = await work.staff.get(login)
        if user is None or user.disabled:
            return None
        if now - seen >= min(SEEN_EVERY, policy.idle / 10):
            await work.staff_sessions.seen(key, now)
            await work.commit()
    return user


async def end_session(uow: UnitOfWorkFactory, token: str, now: datetime) -> None:
    async with uow() as work:
        await work.staff_sessions.end(_hash(token), now)
        await work.commit()


async def end_all_sessions(uow: UnitOfWorkFactory, login: str, now: datetime) -> int:
    """Every live session of ``login`` ended ("log out everywhere"); how many there were."""
    async with uow() as work:
        ended = await work.staff_sessions.end_all(login, now)
        await work.commit()
    return ended
