"""Billing v2's rule table (``tests/billing_cases.py``) through ``period close`` on SQLite and
PostgreSQL: every listed row as computed by hand, and the same rows when closed again."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.app.close_pool import ClosePool
from gateway.domain.billing_days import calendar_period
from gateway.domain.events import ACT_SOURCE, Act
from gateway.domain.periods import period_of as customer_period
from gateway.domain.rules import Rules
from gateway.service.closing import PeriodError, close_period
from storage.billing_models import MeterAct, MeterReplacement, ResidentsChange
from storage.models import Account, Meter, Reading
from storage.volumes import VolumeRepository
from tests.billing_cases import CASES, DEFAULT, NO_FACTOR, NORMATIVES, PERIODS, Case
from tests.helpers import meter, seed, uow_of

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TODAY = date(2026, 12, 1)


def uin(index: int) -> str:
    return f"{3000000 + index}"


def event_reading(meter_id: int, day: date, value: str, source: str) -> dict[str, Any]:
    """An event's reading as billing-events stores it: accepted, its calendar month (M7)."""
    return {"meter_id": meter_id, "zone": 1, "message_id": None, "value": Decimal(value),
            "consumption": None, "period": calendar_period(day), "taken_on": day,
            "status": "accepted", "reason": None, "source": source, "created_at": NOW}  # fmt: skip


async def seed_case(session: AsyncSession, index: int, case: Case) -> None:
    account_id, meter_id = (
        await session.execute(
            select(Account.id, Meter.id).join(Meter).where(Account.uin == uin(index))
        )
    ).one()
    readings = []
    for day, act, value in case.acts:
        await session.execute(
            insert(MeterAct).values(meter_id=meter_id, zone=1, acted_on=day, act=act,
                                    value=None if value is None else Decimal(value))
        )  # fmt: skip
        if value is not None:
            readings.append(event_reading(meter_id, day, value, ACT_SOURCE[Act(act)]))
    for since, residents, owners in case.residents_changes:
        await session.execute(
            insert(ResidentsChange).values(
                account_id=account_id, since=since, residents=residents, owners=owners
            )
        )
    r = case.replaced
    if r is not None:
        await session.execute(
            update(Meter).where(Meter.id == meter_id).values(status="removed",
                                                             removed_on=r.removed_on)
        )  # fmt: skip
        readings.append(event_reading(meter_id, r.removed_on, r.removal_value, "removal"))
        new_id = None
        if r.installed_on is not None and r.installation_value is not None:
            new_id = (
                await session.execute(
                    insert(Meter)
                    .values(
                        account_id=account_id,
                        name="NEW",
                        position=2,
                        service=case.service,
                        zones=1,
                        digits=5,
                        installed_on=r.installed_on,
                        replaces_meter_id=meter_id,
                    )
                    .returning(Meter.id)
                )  # fmt: skip
            ).scalar_one()
            readings.append(
                event_reading(new_id, r.installed_on, r.installation_value, "installation")
            )
            for day, value in case.new_readings:
                readings.append({**event_reading(new_id, day, value, "import"),
                                 "period": period_of(day)})  # fmt: skip
        await session.execute(
            insert(MeterReplacement).values(
                old_meter_id=meter_id, zone=1, removed_on=r.removed_on,
                removal_value=Decimal(r.removal_value), new_meter_id=new_id,
                installed_on=r.installed_on,
                installation_value=None if new_id is None else Decimal(r.installation_value or 0),
            )
        )  # fmt: skip
    if readings:
        await session.execute(insert(Reading), readings)


def period_of(day: date) -> str:
    return customer_period(day, DEFAULT.cutoff_day)


async def seed_cases(sessions: async_sessionmaker[AsyncSession], cases: list[Case]) -> None:
    meters = [
        meter(uin(i), "OLD", service=c.service, residents=c.residents,
              verified_until=c.verified_until)
        for i, c in enumerate(cases)
    ]  # fmt: skip
    history = [(uin(i), "OLD", 1, day, v) for i, c in enumerate(cases) for day, v in c.readings]
    await seed(sessions, meters, history)
    async with sessions() as session, session.begin():
        for i, c in enumerate(cases):
            await seed_case(session, i, c)


Got = dict[tuple[str, str, str], tuple[Any, ...]]


