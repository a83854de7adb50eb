"""Use cases of billing v2's events (docs/billing.md, "Events"): meter replacements, acts and
residents changes, from a CSV file (``meter-gateway replacements import`` ...) or the API,
checked against the stored meters and written all or nothing in one transaction.

A replacement marks the old meter removed and creates the new one in its place (position,
service, zones); the removal, installation and act readings are also accepted ``readings``
of the calendar month of their day (docs/billing.md, "Events"), so the period close and intake's
"previous reading" read one table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from gateway.domain.events import (
    ACT_SOURCE,
    AccountEvents,
    ActRow,
    EventSource,
    ReplacementRow,
    ResidentsRow,
    StoredMeter,
)
from gateway.domain.model import MeterStatus, plain
from gateway.domain.periods import consumption
from gateway.service.event_rows import RowError
from gateway.service.uow import UnitOfWork, UnitOfWorkFactory


def event_reading(
    meter_id: int, zone: int, on: date, value: Decimal, source: EventSource, now: datetime
) -> dict[str, Any]:
    return {
        "meter_id": meter_id,
        "zone": zone,
        "message_id": None,
        "value": value,
        "consumption": None,
        "period": on.strftime("%Y-%m"),  # the calendar month, no cut-off
        "taken_on": on,
        "status": "accepted",
        "reason": None,
        "source": source,
        "created_at": now,
    }


def _fits(value: Decimal, digits: int, decimals: int) -> bool:
    whole, _, fraction = format(value, "f").partition(".")
    return len(whole.lstrip("0")) <= digits and len(fraction.rstrip("0")) <= decimals


def _register(
    found: dict[tuple[str, str], StoredMeter], row: ReplacementRow | ActRow
) -> StoredMeter:
    meter = found.get((row.uin, row.meter))
    if meter is None:
        raise RowError(row.row, f"no meter {row.meter!r} on account {row.uin!r}")
    if row.zone > meter.zones:
        raise RowError(row.row, f"meter {row.meter} has {meter.zones} zone(s), got zone {row.zone}")
    return meter


async def _check_replacement(
    work: UnitOfWork, found: dict[tuple[str, str], StoredMeter], r: ReplacementRow
) -> StoredMeter:
    old = _register(found, r)
    if old.removed_on not in (None, r.removed_on):
        raise RowError(r.row, f"meter {r.meter} was removed on {old.removed_on}")
    if not _fits(r.removal_value, old.digits, old.decimals):
        raise RowError(r.row, f"removal_value {r.removal_value} does not fit meter {r.meter}")
    last = await work.events.last_accepted(old.id, r.zone, r.removed_on)
    if last is not None and consumption(last, r.removal_value, old.digits) is None:
        why = f"removal_value {r.removal_value} is below the last accepted reading {plain(last)}"
        raise RowError(r.row, why)
    if r.new_meter is not None:
        new = found.get((r.uin, r.new_meter))
        if new is not None and new.zones != old.zones:
            raise RowError(
                r.row, f"new meter {r.new_meter} has {new.zones} zone(s), {r.meter} {old.zones}"
            )
        if new is not None and new.service != old.service:
            raise RowError(r.row, f"new meter {r.new_meter} is {new.service}, not {old.service}")
        if new is not None and new.replaces_meter_id != old.id and new.position != old.position:
            # another meter of the account: a new meter is new, or at least in this place
            raise RowError(
                r.row, f"meter {r.new_meter} is already meter {new.position} of the account"
            )
        digits = r.digits if r.digits is not None else old.digits
        decimals = r.decimals if r.decimals is not None else old.decimals
        assert r.installation_value is not None
        if not _fits(r.installation_value, digits, decimals):
            raise RowError(
                r.row, f"installation_value {r.installation_value} does not fit {r.new_meter}"
            )
    return old


async def record_replacements(
    uow: UnitOfWorkFactory, rows: Sequence[ReplacementRow], now: datetime
) -> int:
    """Store the replacements (all or nothing); the number of rows. Raises ``RowError``."""
    async with uow() as work:
        keys = [(r.uin, r.meter) for r in rows]
        keys += [(r.uin, r.new_meter) for r in rows if r.new_meter is not None]
        found = await work.events.meters(keys)
        readings: list[dict[str, Any]] = []
        first: dict[tuple[object, ...], ReplacementRow] = {}
        for r in rows:
            old = await _check_replacement(work, found, r)
            # the zones of one meter replaced by one new meter, on one day
            same = first.setdefault((r.uin, r.meter, r.removed_on), r)
            if (same.new_meter, same.installed_on) != (r.new_meter, r.installed_on):
                raise RowError(
                    r.row, f"new_meter or installed_on differ from row {same.row} of {r.meter}"
                )
            await work.events.mark_removed(old.id, r.removed_on)
            readings.append(
                event_reading(
                    old.id, r.zone, r.removed_on, r.removal_value, EventSource.REMOVAL, now
                )
            )
            new_id = None
            if r.new_meter is not None and r.installed_on is not None:
                new_id = await work.events.put_meter(
                    {
                        "account_id": old.account_id,
                        "name": r.new_meter,
                        "position": old.position,
                        "service": old.service,
                        "zones": old.zones,
                        "digits": r.digits if r.digits is not None else old.digits,
                        "decimals": r.decimals if r.decimals is not None else old.decimals,
                        "verified_until": r.verified_until,
                        "status": MeterStatus.ACTIVE,
                        "installed_on": r.installed_on,
                        "replaces_meter_id": old.id,
                    }
                )
                assert r.installation_value is not None
                readings.append(
                    event_reading(
                        new_id,
                        r.zone,
                        r.installed_on,
                        r.installation_value,
                        EventSource.INSTALLATION,
                        now,
                    )  # fmt: skip
                )
            await work.events.put_replacement(
                {
                    "old_meter_id": old.id,
                    "zone": r.zone,
                    "removed_on": r.removed_on,
                    "removal_value": r.removal_value,
                    "new_meter_id": new_id,
                    "installed_on": r.installed_on,
                    "installation_value": r.installation_value,
                }
            )
        await work.readings.insert_history(readings)
        await work.commit()
    return len(rows)


async def record_acts(uow: UnitOfWorkFactory, rows: Sequence[ActRow], now: datetime) -> int:
    """Store the acts (all or nothing) with their readings; the number of rows."""
    async with uow() as work:
        found = await work.events.meters([(r.uin, r.meter) for r in rows])
        acts: list[dict[str, Any]] = []
        readings: list[dict[str, Any]] = []
        for r in rows:
            meter = _register(found, r)
            removed = meter.removed_on if meter.status == MeterStatus.REMOVED else None
            if removed is not None and r.acted_on > removed:
                raise RowError(r.row, f"meter {r.meter} was removed on {removed}")
            if r.value is not None and not _fits(r.value, meter.digits, meter.decimals):
                raise RowError(r.row, f"value {r.value} does not fit meter {r.meter}")
            acts.append(
                {
                    "meter_id": meter.id,
                    "zone": r.zone,
                    "acted_on": r.acted_on,
                    "act": r.act,
                    "value": r.value,
                }
            )
            source = ACT_SOURCE.get(r.act)
            if source is not None and r.value is not None:
                readings.append(event_reading(meter.id, r.zone, r.acted_on, r.value, source, now))
        await work.events.put_acts(acts)
        await work.readings.insert_history(readings)
        await work.commit()
    return len(rows)


async def record_residents(uow: UnitOfWorkFactory, rows: Sequence[ResidentsRow]) -> int:
    """Store the residents changes (all or nothing); the number of rows."""
    async with uow() as work:
        ids = await work.events.account_ids([r.uin for r in rows])
        for r in rows:
            if r.uin not in ids:
                raise RowError(r.row, f"no account {r.uin!r}")
        await work.events.put_residents(
            [
                {
                    "account_id": ids[r.uin],
                    "since": r.since,
                    "residents": r.residents,
                    "owners": r.owners,
                }
                for r in rows
            ]  # fmt: skip
        )
        await work.commit()
    return len(rows)


async def account_events(uow: UnitOfWorkFactory, uin: str) -> AccountEvents | None:
    async with uow() as work:
        return await work.events.of_account(uin)
