"""Billing v2 events as values: meter replacements, staff and inspector acts, residents
changes (docs/billing.md, "Events")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


class Act(StrEnum):
    """What a staff or inspector act says about a meter on a day."""

    INSPECTION = "inspection"  # value required: the inspector's reading
    ACCESS_REFUSED = "access_refused"  # value empty
    FAILED = "failed"  # value optional: the reading at the moment of failure
    RECOMMISSIONED = "recommissioned"  # value required: the new baseline


class EventSource(StrEnum):
    """``readings.source`` of a reading that came with an event (it belongs to the
    calendar month of its date, no cut-off)."""

    REMOVAL = "removal"
    INSTALLATION = "installation"
    INSPECTION = "inspection"
    FAILURE = "failure"
    RECOMMISSIONING = "recommissioning"


EVENT_SOURCES = tuple(str(s) for s in EventSource)

ACT_SOURCE = {
    Act.INSPECTION: EventSource.INSPECTION,
    Act.FAILED: EventSource.FAILURE,
    Act.RECOMMISSIONED: EventSource.RECOMMISSIONING,
}


@dataclass(frozen=True, slots=True)
class ReplacementRow:
    row: int  # as a spreadsheet shows it (the header is row 1), or the API list's item
    uin: str
    meter: str
    zone: int
    removed_on: date
    removal_value: Decimal
    new_meter: str | None
    installed_on: date | None
    installation_value: Decimal | None
    verified_until: date | None
    digits: int | None
    decimals: int | None


@dataclass(frozen=True, slots=True)
class ActRow:
    row: int  # as a spreadsheet shows it (the header is row 1), or the API list's item
    uin: str
    meter: str
    zone: int
    acted_on: date
    act: Act
    value: Decimal | None


@dataclass(frozen=True, slots=True)
class ResidentsRow:
    row: int  # as a spreadsheet shows it (the header is row 1), or the API list's item
    uin: str
    since: date
    residents: int
    owners: int | None


@dataclass(frozen=True, slots=True)
class StoredMeter:
    """What the event imports check a row against."""

    id: int
    account_id: int
    name: str
    position: int
    service: str
    zones: int
    digits: int
    decimals: int
    status: str
    removed_on: date | None
    replaces_meter_id: int | None


@dataclass(frozen=True, slots=True)
class EventReading:
    """A reading that came with an event (``readings.source`` an ``EventSource``)."""

    meter: str
    zone: int
    taken_on: date
    period: str
    value: Decimal
    source: str


@dataclass(frozen=True, slots=True)
class AccountEvents:
    """An account's events, oldest first (``GET /api/v1/accounts/{uin}/events``, the staff
    account page)."""

    uin: str
    replacements: tuple[ReplacementRow, ...]
    acts: tuple[ActRow, ...]
    residents: tuple[ResidentsRow, ...]
    readings: tuple[EventReading, ...]
