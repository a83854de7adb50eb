"""Billing periods and consumption: pure functions (docs/messages.md, "Validation", rules 3
and 6)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def period_of(day: date, cutoff_day: int) -> str:
    """The billing period (``YYYY-MM``) a reading taken on ``day`` belongs to.

    Readings are due by the cut-off day (the 25th under Decree No. 354); one that comes in
    later counts for the next month.
    """
    year, month = day.year, day.month
    if day.day > cutoff_day:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return f"{year:04d}-{month:02d}"


def parse_period(text: str) -> tuple[int, int]:
    """``"2026-11"`` -> ``(2026, 11)``; ValueError with a readable message otherwise."""
    m = _PERIOD.match(text)
    if not m:
        raise ValueError(f"period must be YYYY-MM, got {text!r}")
    return int(m.group(1)), int(m.group(2))


def period_index(period: str) -> int:
    """A period as a month count, so that periods subtract: ``"2026-01"`` -> 24312."""
    year, month = parse_period(period)
    return year * 12 + month - 1


def add_months(period: str, n: int) -> str:
    index = period_index(period) + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(earlier: str, later: str) -> int:
    return period_index(later) - period_index(earlier)


def consumption(previous: Decimal, current: Decimal, digits: int) -> Decimal | None:
    """Consumption between two readings, rollover-aware; None when the value went down.

    A rollover is the previous reading in the top 10% of the register's capacity and the new
    one in the bottom 10%: the counter passed 99999 and started again from 0.
    """
    if current >= previous:
        return current - previous
    capacity = Decimal(10) ** digits
    if previous >= capacity * Decimal("0.9") and current < capacity * Decimal("0.1"):
        return capacity - previous + current
    return None


def months_before(day: date, n: int) -> date:
    """The same day ``n`` months earlier (the month's last day when it is shorter)."""
    index = day.year * 12 + (day.month - 1) - n
    year, month = index // 12, index % 12 + 1
    following = date(year + (month == 12), month % 12 + 1, 1)
    return date(year, month, min(day.day, (following - date(year, month, 1)).days))
