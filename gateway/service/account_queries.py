"""What the staff account page and the photo card read: an account's readings (what was
typed, for those still in review), its billed volumes per service, its messages, and its
registers. Read-only, one transaction each (docs/staff.md, "An account")."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from gateway.domain.clock import period_at
from gateway.domain.events import AccountEvents
from gateway.domain.model import AccountView, ReadingRecord, Register, Status
from gateway.domain.rules import Rules
from gateway.domain.staff import MonthlyVolume, ReviewItem
from gateway.domain.validation import match_registers
from gateway.service.uow import UnitOfWorkFactory
from parsers import parse

READINGS, MESSAGES = 500, 50


@dataclass(frozen=True)
class PeriodVolume:
    """A service's billed volume of one period, by how it was found."""

    period: str
    actual: Decimal
    estimated: Decimal  # average or normative


@dataclass(frozen=True)
class ServiceVolumes:
    """The billed volumes of one service of an account (one unit: never summed across)."""

    service: str
    periods: list[PeriodVolume]  # oldest first


@dataclass(frozen=True)
class ShownReading:
    """A reading as the page lists it: ``typed`` is what the customer wrote, for a reading
    still in review whose number can be read two ways ("4,845": not 4.845)."""

    record: ReadingRecord
    register: Register | None
    typed: str | None


@dataclass(frozen=True)
class AccountHistory:
    account: AccountView
    readings: list[ShownReading]  # newest first
    volumes: list[ServiceVolumes]  # in bill order of the services
    messages: list[ReviewItem]  # newest first
    events: AccountEvents | None = None  # replacements, acts, residents (docs/billing.md)


async def registers(
    uow: UnitOfWorkFactory, uin: str, now: datetime, rules: Rules
) -> AccountView | None:
    """An account with its registers and their last accepted readings; None if unknown."""
    async with uow() as work:
        found = await work.accounts.load(uin, period_at(now, rules))
    return found[1] if found else None


async def account_history(
    uow: UnitOfWorkFactory, uin: str, now: datetime, rules: Rules
) -> AccountHistory | None:
    """An account as of the current period, its last readings, its billed volumes per
    service and its last messages; None when there is no such account."""
    async with uow() as work:
        found = await work.accounts.load(uin, period_at(now, rules))
        if found is None:
            return None
        readings = await work.accounts.readings(uin, None, READINGS, newest_first=True) or []
        volumes = await work.review.volumes(uin)
        messages = await work.review.of_account(uin, MESSAGES)
        events = await work.events.of_account(uin)
        known = {m.record.id for m in messages}
        in_review = {r.message_id for r in readings if r.status == Status.REVIEW}
        for message_id in sorted(i for i in in_review - known if i is not None):
            item = await work.review.item(message_id)
            if item is not None:
                messages.append(item)
    account = found[1]
    by_key = {(r.meter, r.zone): r for r in account.registers}
    typed = _typed(messages, account.registers)
    shown = [
        ShownReading(
            r,
            by_key.get((r.meter, r.zone)),
            typed.get((r.message_id, r.meter, r.zone)) if r.status == Status.REVIEW else None,
        )
        for r in readings
    ]
    ordered = sorted(messages, key=lambda m: m.record.id, reverse=True)[:MESSAGES]
    return AccountHistory(account, shown, _per_service(volumes, account.registers), ordered, events)


def _typed(
    messages: list[ReviewItem], registers: tuple[Register, ...]
) -> dict[tuple[int | None, str, int], str]:
    """(message, meter, zone) -> the number as typed, where the parse kept it (``raw``)."""
    out: dict[tuple[int | None, str, int], str] = {}
    for m in messages:
        parsed = parse(m.text)
        if parsed.error is not None:
            continue
        for reg, reading in match_registers(parsed.readings, registers, True) or ():
            if reading.raw:
                out[(m.record.id, reg.meter, reg.zone)] = reading.raw
    return out


def _per_service(
    volumes: list[MonthlyVolume], registers: tuple[Register, ...]
) -> list[ServiceVolumes]:
    service_of = {r.meter: r.service for r in registers}
    services = list(dict.fromkeys(r.service for r in registers))
    actual: defaultdict[tuple[str, str], Decimal] = defaultdict(Decimal)
    estimated: defaultdict[tuple[str, str], Decimal] = defaultdict(Decimal)
    periods: defaultdict[str, set[str]] = defaultdict(set)
    for v in volumes:
        service = service_of.get(v.meter)
        if service is None:
            continue
        key = (service, v.period)
        (actual if v.method == "actual" else estimated)[key] += v.volume
        periods[service].add(v.period)
    return [
        ServiceVolumes(
            s,
            [PeriodVolume(p, actual[(s, p)], estimated[(s, p)]) for p in sorted(periods[s])],
        )
        for s in services
        if periods[s]
    ]
