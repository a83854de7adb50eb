"""The table of register histories through ``period close`` on SQLite and PostgreSQL: the
expected rows, and the same rows again when re-run."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.domain.rules import Rules
from gateway.service.closing import PeriodError, close_period
from storage.db import make_sessionmaker
from storage.models import Account, Meter, Period, PeriodVolume
from storage.volumes import VolumeRepository
from tests.conftest import clean
from tests.helpers import meter, seed, uow_of
from tests.period_cases import CASES, DEFAULT, NORMATIVES, OLDER, PERIODS, Case

NOW = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
TODAY = date(2027, 1, 5)


def uin(index: int) -> str:
    return f"{1000000 + index}"


async def seed_cases(sessions: async_sessionmaker[AsyncSession], cases: list[Case]) -> None:
    meters = [
        meter(
            uin(i),
            "M-1",
            service=c.service,
            zones=c.zones,
            digits=c.digits,
            verified_until=c.verified_until,
            residents=c.residents,
            status=c.account_status,
        )
        for i, c in enumerate(cases)
    ]
    history = [(uin(i), "M-1", z, d, v) for i, c in enumerate(cases) for z, d, v in c.readings]
    await seed(sessions, meters, history)
    async with sessions() as session, session.begin():
        for i, c in enumerate(cases):
            if c.failed_on is not None:
                account = select(Account.id).where(Account.uin == uin(i)).scalar_subquery()
                await session.execute(
                    update(Meter)
                    .where(Meter.account_id == account)
                    .values(status="failed", failed_on=c.failed_on)
                )


async def stored(sessions: async_sessionmaker[AsyncSession]) -> dict[tuple[str, str, int], Any]:
    async with sessions() as session:
        rows: dict[tuple[str, str, int], Any] = {}
        for period in PERIODS:
            for r in await VolumeRepository(await session.connection()).all(period):
                rows[(r.uin, r.period, r.zone)] = (
                    r.method,
                    r.volume,
                    r.correction,
                    r.reading_start,
                    r.reading_end,
                )
        return rows


async def close_all(sessions: async_sessionmaker[AsyncSession], rules: Rules) -> None:
    for period in PERIODS:
        await close_period(uow_of(sessions), period, rules, NORMATIVES, today=TODAY, now=NOW)


@pytest.mark.parametrize("rules", [DEFAULT, OLDER], ids=["decree 354", "older six-period rule"])
async def test_table_through_period_close(sessions, rules: Rules) -> None:
    cases = [c for c in CASES if c.rules == rules]
    await seed_cases(sessions, cases)
    await close_all(sessions, rules)
    rows = await stored(sessions)

    for i, c in enumerate(cases):
        got = [rows[(uin(i), c.period, z)][:3] for z in range(1, c.zones + 1)
               if (uin(i), c.period, z) in rows]  # fmt: skip
        want = [(m, Decimal(v), Decimal(k)) for m, v, k in c.expected]
        assert got == want, c.id

    # idempotent: closing every period again gives exactly the same rows
    await close_all(sessions, rules)
    assert await stored(sessions) == rows
    await close_period(uow_of(sessions), PERIODS[2], rules, NORMATIVES, today=TODAY, now=NOW)
    assert await stored(sessions) == rows


async def test_refuses_a_future_period_and_an_exported_one_unless_reopened(sessions) -> None:
    await seed(sessions, [meter("1000001", "E-1")], [("1000001", "E-1", 1, date(2026, 6, 20), "5")])
    with pytest.raises(PeriodError, match="has not begun"):
        await close_period(uow_of(sessions), "2027-02", DEFAULT, NORMATIVES, today=TODAY, now=NOW)
    with pytest.raises(PeriodError, match="YYYY-MM"):
        await close_period(uow_of(sessions), "2026-13", DEFAULT, NORMATIVES, today=TODAY, now=NOW)
    with pytest.raises(PeriodError, match="still open"):  # the current one before its cut-off
        await close_period(uow_of(sessions), "2027-01", DEFAULT, NORMATIVES, today=TODAY, now=NOW)
    cutoff = date(2027, 1, DEFAULT.cutoff_day)
    with pytest.raises(PeriodError, match="still open"):
        await close_period(uow_of(sessions), "2027-01", DEFAULT, NORMATIVES, today=cutoff, now=NOW)
    today = date(2027, 1, DEFAULT.cutoff_day + 1)
    summary = await close_period(
        uow_of(sessions), "2027-01", DEFAULT, NORMATIVES, today=today, now=NOW
    )
    assert summary.by_method()["normative"] == 1
    async with sessions() as session, session.begin():
        await VolumeRepository(await session.connection()).mark_exported("2027-01", NOW)
    with pytest.raises(PeriodError, match="--reopen"):
        await close_period(uow_of(sessions), "2027-01", DEFAULT, NORMATIVES, today=today, now=NOW)
    await close_period(
        uow_of(sessions), "2027-01", DEFAULT, NORMATIVES, today=today, now=NOW, reopen=True
    )
    async with sessions() as session:
        period = await session.get(Period, "2027-01")
        assert period is not None and period.status == "closed"


async def test_chunks_and_progress_cover_every_register(sessions) -> None:
    meters = [meter(str(2000000 + i), "E-1", zones=1 + i % 3) for i in range(10)]
    await seed(sessions, meters)
    seen: list[tuple[int, int]] = []
    summary = await close_period(
        uow_of(sessions),
        "2026-07",
        DEFAULT,
        NORMATIVES,
        today=TODAY,
        now=NOW,
        progress=lambda done, total: seen.append((done, total)),
        chunk_meters=3,
    )
    assert summary.registers == 19 and seen[-1] == (19, 19) and len(seen) == 4
    assert summary.volume_by_service() == {"electricity": Decimal(19 * 75)}
    async with sessions() as session:
        assert len((await session.execute(select(PeriodVolume))).all()) == 19


async def test_two_closes_at_once_on_postgresql_the_second_is_refused(databases) -> None:
    engine = await databases.engine("postgresql")
    await clean(engine)
    sessions = make_sessionmaker(engine)
    async with sessions() as running, running.begin():
        assert await VolumeRepository(await running.connection()).lock_close()
        with pytest.raises(PeriodError, match="another period close is running"):
            await close_period(
                uow_of(sessions), "2026-07", DEFAULT, NORMATIVES, today=TODAY, now=NOW
            )
    # the lock goes with the transaction that held it
    await close_period(uow_of(sessions), "2026-07", DEFAULT, NORMATIVES, today=TODAY, now=NOW)
