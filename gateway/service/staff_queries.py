"""What the staff pages read: the dashboard's counts (an account's history:
``account_queries``; the review queue's: ``queue_queries``). Read-only queries, one
transaction each; the pages only render what they return."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from gateway.domain.clock import local_day, zone
from gateway.domain.rules import Rules
from gateway.domain.staff import QueueStats
from gateway.service.uow import UnitOfWorkFactory


@dataclass(frozen=True)
class Dashboard:
    # channel -> status -> messages received since the supplier's midnight
    today: dict[str, Counter[str]]
    queue: QueueStats
    # each of the last days (the supplier's calendar), oldest first, with its messages
    per_day: list[tuple[date, int]]


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
