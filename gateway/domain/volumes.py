"""What a period close produces and reports: the billing method of a volume, stored volumes
as exports show them, totals per method and meters without readings. Plain values; the rules
themselves are ``gateway.domain.billing``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


class Method(StrEnum):
    ACTUAL = "actual"
    AVERAGE = "average"
    NORMATIVE = "normative"


@dataclass(frozen=True)
class MethodTotal:
    """How many registers of a service a close billed by one method, and their volume."""

    service: str
    method: str
    registers: int
    volume: Decimal


@dataclass(frozen=True)
class StaleMeter:
    """A meter of an open account without an accepted reading since some day (or ever)."""

    account_id: int
    uin: str
    meter: str
    service: str
    last_reading: date | None


@dataclass(frozen=True)
class VolumeRow:
    """A stored volume with the register it bills, as exports show it."""

    meter_id: int
    uin: str
    meter: str
    zone: int
    period: str
    method: str
    volume: Decimal
    correction: Decimal
    reading_start: Decimal | None
    reading_end: Decimal | None
    estimate: Decimal = Decimal(0)
    factor: Decimal | None = None
    basis: str | None = None
