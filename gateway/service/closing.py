"""Use cases of the period close: close and export.

The rules live in ``gateway.domain.billing`` (pure, the only implementation); this module
decides what may be closed, runs the close in one transaction under the close lock (storage
reads each chunk's register facts, the rules bill them, storage writes the rows in bulk),
and writes exports. A large close on PostgreSQL bills its chunks in worker processes (a
``ChunkPool``) that read the close's own snapshot while its transaction writes their rows.
"""

from __future__ import annotations

import csv
import gc
import io
import json
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any, Protocol

from gateway.domain.billing import bill
from gateway.domain.billing_facts import IncompleteHistory, Register, Volume
from gateway.domain.model import PeriodStatus, plain
from gateway.domain.periods import add_months, parse_period
from gateway.domain.rules import Rules
from gateway.domain.volumes import Method, MethodTotal, VolumeRow
from gateway.service.uow import Key, UnitOfWorkFactory, Volumes

EXPORT_COLUMNS = (
    "uin",
    "meter",
    "zone",
    "period",
    "method",
    "volume",
    "correction",
    "reading_start",
    "reading_end",
    "estimate",
    "factor",
    "basis",
)
CHUNK_METERS = 50_000  # the facts of this many meters in memory at once; progress after each

Progress = Callable[[int, int], None]
Chunk = tuple[int, int]  # the meters lo <= id < hi


class ChunkPool(Protocol):
    """Bills chunks of a close elsewhere (worker processes, ``gateway/app/close_pool.py``):
    each chunk's rows read in the close's ``snapshot``, billed by ``bill_chunk`` and encoded
    for ``Volumes.write_encoded``; yields (data, rows) chunk after chunk."""

    workers: int  # processes at most

    def bill(
        self, snapshot: str, period: str, chunks: Sequence[Chunk]
    ) -> AsyncIterator[tuple[bytes, int]]: ...


class PeriodError(Exception):
    """A period that cannot be closed or exported now; the message says why."""


