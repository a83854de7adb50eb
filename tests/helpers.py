"""Small builders for tests: accounts and history written through the real repository."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from gateway.domain.records import MeterRow, ReadingRow
from gateway.domain.rules import Rules
from gateway.service.imports import history_record
from gateway.service.uow import UnitOfWorkFactory
from storage.db import make_sessionmaker
from storage.uow import SqlUnitOfWork

Db = AsyncEngine | async_sessionmaker[AsyncSession]


def uow_of(db: Db) -> UnitOfWorkFactory:
    """The real unit of work on a test database (an engine or a sessionmaker)."""
    sessions = make_sessionmaker(db) if isinstance(db, AsyncEngine) else db
    return lambda: SqlUnitOfWork(sessions)


def meter(
    uin: str,
    name: str,
    position: int = 1,
    service: str = "electricity",
    zones: int = 1,
    digits: int = 5,
    decimals: int = 0,
    verified_until: date | None = None,
    residents: int = 1,
    status: str = "open",
) -> MeterRow:
    return MeterRow(
        0, uin, name, position, service, zones, digits, decimals, verified_until, residents, status
    )


async def seed(
    db: Db,
    meters: list[MeterRow],
    history: list[tuple[str, str, int, date, str]] = (),  # type: ignore[assignment]
) -> None:
    """Accounts with their meters, and accepted history as (uin, meter, zone, date, value)."""
    now = datetime.now(UTC)
    async with uow_of(db)() as uow:
        await uow.accounts.upsert(meters)
        found = await uow.accounts.meters_by_key([(u, m) for u, m, *_ in history])
        records = [
            history_record(found[(u, m)].id, ReadingRow(0, u, m, z, d, Decimal(v)), Rules(), now)
            for u, m, z, d, v in history
        ]
        if records:
            await uow.readings.insert_history(records)
        await uow.commit()
