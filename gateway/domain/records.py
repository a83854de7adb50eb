"""Accounts, meters and reading history as imported (one CSV row each)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class MeterRow:
    row: int
    uin: str
    meter: str
    position: int
    service: str
    zones: int
    digits: int
    decimals: int
    verified_until: date | None
    residents: int
    status: str
    # optional column: the meter failed on this day and is billed as if unread from then
    failed_on: date | None = None


@dataclass(frozen=True)
class ReadingRow:
    row: int
    uin: str
    meter: str
    zone: int
    taken_on: date
    value: Decimal
