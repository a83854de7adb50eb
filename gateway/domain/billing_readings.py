"""Which reading counts for a period, consumption between two readings and the average
(Decree 354 п. 59; docs/billing.md, "The methods" and M3, M7 of "Period close")."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from functools import lru_cache

from gateway.domain.billing_facts import BASELINES, Reading, reading_rank
from gateway.domain.periods import consumption, period_index
from gateway.domain.rules import Rules

month_index = lru_cache(maxsize=4096)(period_index)  # a close asks for the same few periods


def months_between(earlier: str, later: str) -> int:
    return month_index(later) - month_index(earlier)


def winners(readings: Iterable[Reading]) -> dict[str, Reading]:
    """The reading that counts for each period (M7): the latest by day; on the same day the
    inspector's, then another event's, then the one that came last."""
    last: dict[str, Reading] = {}
    for r in readings:
        kept = last.get(r.period)
        if (
            kept is None
            or r.taken_on > kept.taken_on
            or (r.taken_on == kept.taken_on and reading_rank(r) >= reading_rank(kept))
        ):
            last[r.period] = r
    return last


def step(previous: Decimal, current: Decimal, digits: int) -> Decimal:
    """Consumption between two readings, rollover-aware. A decrease that is no rollover is
    billed as it is: imported history, or an inspector's reading below the customer's (R3):
    a credit."""
    used = consumption(previous, current, digits)
    return current - previous if used is None else used


def segment(best: dict[str, Reading], before: str, readings: Sequence[Reading]) -> list[Reading]:
    """The periods' readings before ``before``, oldest first, from the meter's last new start
    on (an installation or a recommissioning: п. 59 "период работы прибора учета")."""
    since = ""
    for r in readings:
        if r.source in BASELINES and r.period < before and r.period > since:
            since = r.period
    return [best[p] for p in sorted(best) if since <= p < before]


def average_monthly(points: Sequence[Reading], digits: int, rules: Rules) -> Decimal | None:
    """Average monthly consumption over the last ``average_window_months`` months of readings
    (``points`` oldest first, the last one being the latest reading), unrounded; None when
    they span fewer than ``average_min_months`` months. The window runs back from the latest
    reading: it is the consumption the meter actually measured (п. 59)."""
    if not points:
        return None
    last = points[-1]
    earliest = month_index(last.period) - rules.average_window_months
    inside = [p for p in points if month_index(p.period) >= earliest]
    months = months_between(inside[0].period, last.period)
    if months < rules.average_min_months or months <= 0:
        return None
    used = sum(
        (step(a.value, b.value, digits) for a, b in zip(inside, inside[1:], strict=False)),
        Decimal(0),
    )
    return used / months


def usual_average(
    readings: Sequence[Reading], digits: int, period: str, rules: Rules
) -> Decimal | None:
    """The average monthly consumption the close of ``period`` would estimate a register
    with (its readings before ``period``; None where the history is too short): what a
    reviewer compares a new reading with (docs/staff.md, "A card")."""
    return average_monthly(segment(winners(readings), period, readings), digits, rules)
