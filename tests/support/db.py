"""Looking at the database from outside the product: row counts, and faults the database
itself produces (a trigger refusing a statement), never a patch of our own code."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.sql import Select

from storage.db import make_sessionmaker

Db = AsyncEngine | async_sessionmaker[AsyncSession]


def _sessions(db: Db) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(db) if isinstance(db, AsyncEngine) else db


async def count(db: Db, what: Any) -> int:
    """Rows of a model (``count(db, Message)``) or the value of a count statement
    (``count(db, select(func.count()).where(...))``)."""
    stmt = what if isinstance(what, Select) else select(func.count()).select_from(what)
    async with _sessions(db)() as s:
        return int((await s.execute(stmt)).scalar_one())


@contextlib.asynccontextmanager
async def readings_refused(engine: AsyncEngine, value: int) -> AsyncIterator[None]:
    """While inside, the database refuses to store a reading of ``value`` (a trigger that
    raises, as a constraint added by a DBA or a full tablespace would): a statement fails
    with an error that is not "unavailable". The trigger is dropped on the way out."""
    if engine.dialect.name == "postgresql":
        create = [
            f"""CREATE FUNCTION mg_refuse_reading() RETURNS trigger AS $$
            BEGIN
              IF NEW.value = {value} THEN
                RAISE EXCEPTION 'reading refused by the test' USING ERRCODE = 'check_violation';
              END IF;
              RETURN NEW;
            END $$ LANGUAGE plpgsql""",
            """CREATE TRIGGER mg_refuse_reading BEFORE INSERT ON readings
            FOR EACH ROW EXECUTE FUNCTION mg_refuse_reading()""",
        ]
        drop = [
            "DROP TRIGGER IF EXISTS mg_refuse_reading ON readings",
            "DROP FUNCTION IF EXISTS mg_refuse_reading()",
        ]
    else:
        create = [
            f"""CREATE TRIGGER mg_refuse_reading BEFORE INSERT ON readings
            WHEN CAST(NEW.value AS REAL) = {value}
            BEGIN SELECT RAISE(ABORT, 'reading refused by the test'); END"""
        ]
        drop = ["DROP TRIGGER IF EXISTS mg_refuse_reading"]
    async with _triggers(engine, create, drop):
        yield


@contextlib.asynccontextmanager
async def inserts_refused(engine: AsyncEngine, table: str) -> AsyncIterator[None]:
    """While inside, the database refuses every row inserted into ``table`` (a trigger that
    raises an error that is not "unavailable"). The trigger is dropped on the way out."""
    if engine.dialect.name == "postgresql":
        create = [
            """CREATE FUNCTION mg_refuse_insert() RETURNS trigger AS $$
            BEGIN
              RAISE EXCEPTION 'insert refused by the test' USING ERRCODE = 'check_violation';
            END $$ LANGUAGE plpgsql""",
            f"""CREATE TRIGGER mg_refuse_insert BEFORE INSERT ON {table}
            FOR EACH ROW EXECUTE FUNCTION mg_refuse_insert()""",
        ]
        drop = [
            f"DROP TRIGGER IF EXISTS mg_refuse_insert ON {table}",
            "DROP FUNCTION IF EXISTS mg_refuse_insert()",
        ]
    else:
        create = [
            f"""CREATE TRIGGER mg_refuse_insert BEFORE INSERT ON {table}
            BEGIN SELECT RAISE(ABORT, 'insert refused by the test'); END"""
        ]
        drop = ["DROP TRIGGER IF EXISTS mg_refuse_insert"]
    async with _triggers(engine, create, drop):
        yield


@contextlib.asynccontextmanager
async def _triggers(engine: AsyncEngine, create: list[str], drop: list[str]) -> AsyncIterator[None]:
    """Run ``create`` before and ``drop`` after the block, each in a transaction of its own."""
    async with engine.begin() as conn:
        for stmt in create:
            await conn.execute(text(stmt))
    try:
        yield
    finally:
        async with engine.begin() as conn:
            for stmt in drop:
                await conn.execute(text(stmt))
