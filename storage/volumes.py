"""Period volumes in SQL: the set-based close, the stored periods, exports, inspections.

``close_chunk`` is ``gateway.billing.bill`` for every register of a range of meters in one
``INSERT ... SELECT``: window functions pick the reading of each period and the consumption
between them, one aggregate per register gives the facts the rules need, and a ``CASE``
chooses the method. The same statement runs on PostgreSQL and SQLite (3.25+ for window
functions); the table tests run it against the pure functions on both.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, Numeric, bindparam, delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.domain.model import SERVICES
from gateway.domain.rules import Rules
from storage.locks import lock_key
from storage.models import Account, Meter, Period, PeriodVolume, Reading

# the PostgreSQL advisory lock held (for its transaction) by a running period close
LOCK_KEY = lock_key("period close")


def _month(column: str) -> str:
    """A ``YYYY-MM`` column as a month count, so that periods subtract (both databases)."""
    year = f"CAST(substr({column}, 1, 4) AS INTEGER)"
    month = f"CAST(substr({column}, 6, 2) AS INTEGER)"
    return f"({year} * 12 + {month})"


_NORMATIVE = " ".join(
    f"WHEN '{service}' THEN CAST(:n_{service} AS NUMERIC)" for service in SERVICES
)

# Mirrors gateway.billing.bill; see there for the why of every rule.
_CLOSE_SQL = f"""
WITH zs(zone) AS (VALUES (1), (2), (3)),
regs AS (
    SELECT m.id AS meter_id, zs.zone, m.service, a.residents,
           CAST('1' || substr('000000000000000000', 1, m.digits) AS NUMERIC) AS capacity,
           CASE WHEN m.status = 'failed' THEN m.failed_on END AS failed_on,
           m.verified_until
    FROM meters m
    JOIN accounts a ON a.id = m.account_id
    JOIN zs ON zs.zone <= m.zones
    WHERE a.status = 'open' AND m.id >= :lo AND m.id < :hi
),
ranked AS (
    SELECT r.meter_id, r.zone, r.period, r.value, g.capacity,
           ROW_NUMBER() OVER (
               PARTITION BY r.meter_id, r.zone, r.period ORDER BY r.taken_on DESC, r.id DESC
           ) AS rn
    FROM readings r
    JOIN regs g ON g.meter_id = r.meter_id AND g.zone = r.zone
    WHERE r.status = 'accepted' AND r.period <= :period
      AND r.meter_id >= :lo AND r.meter_id < :hi
      AND (g.failed_on IS NULL OR r.taken_on < g.failed_on)
      AND (g.verified_until IS NULL OR r.taken_on <= g.verified_until)
),
seq AS (
    SELECT meter_id, zone, period, value, capacity, {_month("period")} AS pidx,
           LAG(value) OVER w AS prev_value,
           LAG({_month("period")}) OVER w AS prev_pidx,
           MAX(CASE WHEN period < :period THEN {_month("period")} END)
               OVER (PARTITION BY meter_id, zone) AS last_pidx
    FROM ranked
    WHERE rn = 1
    WINDOW w AS (PARTITION BY meter_id, zone ORDER BY period)
),
steps AS (
    SELECT meter_id, zone, period, value, pidx, prev_pidx, last_pidx,
           CASE WHEN value >= prev_value THEN value - prev_value
                WHEN prev_value >= capacity * 0.9 AND value < capacity * 0.1
                    THEN capacity - prev_value + value
                ELSE value - prev_value END AS used
    FROM seq
),
facts AS (
    SELECT meter_id, zone,
           MAX(CASE WHEN period = :period THEN value END) AS reading_end,
           MAX(CASE WHEN period = :period THEN used END) AS used,
           MAX(last_pidx) AS last_pidx,
           MAX(CASE WHEN pidx = last_pidx THEN value END) AS reading_start,
           SUM(CASE WHEN pidx <= last_pidx AND prev_pidx >= last_pidx - :window
                    THEN used END) AS window_used,
           MIN(CASE WHEN pidx <= last_pidx AND prev_pidx >= last_pidx - :window
                    THEN prev_pidx END) AS window_from
    FROM steps
    GROUP BY meter_id, zone
),
estimated AS (
    SELECT v.meter_id, v.zone, SUM(v.volume) AS total
    FROM period_volumes v
    JOIN facts f ON f.meter_id = v.meter_id AND f.zone = v.zone
    WHERE v.period < :period AND v.method IN ('average', 'normative')
      AND v.meter_id >= :lo AND v.meter_id < :hi
      AND f.reading_end IS NOT NULL AND {_month("v.period")} > f.last_pidx
    GROUP BY v.meter_id, v.zone
),
decided AS (
    SELECT g.meter_id, g.zone, f.reading_start, f.reading_end, f.used,
           CASE WHEN f.reading_end IS NOT NULL AND f.reading_start IS NOT NULL THEN 'actual'
                WHEN f.reading_end IS NULL
                     AND CAST(:pidx AS INTEGER) - f.last_pidx <= :max_periods
                     AND f.last_pidx - f.window_from >= :min_months
                     AND f.last_pidx > f.window_from THEN 'average'
                ELSE 'normative' END AS method,
           ROUND(f.window_used * 1.0 / NULLIF(f.last_pidx - f.window_from, 0), 4) AS average,
           ROUND(g.residents * (CASE g.service {_NORMATIVE} ELSE 0 END)
                 * CAST(:factor AS NUMERIC), 4) AS normative,
           COALESCE(e.total, 0) AS estimated
    FROM regs g
    LEFT JOIN facts f ON f.meter_id = g.meter_id AND f.zone = g.zone
    LEFT JOIN estimated e ON e.meter_id = g.meter_id AND e.zone = g.zone
)
INSERT INTO period_volumes
    (period, meter_id, zone, method, volume, correction, reading_start, reading_end)
