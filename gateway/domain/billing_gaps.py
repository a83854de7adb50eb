"""The days a meter does not measure, from its events, which readings count, and how such
days are estimated (docs/billing.md, "Period close": R1, R2, R5, M3-M5)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import NamedTuple

from gateway.domain.billing_days import ONE_DAY
from gateway.domain.billing_facts import (
    EVENT_SOURCES,
    FAILURE,
    Basis,
    Reading,
    Register,
)
from gateway.domain.events import Act
from gateway.domain.rules import Rules
from gateway.domain.volumes import Method

WATER = frozenset({"cold_water", "hot_water"})
ELECTRICITY = "electricity"


class Gap(NamedTuple):
    """Days ``start`` until ``end`` (exclusive; None: still going) billed by estimate.

    ``basis`` names the event: ``meter_failed`` (п. 59 а: failure or lapsed verification until
    recommissioning), ``access_refused`` (п. 59 в: from the second refusal until the
    inspection) or ``replacement_gap`` (from the removal until the successor's installation).
    """

    basis: Basis
    start: date
    end: date | None

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


def failure_gaps(reg: Register) -> list[Gap]:
    """A failure starts on the ``failed`` act's date, v1's ``failed_on`` or the day after
    ``verified_until``, and ends at a ``recommissioned`` act (R2)."""
    events: list[tuple[date, int]] = []
    if reg.failed_on is not None:
        events.append((reg.failed_on, 0))
    if reg.verified_until is not None:
        events.append((reg.verified_until + ONE_DAY, 0))
    for act in reg.acts:
        if act.act is Act.FAILED:
            events.append((act.acted_on, 0))
        elif act.act is Act.RECOMMISSIONED:
            events.append((act.acted_on, 1))
    out: list[Gap] = []
    since: date | None = None
    for day, kind in sorted(events):
        if kind == 0 and since is None:
            since = day
        elif kind == 1 and since is not None:
            out.append(Gap(Basis.METER_FAILED, since, day))
            since = None
    if since is not None:
        out.append(Gap(Basis.METER_FAILED, since, None))
    return out


def refusal_gaps(reg: Register) -> list[Gap]:
    """The second ``access_refused`` act with no inspection in between starts the regime; an
    inspection ends it and starts the count again (R5, A7). A single refusal does nothing."""
    acts = sorted(
        (a.acted_on, a.act is Act.INSPECTION)
        for a in reg.acts
        if a.act in (Act.ACCESS_REFUSED, Act.INSPECTION)
    )
    out: list[Gap] = []
    refusals = 0
    since: date | None = None
    for day, inspection in acts:
        if inspection:
            if since is not None:
                out.append(Gap(Basis.ACCESS_REFUSED, since, day))
            refusals, since = 0, None
            continue
        refusals += 1
        if refusals == 2:
            since = day
    if since is not None:
        out.append(Gap(Basis.ACCESS_REFUSED, since, None))
    return out


def gaps_of(reg: Register) -> list[Gap]:
    out = failure_gaps(reg) if reg.acts or reg.failed_on or reg.verified_until else []
    if reg.acts:
        out += refusal_gaps(reg)
    if reg.removed_on is not None:
        out.append(Gap(Basis.REPLACEMENT_GAP, reg.removed_on, reg.gap_until))
    return out


def usable(reading: Reading, reg: Register, gaps: list[Gap]) -> bool:
    """Readings a failure or the refusal regime makes unusable are stored, not billed: during a
    failure every reading but the failure's own (81(13)); in the regime the customer's. A
    replaced meter measures from its installation until its removal."""
    day = reading.taken_on
    if reg.installed_on is not None and day < reg.installed_on:
        return False
    if reg.removed_on is not None and day > reg.removed_on:
        return False
    for gap in gaps:
        if not gap.covers(day):
            continue
        if gap.basis is Basis.METER_FAILED and reading.source != FAILURE:
            return False
        if gap.basis is Basis.ACCESS_REFUSED and reading.source not in EVENT_SOURCES:
            return False
    return True


def gap_rate(
    basis: Basis, count: int, service: str, average: Decimal | None, rules: Rules
) -> tuple[Method, Decimal | None]:
    """How the ``count``-th period of a gap (its event's period is the first, M4) is
    estimated: (average, None) or (normative, its increasing factor), M5:

    - electricity in the refusal regime: normative x factor from the first period (60(3));
    - else the frozen average for ``average_max_periods`` periods (59 а, 59 в; normative x 1
      while there is no average);
    - after that the normative, x factor for water (60, 42) and, in the refusal regime, for
      electricity (60(1)); never for gas or heating, never after an electricity meter failed
      or was removed (80(1)).
    """
    factor = rules.increasing_factor
    if basis is Basis.ACCESS_REFUSED and service == ELECTRICITY:
        return Method.NORMATIVE, factor
    if count <= rules.average_max_periods and average is not None:
        return Method.AVERAGE, None
    if count > rules.average_max_periods and service in WATER:
        return Method.NORMATIVE, factor
    return Method.NORMATIVE, Decimal(1)
