"""Shared fixtures: a migrated database on SQLite and on a real PostgreSQL.

Tests that take ``engine`` (or ``sessions``) run once per backend. PostgreSQL comes from
``METER_GATEWAY_TEST_PG`` (default: the local server, trust auth); a fresh database is
created for the run and dropped after it. If PostgreSQL cannot be reached the tests fail:
they never skip silently (``scripts/test`` starts a server when none runs).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.db import make_engine, make_sessionmaker, upgrade
from storage.models import Base

PG_ADMIN_URL = os.environ.get(
    "METER_GATEWAY_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ["sqlite", "postgresql"]


async def _pg_admin(url: str) -> asyncpg.Connection:
    u = make_url(url)
    try:
        return await asyncpg.connect(
            host=u.host,
            port=u.port or 5432,
            user=u.username,
            password=u.password,
            database=u.database or "postgres",
            timeout=10,
        )
    except (OSError, asyncpg.PostgresError) as e:
        pytest.fail(
            f"PostgreSQL is required for these tests and is not reachable at {u.host}:{u.port} "
            f"({e}). Run scripts/test, which starts one, or set METER_GATEWAY_TEST_PG.",
            pytrace=False,
        )


class Databases:
    """One migrated engine per backend, made on first use; PostgreSQL gets a new database."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.engines: dict[str, AsyncEngine] = {}
        self.urls: dict[str, str] = {}
        self.pg_name: str | None = None

    async def url(self, backend: str) -> str:
        if backend not in self.urls:
            if backend == "sqlite":
                self.urls[backend] = f"sqlite+aiosqlite:///{self.tmp / 'test.sqlite3'}"
            else:
                self.pg_name = f"mg_test_{uuid.uuid4().hex[:12]}"
                admin = await _pg_admin(PG_ADMIN_URL)
                await admin.execute(f'CREATE DATABASE "{self.pg_name}"')
                await admin.close()
                self.urls[backend] = (
                    make_url(PG_ADMIN_URL)
                    .set(database=self.pg_name)
                    .render_as_string(hide_password=False)
                )
        return self.urls[backend]

    async def engine(self, backend: str) -> AsyncEngine:
        if backend not in self.engines:
            self.engines[backend] = make_engine(await self.url(backend))
            await upgrade(self.engines[backend])
        return self.engines[backend]

    async def close(self) -> None:
        for eng in self.engines.values():
            await eng.dispose()
        if self.pg_name:
            admin = await _pg_admin(PG_ADMIN_URL)
            await admin.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
            await admin.close()


@pytest.fixture(scope="session")
async def databases(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Databases]:
    dbs = Databases(tmp_path_factory.mktemp("db"))
    yield dbs
    await dbs.close()


async def clean(engine: AsyncEngine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                await conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture(params=BACKENDS)
async def engine(request: pytest.FixtureRequest, databases: Databases) -> AsyncEngine:
    """A migrated, empty database; the test runs once on SQLite and once on PostgreSQL."""
    eng = await databases.engine(request.param)
    await clean(eng)
    return eng


@pytest.fixture
async def db_url(engine: AsyncEngine, databases: Databases) -> str:
    """The URL of ``engine``'s (empty, migrated) database, for subprocesses and app factories."""
    return await databases.url(engine.dialect.name)


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(engine)


@pytest.fixture
def fixtures_dir() -> Iterator[Path]:
    yield Path(__file__).parent / "fixtures"
