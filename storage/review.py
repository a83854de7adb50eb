"""What the review use cases and the staff pages read and claim: the queue, its items, the
dashboard's counts, an account's volumes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.domain.model import Status
from gateway.domain.staff import (
    ChannelCount,
    MonthlyVolume,
    QueueStats,
    ReviewFilter,
    ReviewItem,
)
from storage.messages import MessageRepository, _record
from storage.models import Account, Meter, PeriodVolume
from storage.statements import messages, readings


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


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
        stmt = select(messages).where(messages.c.status == f.status)
        if f.channel:
            stmt = stmt.where(messages.c.channel == f.channel)
        if f.reason:
            stmt = stmt.where(messages.c.reason == f.reason)
        if f.since:
            stmt = stmt.where(messages.c.received_at >= _start(f.since))
        if f.until:
            stmt = stmt.where(messages.c.received_at < _start(f.until) + timedelta(days=1))
        if after_id is not None:
            stmt = stmt.where(messages.c.id > after_id)
        rows = (await self.conn.execute(stmt.order_by(messages.c.id).limit(limit))).all()
        return await self._items(rows)

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
