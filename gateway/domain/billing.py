"""Billed volume of one register for one period: the period close's rules, written once
(docs/billing.md, "Period close", which also names the decree's paragraphs).

Government Decree No. 354: readings are due by the cut-off day (п. 31); a missing reading is
billed by the average over at least 3 and up to 6 months of the meter's history for at most 3
periods (п. 59), then by the normative (п. 60); an actual reading settles the estimates since
the last one (п. 61). Events: a replaced meter (R1), a failed or lapsed one (R2), an
inspector's reading (R3), residents by day (R4) and refused access (R5).

``storage/close_facts.py`` reads each register's facts in key order, ``bill`` decides its row
and storage writes the rows in bulk; this module is the only implementation of the rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from gateway.domain.billing_days import calendar_period, month_days, normative, overlap, quantize
from gateway.domain.billing_facts import (
    BASELINES,
    ESTIMATES,
    FINAL,
    INSPECTION,
    INSTALLATION,
    REMOVAL,
    Basis,
    IncompleteHistory,
    Reading,
    Register,
    Stored,
    Volume,
    reading_rank,
)
from gateway.domain.billing_gaps import Gap, gap_rate, gaps_of, usable
from gateway.domain.billing_readings import (
    average_monthly,
    months_between,
    segment,
    step,
    winners,
)
from gateway.domain.rules import Rules
from gateway.domain.volumes import Method

ONE = Decimal(1)


def correction(stored: Mapping[str, Stored], start: Reading, period: str) -> Decimal:
    """Minus the estimates billed after the reading ``start`` and before ``period``: the actual
    consumption over those days replaces them (п. 61). At factor 1 (M6: a surcharge is not
    credited back); estimates of a failure or of days without a meter are final (R1, R2)."""
    total = Decimal(0)
    for p, row in stored.items():
        if p < start.period or p >= period or row.basis in FINAL:
            continue
        if p == start.period:  # the refusal's days after the start reading, same period
            if row.basis is Basis.ACCESS_REFUSED and row.method is Method.ACTUAL:
                total += row.estimate / (row.factor or ONE)
        elif row.method in ESTIMATES:
            total += row.volume / (row.factor or ONE)
    return -quantize(total)


def _clip(gaps: list[Gap], reg: Register) -> list[Gap]:
    """A removed meter's failure or refusal ends at its removal (the gap after it is R1's)."""
    removed = reg.removed_on
    if removed is None:
        return gaps
    out = []
    for g in gaps:
        if g.basis is Basis.REPLACEMENT_GAP:
            out.append(g)
        elif g.start < removed:
            out.append(g._replace(end=removed if g.end is None else min(g.end, removed)))
    return out


def _plain(reg: Register, period: str) -> Volume | None:
    """The everyday case, quickly: no events, a reading in the period and one before it.
    The same rules as below (M7's winner of each period, п. 61's correction); None: not
    that case."""
    end = start = None
    for r in reg.readings:  # oldest first: a later one of the same day came later
        p = r.period
        if p > period:
            continue
        if p == period:
            if (
                end is None
                or r.taken_on > end.taken_on
                or (r.taken_on == end.taken_on and reading_rank(r) >= reading_rank(end))
            ):
                end = r
        elif start is None or p > start.period or (p == start.period and (
            r.taken_on > start.taken_on
            or (r.taken_on == start.taken_on and reading_rank(r) >= reading_rank(start))
        )):  # fmt: skip
            start = r
    if end is None or start is None:
        return None
    if reg.since is not None and start.period < reg.since:
        raise IncompleteHistory(period)
    fix = correction(reg.stored, start, period) if reg.stored else Decimal(0)
    basis = Basis.INSPECTION if end.source == INSPECTION else Basis.READING
    volume = step(start.value, end.value, reg.digits) + fix
    return Volume(Method.ACTUAL, quantize(volume), fix, start.value, end.value, basis=basis)


def _last_before(readings: Sequence[Reading], baseline: Reading) -> Reading | None:
    """The period's winning reading (M7) taken before the new start ``baseline``."""
    period, day = baseline.period, baseline.taken_on
    return winners(
        r for r in readings
        if r.period == period and r.taken_on < day and r.source not in BASELINES
    ).get(period)  # fmt: skip


