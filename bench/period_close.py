"""Period close benchmark: 1,000,000 registers with billing v2's events in <= 20 s on
PostgreSQL (docs/operations.md, "Performance targets"; bench/README.md).

Creates a scratch database, loads accounts, meters, six months of accepted readings and the
events (1% of meters replaced, 0.5% of registers failed, 2% inspected, 3% of accounts with
a residents change) with COPY, closes the fifth month and then, timed, the sixth through the
same use case as ``meter-gateway period close``, and prints one JSON line. The database is
dropped afterwards.

    .venv/bin/python bench/period_close.py --registers 1000000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scratch import scratch_database  # noqa: E402  (bench/scratch.py)

from gateway.app.close_pool import ClosePool  # noqa: E402
from gateway.domain.rules import Rules  # noqa: E402
from gateway.service.closing import CHUNK_METERS, close_period  # noqa: E402
from storage.db import Database  # noqa: E402

TARGET_SECONDS = 20
BATCH_METERS = 100_000  # meters whose rows are built and copied at once
PERIODS = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
NORMATIVES = {
    "electricity": Decimal(75),
    "cold_water": Decimal("4.5"),
    "hot_water": Decimal("3.2"),
    "gas": Decimal(0),
    "heating": Decimal(0),
}


def layout(registers: int) -> Iterator[tuple[int, int, str, int]]:
    """(account id, meter id, service, zones): a cold and a hot water meter per account and a
    two-zone electricity meter on every second one, until ``registers`` registers."""
    account = meter = done = 0
    while done < registers:
        account += 1
        plan = [("cold_water", 1), ("hot_water", 1)]
        if account % 2 == 0:
            plan.append(("electricity", 2))
        for service, zones in plan:
            zones = min(zones, registers - done)
            if zones <= 0:
                break
            meter += 1
            done += zones
            yield account, meter, service, zones


Meter = tuple[int, int, str, int]  # account id, meter id, service, zones
READING_COLUMNS = ["id", "meter_id", "zone", "message_id", "value", "consumption", "period",
                   "taken_on", "status", "reason", "source", "created_at"]  # fmt: skip
REMOVED, INSTALLED = date(2026, 6, 10), date(2026, 6, 12)
FAILED, INSPECTED, MOVED_IN = date(2026, 5, 11), date(2026, 6, 10), date(2026, 6, 16)


class Load:
    """Every row to COPY: readings monthly on the 20th (90% of registers every month, 5%
    skip May, 7% miss June, 3% stop after February) and the events."""

    def __init__(self, meters: list[Meter], seed: int, next_meter: int, next_reading: int) -> None:
        self.rng = random.Random(seed)
        self.now = datetime.now(UTC)
        self.meters = meters
        self.new_meters: list[tuple[Any, ...]] = []
        self.removed: dict[int, int] = {}  # old meter id -> new meter id
        self.readings: list[tuple[Any, ...]] = []
        self.first_reading = next_reading
        self.replacements: list[tuple[Any, ...]] = []
        self.acts: list[tuple[Any, ...]] = []
        for account, meter_id, service, zones in meters:
            if self.rng.random() < 0.01:
                self.removed[meter_id] = next_meter
                self.new_meters.append((account, next_meter, service, zones, meter_id))
                next_meter += 1
            for zone in range(1, zones + 1):
                self.register(meter_id, zone)
        self.next_meter = next_meter
        self.residents = [
            (a, MOVED_IN, (a + 1) % 5, 2 if (a + 1) % 5 == 0 else None)
            for a in sorted({a for a, *_ in meters})
            if self.rng.random() < 0.03
        ]

    def reading(self, meter_id: int, zone: int, day: date, value: int, source: str) -> None:
        period = f"{day.year:04d}-{day.month:02d}"
        self.readings.append((self.first_reading + len(self.readings), meter_id, zone, None,
                              Decimal(value), None, period, day, "accepted", None, source,
                              self.now))  # fmt: skip

    def register(self, meter_id: int, zone: int) -> None:
        rng = self.rng
        luck = rng.random()
        last = 6 if luck < 0.9 else 5 if luck < 0.97 else 2
        skipped = 5 if luck < 0.05 else 0  # estimated in May, corrected in June
        value = rng.randint(0, 50_000)
        step = rng.randint(1, 300)
        new_meter = self.removed.get(meter_id)
        failed = rng.random() < 0.005
        inspected = rng.random() < 0.02
        april = value
        for month in range(1, last + 1):
            value = (value + step) % 100_000
            april = value if month == 4 else april
            if month == skipped or (new_meter and month == 6):
                continue
            self.reading(meter_id, zone, date(2026, month, 20), value, "import")
        if new_meter:
            removal = (value + step // 2) % 100_000
            self.reading(meter_id, zone, REMOVED, removal, "removal")
            self.reading(new_meter, zone, INSTALLED, 0, "installation")
            self.reading(new_meter, zone, date(2026, 6, 20), step // 2, "import")
            self.replacements.append((meter_id, zone, REMOVED, Decimal(removal), new_meter,
                                      INSTALLED, Decimal(0)))  # fmt: skip
        elif failed:
            at = (april + step // 3) % 100_000 if rng.random() < 0.5 else None
            self.acts.append(
                (meter_id, zone, FAILED, "failed", None if at is None else Decimal(at))
            )
            if at is not None:
                self.reading(meter_id, zone, FAILED, at, "failure")
        elif inspected:
            seen = (value + rng.randint(-50, 50)) % 100_000
            self.acts.append((meter_id, zone, INSPECTED, "inspection", Decimal(seen)))
            self.reading(meter_id, zone, INSPECTED, seen, "inspection")


async def load(conn: asyncpg.Connection, registers: int) -> int:
    """COPY the rows batch after batch of meters (5,000,000 registers are 30 million
    readings: too many to build in memory at once)."""
    meters = list(layout(registers))
    next_meter, next_reading = meters[-1][1] + 1, 1
    at = 0
    while at < len(meters):
        end = min(at + BATCH_METERS, len(meters))
        while end < len(meters) and meters[end][0] == meters[end - 1][0]:
            end += 1  # an account's meters stay in one batch
        data = Load(meters[at:end], 4 + at, next_meter, next_reading)
        await copy(conn, data)
        at = end
        next_meter, next_reading = data.next_meter, next_reading + len(data.readings)
    for table in ("accounts", "meters", "readings"):
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )
    await conn.execute("VACUUM ANALYZE")
    return sum(z for *_, z in meters)


async def copy(conn: asyncpg.Connection, data: Load) -> None:
    meters = data.meters
    accounts = sorted({a for a, *_ in meters})
    await conn.copy_records_to_table(
        "accounts",
        records=[(a, f"{10_000_000 + a}", "open", 1 + a % 4) for a in accounts],
        columns=["id", "uin", "status", "residents"],
    )
    await conn.copy_records_to_table(
        "meters",
        records=[
            (m, a, f"{s}-{m}", m, s, z, 5, 0, None,
             "removed" if m in data.removed else "active", None,
             REMOVED if m in data.removed else None, None, None)
            for a, m, s, z in meters
        ] + [
            (m, a, f"{s}-{m}", old, s, z, 5, 0, None, "active", None, None, INSTALLED, old)
            for a, m, s, z, old in data.new_meters
        ],
        columns=["id", "account_id", "name", "position", "service", "zones", "digits",
                 "decimals", "verified_until", "status", "failed_on", "removed_on",
                 "installed_on", "replaces_meter_id"],
    )  # fmt: skip
    await conn.copy_records_to_table("readings", records=data.readings, columns=READING_COLUMNS)
    await conn.copy_records_to_table(
        "meter_replacements",
        records=data.replacements,
        columns=["old_meter_id", "zone", "removed_on", "removal_value", "new_meter_id",
                 "installed_on", "installation_value"],
    )  # fmt: skip
    await conn.copy_records_to_table(
        "meter_acts", records=data.acts, columns=["meter_id", "zone", "acted_on", "act", "value"]
    )
    await conn.copy_records_to_table(
        "residents_history",
        records=data.residents,
        columns=["account_id", "since", "residents", "owners"],
    )


async def bench(admin_url: str, registers: int, workers: int, chunk: int) -> dict[str, Any]:
    async with scratch_database(admin_url) as scratch:
        conn = await scratch.connect()
        try:
            started = time.perf_counter()
            count = await load(conn, registers)
            load_seconds = time.perf_counter() - started
        finally:
            await conn.close()
        db = Database.of(scratch.engine)
        # worker processes as `meter-gateway period close` runs them (period.close_workers;
        # 1: the close's own process)
        processes = workers or os.cpu_count() or 1
        pool = None if processes == 1 else ClosePool(db.url, Rules(), NORMATIVES, processes)
        timings, cpu, workers_cpu = [], [], []
        # the month before first (untimed in the figure), as every month's close follows the
        # previous one: the timed close then settles real estimates with its corrections;
        # then the same month again, as a re-close replaces its rows
        for period in (*PERIODS[-2:], PERIODS[-1]):
            started, cpu_started = time.perf_counter(), time.process_time()
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            summary = await close_period(
                db.uow,
                period,
                Rules(),
                NORMATIVES,
                today=date(2026, 7, 1),
                now=datetime.now(UTC),
                pool=pool,
                chunk_meters=chunk,
            )
            timings.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
            ended = resource.getrusage(resource.RUSAGE_CHILDREN)  # the pool's, once it ended
            workers_cpu.append(ended.ru_utime + ended.ru_stime - children.ru_utime
                               - children.ru_stime)  # fmt: skip
        conn = await scratch.connect()
        try:
            by_basis = dict(
                await conn.fetch(
                    "SELECT basis, count(*) FROM period_volumes WHERE period = $1 "
                    "GROUP BY basis ORDER BY basis",
                    PERIODS[-1],
                )
            )
        finally:
            await conn.close()
    return {
        "bench": "period_close",
        "registers": count,
        "seconds": round(timings[1], 2),
        "target_seconds": TARGET_SECONDS,
        "workers": summary.workers,  # the processes that billed the timed close
        "gateway_cpu_seconds": round(cpu[1], 2),
        "workers_cpu_seconds": round(workers_cpu[1], 2),
        "rows": summary.registers,
        "by_method": summary.by_method(),
        "by_basis": by_basis,
        "load_seconds": round(load_seconds, 2),
        "previous_close_seconds": round(timings[0], 2),
        "reclose_seconds": round(timings[2], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registers", type=int, default=1_000_000)
    parser.add_argument(
        "--pg", default="postgresql://postgres@127.0.0.1:5432/postgres", help="admin URL"
    )
    parser.add_argument(
        "--workers", type=int, default=0, help="close worker processes (0: one per core; 1: none)"
    )
    parser.add_argument(
        "--chunk", type=int, default=CHUNK_METERS, help="meters per chunk (period.close_chunk)"
    )
    args = parser.parse_args()
    result = bench(args.pg, args.registers, args.workers, args.chunk)
    print(json.dumps(asyncio.run(result)), flush=True)


if __name__ == "__main__":
    main()
