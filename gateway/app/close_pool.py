"""The period close's worker processes (docs/billing.md, "Running it again, and at scale").

A close on PostgreSQL exports its transaction's snapshot; each worker process opens its own
connection on that snapshot, reads one chunk of meters, bills it with the service's
``bill_chunk`` (the same code as a close in one process) and hands the rows back encoded
for ``COPY``. The close's own connection writes them in its transaction, so the close is
still all or nothing, and it copies one chunk while the workers bill the next ones.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections import deque
from collections.abc import AsyncIterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from typing import Any, NamedTuple

from gateway.config import Config
from gateway.domain.rules import Rules
from gateway.service.closing import Chunk, PeriodError, bill_chunk, no_cyclic_gc
from storage.close_rows import encode_rows, snapshot_connection
from storage.db import make_engine
from storage.volumes import VolumeRepository

_process: dict[str, Any] = {}  # in a worker process: its event loop and its engines by URL


class ClosePool:
    """Bills a close's chunks in ``workers`` processes, at most two chunks per worker ahead
    of the rows being written (each holds its chunk's rows until they are copied)."""

    def __init__(
        self, url: str, rules: Rules, normatives: Mapping[str, Decimal], workers: int
    ) -> None:
        self.url, self.rules, self.normatives = url, rules, dict(normatives)
        self.workers = max(1, workers)

    @classmethod
    def of(cls, config: Config, url: str) -> ClosePool | None:
        """The pool ``period.close_workers`` asks for (0: a process per core); None for 1:
        the close bills in its own process (where processes cannot be started, say)."""
        workers = config.period.close_workers or os.cpu_count() or 1
        return None if workers == 1 else cls(url, config.rules, config.normatives, workers)

    async def bill(
        self, snapshot: str, period: str, chunks: Sequence[Chunk]
    ) -> AsyncIterator[tuple[bytes, int]]:
        loop = asyncio.get_running_loop()
        todo = iter(chunks)
        running: deque[asyncio.Future[tuple[bytes, int]]] = deque()
        # spawned, not forked: a fork would copy the close's event loop and open connections
        context = multiprocessing.get_context("spawn")
        executor = ProcessPoolExecutor(min(self.workers, len(chunks)), mp_context=context)
        try:

            def submit() -> None:
                chunk = next(todo, None)
                if chunk is not None:
                    job = _Job(self.url, snapshot, period, *chunk, self.rules, self.normatives)
                    running.append(loop.run_in_executor(executor, _bill, job))

            for _ in range(2 * self.workers):
                submit()
            while running:
                try:
                    billed = await running.popleft()
                except Exception as e:  # a worker's own, or the pool broken (a worker killed)
                    why = (str(e) or type(e).__name__).splitlines()[0]
                    raise PeriodError(f"a close worker failed, nothing was stored: {why}") from e
                submit()
                yield billed
        finally:
            for future in running:
                future.cancel()
            executor.shutdown(wait=True, cancel_futures=True)


class _Job(NamedTuple):
    """One chunk for a worker process: everything it needs travels with it (pickled)."""

    url: str
    snapshot: str
    period: str
    lo: int
    hi: int
    rules: Rules
    normatives: Mapping[str, Decimal]


def _bill(job: _Job) -> tuple[bytes, int]:
    """In a worker process: one chunk, billed and encoded."""
    loop = _process.get("loop")
    if loop is None:
        loop = _process["loop"] = asyncio.new_event_loop()
    return loop.run_until_complete(_bill_chunk(job))


async def _bill_chunk(job: _Job) -> tuple[bytes, int]:
    engine = _process.get(job.url)
    if engine is None:
        engine = _process[job.url] = make_engine(job.url, pool_size=1, max_overflow=0)
    async with snapshot_connection(engine, job.snapshot) as conn:
        store = VolumeRepository(conn, bounds=(job.lo, job.hi))
        with no_cyclic_gc():
            rows = await bill_chunk(store, job.period, job.lo, job.hi, job.rules, job.normatives)
            return encode_rows(job.period, rows), len(rows)
