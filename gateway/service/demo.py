"""The demo data set of ``meter-gateway run --demo``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from gateway.domain.clock import local_day
from gateway.domain.records import MeterRow, ReadingRow
from gateway.domain.rules import Rules
from gateway.service.imports import history_record
from gateway.service.uow import UnitOfWorkFactory


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


async def load_demo(uow: UnitOfWorkFactory, rules: Rules, now: datetime) -> None:
    meters, readings = demo_rows(local_day(now, rules.timezone))
    async with uow() as work:
        await work.accounts.upsert(meters)
        found = await work.accounts.meters_by_key([(r.uin, r.meter) for r in readings])
        await work.readings.insert_history(
            [history_record(found[(r.uin, r.meter)].id, r, rules, now) for r in readings]
        )
        await work.commit()