async def close_all(
    sessions: async_sessionmaker[AsyncSession], rules: Rules, pool: ClosePool | None = None
) -> Got:
    for period in PERIODS:
        summary = await close_period(uow_of(sessions), period, rules, NORMATIVES, today=TODAY,
                                     now=NOW, pool=pool, chunk_meters=1)  # fmt: skip
        # PostgreSQL bills in the worker processes, a meter per chunk; SQLite in its own
        pooled = pool is not None and postgresql(sessions)
        assert summary.workers == (pool.workers if pool and pooled else 0)
    return await stored(sessions)


def postgresql(sessions: async_sessionmaker[AsyncSession]) -> bool:
    return bool(sessions.kw["bind"].dialect.name == "postgresql")


async def stored(sessions: async_sessionmaker[AsyncSession]) -> Got:
    rows: Got = {}
    async with sessions() as session:
        for period in PERIODS:
            for v in await VolumeRepository(await session.connection()).all(period):
                rows[(v.uin, v.period, v.meter)] = (
                    v.method, v.volume, v.correction, v.estimate, v.factor, v.basis
                )  # fmt: skip
    return rows


def want(row: tuple[Any, ...]) -> tuple[Any, ...] | None:
    _, _, method, volume, correction, estimate, factor, basis = row
    if method == "-":
        return None
    return (method, Decimal(volume), Decimal(correction), Decimal(estimate),
            None if factor is None else Decimal(factor), basis)  # fmt: skip


@pytest.mark.parametrize("rules", [DEFAULT, NO_FACTOR], ids=["factor 1.5", "factor 1.0"])
async def test_rule_table_through_period_close(sessions, rules: Rules) -> None:
    cases = [c for c in CASES if c.rules == rules]
    await seed_cases(sessions, cases)
    rows = await close_all(sessions, rules)
    for i, c in enumerate(cases):
        for row in c.expected:
            period, name = row[0], row[1]
            assert rows.get((uin(i), period, name)) == want(row), f"{c.id}: {period} {name}"
    # closing every period again gives the same rows (a re-close reads the same facts)
    assert await close_all(sessions, rules) == rows


async def test_rule_table_in_worker_processes(sessions, db_url: str) -> None:
    """The same table billed by two worker processes on the close's snapshot (a chunk per
    meter); on SQLite the pool is not used."""
    cases = [c for c in CASES if c.rules == DEFAULT]
    await seed_cases(sessions, cases)
    rows = await close_all(sessions, DEFAULT, ClosePool(db_url, DEFAULT, NORMATIVES, 2))
    for i, c in enumerate(cases):
        for row in c.expected:
            period, name = row[0], row[1]
            assert rows.get((uin(i), period, name)) == want(row), f"{c.id}: {period} {name}"


async def test_a_failed_worker_stores_nothing(sessions, db_url: str) -> None:
    """A worker that cannot read (here: its database is gone) fails the close in one line,
    and the period keeps what it had: nothing of the failed close is stored."""
    cases = [c for c in CASES if c.rules == DEFAULT][:4]
    await seed_cases(sessions, cases)
    await close_all(sessions, DEFAULT)
    before = await stored(sessions)
    url = make_url(db_url)
    gone = ClosePool(url.set(database=f"gone_{url.database}").render_as_string(False), DEFAULT,
                     NORMATIVES, 2)  # fmt: skip
    if postgresql(sessions):
        with pytest.raises(PeriodError, match="a close worker failed, nothing was stored"):
            await close_period(uow_of(sessions), PERIODS[1], DEFAULT, NORMATIVES, today=TODAY,
                               now=NOW, pool=gone, chunk_meters=1)  # fmt: skip
    else:  # SQLite never starts the pool: the close runs as ever
        await close_period(uow_of(sessions), PERIODS[1], DEFAULT, NORMATIVES, today=TODAY,
                           now=NOW, pool=gone, chunk_meters=1)  # fmt: skip
    assert await stored(sessions) == before


async def test_reclosing_an_old_period_uses_its_own_residents(sessions) -> None:
    """R4: March billed for 2 persons stays so after 3 moved in from 16 April."""
    [case] = [c for c in CASES if c.id.startswith("R4 residents change")]
    await seed_cases(sessions, [case])
    await close_all(sessions, DEFAULT)
    await close_period(uow_of(sessions), "2026-03", DEFAULT, NORMATIVES, today=TODAY, now=NOW)
    async with sessions() as session:
        [row] = await VolumeRepository(await session.connection()).all("2026-03")
    assert (row.method, row.volume) == ("normative", Decimal(9))  # 2 x 4.5
