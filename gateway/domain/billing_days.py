"""Days of a period, residents by day and the normative over days (M2, R4;
docs/billing.md, "Period close")."""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from gateway.domain.billing_facts import ResidentsChange
from gateway.domain.periods import parse_period

VOLUME_PLACES = Decimal("0.0001")  # volumes are stored as NUMERIC(18, 4)
ONE_DAY = timedelta(days=1)


def quantize(value: Decimal) -> Decimal:
    """Rounded once, at the end: 4 places, half away from zero."""
    return value.quantize(VOLUME_PLACES, rounding=ROUND_HALF_UP)


@lru_cache(maxsize=256)
def month_days(period: str) -> tuple[date, date]:
    """The first and the last day of ``period``."""
    year, month = parse_period(period)
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


@lru_cache(maxsize=4096)
def calendar_period(day: date) -> str:
    """The calendar month of ``day``: the period of an event (M7, no cut-off)."""
    return f"{day.year:04d}-{day.month:02d}"


def overlap(start: date, end: date | None, first: date, last: date) -> tuple[date, date] | None:
    """The days of ``[first, last]`` in ``[start, end)`` (end None: open), or None."""
    lo = max(start, first)
    hi = last if end is None else min(last, end - ONE_DAY)
    return (lo, hi) if lo <= hi else None


def persons_days(base: int, changes: Sequence[ResidentsChange], first: date, last: date) -> int:
    """Sum over the days ``first..last`` of the persons a normative counts (R4): the residents
    of the day (``base`` before the first change), or the owners when nobody lives there
    (п. 56(2)); owners default to the last value given, initially 1."""
    total = 0
    residents, owners = base, 1
    day = first
    for change in sorted(changes, key=lambda c: c.since):
        if change.since > last:
            break
        if change.since > day:
            total += (residents or owners) * (change.since - day).days
            day = change.since
        residents = change.residents
        owners = change.owners if change.owners is not None else owners
    return total + (residents or owners) * ((last - day).days + 1)


def normative(
    service: str,
    base: int,
    changes: Sequence[ResidentsChange],
    days: tuple[date, date],
    dim: int,
    normatives: Mapping[str, Decimal],
    factor: Decimal,
) -> Decimal:
    """N x sum(persons x days) / days in the period x the operator's ``normative_factor``
    and the increasing factor, unrounded (the caller rounds once)."""
    per_person = normatives.get(service, Decimal(0))
    return per_person * persons_days(base, changes, *days) / dim * factor