@dataclass(frozen=True)
class CloseSummary:
    period: str
    totals: list[MethodTotal]
    workers: int = 0  # the worker processes that billed it (0: the close's own process)

    @property
    def registers(self) -> int:
        return sum(t.registers for t in self.totals)

    def by_method(self) -> dict[str, int]:
        out = {str(m): 0 for m in Method}
        for t in self.totals:
            out[t.method] = out.get(t.method, 0) + t.registers
        return out

    def volume_by_service(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for t in self.totals:
            out[t.service] = out.get(t.service, Decimal(0)) + t.volume
        return out

    def lines(self) -> list[str]:
        methods = ", ".join(f"{m} {n}" for m, n in self.by_method().items())
        out = [f"period {self.period} closed: {self.registers} register(s): {methods}"]
        out += [f"  {s}: {_plain(v)}" for s, v in sorted(self.volume_by_service().items())]
        if self.workers:
            out.append(f"billed in {self.workers} worker process(es)")
        return out


def check_period(text: str) -> str:
    try:
        parse_period(text)
    except ValueError as e:
        raise PeriodError(str(e)) from None
    return text


def current_period(today: date) -> str:
    """The calendar month of ``today`` (in the rules' time zone): later periods have not
    begun; this one takes readings until its cut-off day and closes only after it."""
    return f"{today.year:04d}-{today.month:02d}"


async def close_period(
    uow: UnitOfWorkFactory,
    period: str,
    rules: Rules,
    normatives: Mapping[str, Decimal],
    *,
    today: date,
    now: datetime,
    reopen: bool = False,
    progress: Progress | None = None,
    chunk_meters: int = CHUNK_METERS,
    pool: ChunkPool | None = None,
) -> CloseSummary:
    """Compute and store the volume of every register of every open account for ``period``.

    Everything happens in one transaction: the period's old rows go and the new ones come,
    so running it again gives the same rows, and a failure leaves the previous close intact.
    """
    check_period(period)
    if period > current_period(today):
        raise PeriodError(f"period {period} has not begun yet (today is {today.isoformat()})")
    if period == current_period(today) and today.day <= rules.cutoff_day:
        raise PeriodError(
            f"period {period} is still open for readings until day {rules.cutoff_day} "
            f"(today is {today.isoformat()}); close it after that"
        )
    async with uow() as work:
        store = work.volumes
        if not await store.lock_close():
            raise PeriodError("another period close is running; try again when it is done")
        if await store.period_status(period) is PeriodStatus.EXPORTED and not reopen:
            raise PeriodError(
                f"period {period} was exported as final; use --reopen to close it again"
            )
        await store.tune_for_close()
        await store.delete(period)
        total = await store.count_registers()
        bounds = await store.meter_id_range()
        chunks = [] if bounds is None else [
            (lo, lo + chunk_meters) for lo in range(bounds[0], bounds[1] + 1, chunk_meters)
        ]  # fmt: skip
        snapshot = await store.export_snapshot() if pool is not None and len(chunks) > 1 else None
        done = workers = 0
        # millions of small acyclic values: the cyclic GC would rescan them again and again
        # (a third of the close's CPU, measured); nothing of the close is a cycle
        with no_cyclic_gc():
            if pool is not None and snapshot is not None:
                workers = min(pool.workers, len(chunks))
                async for data, count in pool.bill(snapshot, period, chunks):
                    await store.write_encoded(data)
                    done += count
                    if progress is not None:
                        progress(done, total)
            else:
                for lo, hi in chunks:
                    rows = await bill_chunk(store, period, lo, hi, rules, normatives)
                    done += await store.write(period, rows)
                    if progress is not None:
                        progress(done, total)
        await store.mark_closed(period, now)
        summary = CloseSummary(period, await store.totals(period), workers)
        await work.commit()
    return summary


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


async def bill_chunk(  # fmt: skip
    store: Volumes, period: str, lo: int, hi: int, rules: Rules, normatives: Mapping[str, Decimal]
) -> list[tuple[Key, Volume]]:
    """Bill the registers of meters ``lo <= id < hi``. Most need only the readings of this
    period and the one before; the few whose rules look further back (a missing reading,
    an event) are billed again with their whole history."""
    rows: list[tuple[Key, Volume]] = []
    again: list[tuple[Key, Register]] = []
    since = add_months(period, -1)
    for key, reg in await store.facts(period, lo, hi, since):
        try:
            volume = bill(reg, period, rules, normatives)
        except IncompleteHistory:
            again.append((key, reg))
            continue
        if volume is not None:
            rows.append((key, volume))
    if again:
        older = await store.older(since, [key[0] for key, _ in again])
        for key, reg in again:
            readings = sorted([*older.get(key, ()), *reg.readings], key=lambda r: r.taken_on)
            volume = bill(reg._replace(readings=readings, since=None), period, rules, normatives)
            if volume is not None:
                rows.append((key, volume))
    return rows


def volume_record(row: VolumeRow) -> dict[str, Any]:
    """One exported volume: values as decimal strings, so nothing is lost to floats."""
    return {
        "uin": row.uin,
        "meter": row.meter,
        "zone": row.zone,
        "period": row.period,
        "method": row.method,
        "volume": _plain(row.volume),
        "correction": _plain(row.correction),
        "reading_start": _plain(row.reading_start),
        "reading_end": _plain(row.reading_end),
        "estimate": _plain(row.estimate),
        "factor": _plain(row.factor),
        "basis": row.basis,
    }


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else plain(Decimal(value).quantize(Decimal("0.0001")))


async def closed_period(volumes: Volumes, period: str) -> PeriodStatus:
    """The period's status; PeriodError when it is malformed or has not been closed."""
    check_period(period)
    status = await volumes.period_status(period)
    if status is None:
        raise PeriodError(
            f"period {period} is not closed; run: meter-gateway period close {period}"
        )
    return status


async def records(volumes: Volumes, period: str) -> AsyncIterator[dict[str, Any]]:
    async for row in volumes.stream(period):
        yield volume_record(row)


async def export_period(
    uow: UnitOfWorkFactory,
    period: str,
    fmt: str,
    out: IO[str],
    now: datetime,
) -> int:
    """Write the period's volumes as CSV or JSON and mark the period exported (final).

    One transaction under the close lock reads the volumes and marks them final: a close of
    the period cannot slip in between (it is refused while the export runs, and an export
    is refused while a close runs)."""
    count = 0
    async with uow() as work:
        if not await work.volumes.lock_close():
            raise PeriodError("a period close is running; export when it is done")
        await closed_period(work.volumes, period)
        if fmt == "csv":
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(EXPORT_COLUMNS)
            async for record in records(work.volumes, period):
                writer.writerow(["" if v is None else v for v in record.values()])
                count += 1
        else:
            out.write("[")
            async for record in records(work.volumes, period):
                out.write(("\n" if count == 0 else ",\n") + json.dumps(record, ensure_ascii=False))
                count += 1
            out.write("\n]\n")
        out.flush()
        await work.volumes.mark_exported(period, now)
        await work.commit()
    return count


def csv_line(record: Mapping[str, Any]) -> str:
    """One CSV line of an export, for streaming over HTTP."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(["" if v is None else v for v in record.values()])
    return buf.getvalue()
