"""Use cases of the CSV imports: accounts and meters, accepted reading history."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from gateway.domain.periods import period_of
from gateway.domain.records import ReadingRow
from gateway.domain.rules import Rules
from gateway.service.csv_files import CsvImportError, read_accounts, read_readings
from gateway.service.uow import UnitOfWorkFactory


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


async def import_accounts(uow: UnitOfWorkFactory, path: Path) -> str:
    rows = read_accounts(path)
    async with uow() as work:
        accounts, meters = await work.accounts.upsert(rows)
        await work.accounts.analyze()
        await work.commit()
    return f"imported {accounts} account(s), {meters} meter(s) from {path}"


async def import_readings(uow: UnitOfWorkFactory, path: Path, rules: Rules, now: datetime) -> str:
    rows = read_readings(path)
    async with uow() as work:
        meters = await work.accounts.meters_by_key([(r.uin, r.meter) for r in rows])
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
        await work.readings.insert_history(records)
        await work.readings.analyze()
        await work.commit()
    return f"imported {len(records)} reading(s) from {path}"
