"""What the review use cases and the staff pages read and claim: the queue, its items, the
dashboard's counts, an account's volumes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.domain.billing_days import quantize
from gateway.domain.billing_facts import Reading as BilledReading
from gateway.domain.billing_readings import usual_average
from gateway.domain.model import Status
from gateway.domain.rules import Rules
from gateway.domain.staff import (
    ChannelCount,
    MonthlyVolume,
    QueueCount,
    QueueStats,
    ReviewFilter,
    ReviewItem,
)
from storage.messages import MessageRepository, _record
from storage.models import Account, Meter, PeriodVolume, Reading
from storage.statements import messages, readings


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _where(stmt: Select[Any], f: ReviewFilter) -> Select[Any]:
    stmt = stmt.where(messages.c.status == f.status)
    if f.channel:
        stmt = stmt.where(messages.c.channel == f.channel)
    if f.reason:
        stmt = stmt.where(messages.c.reason == f.reason)
    if f.since:
        stmt = stmt.where(messages.c.received_at >= _start(f.since))
    if f.until:
        stmt = stmt.where(messages.c.received_at < _start(f.until) + timedelta(days=1))
    return stmt


def _queue_key(f: ReviewFilter) -> list[ColumnElement[Any]]:
    """The queue's order as columns, all ascending: a stable keyset (docs/staff.md)."""
    key: list[ColumnElement[Any]] = [messages.c.received_at, messages.c.id]
    if f.confirmed_first:
        confirmed = func.coalesce(messages.c.meta["confirmed_by_customer"].as_boolean(), false())
        key.insert(0, case((confirmed, 0), else_=1))
    return key


def _beyond(key: list[ColumnElement[Any]], at: tuple[Any, ...], forward: bool) -> Any:
    """Rows strictly after (or before) ``at`` in the order of ``key``: the row-value
    comparison spelled out, which both databases plan on the index."""
    terms = []
    for i, column in enumerate(key):
        step = column > at[i] if forward else column < at[i]
        terms.append(and_(*(key[j] == at[j] for j in range(i)), step))
    return or_(*terms)


class ReviewRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self._messages = MessageRepository(conn)

    async def claim(self, message_id: int) -> bool:
        """Take the message for a decision if it is still in review. The UPDATE comes first
        so that a second reviewer waits for the first one's commit (the row lock on
        PostgreSQL, the write lock on SQLite) and then finds it no longer in review."""
        result = await self.conn.execute(
            update(messages)
            .where(messages.c.id == message_id, messages.c.status == Status.REVIEW)
            .values(status=Status.REVIEW)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def settle_readings(self, message_id: int, status: Status) -> None:
        """The message's readings held for review leave it (superseded by the decision's
        readings, or rejected with the message)."""
        await self.conn.execute(
            update(readings)
            .where(readings.c.message_id == message_id, readings.c.status == Status.REVIEW)
            .values(status=status)
        )

    async def page(self, f: ReviewFilter, after_id: int | None, limit: int) -> list[ReviewItem]:
        stmt = _where(select(messages), f)
        if after_id is not None:
            stmt = stmt.where(messages.c.id > after_id)
        rows = (await self.conn.execute(stmt.order_by(messages.c.id).limit(limit))).all()
        return await self._items(rows)

    async def window(
        self, f: ReviewFilter, after: int | None, before: int | None, limit: int
    ) -> list[ReviewItem]:
        """Up to ``limit`` messages of the filter in queue order (docs/staff.md, "The queue":
        confirmed by the customer first when the filter asks so, then by ``(received_at,
        id)``), those after the message ``after``, else those just before ``before``. An
        anchor that names no message is ignored (the first page)."""
        key = _queue_key(f)
        stmt = _where(select(messages), f)
        anchor = after if after is not None else before
        if anchor is not None:
            found = (await self.conn.execute(select(*key).where(messages.c.id == anchor))).first()
            if found is not None:
                stmt = stmt.where(_beyond(key, tuple(found), forward=after is not None))
        order = key if after is not None or before is None else [c.desc() for c in key]
        rows = list((await self.conn.execute(stmt.order_by(*order).limit(limit))).all())
        if after is None and before is not None:
            rows.reverse()
        return await self._items(rows)

    async def usual(
        self, period: str, meter_ids: Sequence[int], rules: Rules
    ) -> dict[tuple[int, int], Decimal]:
        """Each register's average monthly consumption as the close of ``period`` would
        estimate with it (``usual_average``, the close's own rule), where its history allows
        one."""
        if not meter_ids:
            return {}
        stmt = (
            select(Reading.meter_id, Reading.zone, Reading.period, Reading.taken_on,
                   Reading.value, Reading.source, Meter.digits)
            .join(Meter, Meter.id == Reading.meter_id)
            .where(Reading.meter_id.in_(sorted(set(meter_ids))), Reading.period < period,
                   Reading.status == Status.ACCEPTED)
        )  # fmt: skip
        history: dict[tuple[int, int], list[BilledReading]] = {}
        digits: dict[int, int] = {}
        for m, z, p, day, value, source, d in await self.conn.execute(stmt):
            history.setdefault((m, z), []).append(BilledReading(p, day, Decimal(value), source))
            digits[m] = d
        out: dict[tuple[int, int], Decimal] = {}
        for (m, z), found in history.items():
            average = usual_average(found, digits[m], period, rules)
            if average is not None:
                out[(m, z)] = quantize(average)
        return out

    async def counts(self, f: ReviewFilter) -> list[QueueCount]:
        """Messages of the filter's status and days per reason and channel, whatever its
        reason and channel (one grouped query; the page sums it both ways)."""
        open_filter = ReviewFilter(status=f.status, since=f.since, until=f.until)
        stmt = _where(
            select(messages.c.reason, messages.c.channel, func.count()), open_filter
        ).group_by(messages.c.reason, messages.c.channel)
        return [QueueCount(r, str(c), int(n)) for r, c, n in await self.conn.execute(stmt)]

    async def item(self, message_id: int) -> ReviewItem | None:
        rows = (await self.conn.execute(select(messages).where(messages.c.id == message_id))).all()
        items = await self._items(rows)
        return items[0] if items else None

    async def of_account(self, uin: str, limit: int) -> list[ReviewItem]:
        stmt = select(messages).where(messages.c.uin == uin)
        rows = (await self.conn.execute(stmt.order_by(messages.c.id.desc()).limit(limit))).all()
        return await self._items(rows)

    async def _items(self, rows: Sequence[Any]) -> list[ReviewItem]:
        found = await self._messages._readings([r.id for r in rows])
        return [
            ReviewItem(_record(r, found.get(r.id, ())), r.text, r.uin, dict(r.meta or {}))
            for r in rows
        ]

    async def counts_since(self, since: datetime) -> list[ChannelCount]:
        rows = await self.conn.execute(
            select(messages.c.channel, messages.c.status, func.count())
            .where(messages.c.received_at >= since)
            .group_by(messages.c.channel, messages.c.status)
            .order_by(messages.c.channel, messages.c.status)
        )
        return [ChannelCount(*r) for r in rows]

    async def queue(self) -> QueueStats:
        row = (
            await self.conn.execute(
                select(func.count(), func.min(messages.c.received_at)).where(
                    messages.c.status == Status.REVIEW
                )
            )
        ).one()
        oldest = row[1]
        if isinstance(oldest, datetime) and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        return QueueStats(int(row[0]), oldest)

    async def received_at_since(self, since: datetime) -> list[datetime]:
        """Arrival times since ``since`` (the dashboard buckets them by local day)."""
        rows = await self.conn.execute(
            select(messages.c.received_at).where(messages.c.received_at >= since.astimezone(UTC))
        )
        return [r[0] for r in rows]

    async def volumes(self, uin: str) -> list[MonthlyVolume]:
        rows = await self.conn.execute(
            select(
                PeriodVolume.period, Meter.name, PeriodVolume.zone, PeriodVolume.method,
                PeriodVolume.volume, PeriodVolume.estimate, PeriodVolume.factor,
                PeriodVolume.basis,
            )
            .join(Meter, Meter.id == PeriodVolume.meter_id)
            .join(Account, Account.id == Meter.account_id)
            .where(Account.uin == uin)
            .order_by(PeriodVolume.period, Meter.position, PeriodVolume.zone)
        )  # fmt: skip
        return [MonthlyVolume(*r) for r in rows]
