"""Stored periods and volumes: the close's steps, exports, the meters to inspect."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.domain.billing_facts import Reading as BilledReading
from gateway.domain.billing_facts import Register, Volume
from gateway.domain.model import AccountStatus, MeterStatus, PeriodStatus, Status
from gateway.domain.volumes import MethodTotal, StaleMeter, VolumeRow
from storage.close_facts import Bounds, CloseStreams, Key, older_readings, register_facts
from storage.close_rows import CLOSE_SETTINGS, copy_encoded, export_snapshot, write_rows
from storage.locks import lock_key
from storage.models import Account, Meter, Period, PeriodVolume, Reading

# the PostgreSQL advisory lock held (for its transaction) by a running period close
LOCK_KEY = lock_key("period close")


def _volumes_query(period: str) -> Any:
    return (
        select(
            PeriodVolume.meter_id,
            Account.uin,
            Meter.name.label("meter"),
            PeriodVolume.zone,
            PeriodVolume.period,
            PeriodVolume.method,
            PeriodVolume.volume,
            PeriodVolume.correction,
            PeriodVolume.reading_start,
            PeriodVolume.reading_end,
            PeriodVolume.estimate,
            PeriodVolume.factor,
            PeriodVolume.basis,
        )
        .join(Meter, Meter.id == PeriodVolume.meter_id)
        .join(Account, Account.id == Meter.account_id)
        .where(PeriodVolume.period == period)
        .order_by(PeriodVolume.meter_id, PeriodVolume.zone)
    )


class VolumeRepository:
    def __init__(self, conn: AsyncConnection, bounds: Bounds | None = None) -> None:
        self.conn = conn
        self.bounds = bounds  # a close worker's meters (None: all of them)
        self._streams: CloseStreams | None = None  # the running close's two big reads

    @property
    def _postgresql(self) -> bool:
        return self.conn.dialect.name == "postgresql"

    async def lock_close(self) -> bool:
        """Take the period-close advisory lock for this transaction (PostgreSQL); False when
        another process holds it. SQLite has one writer at a time: a write that touches
        nothing makes this transaction that writer now (not at its first real write), so a
        close or export waits for the one before it instead of interleaving with it."""
        if not self._postgresql:
            await self.conn.execute(delete(Period).where(Period.period == ""))
            return True
        got = await self.conn.execute(
            text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": LOCK_KEY}
        )
        return bool(got.scalar_one())

    async def tune_for_close(self) -> None:
        """Sorting a chunk's readings by register fits in memory with a larger work_mem, and
        JIT-compiling the close's few plain queries costs more than it saves."""
        if self._postgresql:
            for setting in CLOSE_SETTINGS:
                await self.conn.execute(text(f"SET LOCAL {setting}"))

    async def period_status(self, period: str) -> PeriodStatus | None:
        found = (
            await self.conn.execute(select(Period.status).where(Period.period == period))
        ).scalar_one_or_none()
        return None if found is None else PeriodStatus(found)

    async def meter_id_range(self) -> tuple[int, int] | None:
        lo, hi = (await self.conn.execute(select(func.min(Meter.id), func.max(Meter.id)))).one()
        return None if lo is None else (int(lo), int(hi))

    async def count_registers(self) -> int:
        stmt = (
            select(func.coalesce(func.sum(Meter.zones), 0))
            .join(Account, Account.id == Meter.account_id)
            .where(Account.status == AccountStatus.OPEN)
        )
        return int((await self.conn.execute(stmt)).scalar_one())

    async def delete(self, period: str) -> None:
        await self.conn.execute(delete(PeriodVolume).where(PeriodVolume.period == period))

    async def facts(
        self, period: str, lo: int, hi: int, since: str | None
    ) -> list[tuple[Key, Register]]:
        """What billing needs of every register of the meters ``lo <= id < hi``, with the
        readings of the periods from ``since`` on (None: all)."""
        streams = self._streams
        if streams is None or (streams.period, streams.since) != (period, since or ""):
            streams = self._streams = CloseStreams(self.conn, period, since, self.bounds)
        return await register_facts(self.conn, period, lo, hi, streams)

    async def older(self, before: str, meter_ids: list[int]) -> dict[Key, list[BilledReading]]:
        """The readings of these meters from the periods before ``before``."""
        return await older_readings(self.conn, before, meter_ids)

    async def write(self, period: str, rows: list[tuple[Key, Volume]]) -> int:
        return await write_rows(self.conn, period, rows)

    async def export_snapshot(self) -> str | None:
        """This transaction's snapshot for close workers (None: SQLite, no workers)."""
        return await export_snapshot(self.conn)

    async def write_encoded(self, data: bytes) -> None:
        """Rows a close worker billed and encoded (``storage.close_rows.encode_rows``)."""
        await copy_encoded(self.conn, data)

    async def mark_closed(self, period: str, now: datetime) -> None:
        values = {"status": PeriodStatus.CLOSED, "closed_at": now, "exported_at": None}
        if await self.period_status(period) is None:
            await self.conn.execute(insert(Period).values(period=period, **values))
        else:
            await self.conn.execute(update(Period).where(Period.period == period).values(values))

    async def mark_exported(self, period: str, now: datetime) -> None:
        await self.conn.execute(
            update(Period)
            .where(Period.period == period)
            .values(status=PeriodStatus.EXPORTED, exported_at=now)
        )

    async def totals(self, period: str) -> list[MethodTotal]:
        stmt = (
            select(Meter.service, PeriodVolume.method, func.count(), func.sum(PeriodVolume.volume))
            .join(Meter, Meter.id == PeriodVolume.meter_id)
            .where(PeriodVolume.period == period)
            .group_by(Meter.service, PeriodVolume.method)
            .order_by(Meter.service, PeriodVolume.method)
        )
        return [
            MethodTotal(service, method, int(n), Decimal(total or 0))
            for service, method, n, total in await self.conn.execute(stmt)
        ]

    async def stream(self, period: str) -> AsyncIterator[VolumeRow]:
        """Every volume of ``period`` in register order, without holding them all in memory."""
        result = await self.conn.stream(_volumes_query(period).execution_options(yield_per=5000))
        async for row in result:
            yield VolumeRow(*row)

    async def page(self, period: str, after: tuple[int, int] | None, limit: int) -> list[VolumeRow]:
        stmt = _volumes_query(period).limit(limit)
        if after is not None:
            meter_id, zone = after
            stmt = stmt.where(
                (PeriodVolume.meter_id > meter_id)
                | ((PeriodVolume.meter_id == meter_id) & (PeriodVolume.zone > zone))
            )
        return [VolumeRow(*r) for r in await self.conn.execute(stmt)]

    async def all(self, period: str) -> list[VolumeRow]:
        """All volumes of a period (tests and small exports)."""
        return [VolumeRow(*r) for r in await self.conn.execute(_volumes_query(period))]

    async def stale_meters(
        self, not_since: date, after_account: int | None, limit: int
    ) -> list[StaleMeter]:
        """Meters of open accounts whose last accepted reading was taken on or before
        ``not_since`` (or never), for the first ``limit`` such accounts after
        ``after_account``."""
        last = func.max(Reading.taken_on)
        per_meter = (
            select(
                Account.id.label("account_id"),
                Account.uin,
                Meter.name,
                Meter.service,
                Meter.position,
                Meter.id.label("meter_id"),
                last.label("last_reading"),
            )
            .join(Meter, Meter.account_id == Account.id)
            .outerjoin(
                Reading, (Reading.meter_id == Meter.id) & (Reading.status == Status.ACCEPTED)
            )
            # a replaced meter is read no more (its successor is listed)
            .where(Account.status == AccountStatus.OPEN, Meter.status != MeterStatus.REMOVED)
            .group_by(Account.id, Account.uin, Meter.id, Meter.name, Meter.service, Meter.position)
            .having(last.is_(None) | (last <= not_since))
        )
        if after_account is not None:
            per_meter = per_meter.where(Account.id > after_account)
        stale = per_meter.subquery()
        accounts = select(stale.c.account_id).distinct().order_by(stale.c.account_id).limit(limit)
        stmt = (
            select(stale)
            .where(stale.c.account_id.in_(accounts.scalar_subquery()))
            .order_by(stale.c.account_id, stale.c.position, stale.c.meter_id)
        )
        return [
            StaleMeter(r.account_id, r.uin, r.name, r.service, r.last_reading)
            for r in await self.conn.execute(stmt)
        ]
