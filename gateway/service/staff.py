"""Staff users: added from the command line, checked at the login form. Passwords are kept
as argon2id hashes only."""

from __future__ import annotations

from datetime import datetime
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


async def disable_staff(uow: UnitOfWorkFactory, login: str) -> None:
    async with uow() as work:
        if not await work.staff.set_disabled(login, True):
            raise StaffError(f"no staff user {login}")
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


async def active_user(uow: UnitOfWorkFactory, login: str) -> StaffUser | None:
    """The user of a session, while the account is still enabled."""
    async with uow() as work:
        user = await work.staff.get(login)
    return user if user is not None and not user.disabled else None
