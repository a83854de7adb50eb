"""The period close's reads and writes: each register's facts for a range of meters, in key
order, and the billed rows in bulk (docs/billing.md, "Period close").

No rule lives here: the queries select what ``gateway.domain.billing`` needs (every accepted
reading up to the period, the acts, the replacement, the residents changes and the earlier
rows a correction may settle) and the rows it returns are written with ``COPY`` on
PostgreSQL (asyncpg's ``copy_records_to_table``) and ``executemany`` on SQLite. On
PostgreSQL the reads go through the asyncpg connection too: a million registers' readings
are several million rows, and SQLAlchemy's result rows would double the time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.domain.billing_facts import (
    Basis,
    MeterAct,
    Reading,
    Register,
    ResidentsChange,
    Stored,
)
from gateway.domain.events import Act
from gateway.domain.volumes import Method

Key = tuple[int, int]  # meter id, zone
Bounds = tuple[int, int]  # meter ids lo <= id < hi

_REGISTERS = """
WITH zs(zone) AS (VALUES (1), (2), (3))
SELECT m.id, zs.zone, m.service, m.digits, m.account_id, a.residents,
       CASE WHEN m.status = 'failed' THEN m.failed_on END, m.verified_until,
       m.installed_on, COALESCE(r.removed_on, m.removed_on), r.installed_on
FROM meters m
JOIN accounts a ON a.id = m.account_id
JOIN zs ON zs.zone <= m.zones
LEFT JOIN meter_replacements r ON r.old_meter_id = m.id AND r.zone = zs.zone
WHERE a.status = 'open' {range}
ORDER BY m.id, zs.zone, r.removed_on
"""
_READINGS = """
SELECT meter_id, zone, period, taken_on, value, source FROM readings
WHERE status = 'accepted' AND period >= :since AND period <= :period {range}
ORDER BY meter_id, zone, taken_on, id
"""
_HISTORY = """
SELECT r.meter_id, r.zone, r.period, r.taken_on, r.value, r.source FROM {source}
WHERE {only} r.status = 'accepted' AND r.period < :before
ORDER BY r.meter_id, r.zone, r.taken_on, r.id
"""
# the earlier rows a correction may settle: estimates, and actual rows with an estimate part
_STORED = """
SELECT meter_id, zone, period, method, volume, estimate, factor, basis FROM period_volumes
WHERE period < :period AND meter_id >= :lo AND meter_id < :hi
  AND (method <> 'actual' OR estimate <> 0)
"""
_ACTS = """
SELECT meter_id, zone, acted_on, act FROM meter_acts
WHERE meter_id >= :lo AND meter_id < :hi ORDER BY meter_id, zone, acted_on, id
"""
_RESIDENTS = """
SELECT h.account_id, h.since, h.residents, h.owners FROM residents_history h
WHERE h.account_id IN (SELECT account_id FROM meters WHERE id >= :lo AND id < :hi)
ORDER BY h.account_id, h.since
"""
_PARAM = re.compile(r":(\w+)")


def _day(value: Any) -> date | None:
    """SQLite returns dates of a text query as strings."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def _number(value: Any) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def _positional(sql: str, params: dict[str, Any]) -> tuple[str, list[Any]]:
    """``:name`` parameters as asyncpg's ``$n``."""
    names: list[str] = []

    def number(m: re.Match[str]) -> str:
        if m.group(1) not in names:
            names.append(m.group(1))
        return f"${names.index(m.group(1)) + 1}"

    statement = _PARAM.sub(number, sql)
    return statement, [params[n] for n in names]


async def _fetch(conn: AsyncConnection, sql: str, params: dict[str, Any]) -> Sequence[Any]:
    if conn.dialect.name == "postgresql":
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None
        statement, args = _positional(sql, params)
        return await raw.fetch(statement, *args)
    return (await conn.execute(text(sql), params)).all()


async def _readings(
    conn: AsyncConnection, sql: str, params: dict[str, Any]
) -> dict[Key, list[Reading]]:
    sqlite = conn.dialect.name != "postgresql"
    readings: dict[Key, list[Reading]] = {}
    for m, z, p, day, value, source in await _fetch(conn, sql, params):
        if sqlite:
            day, value = _day(day), _number(value)
        readings.setdefault((m, z), []).append(Reading(p, day, value, source))
    return readings


async def older_readings(
    conn: AsyncConnection, before: str, meter_ids: Sequence[int]
) -> dict[Key, list[Reading]]:
    """Every accepted reading of these meters from the periods before ``before`` (for the
    registers whose rules need more than the recent periods)."""
    out: dict[Key, list[Reading]] = {}
    ids = sorted(set(meter_ids))
    for i in range(0, len(ids), 5000):
        batch = ids[i : i + 5000]
        if conn.dialect.name == "postgresql":  # one index probe per meter, not a scan
            source = "unnest(CAST(:ids AS BIGINT[])) AS k(id) JOIN readings r ON r.meter_id = k.id"
            sql = _HISTORY.format(source=source, only="")
        else:  # an IN list of literal integers: SQLite's bound parameters are limited
            listed = ", ".join(str(int(m)) for m in batch)
            sql = _HISTORY.format(source="readings r", only=f"r.meter_id IN ({listed}) AND")
        out.update(await _readings(conn, sql, {"before": before, "ids": batch}))
    return out