SELECT :period, meter_id, zone, method,
       CASE method WHEN 'actual' THEN used - estimated
                   WHEN 'average' THEN average
                   ELSE normative END,
       CASE method WHEN 'actual' THEN -estimated ELSE 0 END,
       reading_start, reading_end
FROM decided
"""


def close_statement(
    period: str, lo: int, hi: int, rules: Rules, normatives: Mapping[str, Decimal]
) -> Any:
    params: dict[str, Any] = {
        "period": period,
        "pidx": int(period[:4]) * 12 + int(period[5:7]),
        "lo": lo,
        "hi": hi,
        "window": rules.average_window_months,
        "max_periods": rules.average_max_periods,
        "min_months": rules.average_min_months,
        "factor": rules.normative_factor,
    }
    numeric = [bindparam("factor", type_=Numeric(18, 4))]
    for service in SERVICES:
        params[f"n_{service}"] = normatives.get(service, Decimal(0))
        numeric.append(bindparam(f"n_{service}", type_=Numeric(18, 4)))
    ints = [
        bindparam(k, type_=Integer)
        for k in ("pidx", "lo", "hi", "window", "max_periods", "min_months")
    ]
    return text(_CLOSE_SQL).bindparams(*numeric, *ints).params(params)


@dataclass(frozen=True)
class MethodTotal:
    service: str
    method: str
    registers: int
    volume: Decimal


async def lock_close(session: AsyncSession) -> bool:
    """Take the period-close advisory lock for this transaction (PostgreSQL); False when
    another process holds it. SQLite has one writer at a time anyway."""
    if session.bind.dialect.name != "postgresql":
        return True
    got = await session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    return bool(got.scalar_one())


async def tune_for_close(session: AsyncSession) -> None:
    """Sorting a few million readings by register fits in memory with a larger work_mem.
    The close statement runs once per chunk as the same prepared statement: a generic plan,
    which PostgreSQL switches to after five runs, knows neither the period nor the meter
    range, so every run gets its own plan. And the planner cannot see through the window
    functions how many registers come out (it guesses one): a nested loop over them probing
    ``period_volumes`` takes hours where a hash join takes a second, and a close of every
    register never wants a nested loop. Without nested loops the costs (of the one that must
    stay, zones of a meter) look huge, which would make PostgreSQL spend seconds compiling
    the statement with JIT for every chunk: it gains nothing here."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(text("SET LOCAL work_mem = '256MB'"))
        await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        await session.execute(text("SET LOCAL enable_nestloop = off"))
        await session.execute(text("SET LOCAL jit = off"))


async def get_period(session: AsyncSession, period: str) -> Period | None:
    return await session.get(Period, period)


