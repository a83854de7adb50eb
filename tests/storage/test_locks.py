"""Singletons across processes: one holder of a PostgreSQL advisory lock at a time."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import make_engine
from storage.locks import AdvisoryLock, lock_key


def test_lock_key_is_stable_and_signed_64_bit() -> None:
    assert lock_key("meter-gateway:imap-poller") == lock_key("meter-gateway:imap-poller")
    assert lock_key("a") != lock_key("b")
    assert -(2**63) <= lock_key("a") < 2**63


async def test_one_holder_at_a_time(engine: AsyncEngine, db_url: str) -> None:
    other_process = make_engine(db_url)  # another gateway: its own pool
    first, second = AdvisoryLock(engine, "t"), AdvisoryLock(other_process, "t")
    try:
        assert await first.acquire()
        assert await first.still_held()
        if engine.dialect.name == "postgresql":
            assert not await second.acquire()
            another = AdvisoryLock(other_process, "another")
            assert await another.acquire()
            await another.release()
            await first.release()
            assert not await first.still_held()
            assert await second.acquire()
        else:  # SQLite: one gateway per database file, the lock is always granted
            assert await second.acquire()
    finally:
        await first.release()
        await second.release()
        await other_process.dispose()
