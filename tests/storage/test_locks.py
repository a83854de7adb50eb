"""Singletons across processes: one holder of a lock at a time, on both databases
(PostgreSQL: an advisory lock; SQLite: a lock file beside the database)."""

from __future__ import annotations

import asyncio
import sys
import textwrap

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
        assert not await second.acquire()
        another = AdvisoryLock(other_process, "another")
        assert await another.acquire()
        await another.release()
        await first.release()
        assert not await first.still_held()
        assert await second.acquire()
    finally:
        await first.release()
        await second.release()
        await other_process.dispose()


HOLDER = """
import asyncio, sys
from storage.db import make_engine
from storage.locks import AdvisoryLock

async def main():
    engine = make_engine(sys.argv[1])
    lock = AdvisoryLock(engine, "t")
    print("held" if await lock.acquire() else "refused", flush=True)
    sys.stdin.readline()
    await lock.release()
    await engine.dispose()

asyncio.run(main())
"""


async def test_a_lock_held_by_another_process_is_refused(engine: AsyncEngine, db_url: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", textwrap.dedent(HOLDER), db_url,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdin is not None and proc.stdout is not None
    ours = AdvisoryLock(engine, "t")
    try:
        assert await asyncio.wait_for(proc.stdout.readline(), 30) == b"held\n"
        assert not await ours.acquire()
        proc.stdin.write(b"\n")
        await proc.stdin.drain()
        assert await asyncio.wait_for(proc.wait(), 30) == 0
        assert await ours.acquire()
    finally:
        await ours.release()
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
