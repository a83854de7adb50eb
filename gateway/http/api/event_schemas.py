"""The bodies of the event routes (docs/api.md, "Events"): the rows of the three imports as
JSON objects with the CSV's field names, and an account's events."""

from __future__ import annotations

from datetime import date

from pydantic import Field, RootModel

from gateway.domain.events import AccountEvents as Events
from gateway.domain.events import Act, EventSource
from gateway.domain.model import plain
from gateway.http.api.schemas import DecimalStr, Period, Schema

ZONE = Field(ge=1, le=3)


class _Row(Schema):
    def record(self) -> dict[str, str]:
        """The fields as the CSV import reads them (text; empty for null)."""
        return {k: "" if v is None else str(v) for k, v in self.model_dump().items()}


class Replacement(_Row):
    """One zone of a meter removed, and the new meter installed in its place (or not yet)."""

    uin: str
    meter: str = Field(description="the old meter")
    zone: int = ZONE
    removed_on: date
    removal_value: DecimalStr
    new_meter: str | None = None
    installed_on: date | None = None
    installation_value: DecimalStr | None = None
    verified_until: date | None = Field(default=None, description="of the new meter")
    digits: int | None = Field(default=None, description="of the new meter; null: the old one's")
    decimals: int | None = Field(default=None, description="null: the old meter's")


class MeterActRow(_Row):
    """A staff or inspector act: inspection (value required), access_refused (no value),
    failed (value optional: the reading at the failure), recommissioned (value required)."""

    uin: str
    meter: str
    zone: int = ZONE
    date: date
    act: Act
    value: DecimalStr | None = None


class ResidentsRow(_Row):
    """From ``date`` on, the account has ``residents`` (``owners`` bill a flat nobody lives in)."""

    uin: str
    date: date
    residents: int
    owners: int | None = None


class Replacements(RootModel[list[Replacement]]):
    """Replacement rows, stored all or nothing."""


class MeterActs(RootModel[list[MeterActRow]]):
    """Act rows, stored all or nothing."""


class ResidentsChanges(RootModel[list[ResidentsRow]]):
    """Residents rows, stored all or nothing."""


class Imported(Schema):
    imported: int = Field(description="the number of rows stored (a repeat changes nothing)")


class EventReading(Schema):
    """A reading that came with an event (removal, installation, inspection, failure,
    recommissioning): billed in the calendar month of its day."""

    meter: str
    zone: int = ZONE
    date: date
    period: Period
    value: DecimalStr
    source: EventSource


class AccountEvents(Schema):
    """An account's replacements, acts and residents changes, oldest first, with readings."""

    uin: str
    replacements: list[Replacement]
    acts: list[MeterActRow]
    residents: list[ResidentsRow]
    readings: list[EventReading]


def events_body(events: Events) -> AccountEvents:
    """``AccountEvents`` of the domain's ``gateway.domain.events.AccountEvents``."""
    return AccountEvents(
        uin=events.uin,
        replacements=[Replacement.model_validate(r) for r in events.replacements],
        acts=[
            MeterActRow(
                uin=a.uin,
                meter=a.meter,
                zone=a.zone,
                date=a.acted_on,
                act=a.act,
                value=None if a.value is None else plain(a.value),
            )
            for a in events.acts
        ],
        residents=[
            ResidentsRow(uin=r.uin, date=r.since, residents=r.residents, owners=r.owners)
            for r in events.residents
        ],
        readings=[
            EventReading(
                meter=r.meter,
                zone=r.zone,
                date=r.taken_on,
                period=r.period,
                value=plain(r.value),
                source=EventSource(r.source),
            )  # fmt: skip
            for r in events.readings
        ],
    )
