"""Migration 0014 (billing events) on a database with data, both ways: no reading is lost
(on SQLite a rebuilt ``meters`` table would cascade-delete them), ``removed`` is a status."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection

from storage.db import alembic_config, make_engine, upgrade
from tests.storage.test_migrations import fresh_url  # noqa: F401 (the fixture)

ROWS = [
    "INSERT INTO accounts (uin, status, residents) VALUES ('1', 'open', 1)",
    "INSERT INTO meters (account_id, name, position, service, zones, digits, decimals, status)"
    " VALUES (1, 'M', 1, 'gas', 1, 5, 0, 'active')",
    "INSERT INTO readings (meter_id, zone, value, period, taken_on, status, source, created_at)"
    " VALUES (1, 1, 5, '2025-01', '2025-01-05', 'accepted', 'import', '2025-01-05 00:00:00+00')",
]


def _downgrade(connection: Connection) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    command.downgrade(cfg, "0011")


async def test_0014_keeps_every_reading_both_ways(fresh_url: str) -> None:  # noqa: F811
    engine = make_engine(fresh_url)
    try:
        await upgrade(engine, "0011")
        async with engine.begin() as conn:
            for row in ROWS:
                await conn.execute(text(row))
        await upgrade(engine)
        async with engine.begin() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM readings"))).scalar() == 1
            await conn.execute(
                text("UPDATE meters SET status = 'removed', removed_on = '2025-02-01'")
            )
            # an event's reading on the day of an imported one
            await conn.execute(text(ROWS[2].replace("'import'", "'inspection'")))
        async with engine.begin() as conn:
            await conn.run_sync(_downgrade)
        async with engine.begin() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM readings"))).scalar() == 1
            assert (await conn.execute(text("SELECT status FROM meters"))).scalar() == "active"
    finally:
        await engine.dispose()
