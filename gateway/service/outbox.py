"""Delivers queued replies (email, Telegram, an SMS provider's send API) with retries.

A row is claimed in a short transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several
gateway processes share the work) by pushing its ``next_attempt_at`` a short lease ahead (three
send timeouts); before each send the worker renews the lease of the rows it still holds when
less than two send timeouts are left, so a slow batch is never claimed by another worker, and
rows held by a process that died are free again within one lease. A row is sent outside any
transaction and then marked sent. A crash between sending and marking resends it once the
lease runs out: delivery is at least once, and each send carries the outbox id so a provider
can drop the repeat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from gateway.domain.model import OutboxStatus
from gateway.runtime import metrics
from gateway.runtime.aio import raise_if_cancelling
from gateway.service.receive import Clock
from gateway.service.uow import StorageUnavailable, UnitOfWorkFactory

log = logging.getLogger(__name__)

# (outbox id, recipient, body, meta) -> None; raises to ask for a retry
Sender = Callable[[int, str, str, Any], Awaitable[None]]


class RetryLater(Exception):
    """Raised by a sender the provider asked to wait (Telegram's 429 ``retry_after``)."""

    def __init__(self, seconds: float, detail: str = "") -> None:
        super().__init__(detail or f"retry after {seconds} s")
        self.seconds = seconds


class Undeliverable(Exception):
    """Raised by a sender when retrying cannot help (the bot was blocked): the row fails."""


SEND_TIMEOUT = 30.0  # seconds one send may take; a slower one counts as failed
MAX_ATTEMPTS = 12


def lease_for(send_timeout: float) -> timedelta:
    """How long claimed rows stay ours without a renewal: three sends at their timeout.
    The worker renews while it works through a batch; a dead worker's rows come back
    after this long."""
    return timedelta(seconds=3 * send_timeout)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


class OutboxWorker:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        senders: Mapping[str, Sender],
        clock: Clock,
        interval: float = 1.0,
        batch: int = 50,
        send_timeout: float = SEND_TIMEOUT,
    ) -> None:
        self.uow = uow
        self.senders = senders
        self.clock = clock
        self.interval = interval
        self.batch = batch
        self.send_timeout = send_timeout
        self.lease = lease_for(send_timeout)
        self.wakeup = asyncio.Event()

    async def run_forever(self) -> None:
        while True:
            try:
                sent = await self.run_once()
            except StorageUnavailable as e:
                # the database away (restart, failover): expected, retried, one line
                log.warning("outbox pass failed, the database is unavailable: %s", e)
                sent = 0
            except Exception:
                raise_if_cancelling()
                log.exception("outbox pass failed")
                sent = 0
            if sent < self.batch:
                self.wakeup.clear()
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow the
                # task's cancellation when the wait ends at the same moment (gh-86296),
                # and the worker then never stops
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.interval):
                        await self.wakeup.wait()

    async def run_once(self) -> int:
        """Claim due rows and deliver them; returns how many were handled."""
        if not self.senders:
            return 0
        async with self.uow() as uow:
            claimed = await uow.outbox.claim(
                self.clock(), list(self.senders), self.batch, self.lease
            )
            await uow.commit()
        held_until = self.clock() + self.lease
        for n, item in enumerate(claimed):
            if held_until - self.clock() < timedelta(seconds=2 * self.send_timeout):
                try:
                    held_until = await self._renew([i.id for i in claimed[n:]])
                except Exception:
                    raise_if_cancelling()
                    # the rest go back to the queue when their lease runs out
                    log.exception("outbox lease renewal failed; %d left", len(claimed) - n)
                    return n
            try:
                async with asyncio.timeout(self.send_timeout):
                    await self.senders[item.transport](
                        item.id, item.recipient, item.body, item.meta
                    )
            except Undeliverable as e:
                log.warning("outbox %s via %s undeliverable: %s", item.id, item.transport, e)
                metrics.OUTBOX_SENT.labels(item.transport, "error").inc()
                await self._mark(item.id, status=OutboxStatus.FAILED, last_error=repr(e))
            except RetryLater as e:
                metrics.OUTBOX_SENT.labels(item.transport, "error").inc()
                await self._mark(
                    item.id,
                    next_attempt_at=self.clock() + timedelta(seconds=e.seconds),
                    last_error=repr(e),
                )
            except Exception as e:
                log.warning("outbox %s via %s failed: %s", item.id, item.transport, e)
                metrics.OUTBOX_SENT.labels(item.transport, "error").inc()
                await self._mark_failed(item.id, item.attempts, repr(e))
            else:
                metrics.OUTBOX_SENT.labels(item.transport, "sent").inc()
                await self._mark(
                    item.id, status=OutboxStatus.SENT, sent_at=self.clock(), last_error=None
                )
        return len(claimed)

    async def _renew(self, ids: list[int]) -> datetime:
        until = self.clock() + self.lease
        async with self.uow() as uow:
            await uow.outbox.extend(ids, until)
            await uow.commit()
        return until

    async def _mark_failed(self, item_id: int, attempts: int, error: str) -> None:
        if attempts >= MAX_ATTEMPTS:
            await self._mark(item_id, status=OutboxStatus.FAILED, last_error=error)
        else:
            await self._mark(
                item_id, next_attempt_at=self.clock() + backoff(attempts), last_error=error
            )

    async def _mark(self, item_id: int, **values: Any) -> None:
        async with self.uow() as uow:
            await uow.outbox.mark(item_id, **values)
            await uow.commit()
