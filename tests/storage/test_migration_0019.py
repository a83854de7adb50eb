"""Migration 0019 drops ``period_volumes``' foreign key to ``meters`` (in place on SQLite):
the stored volumes survive it both ways, and the key is gone, then back."""

from __future__ import annotations

from typing import Any

from alembic import command
from sqlalchemy import inspect, text

from storage.db import alembic_config, make_engine, upgrade
from tests.storage.test_migrations import fresh_url  # noqa: F401 (the fixture)

ROWS = [
    "INSERT INTO accounts (uin, status, residents) VALUES ('1', 'open', 1)",
    "INSERT INTO meters (account_id, name, position, service, zones, digits, decimals, status)"
    " VALUES (1, 'M', 1, 'gas', 1, 5, 0, 'active')",
    "INSERT INTO period_volumes (period, meter_id, zone, method, volume, correction)"
    " VALUES ('2025-01', 1, 1, 'actual', 5, 0)",
]


def state(conn: Any) -> tuple[list[Any], int]:
    keys = [k["referred_table"] for k in inspect(conn).get_foreign_keys("period_volumes")]
    count = conn.execute(text("SELECT count(*) FROM period_volumes")).scalar()
    return keys, count


def downgrade(conn: Any, revision: str) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = conn
    command.downgrade(cfg, revision)


async def test_0019_drops_the_key_and_keeps_the_volumes(fresh_url: str) -> None:  # noqa: F811
    engine = make_engine(fresh_url)
    try:
        await upgrade(engine, "0018")
        async with engine.begin() as conn:
            for row in ROWS:
                await conn.execute(text(row))
            assert await conn.run_sync(state) == (["meters"], 1)
        await upgrade(engine)
        async with engine.begin() as conn:
            assert await conn.run_sync(state) == ([], 1)
        async with engine.begin() as conn:
            await conn.run_sync(downgrade, "0018")
        async with engine.begin() as conn:
            assert await conn.run_sync(state) == (["meters"], 1)
            if engine.dialect.name == "sqlite":
                assert (await conn.execute(text("PRAGMA integrity_check"))).scalar() == "ok"
    finally:
        await engine.dispose()
