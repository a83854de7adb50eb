"""Singletons across gateway processes (docs/operations.md, "Deploying"): a PostgreSQL session
advisory lock.

The lock lives on one dedicated connection in autocommit mode (no transaction stays open
while it is held). If that connection dies, PostgreSQL releases the lock, so the holder
checks it regularly with ``still_held`` and stops its work when it fails. On SQLite the
gateway and its CLI commands are separate processes too: the lock is an exclusive
``flock`` on a file beside the database (released by the kernel when the holder dies); an
in-memory database belongs to one process, so there it is always granted.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``name`` (what pg_advisory_lock takes)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class AdvisoryLock:
    def __init__(self, engine: AsyncEngine, name: str) -> None:
        self.engine = engine
        self.key = lock_key(name)
        self.name = name
        self.conn: AsyncConnection | None = None
        self.fd: int | None = None  # the lock file's descriptor (SQLite)
        self.held = False

    def lock_file(self) -> str | None:
        """``<database>.<key>.lock`` beside a SQLite file; None for an in-memory database."""
        path = self.engine.url.database
        if not path or path == ":memory:" or path.startswith("file:"):
            return None
        return f"{path}.{self.key & 0xFFFFFFFFFFFFFFFF:016x}.lock"

    async def acquire(self) -> bool:
        """Try once, without waiting; True when this process now holds the lock."""
        if self.held:
            return True
        if self.engine.dialect.name != "postgresql":
            return self._acquire_file()
        conn = await self.engine.connect()
        try:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            got = (
                await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key})
            ).scalar_one()
        except BaseException:
            await conn.close()
            raise
        if not got:
            await conn.close()
            return False
        self.conn, self.held = conn, True
        return True

    def _acquire_file(self) -> bool:
        path = self.lock_file()
        if path is None:
            self.held = True
            return True
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {self.name}\n".encode())
        self.fd, self.held = fd, True
        return True

    async def still_held(self) -> bool:
        """False when the lock's connection is gone (and with it the lock)."""
        if not self.held:
            return False
        if self.conn is None:
            return True
        try:
            await self.conn.execute(text("SELECT 1"))
        except Exception as e:
            log.warning("advisory lock connection lost: %s", e)
            await self._drop()
            return False
        return True

    async def release(self) -> None:
        if self.fd is not None:
            fd, self.fd, self.held = self.fd, None, False
            os.close(fd)  # closing the only descriptor releases the flock
        if self.conn is not None:
            try:
                await self.conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            except Exception as e:
                log.warning("releasing advisory lock failed: %s", e)
                await self._drop()
        await self._drop(keep=True)

    async def _drop(self, keep: bool = False) -> None:
        conn, self.conn, self.held = self.conn, None, False
        if conn is None:
            return
        try:
            if not keep:
                await conn.invalidate()  # never hand a connection holding the lock back
            await conn.close()
        except Exception:
            log.debug("closing advisory lock connection failed", exc_info=True)
