"""What the polling channels (IMAP, Telegram long polling) share: the signal that the lock
letting one gateway process poll at a time (``gateway.service.uow.SingletonLock``) is lost."""

from __future__ import annotations


class LockLost(Exception):
    """Another process may poll now; stop and try to take the lock again."""
