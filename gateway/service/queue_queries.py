"""What the review queue reads (docs/staff.md, "The queue"): a keyset page of a filter with
its counts per reason and channel, the item after a decided one, one card alone; each item
with the registers of its account as the decision will check them and each register's usual
monthly consumption (the close's own average: ``usual_average`` of
gateway/domain/billing_readings.py). Read-only, one transaction each."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from gateway.domain.clock import local_day
from gateway.domain.contacts import sender_contact
from gateway.domain.model import Register
from gateway.domain.periods import period_of
from gateway.domain.rules import Rules
from gateway.domain.staff import QueueCount, ReviewFilter, ReviewItem
from gateway.service.uow import UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True)
class QueueEntry:
    """A message and the registers of the account it names (or the one a reviewer is
    reassigning it to; none when there is no such account), as of the message's period:
    what the decision checks it against. ``averages`` are the registers' usual monthly
    consumption as the period close would estimate it (docs/billing.md, "The methods"), in
    the same order (None where the history is too short)."""

    item: ReviewItem
    day: date  # the supplier's day the message came in
    uin: str | None  # the account the registers are of
    registers: tuple[Register, ...] = ()
    averages: tuple[Decimal | None, ...] = ()
    verified: bool = False  # from a verified contact of the account it names (docs/staff.md)
    # a photo without a UIN from a contact verified for one account: that account, for the
    # photo card to load at once
    suggested: str | None = None


@dataclass(frozen=True)
class QueuePage:
    entries: list[QueueEntry]
    counts: list[QueueCount]  # of the filter's status and days, per reason and channel
    anchor: int | None  # the item just before this page (None on the first page)
    previous: int | None  # the first item's id when items come before this page
    next: int | None  # the last item's id when items come after this page


async def queue_page(
    uow: UnitOfWorkFactory,
    f: ReviewFilter,
    rules: Rules,
    limit: int,
    after: int | None = None,
    before: int | None = None,
    reassign: Mapping[int, str] | None = None,
) -> QueuePage:
    """The ``limit`` items of ``f`` after the message ``after`` (or before ``before``; the
    first page without either). ``reassign``: message id -> the UIN whose registers that
    card shows instead of its own account's."""
    async with uow() as work:
        items = await work.review.window(f, after, before, limit + 1)
        if after is None and before is not None:
            items, later = items[-limit:], True
        else:
            items, later = items[:limit], len(items) > limit
        anchor = None
        if (after is not None or before is not None) and items:
            prior = await work.review.window(f, None, items[0].record.id, 1)
            anchor = prior[0].record.id if prior else None
        entries = await _entries(work, items, rules, reassign or {})
        counts = await work.review.counts(f)
    return QueuePage(
        entries,
        counts,
        anchor=anchor,
        previous=items[0].record.id if anchor is not None else None,
        next=items[-1].record.id if later and items else None,
    )


async def next_item(uow: UnitOfWorkFactory, f: ReviewFilter, message_id: int) -> int | None:
    """The id of the item that follows ``message_id`` in the queue of ``f`` (the message
    itself need not be in it any more: a decided one keeps its place in the order)."""
    async with uow() as work:
        found = await work.review.window(f, message_id, None, 1)
    return found[0].record.id if found else None


async def card(
    uow: UnitOfWorkFactory, message_id: int, rules: Rules, uin: str | None = None
) -> QueueEntry | None:
    """One message as its card shows it; None when there is no such message."""
    async with uow() as work:
        item = await work.review.item(message_id)
        if item is None:
            return None
        reassign = {message_id: uin} if uin else {}
        return (await _entries(work, [item], rules, reassign))[0]


async def _entries(
    work: UnitOfWork, items: Sequence[ReviewItem], rules: Rules, reassign: Mapping[int, str]
) -> list[QueueEntry]:
    """Each item with its account's registers, loaded per period in one statement pair."""
    wanted: dict[int, tuple[date, str | None]] = {}
    by_period: defaultdict[str, set[str]] = defaultdict(set)
    for item in items:
        day = local_day(item.record.received_at, rules.timezone)
        uin = reassign.get(item.record.id) or item.uin
        wanted[item.record.id] = (day, uin)
        if uin:
            by_period[period_of(day, rules.cutoff_day)].add(uin)
    loaded = {
        (period, uin): view
        for period, uins in by_period.items()
        for uin, (_, view) in (await work.accounts.load_many(sorted(uins), period)).items()
    }
    usual: dict[tuple[str, int, int], Decimal] = {}
    for period in by_period:
        ids = [reg.meter_id for (p, _), view in loaded.items() if p == period
               for reg in view.registers]  # fmt: skip
        found = await work.review.usual(period, ids, rules)
        usual.update({(period, m, z): a for (m, z), a in found.items()})
    who = {i.record.id: sender_contact(i.record.channel, i.record.sender, i.meta) for i in items}
    pairs = [(c, uin) for i in items if (c := who[i.record.id]) and (uin := wanted[i.record.id][1])]
    verified = await work.contacts.verified(pairs)
    suggested: dict[int, str] = {}
    for i in items:
        c = who[i.record.id]
        if c is not None and not wanted[i.record.id][1] and (i.photos or i.media):
            accounts = await work.contacts.accounts_of(c)
            if len(accounts) == 1:
                suggested[i.record.id] = accounts[0]
    out = []
    for item in items:
        day, uin = wanted[item.record.id]
        period = period_of(day, rules.cutoff_day)
        view = loaded.get((period, uin or ""))
        registers = view.registers if view else ()
        averages = tuple(usual.get((period, reg.meter_id, reg.zone)) for reg in registers)
        mark = (who[item.record.id], uin) in verified
        out.append(
            QueueEntry(item, day, uin, registers, averages, mark, suggested.get(item.record.id))
        )
    return out
