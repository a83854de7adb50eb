"""Small builders for tests: accounts and history written through the real repository."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.domain.records import MeterRow, ReadingRow
from gateway.domain.rules import Rules
from gateway.service.imports import history_record
from storage import repository as repo


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
    sessions: async_sessionmaker[AsyncSession],
    meters: list[MeterRow],
    history: list[tuple[str, str, int, date, str]] = (),  # type: ignore[assignment]
) -> None:
    """Accounts with their meters, and accepted history as (uin, meter, zone, date, value)."""
    now = datetime.now(UTC)
    async with sessions() as session, session.begin():
        await repo.upsert_accounts(session, meters)
        found = await repo.meters_by_key(session, [(u, m) for u, m, *_ in history])
        records = [
            history_record(found[(u, m)].id, ReadingRow(0, u, m, z, d, Decimal(v)), Rules(), now)
            for u, m, z, d, v in history
        ]
        if records:
            await repo.insert_history(session, records)
