"""Gateways and CLI commands starting at once on a fresh database: the schema is migrated
once, by whichever comes first; the others wait and find it done."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.db import make_engine, schema_is_current, upgrade
from tests.conftest import PG_ADMIN_URL, _pg_admin


@pytest.fixture(params=["sqlite", "postgresql"])
async def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    name = f"mg_fresh_{uuid.uuid4().hex[:12]}"
    admin = await _pg_admin(PG_ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_concurrent_upgrades_on_a_fresh_database_all_succeed(fresh_url: str) -> None:
    engines = [make_engine(fresh_url) for _ in range(4)]  # four processes' pools
    try:
        assert not await schema_is_current(engines[0])
        await asyncio.gather(*(upgrade(e) for e in engines))
        for e in engines:
            assert await schema_is_current(e)
        async with engines[0].connect() as conn:
            versions = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
        assert len(versions) == 1
    finally:
        for e in engines:
            await e.dispose()


async def test_period_export_never_migrates_and_says_so_in_one_line(fresh_url: str) -> None:
    from tests.test_cli import cli

    done = await asyncio.to_thread(cli, "period", "export", "2026-10", db_url=fresh_url)
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert "not at the current version" in line and "meter-gateway db upgrade" in line
    engine = make_engine(fresh_url)
    try:
        assert not await schema_is_current(engine)
    finally:
        await engine.dispose()