class KeyedStream:
    """The rows of one query in meter id order (its first column), handed out chunk after
    chunk of meter ids. On PostgreSQL one statement runs once through a cursor (a range per
    chunk would scan or hash a whole table once per chunk), over the meters of ``bounds``
    (None: all); SQLite reads each chunk's range by the index."""

    BATCH = 20_000

    def __init__(
        self, conn: AsyncConnection, sql: str, column: str, bounds: Bounds | None, **params: Any
    ) -> None:
        self.conn, self.sql, self.column, self.params = conn, sql, column, params
        self.bounds = bounds
        self.cursor: Any = None
        self.rows: Sequence[Any] = ()
        self.at = 0
        self.done = False
        self.hi = 0

    async def until(self, lo: int, hi: int) -> list[Any]:
        """The rows of meters ``lo <= id < hi``; chunks must come in increasing order."""
        if lo < self.hi:
            raise ValueError("chunks of a close come in increasing order")
        self.hi = hi
        between = f"AND {self.column} >= :lo AND {self.column} < :hi"
        if self.conn.dialect.name != "postgresql":
            return list(await _fetch(self.conn, self.sql.format(range=between),
                                     {**self.params, "lo": lo, "hi": hi}))  # fmt: skip
        if self.cursor is None:
            raw = (await self.conn.get_raw_connection()).driver_connection
            assert raw is not None
            if self.bounds is None:
                sql, params = self.sql.format(range=""), self.params
            else:
                sql = self.sql.format(range=between)
                params = {**self.params, "lo": self.bounds[0], "hi": self.bounds[1]}
            statement, args = _positional(sql, params)
            self.cursor = await raw.cursor(statement, *args)
        out: list[Any] = []
        while not self.done:
            if self.at >= len(self.rows):
                self.rows, self.at = await self.cursor.fetch(self.BATCH), 0
                if not self.rows:
                    self.done = True
                    break
            rows, at, end = self.rows, self.at, len(self.rows)
            while at < end and rows[at][0] < hi:
                at += 1
            out.extend(r for r in rows[self.at : at] if r[0] >= lo)
            self.at = at
            if at < end:
                break
        return out


class CloseStreams:
    """The two big reads of a close, each one streamed query: the registers, and the
    readings of the periods ``since`` .. ``period``; of the meters ``lo <= id < hi`` of
    ``bounds`` (None: all)."""

    def __init__(
        self, conn: AsyncConnection, period: str, since: str | None, bounds: Bounds | None = None
    ) -> None:
        self.period, self.since = period, since or ""
        self.registers = KeyedStream(conn, _REGISTERS, "m.id", bounds)
        self.readings = KeyedStream(
            conn, _READINGS, "meter_id", bounds, since=self.since, period=period
        )


async def register_facts(
    conn: AsyncConnection, period: str, lo: int, hi: int, streams: CloseStreams
) -> list[tuple[Key, Register]]:
    """Every register of an open account's meter ``lo <= id < hi``, in key order, with what
    billing ``period`` needs to know of it; the registers and readings from ``streams``."""
    window = {"lo": lo, "hi": hi}
    upto = {"period": period, **window}
    since = streams.since or None
    sqlite = conn.dialect.name != "postgresql"
    readings: dict[Key, list[Reading]] = {}
    for m, z, p, day, value, source in await streams.readings.until(lo, hi):
        if sqlite:
            day, value = _day(day), _number(value)
        readings.setdefault((m, z), []).append(Reading(p, day, value, source))
    stored: dict[Key, dict[str, Stored]] = {}
    for m, z, p, method, volume, estimate, factor, basis in await _fetch(conn, _STORED, upto):
        stored.setdefault((m, z), {})[p] = Stored(
            Method(method), _number(volume) or Decimal(0), _number(estimate) or Decimal(0),
            _number(factor), None if basis is None else Basis(basis),
        )  # fmt: skip
    acts: dict[Key, list[MeterAct]] = {}
    for m, z, day, act in await _fetch(conn, _ACTS, window):
        acts.setdefault((m, z), []).append(MeterAct(_day(day) or date.min, Act(act)))
    residents: dict[int, list[ResidentsChange]] = {}
    for account, day, count, owners in await _fetch(conn, _RESIDENTS, window):
        residents.setdefault(account, []).append(
            ResidentsChange(_day(day) or date.min, count, owners)
        )
    out: dict[Key, Register] = {}
    for row in await streams.registers.until(lo, hi):
        m, z, service, digits, account, people, failed, verified, installed, removed, gap = row
        if sqlite:  # text dates; asyncpg gives dates
            failed, verified, installed = _day(failed), _day(verified), _day(installed)
            removed, gap = _day(removed), _day(gap)
        key = (m, z)
        out[key] = Register(
            service, digits, people, readings.get(key, ()), stored.get(key, {}),
            acts.get(key, ()), residents.get(account, ()), failed, verified, installed,
            removed, gap, True, since,
        )  # fmt: skip
    return list(out.items())
