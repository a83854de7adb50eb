"""What the polling channels (IMAP, Telegram long polling) share: the lock that lets one
gateway process poll at a time."""

from __future__ import annotations

from typing import Protocol


class SingletonLock(Protocol):
    """Held by one gateway process at a time (a PostgreSQL advisory lock)."""

    async def acquire(self) -> bool: ...
    async def still_held(self) -> bool: ...
    async def release(self) -> None: ...


class LockLost(Exception):
    """Another process may poll now; stop and try to take the lock again."""
