"""Engines, sessions and migrations for SQLite (default) and PostgreSQL (production)."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage.locks import AdvisoryLock, lock_key
from storage.uow import SqlUnitOfWork

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    if url.startswith("sqlite"):
        # A busy writer makes others wait instead of failing with "database is locked".
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 20)
    # No pre-ping: it costs a round trip per transaction. A connection the server dropped
    # fails its first statement, the channel answers "retry later", the pool replaces it.
    kwargs.setdefault("pool_recycle", 3600)
    # bounded waits: a server that does not answer a connect, or a pool with no free
    # connection, becomes "retry later" within seconds, not a request hanging for minutes
    kwargs.setdefault("pool_timeout", 10)
    kwargs.setdefault("connect_args", {"timeout": 10})
    return create_async_engine(url, **kwargs)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


class Database:
    """The database of one gateway: its engine (opened when the app starts, or given), the
    unit of work on it, and the advisory locks of its singletons."""

    def __init__(self, url: str, engine: AsyncEngine | None = None) -> None:
        self.url = url
        self._engine = engine
        self._owned = engine is None
        self._sessions = make_sessionmaker(engine) if engine is not None else None

    @classmethod
    def of(cls, engine: AsyncEngine) -> Database:
        """A database on an engine someone else owns (and disposes)."""
        return cls(engine.url.render_as_string(hide_password=False), engine)

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            raise RuntimeError("the database is not open")
        return self._engine

    async def open(self) -> None:
        if self._engine is None:
            self._engine = make_engine(self.url)
            self._sessions = make_sessionmaker(self._engine)

    async def close(self) -> None:
        if self._owned and self._engine is not None:
            await self._engine.dispose()
            self._engine = self._sessions = None

    async def upgrade(self) -> None:
        await upgrade(self.engine)

    def uow(self) -> SqlUnitOfWork:
        if self._sessions is None:
            raise RuntimeError("the database is not open")
        return SqlUnitOfWork(self._sessions)

    async def ping(self) -> None:
        """Raises when the database cannot be reached."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    def lock(self, name: str) -> AdvisoryLock:
        return AdvisoryLock(self.engine, name)


def alembic_config(url: str = "") -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


async def schema_is_current(engine: AsyncEngine) -> bool:
    """True when the database's schema is at the head revision of our migrations."""

    def check(connection: Connection) -> bool:
        heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
        return set(MigrationContext.configure(connection).get_current_heads()) == heads

    async with engine.connect() as conn:
        return await conn.run_sync(check)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (Alembic, on the engine's own connection)."""

    def run(connection: Connection) -> None:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)

    async with migration_lock(engine), engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # held until this transaction ends: a second process waits here, then finds the
            # schema at head (READ COMMITTED reads what the first one committed)
            await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_KEY})
        await conn.run_sync(run)


MIGRATION_KEY = lock_key("meter-gateway:migrations")


@contextlib.asynccontextmanager
async def migration_lock(engine: AsyncEngine) -> AsyncIterator[None]:
    """SQLite: processes migrating one file take turns on an exclusive flock beside it
    (PostgreSQL takes its advisory lock inside the migration's transaction)."""
    path = AdvisoryLock(engine, "meter-gateway:migrations").lock_file()
    if engine.dialect.name == "postgresql" or path is None:
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
