"""What the staff pages read: the review queue with each message's account and the
dashboard's counts (an account's history: ``account_queries``). Read-only queries, one
transaction each; the pages only render what they return."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from gateway.domain.clock import local_day, period_at, zone
from gateway.domain.model import Register
from gateway.domain.rules import Rules
from gateway.domain.staff import QueueStats, ReviewFilter, ReviewItem
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
