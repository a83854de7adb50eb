"""The period close's writes: the billed rows of a chunk as ``COPY`` data (CSV) on
PostgreSQL, one ``executemany`` on SQLite; and the connection a close worker reads on.

Rows are encoded where they are billed (in a close worker's process, docs/billing.md,
"Running it again, and at scale"), so the close's own connection only forwards bytes to
``COPY``.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.domain.billing_facts import Volume
from storage.close_facts import Key
from storage.models import PeriodVolume

COLUMNS = (
    "period", "meter_id", "zone", "method", "volume", "correction", "reading_start",
    "reading_end", "estimate", "factor", "basis",
)  # fmt: skip
_SNAPSHOT = re.compile(r"[0-9A-Fa-f]+(-[0-9A-Fa-f]+)+")
# The close's session: sorting a chunk's readings fits in memory, and JIT-compiling its few
# plain queries costs more than it saves
CLOSE_SETTINGS = ("work_mem = '256MB'", "jit = off")
# A close worker's session adds: no parallel query workers of PostgreSQL's own (the close's
# workers already use every core), and index lookups for the joins: a chunk's few meters
# would otherwise hash a whole table (every account) per chunk, a cost that grows with the
# table, not with the chunk (measured)
_WORKER_SETTINGS = (
    *CLOSE_SETTINGS, "max_parallel_workers_per_gather = 0", "enable_hashjoin = off",
    "enable_mergejoin = off",
)  # fmt: skip


def _text(value: Decimal | None) -> str:
    return "" if value is None else str(value)  # CSV: an empty unquoted field is NULL


def encode_rows(period: str, rows: Iterable[tuple[Key, Volume]]) -> bytes:
    """The rows as ``COPY ... (FORMAT csv)`` data in the order of ``COLUMNS``; no value
    needs quoting (numbers, a period and two identifiers)."""
    return "".join(
        f"{period},{m},{z},{v.method},{v.volume},{v.correction},{_text(v.reading_start)},"
        f"{_text(v.reading_end)},{v.estimate},{_text(v.factor)},{v.basis}\n"
        for (m, z), v in rows
    ).encode()


async def copy_encoded(conn: AsyncConnection, data: bytes) -> None:
    """``COPY`` rows from ``encode_rows`` into ``period_volumes`` (PostgreSQL)."""
    raw = (await conn.get_raw_connection()).driver_connection
    assert raw is not None
    # a memoryview: asyncpg takes bytes for a file name
    await raw.copy_to_table(
        "period_volumes", source=memoryview(data), columns=COLUMNS, format="csv"
    )


async def write_rows(conn: AsyncConnection, period: str, rows: Iterable[tuple[Key, Volume]]) -> int:
    """Store the billed rows: COPY on PostgreSQL, one executemany on SQLite."""
    rows = list(rows)
    if not rows:
        return 0
    if conn.dialect.name == "postgresql":
        await copy_encoded(conn, encode_rows(period, rows))
    else:
        await conn.execute(insert(PeriodVolume), [_record(period, key, v) for key, v in rows])
    return len(rows)


def _record(period: str, key: Key, v: Volume) -> dict[str, Any]:
    values = (
        period, key[0], key[1], str(v.method), v.volume, v.correction, v.reading_start,
        v.reading_end, v.estimate, v.factor, str(v.basis),
    )  # fmt: skip
    return dict(zip(COLUMNS, values, strict=True))


async def export_snapshot(conn: AsyncConnection) -> str | None:
    """The snapshot of this transaction, for close workers to read exactly what it reads
    (PostgreSQL; None on SQLite, which closes in its own process)."""
    if conn.dialect.name != "postgresql":
        return None
    return str((await conn.execute(text("SELECT pg_export_snapshot()"))).scalar_one())


@asynccontextmanager
async def snapshot_connection(engine: AsyncEngine, snapshot: str) -> AsyncIterator[AsyncConnection]:
    """A read-only transaction that sees the exporting close's snapshot (and so the same
    rows as the close and every other worker, whatever commits meanwhile)."""
    if not _SNAPSHOT.fullmatch(snapshot):  # SET takes no parameters: the id goes in as text
        raise ValueError(f"not a snapshot id: {snapshot!r}")
    async with engine.connect() as conn:
        reader = await conn.execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True
        )
        await reader.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
        for setting in _WORKER_SETTINGS:
            await reader.execute(text(f"SET LOCAL {setting}"))
        try:
            yield reader
        finally:
            await reader.rollback()
