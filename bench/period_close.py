"""Period close benchmark: 1,000,000 registers in <= 60 s on PostgreSQL (docs/operations.md,
"Performance targets").

Creates a scratch database, loads accounts, meters and six months of accepted readings with
COPY, closes the fifth month and then, timed, the sixth through the same use case as
``meter-gateway period close``, and prints one JSON line. The database is dropped afterwards.

    .venv/bin/python bench/period_close.py --registers 1000000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gateway.domain.rules import Rules  # noqa: E402
from gateway.service.closing import close_period  # noqa: E402
from storage.db import Database, make_engine, upgrade  # noqa: E402

TARGET_SECONDS = 60
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


def readings(meters: list[tuple[int, int, str, int]], seed: int) -> Iterator[tuple[Any, ...]]:
    """Monthly readings on the 20th: most registers read every month, some missed May (an
    estimate the June reading corrects), some miss June (average), some stopped after two
    months (normative)."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    reading_id = 0
    for _, meter_id, _, zones in meters:
        for zone in range(1, zones + 1):
            luck = rng.random()
            last = 6 if luck < 0.9 else 5 if luck < 0.97 else 2
            skipped = 5 if luck < 0.05 else 0  # estimated in May, corrected in June
            value = rng.randint(0, 50_000)
            step = rng.randint(1, 300)
            for month in range(1, last + 1):
                if month == skipped:
                    value = (value + step) % 100_000
                    continue
                reading_id += 1
                value = (value + step) % 100_000
                yield (
                    reading_id,
                    meter_id,
                    zone,
                    None,
                    Decimal(value),
                    None,
                    PERIODS[month - 1],
                    date(2026, month, 20),
                    "accepted",
                    None,
                    "import",
                    now,
                )


async def load(conn: asyncpg.Connection, registers: int) -> int:
    meters = list(layout(registers))
    accounts = sorted({a for a, *_ in meters})
    await conn.copy_records_to_table(
        "accounts",
        records=[(a, f"{10_000_000 + a}", "open", 1 + a % 4) for a in accounts],
        columns=["id", "uin", "status", "residents"],
    )
    await conn.copy_records_to_table(
        "meters",
        records=[(m, a, f"{s}-{m}", m, s, z, 5, 0, None, "active", None) for a, m, s, z in meters],
        columns=[
            "id",
            "account_id",
            "name",
            "position",
            "service",
            "zones",
            "digits",
            "decimals",
            "verified_until",
            "status",
            "failed_on",
        ],
    )
    await conn.copy_records_to_table(
        "readings",
        records=readings(meters, seed=4),
        columns=[
            "id",
            "meter_id",
            "zone",
            "message_id",
            "value",
            "consumption",
            "period",
            "taken_on",
            "status",
            "reason",
            "source",
            "created_at",
        ],
    )
    for table in ("accounts", "meters", "readings"):
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )
    await conn.execute("VACUUM ANALYZE")
    return sum(z for *_, z in meters)


async def bench(admin_url: str, registers: int) -> dict[str, Any]:
    admin = make_url(admin_url)
    name = f"mg_bench_{uuid.uuid4().hex[:10]}"
    connect = {
        "host": admin.host,
        "port": admin.port or 5432,
        "user": admin.username,
        "password": admin.password,
    }
    root = await asyncpg.connect(database=admin.database or "postgres", **connect)
    await root.execute(f'CREATE DATABASE "{name}"')
    try:
        url = admin.set(drivername="postgresql+asyncpg", database=name)
        engine = make_engine(url.render_as_string(hide_password=False))
        await upgrade(engine)
        conn = await asyncpg.connect(database=name, **connect)
        try:
            started = time.perf_counter()
            count = await load(conn, registers)
            load_seconds = time.perf_counter() - started
        finally:
            await conn.close()
        db = Database.of(engine)
        timings = []
        # the month before first (untimed in the figure), as every month's close follows the
        # previous one: the timed close then settles real estimates with its corrections
        for period in PERIODS[-2:]:
            started = time.perf_counter()
            summary = await close_period(
                db.uow,
                period,
                Rules(),
                NORMATIVES,
                today=date(2026, 7, 1),
                now=datetime.now(UTC),
            )
            timings.append(time.perf_counter() - started)
        await engine.dispose()
    finally:
        await root.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await root.close()
    return {
        "bench": "period_close",
        "registers": count,
        "seconds": round(timings[-1], 2),
        "target_seconds": TARGET_SECONDS,
        "by_method": summary.by_method(),
        "load_seconds": round(load_seconds, 2),
        "previous_close_seconds": round(timings[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registers", type=int, default=1_000_000)
    parser.add_argument(
        "--pg", default="postgresql://postgres@127.0.0.1:5432/postgres", help="admin URL"
    )
    args = parser.parse_args()
    print(json.dumps(asyncio.run(bench(args.pg, args.registers))), flush=True)


if __name__ == "__main__":
    main()
