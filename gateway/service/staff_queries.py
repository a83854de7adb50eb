"""What the staff pages read: the review queue with each message's account, the dashboard's
counts and an account's history. Read-only queries, one transaction each; the pages only
render what they return."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from gateway.domain.clock import local_day, period_at, zone
from gateway.domain.events import AccountEvents
from gateway.domain.model import AccountView, ReadingRecord, Register
from gateway.domain.rules import Rules
from gateway.domain.staff import MonthlyVolume, QueueStats, ReviewFilter, ReviewItem
from gateway.service.uow import UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True)
class QueueEntry:
    """A message waiting for a decision and the registers of the account it names (none
    when it names no account, or one that does not exist)."""

    item: ReviewItem
    registers: tuple[Register, ...]


@dataclass(frozen=True)
class Dashboard:
    # channel -> status -> messages received since the supplier's midnight
    today: dict[str, Counter[str]]
    queue: QueueStats
    # each of the last days (the supplier's calendar), oldest first, with its messages
    per_day: list[tuple[date, int]]


@dataclass(frozen=True)
class PeriodVolume:
    """An account's billed volume of one period, by how it was found."""

    period: str
    actual: Decimal
    estimated: Decimal  # average or normative


@dataclass(frozen=True)
class AccountHistory:
    account: AccountView
    readings: list[ReadingRecord]  # newest first
    volumes: list[PeriodVolume]  # oldest period first
    messages: list[ReviewItem]
    events: AccountEvents | None = None  # replacements, acts, residents (docs/billing.md)
    registers_billed: list[MonthlyVolume] = field(default_factory=list)  # newest period first


async def review_queue(
    uow: UnitOfWorkFactory, f: ReviewFilter, now: datetime, rules: Rules, limit: int
) -> list[QueueEntry]:
    """The first ``limit`` messages the filter selects (those the customer confirmed first
    when it asks so), each with its account's registers of the current period."""
    period = period_at(now, rules)
    async with uow() as work:
        items = await work.review.page(f, None, limit)
        if f.confirmed_first:
            items.sort(key=lambda i: not i.confirmed)
        return [QueueEntry(i, await _account_registers(work, i.uin, period)) for i in items]


async def _account_registers(
    work: UnitOfWork, uin: str | None, period: str
) -> tuple[Register, ...]:
    """The registers of the account ``uin`` names, whatever its status (a reviewer decides
    a message about a closed account too)."""
    if not uin:
        return ()
    found = await work.accounts.load(uin, period)
    return found[1].registers if found else ()


async def dashboard(uow: UnitOfWorkFactory, now: datetime, rules: Rules, days: int) -> Dashboard:
    """Today's messages by channel and status, the review queue, and the messages of each of
    the last ``days`` days, all in the supplier's time zone."""
    tz = zone(rules.timezone)
    today = local_day(now, rules.timezone)
    midnight = datetime.combine(today, datetime.min.time(), tzinfo=tz)
    async with uow() as work:
        counts = await work.review.counts_since(midnight)
        queue = await work.review.queue()
        arrivals = await work.review.received_at_since(midnight - timedelta(days=days - 1))
    table: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for c in counts:
        table[c.channel][c.status] += c.count
    per_day = Counter(local_day(a, tz.key) for a in arrivals)
    first = today - timedelta(days=days - 1)
    shown = [first + timedelta(days=i) for i in range(days)]
    return Dashboard(dict(table), queue, [(d, per_day[d]) for d in shown])


async def account_history(
    uow: UnitOfWorkFactory, uin: str, now: datetime, rules: Rules
) -> AccountHistory | None:
    """An account as of the current period, its last 500 readings, its billed volumes and
    its last 50 messages; None when there is no such account."""
    async with uow() as work:
        found = await work.accounts.load(uin, period_at(now, rules))
        if found is None:
            return None
        readings = await work.accounts.readings(uin, None, 500) or []
        volumes = await work.review.volumes(uin)
        messages = await work.review.of_account(uin, 50)
        events = await work.events.of_account(uin)
    actual: defaultdict[str, Decimal] = defaultdict(Decimal)
    estimated: defaultdict[str, Decimal] = defaultdict(Decimal)
    for v in volumes:
        (actual if v.method == "actual" else estimated)[v.period] += v.volume
    periods = sorted({v.period for v in volumes})
    billed = [PeriodVolume(p, actual[p], estimated[p]) for p in periods]
    by_register = sorted(volumes, key=lambda v: v.period, reverse=True)  # stable: register order
    return AccountHistory(found[1], list(reversed(readings)), billed, messages, events, by_register)
