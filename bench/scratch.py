"""A scratch PostgreSQL database for a benchmark: created on the admin URL's server,
migrated, and dropped at the end whatever happens."""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage.db import make_engine, upgrade  # noqa: E402


@dataclass(frozen=True)
class Scratch:
    engine: AsyncEngine  # the gateway's engine on it, migrated
    name: str
    server: dict[str, Any]  # asyncpg's connect arguments but the database

    async def connect(self) -> asyncpg.Connection:
        """A plain asyncpg connection to it, for COPY and queries of the bench's own."""
        return await asyncpg.connect(database=self.name, **self.server)


@asynccontextmanager
async def scratch_database(admin_url: str) -> AsyncIterator[Scratch]:
    admin = make_url(admin_url)
    name = f"mg_bench_{uuid.uuid4().hex[:10]}"
    server = {"host": admin.host, "port": admin.port or 5432, "user": admin.username,
              "password": admin.password}  # fmt: skip
    root = await asyncpg.connect(database=admin.database or "postgres", **server)
    await root.execute(f'CREATE DATABASE "{name}"')
    try:
        url = admin.set(drivername="postgresql+asyncpg", database=name)
        engine = make_engine(url.render_as_string(hide_password=False))
        try:
            await upgrade(engine)
            yield Scratch(engine, name, server)
        finally:
            await engine.dispose()
    finally:
        await root.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await root.close()
