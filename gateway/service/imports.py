"""Use cases behind the CLI's data commands: imports and the demo data set."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.domain.periods import period_of
from gateway.domain.records import MeterRow, ReadingRow
from gateway.domain.rules import Rules
from gateway.service.csv_files import CsvImportError, read_accounts, read_readings
from storage import repository as repo


def history_record(meter_id: int, r: ReadingRow, rules: Rules, now: datetime) -> dict[str, Any]:
    return {
        "meter_id": meter_id,
        "zone": r.zone,
        "message_id": None,
        "value": r.value,
        "consumption": None,
        "period": period_of(r.taken_on, rules.cutoff_day),
        "taken_on": r.taken_on,
        "status": "accepted",
        "reason": None,
        "source": "import",
        "created_at": now,
    }


async def import_accounts(sessions: async_sessionmaker[AsyncSession], path: Path) -> str:
    rows = read_accounts(path)
    async with sessions() as session, session.begin():
        accounts, meters = await repo.upsert_accounts(session, rows)
    return f"imported {accounts} account(s), {meters} meter(s) from {path}"


async def import_readings(
    sessions: async_sessionmaker[AsyncSession], path: Path, rules: Rules
) -> str:
    rows = read_readings(path)
    now = datetime.now(UTC)
    async with sessions() as session, session.begin():
        meters = await repo.meters_by_key(session, [(r.uin, r.meter) for r in rows])
        records = []
        for r in rows:
            meter = meters.get((r.uin, r.meter))
            if meter is None:
                raise CsvImportError(
                    f"{path}: row {r.row}: no meter {r.meter!r} on account "
                    f"{r.uin!r} (import accounts first)"
                )
            if r.zone > meter.zones:
                raise CsvImportError(
                    f"{path}: row {r.row}: meter {r.meter} has "
                    f"{meter.zones} zone(s), got zone {r.zone}"
                )
            whole, _, fraction = format(r.value, "f").partition(".")
            if len(whole.lstrip("0")) > meter.digits or len(fraction.rstrip("0")) > meter.decimals:
                raise CsvImportError(
                    f"{path}: row {r.row}: value {r.value} does not fit the "
                    f"meter ({meter.digits} digits, {meter.decimals} decimals)"
                )
            records.append(history_record(meter.id, r, rules, now))
        await repo.insert_history(session, records)
    return f"imported {len(records)} reading(s) from {path}"


def demo_rows(today: date) -> tuple[list[MeterRow], list[ReadingRow]]:
    """A handful of accounts, each with a few months of history, ending last month."""
    meters = [
        MeterRow(0, "1234567", "E-1", 1, "electricity", 2, 5, 0, None, 2, "open"),
        MeterRow(0, "7654321", "CW-1", 1, "cold_water", 1, 5, 3, None, 3, "open"),
        MeterRow(0, "7654321", "HW-1", 2, "hot_water", 1, 5, 3, None, 3, "open"),
        MeterRow(0, "1111111", "E-1", 1, "electricity", 1, 6, 0, None, 1, "open"),
        MeterRow(0, "2222222", "E-1", 1, "electricity", 1, 5, 0, None, 1, "closed"),
    ]
    start = {("1234567", "E-1", 1): 4500, ("1234567", "E-1", 2): 1800,
             ("7654321", "CW-1", 1): 100, ("7654321", "HW-1", 1): 40,
             ("1111111", "E-1", 1): 20000}  # fmt: skip
    step = {("1234567", "E-1", 1): 100, ("1234567", "E-1", 2): 35,
            ("7654321", "CW-1", 1): 4, ("7654321", "HW-1", 1): 2,
            ("1111111", "E-1", 1): 250}  # fmt: skip
    readings = []
    for months_back in range(6, 0, -1):
        index = today.year * 12 + today.month - 1 - months_back
        taken = date(index // 12, index % 12 + 1, 20)
        for (uin, meter, zone), first in start.items():
            value = first + step[(uin, meter, zone)] * (6 - months_back)
            readings.append(ReadingRow(0, uin, meter, zone, taken, Decimal(value)))
    return meters, readings


async def load_demo(sessions: async_sessionmaker[AsyncSession], rules: Rules) -> None:
    meters, readings = demo_rows(datetime.now(UTC).date())
    async with sessions() as session, session.begin():
        await repo.upsert_accounts(session, meters)
        found = await repo.meters_by_key(session, [(r.uin, r.meter) for r in readings])
        now = datetime.now(UTC)
        await repo.insert_history(
            session,
            [history_record(found[(r.uin, r.meter)].id, r, rules, now) for r in readings],
        )
