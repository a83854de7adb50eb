"""Billed volume of one register for one period: pure functions (docs/billing.md).

The rules follow Government Decree No. 354 (Rules for the provision of utility services):
readings are due by the cut-off day (para 31), a missing reading is billed by the average
monthly consumption over at least 6 months of history, never less than 3, for at most 3
periods in a row (para 59), and after that by the normative (para 60). When an actual reading
finally arrives, the estimates since the last reading are settled against it (para 61).

``storage.volumes`` computes the same thing set-based in SQL for a whole period; the tests
run one table through both, so this module is the reference for what the SQL must do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from gateway.domain.periods import consumption, months_between, period_index
from gateway.domain.rules import Rules
from gateway.domain.volumes import Method

VOLUME_PLACES = Decimal("0.0001")  # volumes are stored as NUMERIC(18, 4)
ESTIMATES = (Method.AVERAGE, Method.NORMATIVE)


@dataclass(frozen=True)
class MeterReading:
    """An accepted reading: its billing period, the day it was taken and its value."""

    period: str
    taken_on: date
    value: Decimal


@dataclass(frozen=True)
class RegisterHistory:
    """What billing needs of one register: its meter, its account and its readings.

    ``estimates`` are the volumes stored for earlier periods billed by ``average`` or
    ``normative``, by period; they are what a later actual reading corrects.
    """

    service: str
    digits: int
    residents: int
    readings: Sequence[MeterReading] = ()
    estimates: Mapping[str, Decimal] = field(default_factory=dict)
    account_open: bool = True
    failed_on: date | None = None  # set only for a meter whose status is ``failed``
    verified_until: date | None = None


@dataclass(frozen=True)
class Volume:
    method: Method
    volume: Decimal
    correction: Decimal = Decimal(0)
    reading_start: Decimal | None = None
    reading_end: Decimal | None = None


def quantize(value: Decimal) -> Decimal:
    return value.quantize(VOLUME_PLACES, rounding=ROUND_HALF_UP)


def usable(reading: MeterReading, failed_on: date | None, verified_until: date | None) -> bool:
    """A reading taken on or after the failure, or after the verification date, is not used
    for billing: from that date the register is billed as if no reading came in."""
    if failed_on is not None and reading.taken_on >= failed_on:
        return False
    return verified_until is None or reading.taken_on <= verified_until


def period_readings(
    readings: Iterable[MeterReading],
    until: str,
    failed_on: date | None,
    verified_until: date | None,
) -> list[MeterReading]:
    """The reading that counts for each period up to ``until``, oldest period first.

    The last one of a period counts (a later submission supersedes an earlier one); among
    readings of the same day the later one in ``readings`` wins, as the later row id does.
    """
    last: dict[str, MeterReading] = {}
    for r in readings:
        if r.period > until or not usable(r, failed_on, verified_until):
            continue
        kept = last.get(r.period)
        if kept is None or r.taken_on >= kept.taken_on:
            last[r.period] = r
    return [last[p] for p in sorted(last)]


def step(previous: Decimal, current: Decimal, digits: int) -> Decimal:
    """Consumption between two readings, rollover-aware. A decrease that is no rollover can
    only come from imported history (the validator rejects it): it is billed as it is, so
    the supplier's own correction is respected."""
    used = consumption(previous, current, digits)
    return current - previous if used is None else used


def average_monthly(points: Sequence[MeterReading], digits: int, rules: Rules) -> Decimal | None:
    """Average monthly consumption over the last ``average_window_months`` months of readings
    (``points`` oldest first, the last one being the latest reading), or None when they span
    fewer than ``average_min_months`` months.

    The window runs back from the latest reading, not from the period being billed: it is the
    consumption the meter actually measured (Decree 354, para 59).
    """
    if not points:
        return None
    last = points[-1]
    earliest = period_index(last.period) - rules.average_window_months
    inside = [p for p in points if period_index(p.period) >= earliest]
    months = months_between(inside[0].period, last.period)
    if months < rules.average_min_months or months <= 0:
        return None
    used = sum(
        (step(a.value, b.value, digits) for a, b in zip(inside, inside[1:], strict=False)),
        Decimal(0),
    )
    return quantize(used / months)


def periods_without_reading(points: Sequence[MeterReading], period: str) -> int | None:
    """How many consecutive periods up to and including ``period`` have no reading, i.e. have
    been (or are being) billed by estimate; None when the register never had one.

    Counted from the readings, not from stored volumes, so the answer does not depend on
    which earlier periods happened to be closed.
    """
    earlier = [p for p in points if p.period < period]
    if not earlier:
        return None
    return months_between(earlier[-1].period, period)


def correction(estimates: Mapping[str, Decimal], since: str, period: str) -> Decimal:
    """Minus the estimates billed after the reading ``since`` and before ``period``: the actual
    consumption over those periods replaces them (Decree 354, para 61)."""
    return -sum((v for p, v in estimates.items() if since < p < period), Decimal(0))


def normative(history: RegisterHistory, rules: Rules, normatives: Mapping[str, Decimal]) -> Decimal:
    """Residents x the regulator's normative per person x ``normative_factor``. The factor is
    1.0 unless an operator configures the statutory increasing coefficient (Decree 354,
    para 42): it is never applied automatically."""
    per_person = normatives.get(history.service, Decimal(0))
    return quantize(history.residents * per_person * rules.normative_factor)


def bill(
    history: RegisterHistory, period: str, rules: Rules, normatives: Mapping[str, Decimal]
) -> Volume | None:
    """The volume billed for ``period``; None for a register of a closed account."""
    if not history.account_open:
        return None
    points = period_readings(history.readings, period, history.failed_on, history.verified_until)
    before = [p for p in points if p.period < period]
    start = before[-1] if before else None
    end = points[-1] if points and points[-1].period == period else None
    start_value = start.value if start else None

    if end is not None and start is not None:
        used = step(start.value, end.value, history.digits)
        fix = correction(history.estimates, start.period, period)
        return Volume(Method.ACTUAL, quantize(used + fix), quantize(fix), start.value, end.value)
    if end is not None:
        # The very first reading is the register's baseline: with nothing before it the
        # period's consumption is unknown, so the period is billed by the normative and the
        # next reading bills from this one.
        return Volume(
            Method.NORMATIVE, normative(history, rules, normatives), reading_end=end.value
        )

    gap = periods_without_reading(points, period)
    average = average_monthly(before, history.digits, rules)
    if gap is not None and gap <= rules.average_max_periods and average is not None:
        return Volume(Method.AVERAGE, average, reading_start=start_value)
    return Volume(
        Method.NORMATIVE, normative(history, rules, normatives), reading_start=start_value
    )


def bill_periods(
    history: RegisterHistory,
    periods: Sequence[str],
    rules: Rules,
    normatives: Mapping[str, Decimal],
) -> dict[str, Volume | None]:
    """Close ``periods`` one after another, each seeing the estimates of the ones before, as
    successive ``period close`` runs do."""
    estimates = dict(history.estimates)
    out: dict[str, Volume | None] = {}
    for period in periods:
        volume = bill(replace(history, estimates=dict(estimates)), period, rules, normatives)
        out[period] = volume
        if volume is not None and volume.method in ESTIMATES:
            estimates[period] = volume.volume
        else:
            estimates.pop(period, None)
    return out
