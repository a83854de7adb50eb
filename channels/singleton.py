"""What the polling channels (IMAP, Telegram long polling) share: the lock that lets one
gateway process poll at a time."""

from __future__ import annotations

from gateway.service.uow import SingletonLock

__all__ = ["LockLost", "SingletonLock"]


class LockLost(Exception):
    """Another process may poll now; stop and try to take the lock again."""
