"""What the period close knows of one register, and what it bills (docs/billing.md, "Period
close"): plain values (named tuples: a close makes millions) that storage fills and the pure
rules of ``gateway.domain.billing`` read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from gateway.domain.events import Act, EventSource
from gateway.domain.volumes import Method


class Basis(StrEnum):
    """Why a row is billed as it is (the export's informative ``basis`` column)."""

    READING = "reading"
    INSPECTION = "inspection"
    REPLACEMENT = "replacement"
    REPLACEMENT_GAP = "replacement_gap"
    NO_READING = "no_reading"
    METER_FAILED = "meter_failed"
    ACCESS_REFUSED = "access_refused"
    FIRST_READING = "first_reading"
    NEVER_READ = "never_read"


# reading sources that are events (docs/billing.md, M7); every other source is the customer's
INSPECTION = EventSource.INSPECTION
REMOVAL = EventSource.REMOVAL
INSTALLATION = EventSource.INSTALLATION
FAILURE = EventSource.FAILURE
RECOMMISSIONING = EventSource.RECOMMISSIONING
EVENT_SOURCES = frozenset(str(s) for s in EventSource)
BASELINES = frozenset(
    {str(INSTALLATION), str(RECOMMISSIONING)}
)  # a new start: nothing before it counts


class Reading(NamedTuple):
    """An accepted reading: its billing period (M7: events by their calendar month), the day
    it was taken, its value and where it came from."""

    period: str
    taken_on: date
    value: Decimal
    source: str = "import"


class MeterAct(NamedTuple):
    acted_on: date
    act: Act


class ResidentsChange(NamedTuple):
    """From ``since`` on, ``residents`` live there; ``owners`` None: the last value given."""

    since: date
    residents: int
    owners: int | None = None


class Stored(NamedTuple):
    """A volume stored by an earlier close: what a later actual reading may correct (M6)."""

    method: Method
    volume: Decimal
    estimate: Decimal = Decimal(0)
    factor: Decimal | None = None
    basis: Basis | None = None  # None: a row closed before billing v2


class Register(NamedTuple):
    """One zone of one meter, with its account's residents, its readings (oldest first, by
    day and then by arrival), its acts and the rows of earlier periods.

    ``removed_on`` and ``gap_until`` describe a replaced meter: removed that day, its
    successor installed on ``gap_until`` (None: nothing installed yet). ``installed_on`` is
    set for a meter that replaced another one.
    """

    service: str
    digits: int
    residents: int
    readings: Sequence[Reading] = ()
    stored: Mapping[str, Stored] = {}  # noqa: RUF012 (never mutated)
    acts: Sequence[MeterAct] = ()
    residents_changes: Sequence[ResidentsChange] = ()
    failed_on: date | None = None  # v1: a meter whose status is ``failed``
    verified_until: date | None = None
    installed_on: date | None = None
    removed_on: date | None = None
    gap_until: date | None = None
    account_open: bool = True
    # the first period whose readings were read (None: all of them); the rules raise
    # IncompleteHistory when they need an earlier one
    since: str | None = None


class IncompleteHistory(Exception):
    """The register's readings before ``Register.since`` are needed: read them all."""


class Volume(NamedTuple):
    """A billed row: volume = (reading_end - reading_start) + correction + estimate."""

    method: Method
    volume: Decimal
    correction: Decimal = Decimal(0)
    reading_start: Decimal | None = None
    reading_end: Decimal | None = None
    estimate: Decimal = Decimal(0)
    factor: Decimal | None = None
    basis: Basis = Basis.READING

    def as_stored(self) -> Stored:
        return Stored(self.method, self.volume, self.estimate, self.factor, self.basis)


def reading_rank(reading: Reading) -> int:
    """M7: on the same day the inspector's reading wins, then the other events' readings."""
    if reading.source == INSPECTION:
        return 2
    return 1 if reading.source in EVENT_SOURCES else 0


ESTIMATES = (Method.AVERAGE, Method.NORMATIVE)
FINAL = frozenset({Basis.METER_FAILED, Basis.REPLACEMENT_GAP})  # never corrected (R1, R2)
