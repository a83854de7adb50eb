"""The unit of work on SQLAlchemy: one session, one transaction, the repositories on it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from types import TracebackType
from typing import Self

from asyncpg.exceptions import (
    AdminShutdownError,
    CannotConnectNowError,
    CrashShutdownError,
    InsufficientResourcesError,
    PostgresConnectionError,
)
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.service.uow import Conflict, StorageUnavailable
from storage.accounts import AccountRepository
from storage.chats import ChatRepository
from storage.events import EventRepository
from storage.imap_folders import ImapFolderRepository
from storage.messages import MessageRepository
from storage.outbox import OutboxRepository
from storage.readings import ReadingRepository
from storage.review import ReviewRepository
from storage.staff import AuditRepository, StaffRepository
from storage.volumes import VolumeRepository

# PostgreSQL refusing a new connection: too many clients (max_connections, a role's limit),
# starting up, shutting down. asyncpg raises these from connect, and SQLAlchemy's pool
# passes them on as they are (it translates the errors of statements only).
REFUSED = (
    InsufficientResourcesError,
    PostgresConnectionError,
    CannotConnectNowError,
    AdminShutdownError,
    CrashShutdownError,
)
# What asyncpg/aiosqlite raise when the server is gone or the pool is exhausted. Bad data
# (DataError, IntegrityError) is not "unavailable": retrying it would fail forever.
UNAVAILABLE = (
    PoolTimeout,
    OSError,
    TimeoutError,
    OperationalError,
    InterfaceError,
    DBAPIError,
    *REFUSED,
)


# What PostgreSQL rolls a transaction back with when it got in another's way:
# deadlock_detected, serialization_failure. Run again, it is expected to succeed.
CONFLICTS = frozenset({"40P01", "40001"})


def conflict(exc: BaseException) -> Conflict | None:
    """``exc`` as a ``Conflict`` (with the server's one-line message), when it is one."""
    if not isinstance(exc, DBAPIError) or exc.orig is None:
        return None
    code = getattr(exc.orig, "sqlstate", None)
    if code not in CONFLICTS:
        return None
    server = exc.orig.__cause__ or exc.orig  # asyncpg's own error, under the DBAPI's
    return Conflict(f"{code}: {(str(server).splitlines() or [''])[0]}")


def unavailable(exc: BaseException) -> bool:
    """A failure of the connection (the sender should retry), not of the statement."""
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeout | OSError | TimeoutError):
        return True
    if isinstance(exc, REFUSED):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


class SqlUnitOfWork:
    """``async with SqlUnitOfWork(sessions) as uow: ...; await uow.commit()``; anything not
    committed is rolled back. A database that cannot be reached raises
    ``StorageUnavailable`` out of the block, whatever statement found out; a transaction
    the server rolled back for a conflict with another raises ``Conflict``."""

    messages: MessageRepository
    accounts: AccountRepository
    readings: ReadingRepository
    events: EventRepository
    outbox: OutboxRepository
    volumes: VolumeRepository
    staff: StaffRepository
    audit: AuditRepository
    review: ReviewRepository
    chats: ChatRepository
    imap_folders: ImapFolderRepository

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self.session: AsyncSession | None = None

    async def __aenter__(self) -> Self:
        self.session = self.sessions()
        try:
            await self.session.begin()
            conn = await self.session.connection()
        except UNAVAILABLE as e:
            await self.session.close()
            if unavailable(e):
                raise StorageUnavailable(str(e)) from e
            raise
        self.messages = MessageRepository(conn)
        self.accounts = AccountRepository(conn)
        self.readings = ReadingRepository(conn)
        self.events = EventRepository(conn)
        self.outbox = OutboxRepository(conn)
        self.volumes = VolumeRepository(conn)
        self.staff = StaffRepository(conn)
        self.audit = AuditRepository(conn)
        self.review = ReviewRepository(conn)
        self.chats = ChatRepository(conn)
        self.imap_folders = ImapFolderRepository(conn)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self.session is not None
        try:
            await _finished(self.session.close())  # rolls back what was not committed
        except UNAVAILABLE as e:
            if exc is None:
                raise StorageUnavailable(str(e)) from e
        if exc is not None and (found := conflict(exc)) is not None:
            raise found from exc
        if exc is not None and unavailable(exc):
            raise StorageUnavailable(str(exc)) from exc

    async def commit(self) -> None:
        assert self.session is not None
        try:
            await _finished(self.session.commit())  # the connection goes back to the pool
        except UNAVAILABLE as e:
            if (found := conflict(e)) is not None:
                raise found from e
            if unavailable(e):
                raise StorageUnavailable(str(e)) from e
            raise


async def _finished(step: Awaitable[None]) -> None:
    """Run a commit or a close to its end even when the task is cancelled meanwhile (a
    background task stopped at shutdown): both hand the connection back to the pool, and a
    cancellation landing in the pool's reset would leave it half returned and SQLAlchemy
    logging a traceback. The step runs on; the cancellation is raised once it is done."""
    running = asyncio.ensure_future(step)
    try:
        await asyncio.shield(running)
    except asyncio.CancelledError:
        await asyncio.wait([running])  # waiting does not cancel it, a second cancel neither
        raise