async def meter_id_range(session: AsyncSession) -> tuple[int, int] | None:
    lo, hi = (await session.execute(select(func.min(Meter.id), func.max(Meter.id)))).one()
    return None if lo is None else (int(lo), int(hi))


async def count_registers(session: AsyncSession) -> int:
    stmt = (
        select(func.coalesce(func.sum(Meter.zones), 0))
        .join(Account, Account.id == Meter.account_id)
        .where(Account.status == "open")
    )
    return int((await session.execute(stmt)).scalar_one())


async def delete_volumes(session: AsyncSession, period: str) -> None:
    await session.execute(delete(PeriodVolume).where(PeriodVolume.period == period))


async def insert_volumes(
    session: AsyncSession,
    period: str,
    lo: int,
    hi: int,
    rules: Rules,
    normatives: Mapping[str, Decimal],
) -> int:
    """Compute and store the volumes of the registers of meters ``lo <= id < hi``."""
    result = await session.execute(close_statement(period, lo, hi, rules, normatives))
    inserted = int(result.rowcount)  # type: ignore[attr-defined]
    if inserted >= 0:
        return inserted
    # SQLite does not count the rows of an INSERT that starts with WITH
    counted = select(func.count()).where(
        PeriodVolume.period == period, PeriodVolume.meter_id >= lo, PeriodVolume.meter_id < hi
    )
    return int((await session.execute(counted)).scalar_one())


async def mark_closed(session: AsyncSession, period: str, now: datetime) -> None:
    row = await session.get(Period, period)
    if row is None:
        session.add(Period(period=period, status="closed", closed_at=now))
    else:
        row.status, row.closed_at, row.exported_at = "closed", now, None
    await session.flush()


async def mark_exported(session: AsyncSession, period: str, now: datetime) -> None:
    await session.execute(
        update(Period).where(Period.period == period).values(status="exported", exported_at=now)
    )


async def totals(session: AsyncSession, period: str) -> list[MethodTotal]:
    stmt = (
        select(Meter.service, PeriodVolume.method, func.count(), func.sum(PeriodVolume.volume))
        .join(Meter, Meter.id == PeriodVolume.meter_id)
        .where(PeriodVolume.period == period)
        .group_by(Meter.service, PeriodVolume.method)
        .order_by(Meter.service, PeriodVolume.method)
    )
    return [
        MethodTotal(service, method, int(n), Decimal(total or 0))
        for service, method, n, total in await session.execute(stmt)
    ]


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
        )
        .join(Meter, Meter.id == PeriodVolume.meter_id)
        .join(Account, Account.id == Meter.account_id)
        .where(PeriodVolume.period == period)
        .order_by(PeriodVolume.meter_id, PeriodVolume.zone)
    )


async def stream_volumes(session: AsyncSession, period: str) -> AsyncIterator[Any]:
    """Every volume of ``period`` in register order, without holding them all in memory."""
    result = await session.stream(_volumes_query(period).execution_options(yield_per=5000))
    async for row in result:
        yield row


async def page_volumes(
    session: AsyncSession, period: str, after: tuple[int, int] | None, limit: int
) -> list[Any]:
    stmt = _volumes_query(period).limit(limit)
    if after is not None:
        meter_id, zone = after
        stmt = stmt.where(
            (PeriodVolume.meter_id > meter_id)
            | ((PeriodVolume.meter_id == meter_id) & (PeriodVolume.zone > zone))
        )
    return list((await session.execute(stmt)).all())


@dataclass(frozen=True)
class StaleMeter:
    account_id: int
    uin: str
    meter: str
    service: str
    last_reading: date | None


async def stale_meters(
    session: AsyncSession, not_since: date, after_account: int | None, limit: int
) -> list[StaleMeter]:
    """Meters of open accounts whose last accepted reading was taken on or before
    ``not_since`` (or never), for the first ``limit`` such accounts after ``after_account``."""
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
        .outerjoin(Reading, (Reading.meter_id == Meter.id) & (Reading.status == "accepted"))
        .where(Account.status == "open")
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
        for r in await session.execute(stmt)
    ]


async def volumes_of(session: AsyncSession, period: str) -> Sequence[Any]:
    """All volumes of a period (tests and small exports)."""
    return list((await session.execute(_volumes_query(period))).all())
