"""Group commit with back-pressure, in front of the intake.

Every channel hands its messages to ``GroupCommit.receive``. Messages that arrive while the
database is busy wait together and are decided in one transaction (``BatchIntake``), up to
``size`` at a time and ``PARALLEL`` transactions at once; each caller gets its own receipt
only once its message is committed. When ``limit`` messages are already waiting or being
decided, one more is refused at once with ``Overloaded`` (a ``StorageUnavailable``: HTTP 503
with Retry-After, SMTP 451) instead of growing latency and memory. ``close`` refuses new
messages and finishes every batch already taken (graceful shutdown).
"""

from __future__ import annotations

import asyncio
import logging

from gateway.domain.model import InboundMessage
from gateway.runtime import metrics
from gateway.service.batch import BatchIntake, ReceiptOrRefusal
from gateway.service.receive import Receipt
from gateway.service.uow import StorageUnavailable

log = logging.getLogger(__name__)

LINGER = 0.002  # seconds the first message of a batch waits for others to join it
PARALLEL = 4  # batches in their transactions at once (each holds one connection)


class Overloaded(StorageUnavailable):
    """Too many messages are waiting for the database: the sender should retry later."""


class GroupCommit:
    def __init__(self, batches: BatchIntake, size: int = 32, limit: int = 2000) -> None:
        self.batches = batches
        self.size = size
        self.limit = limit
        self.waiting: list[tuple[InboundMessage, asyncio.Future[ReceiptOrRefusal]]] = []
        self.queued = 0  # waiting or in a batch being decided
        self.scheduled = False  # a flush is on its way to take what is waiting
        self.slots = asyncio.Semaphore(PARALLEL)
        self.tasks: set[asyncio.Task[None]] = set()
        self.closed = False

    async def receive(self, inbound: InboundMessage) -> Receipt:
        if self.closed:
            raise Overloaded("shutting down")
        if self.queued >= self.limit:
            metrics.UNAVAILABLE.labels(str(inbound.channel)).inc()
            raise Overloaded(f"{self.queued} messages waiting")
        done: asyncio.Future[ReceiptOrRefusal] = asyncio.get_running_loop().create_future()
        self.waiting.append((inbound, done))
        self.queued += 1
        self._schedule()
        # a caller that goes away (a client hung up) does not take its message out of a
        # batch: it is stored and decided all the same
        result = await asyncio.shield(done)
        if isinstance(result, StorageUnavailable):
            raise result
        return result

    def _schedule(self) -> None:
        if self.waiting and not self.scheduled:
            self.scheduled = True
            task = asyncio.create_task(self._flush())
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _flush(self) -> None:
        await asyncio.sleep(LINGER)
        async with self.slots:
            batch, self.waiting = self.waiting[: self.size], self.waiting[self.size :]
            self.scheduled = False
            self._schedule()  # the rest go in the next free slot
            try:
                results = await self.batches.receive_batch([inbound for inbound, _ in batch])
            except BaseException as e:  # a bug, or cancelled: nobody may wait forever
                log.exception("a batch of %d failed", len(batch))
                failure = StorageUnavailable(f"batch failed: {e!r}")
                results = [failure] * len(batch)
                if not isinstance(e, Exception):
                    raise
            finally:
                self.queued -= len(batch)
                for (_, done), result in zip(batch, results, strict=True):
                    if not done.done():
                        done.set_result(result)

    async def close(self) -> None:
        """Refuse new messages; return once every message taken has its answer."""
        self.closed = True
        while self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)
