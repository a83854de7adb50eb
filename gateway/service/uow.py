"""What the use cases need of storage: a unit of work and its repositories.

``storage.uow.SqlUnitOfWork`` implements these protocols; the use cases see only them, so
they can be read (and tested) without knowing SQL. A unit of work is one transaction: it
rolls back unless ``commit()`` is called.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import TracebackType
from typing import Any, Protocol, Self

from gateway.domain.billing import MethodTotal, StaleMeter, VolumeRow
from gateway.domain.model import (
    AccountView,
    InboundMessage,
    MessageRecord,
    MeterInfo,
    OutboxItem,
    PeriodStatus,
    ReadingRecord,
    RegisterResult,
    Status,
    StoredMessage,
)
from gateway.domain.records import MeterRow
from gateway.domain.rules import Rules


class StorageUnavailable(Exception):
    """The database cannot be reached: the channel must ask its sender to retry."""


class Messages(Protocol):
    async def insert(
        self, inbound: InboundMessage, received_at: datetime
    ) -> tuple[StoredMessage, bool]: ...
    async def get(self, message_id: int, lock: bool = False) -> StoredMessage | None: ...
    async def pending(self, limit: int) -> list[int]: ...
    async def count_recent(
        self, channel: str, sender: str, since: datetime, before_id: int
    ) -> int: ...
    async def finish(self, message: StoredMessage, uin: str | None, now: datetime) -> None: ...
    async def page(
        self, channel: str | None, external_id: str | None, after_id: int | None, limit: int
    ) -> list[MessageRecord]: ...
    async def record(self, message_id: int) -> MessageRecord | None: ...


class Accounts(Protocol):
    async def load(self, uin: str, before_period: str) -> tuple[int, AccountView] | None: ...
    async def upsert(self, rows: Sequence[MeterRow]) -> tuple[int, int]: ...
    async def meters_by_key(
        self, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], MeterInfo]: ...
    async def readings(
        self, uin: str, after_id: int | None, limit: int
    ) -> list[ReadingRecord] | None: ...


class Readings(Protocol):
    async def add(
        self,
        message: StoredMessage,
        results: Sequence[RegisterResult],
        status: Status,
        taken_on: date,
        now: datetime,
    ) -> None: ...
    async def insert_history(self, rows: Sequence[dict[str, Any]]) -> None: ...


class Outbox(Protocol):
    async def enqueue(
        self, message: StoredMessage, transport: str, body: str, now: datetime
    ) -> None: ...
    async def claim(
        self, now: datetime, transports: Sequence[str], limit: int, lease: timedelta
    ) -> list[OutboxItem]: ...
    async def mark(self, item_id: int, **values: Any) -> None: ...


class Volumes(Protocol):
    async def lock_close(self) -> bool: ...
    async def tune_for_close(self) -> None: ...
    async def period_status(self, period: str) -> PeriodStatus | None: ...
    async def meter_id_range(self) -> tuple[int, int] | None: ...
    async def count_registers(self) -> int: ...
    async def delete(self, period: str) -> None: ...
    async def insert(
        self, period: str, lo: int, hi: int, rules: Rules, normatives: Mapping[str, Decimal]
    ) -> int: ...
    async def mark_closed(self, period: str, now: datetime) -> None: ...
    async def mark_exported(self, period: str, now: datetime) -> None: ...
    async def totals(self, period: str) -> list[MethodTotal]: ...
    def stream(self, period: str) -> AsyncIterator[VolumeRow]: ...
    async def page(
        self, period: str, after: tuple[int, int] | None, limit: int
    ) -> list[VolumeRow]: ...
    async def all(self, period: str) -> list[VolumeRow]: ...
    async def stale_meters(
        self, not_since: date, after_account: int | None, limit: int
    ) -> list[StaleMeter]: ...


@dataclass(frozen=True)
class FolderState:
    """How far the IMAP poller got in one folder (see ``channels.email_imap``)."""

    mailbox: str  # user@host:port/folder
    uidvalidity: int
    last_uid: int  # every UID up to this one is stored or quarantined
    failing_uid: int | None = None  # the mail the poller is stuck on, if any
    failures: int = 0  # failed attempts at ``failing_uid``


class ImapFolders(Protocol):
    async def get(self, mailbox: str) -> FolderState | None: ...
    async def save(self, state: FolderState, now: datetime) -> None: ...


class UnitOfWork(Protocol):
    messages: Messages
    accounts: Accounts
    readings: Readings
    outbox: Outbox
    volumes: Volumes
    imap_folders: ImapFolders

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    async def commit(self) -> None: ...


# A new unit of work per call: ``async with uow() as work: ...; await work.commit()``
UnitOfWorkFactory = Callable[[], UnitOfWork]
