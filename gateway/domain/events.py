"""Billing v2 events as values: meter replacements, staff and inspector acts, residents
changes (docs/billing.md, "Events"; the contract is BILLING-V2 §8)."""

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
    """``readings.source`` of a reading that came with an event (M7: it belongs to the
    calendar month of its date, no cut-off)."""

    REMOVAL = "removal"
    INSTALLATION = "installation"
    INSPECTION = "inspection"
    FAILURE = "failure"
    RECOMMISSIONING = "recommissioning"


ACT_SOURCE = {
    Act.INSPECTION: EventSource.INSPECTION,
    Act.FAILED: EventSource.FAILURE,
    Act.RECOMMISSIONED: EventSource.RECOMMISSIONING,
}


@dataclass(frozen=True, slots=True)
class ReplacementRow:
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
    uin: str
    meter: str
    zone: int
    acted_on: date
    act: Act
    value: Decimal | None


@dataclass(frozen=True, slots=True)
class ResidentsRow:
    uin: str
    since: date
    residents: int
    owners: int | None