def bill(
    reg: Register, period: str, rules: Rules, normatives: Mapping[str, Decimal]
) -> Volume | None:
    """The row billed for ``period``; None when the register has none (a closed account, a
    meter not installed yet or removed before the period with no days left to estimate)."""
    if not reg.account_open:
        return None
    first, last = month_days(period)
    if not (reg.acts or reg.failed_on or reg.installed_on or reg.removed_on) and (
        reg.verified_until is None or reg.verified_until >= last
    ):
        fast = _plain(reg, period)
        if fast is not None:
            return fast
    if reg.since is not None:
        raise IncompleteHistory(period)
    if reg.installed_on is not None and reg.installed_on > last:
        return None
    gaps = _clip(gaps_of(reg), reg)
    if gaps or reg.installed_on is not None:
        use = [r for r in reg.readings if r.period <= period and usable(r, reg, gaps)]
    else:
        use = [r for r in reg.readings if r.period <= period]
    best = winners(use)
    end = best.get(period)
    earlier = [p for p in best if p < period]
    start = best[max(earlier)] if earlier else None
    baseline = None  # a new start in the period (R1, R2): the row reads from it
    if end is not None:
        for r in use:
            if r.source in BASELINES and r.period == period and r.taken_on <= end.taken_on:
                baseline = r
    # what was measured before the period's estimated days: after a new start in the period,
    # the period's last reading before it (a customer's reading before a failure, A9)
    before = end if baseline is None else _last_before(use, baseline)
    pre, settle_from = Decimal(0), start
    if baseline is not None:
        if start is not None and before is not None:
            pre = step(start.value, before.value, reg.digits)
        else:
            settle_from = None
        start = baseline

    def whole_month() -> Decimal:
        return normative(
            reg.service, reg.residents, reg.residents_changes, (first, last), last.day,
            normatives, rules.normative_factor,
        )  # fmt: skip

    estimate, method, factor, basis = Decimal(0), Method.AVERAGE, None, None
    for gap in gaps:
        span = overlap(gap.start, gap.end, first, last)
        if span is None:
            continue
        if gap.basis is not Basis.REPLACEMENT_GAP:
            if before is None:  # nothing measured in the period: all of it by the event's rule
                span = (first, span[1])
            elif (
                gap.end is not None
                and end is not None
                and end.taken_on >= gap.end
                and gap.basis is Basis.ACCESS_REFUSED
            ):
                continue  # the inspection measured those days: the correction settles them
        count = months_between(calendar_period(gap.start), period) + 1
        frozen = segment(best, calendar_period(gap.start), use)
        average = average_monthly(frozen, reg.digits, rules)
        method, rate = gap_rate(gap.basis, count, reg.service, average, rules)
        days = (span[1] - span[0]).days + 1
        if method is Method.AVERAGE and average is not None:
            estimate += average * days / last.day
        else:
            factor = rate
            estimate += normative(
                reg.service, reg.residents, reg.residents_changes, span, last.day, normatives,
                rules.normative_factor * (rate or ONE),
            )  # fmt: skip
        basis = gap.basis
    if basis is None and reg.removed_on is not None and calendar_period(reg.removed_on) < period:
        return None
    estimate = quantize(estimate)
    start_value = start.value if start is not None else None

    if end is not None and start is not None:
        fix = correction(reg.stored, settle_from, period) if settle_from else Decimal(0)
        volume = step(start.value, end.value, reg.digits) + pre + fix + estimate
        if end.source == INSPECTION:
            basis = Basis.INSPECTION
        elif end.source == REMOVAL or (start.source == INSTALLATION and start.period == period):
            basis = Basis.REPLACEMENT
        return Volume(
            Method.ACTUAL, quantize(volume), fix + pre, start.value, end.value, estimate,
            factor, basis or Basis.READING,
        )  # fmt: skip
    if end is not None:
        # The very first reading is the register's baseline: with nothing before it the
        # period's consumption is unknown, so it is billed by the normative.
        value = quantize(whole_month())
        return Volume(Method.NORMATIVE, value, reading_end=end.value, estimate=value,
                      factor=ONE, basis=Basis.FIRST_READING)  # fmt: skip
    if basis is not None:
        return Volume(method, estimate, Decimal(0), start_value, None, estimate,
                      factor if method is Method.NORMATIVE else None, basis)  # fmt: skip
    # no reading (п. 59 б), counted from the last reading, whatever the closed periods were
    points = segment(best, period, use)
    average = average_monthly(points, reg.digits, rules)
    gap_periods = months_between(start.period, period) if start is not None else None
    if gap_periods is not None and gap_periods <= rules.average_max_periods and average is not None:
        value = quantize(average)
        return Volume(Method.AVERAGE, value, reading_start=start_value, estimate=value,
                      basis=Basis.NO_READING)  # fmt: skip
    value = quantize(whole_month())
    return Volume(Method.NORMATIVE, value, reading_start=start_value, estimate=value, factor=ONE,
                  basis=Basis.NO_READING if start is not None else Basis.NEVER_READ)  # fmt: skip


def bill_periods(
    reg: Register, periods: Sequence[str], rules: Rules, normatives: Mapping[str, Decimal]
) -> dict[str, Volume | None]:
    """Close ``periods`` one after another, each seeing the rows of the ones before, as
    successive ``period close`` runs do."""
    stored = dict(reg.stored)
    out: dict[str, Volume | None] = {}
    for period in periods:
        volume = bill(reg._replace(stored=dict(stored)), period, rules, normatives)
        out[period] = volume
        if volume is None:
            stored.pop(period, None)
        else:
            stored[period] = volume.as_stored()
    return out
