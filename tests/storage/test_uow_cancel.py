"""A background task cancelled at shutdown (``gateway.runtime.aio.stop_tasks``) while its unit of
work is open, committing or closing returns the connection whole: SQLAlchemy logs nothing (before, a
cancellation that landed in the pool's reset logged "Exception during reset" with a
traceback, some ten percent of the time), and the pool has every connection back."""

from __future__ import annotations

import asyncio
import logging
import random

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import make_sessionmaker
from storage.uow import SqlUnitOfWork

CANCELS = 200


async def test_a_cancelled_unit_of_work_returns_its_connection_quietly(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    sessions = make_sessionmaker(engine)
    rng = random.Random(16)

    async def work() -> None:
        while True:
            async with SqlUnitOfWork(sessions) as uow:
                assert uow.session is not None
                await uow.session.execute(text("SELECT 1"))
                await uow.commit()

    with caplog.at_level(logging.WARNING, logger="sqlalchemy"):
        for _ in range(CANCELS):
            task = asyncio.create_task(work())
            await asyncio.sleep(rng.uniform(0.0005, 0.01))  # cancelled anywhere in a pass
            task.cancel()
            await asyncio.wait([task])
            assert task.cancelled()
    pool = [r.getMessage() for r in caplog.records if r.name.startswith("sqlalchemy")]
    assert pool == []
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
