"""An existing mailbox as a channel: poll ``imap.folder`` with imapclient.

imapclient is synchronous, so every IMAP call runs in one dedicated worker thread (a
single-thread executor: one connection, used by one thread, never blocking the event loop);
the receive use case runs in the event loop as for every other channel.

What was taken is tracked in the database, not by ``\\Seen`` (a person may read a mail
first): per folder its UIDVALIDITY and the last UID stored. Each pass asks for the UIDs
after it and takes them one at a time (sizes first, then one body: ``BODY.PEEK[]`` up to
``max_size``, else the headers), so one message at most is in memory. A message is stored,
then flagged ``\\Seen`` and moved to ``imap.processed_folder`` (SPEC §7), then its UID is
recorded. A crash in between fetches it again and the intake recognises its Message-ID, so
nothing is stored twice. A mail that fails ``MAX_FAILURES`` passes is quarantined: flagged
``\\Flagged``, logged, skipped. The server may come and go: the poller reconnects
with back-off. It waits with IDLE when the server offers it, else polls every
``imap.poll_seconds``. One process polls at a time (the singleton lock).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from channels.email_mime import to_inbound
from channels.singleton import LockLost, SingletonLock
from gateway.aio import raise_if_cancelling
from gateway.service.receive import Receive
from gateway.service.uow import FolderState, StorageUnavailable, UnitOfWorkFactory

log = logging.getLogger(__name__)

T = TypeVar("T")

LOCK_NAME = "meter-gateway:imap-poller"
SEEN = b"\\Seen"
QUARANTINED = b"\\Flagged"  # a person sees it; the poller has skipped it
MAX_FAILURES = 3  # passes a mail may fail before it is quarantined
NEWS = frozenset({b"EXISTS", b"RECENT"})
BATCH = 20
# Re-issue IDLE, and search once, this often (RFC 2177 asks for less than 29 min). Short on
# purpose: mail that arrives while a SEARCH runs is announced (EXISTS) in that command's
# response and never again, so IDLE may not wake for it; the next pass finds it anyway.
IDLE_SECONDS = 20.0
MAX_BACKOFF = 60.0


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    ssl: bool
    user: str
    password: str
    folder: str = "INBOX"
    processed_folder: str = ""
    poll_seconds: float = 30
    max_size: int = 10 * 1024 * 1024
    timeout: float = 30


class ImapPoller:
    def __init__(
        self,
        settings: ImapSettings,
        receive: Receive,
        own_addresses: Iterable[str],
        lock: SingletonLock | None = None,
        idle_seconds: float = IDLE_SECONDS,
        uow: UnitOfWorkFactory | None = None,
        max_failures: int = MAX_FAILURES,
    ) -> None:
        self.settings = settings
        self.receive = receive
        self.own = list(own_addresses)
        self.lock = lock
        self.idle_seconds = idle_seconds
        self.executor = ThreadPoolExecutor(1, thread_name_prefix="imap")
        self.stopping = threading.Event()
        self.client: IMAPClient | None = None  # touched only in the executor's thread
        self.uow = uow  # where the folder state is kept; None: in memory only (tools, tests)
        self.max_failures = max_failures
        self.state: FolderState | None = None
        self.uidvalidity = 0

    async def run_forever(self) -> None:
        delay = 1.0
        try:
            while True:
                try:
                    if self.lock is not None and not await self.lock.acquire():
                        await asyncio.sleep(self.settings.poll_seconds)
                        continue
                    # mail that came in during a pass may have been announced in the answer
                    # to one of its commands, which IDLE does not repeat: a pass that took
                    # mail is followed by another before waiting
                    while await self.poll_once() and await self._still_ours():
                        pass
                    delay = 1.0
                    await self._wait_for_news()
                    if self.lock is not None and not await self.lock.still_held():
                        raise LockLost()
                except Exception as e:  # the server went away, the database, the lock
                    raise_if_cancelling()
                    log.warning("IMAP %s: %s; retrying in %.0f s", self.settings.host, e, delay)
                    await self._call(self._disconnect)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, MAX_BACKOFF)
        finally:
            await self.close()

    async def poll_once(self) -> int:
        """Store every message after the last one stored, one at a time, and flag it;
        returns how many were new. Raises ``StorageUnavailable`` (the rest waits for the
        next pass), the IMAP error, or the error of a mail that failed (counted: after
        ``max_failures`` passes it is quarantined and the pass goes on without it)."""
        await self._call(self._connect)
        state = await self._load()
        uids = await self._call(self._new_uids, state.last_uid)
        new = 0
        for start in range(0, len(uids), BATCH):
            chunk = uids[start : start + BATCH]
            sizes = await self._call(self._sizes, chunk)
            for uid in chunk:
                if uid in sizes:  # else expunged meanwhile
                    try:
                        # one message in memory at a time (max_size, or its headers)
                        raw, arrived = await self._call(self._fetch_one, uid, sizes[uid])
                        inbound = await asyncio.to_thread(
                            to_inbound,
                            raw,
                            self.own,
                            recipient=self.settings.user,
                            received_at=arrived,
                        )
                        receipt = await self.receive(inbound)
                    except StorageUnavailable:
                        raise
                    except Exception as e:
                        state = await self._failed(state, uid, e)
                        continue
                    await self._call(self._processed, uid)
                    new += not receipt.duplicate
                state = replace(state, last_uid=uid, failing_uid=None, failures=0)
                await self._save(state)
        return new

    @property
    def mailbox(self) -> str:
        s = self.settings
        return f"{s.user}@{s.host}:{s.port}/{s.folder}"

    async def _load(self) -> FolderState:
        """Where to go on from: the stored state, unless the folder's UIDVALIDITY changed
        (its UIDs were renumbered: start over, the intake recognises what it has)."""
        validity = self.uidvalidity
        state = self.state
        if self.uow is not None:
            async with self.uow() as uow:
                state = await uow.imap_folders.get(self.mailbox)
        if state is not None and state.uidvalidity == validity:
            self.state = state
            return state
        if state is not None:
            log.warning("IMAP %s: UIDVALIDITY changed, reading the folder again", self.mailbox)
        self.state = FolderState(self.mailbox, validity, 0)
        return self.state

    async def _save(self, state: FolderState) -> None:
        self.state = state
        if self.uow is not None:
            async with self.uow() as uow:
                await uow.imap_folders.save(state, datetime.now(UTC))
                await uow.commit()

    async def _failed(self, state: FolderState, uid: int, error: Exception) -> FolderState:
        """Count a failure of mail ``uid``; re-raise it (the pass stops and is retried)
        until ``max_failures``, then quarantine the mail: flagged, left where it is,
        skipped from now on."""
        failures = state.failures + 1 if state.failing_uid == uid else 1
        if failures < self.max_failures:
            await self._save(replace(state, failing_uid=uid, failures=failures))
            raise error
        log.error(
            "IMAP %s: mail UID %d failed %d times (%s); quarantined: flagged and skipped",
            self.mailbox, uid, failures, error,
        )  # fmt: skip
        await self._call(self._quarantine, uid)
        state = replace(state, last_uid=uid, failing_uid=None, failures=0)
        await self._save(state)
        return state

    async def close(self) -> None:
        self.stopping.set()
        with contextlib.suppress(Exception):
            await self._call(self._disconnect, logout=True)
        self.executor.shutdown(wait=False)
        if self.lock is not None:
            await self.lock.release()

    async def _still_ours(self) -> bool:
        return self.lock is None or await self.lock.still_held()

    async def _wait_for_news(self) -> None:
        if await self._call(self._has_idle):
            await self._call(self._idle, self.idle_seconds)
        else:
            await asyncio.sleep(self.settings.poll_seconds)

    async def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, lambda: fn(*args, **kwargs))

    # --- in the IMAP thread --------------------------------------------------------------

    def _connect(self) -> IMAPClient:
        if self.client is not None:
            return self.client
        s = self.settings
        client = IMAPClient(s.host, port=s.port, ssl=s.ssl, timeout=s.timeout)
        client.normalise_times = False  # INTERNALDATE with its zone, not naive local time
        try:
            client.login(s.user, s.password)
            selected = client.select_folder(s.folder)
            self.uidvalidity = int(selected.get(b"UIDVALIDITY", 0))
            if s.processed_folder and not client.folder_exists(s.processed_folder):
                client.create_folder(s.processed_folder)
        except BaseException:
            with contextlib.suppress(Exception):
                client.shutdown()
            raise
        log.info("IMAP connected to %s:%s, folder %s", s.host, s.port, s.folder)
        self.client = client
        return client

    def _disconnect(self, logout: bool = False) -> None:
        client, self.client = self.client, None
        if client is None:
            return
        with contextlib.suppress(Exception):
            if logout:
                client.logout()
            else:
                client.shutdown()

    def _new_uids(self, after: int) -> list[int]:
        assert self.client is not None
        # "n:*" always matches the highest UID, also when it is below n
        return sorted(u for u in self.client.search(["UID", f"{after + 1}:*"]) if u > after)

    def _sizes(self, uids: list[int]) -> dict[int, int]:
        assert self.client is not None
        data = self.client.fetch(uids, ["RFC822.SIZE"])
        return {uid: int(d.get(b"RFC822.SIZE", 0)) for uid, d in data.items()}

    def _fetch_one(self, uid: int, size: int) -> tuple[bytes, datetime | None]:
        """The message (or, over ``max_size``, its headers) and its INTERNALDATE: when the
        mailbox got it, which is when it arrived for the billing period, however late the
        poller comes to it."""
        assert self.client is not None
        # A mailbox cannot refuse mail as SMTP does (552): keep the headers, whose subject
        # may still carry the readings; the full message stays on the server.
        part = "BODY[]" if size <= self.settings.max_size else "BODY[HEADER]"
        peek = part.replace("BODY", "BODY.PEEK")
        data = self.client.fetch([uid], [peek, "INTERNALDATE"]).get(uid, {})
        arrived = data.get(b"INTERNALDATE")
        if not isinstance(arrived, datetime) or arrived.tzinfo is None:
            arrived = None
        return data.get(part.encode()) or b"", arrived

    def _quarantine(self, uid: int) -> None:
        assert self.client is not None
        self.client.add_flags([uid], [QUARANTINED])

    def _processed(self, uid: int) -> None:
        assert self.client is not None
        self.client.add_flags([uid], [SEEN])
        folder = self.settings.processed_folder
        if not folder:
            return
        if self.client.has_capability("MOVE"):
            self.client.move([uid], folder)
        else:
            self.client.copy([uid], folder)
            self.client.delete_messages([uid])
            if self.client.has_capability("UIDPLUS"):
                self.client.uid_expunge([uid])
            else:
                self.client.expunge()

    def _has_idle(self) -> bool:
        return self.client is not None and bool(self.client.has_capability("IDLE"))

    def _idle(self, seconds: float) -> None:
        """Wait in IDLE until the server reports something, ``seconds`` pass or we stop.
        Short checks keep shutdown quick; a dead connection raises here."""
        assert self.client is not None
        # Mail that arrived during the last pass may have been announced (EXISTS) in the
        # response to one of its commands, which IDLE would not repeat: ask first.
        _, updates = self.client.noop()
        if any(isinstance(u, tuple) and NEWS.intersection(u) for u in updates):
            return
        self.client.idle()
        try:
            deadline = time.monotonic() + seconds
            while not self.stopping.is_set() and time.monotonic() < deadline:
                if self.client.idle_check(timeout=1):
                    return
        finally:
            with contextlib.suppress(IMAPClientError, OSError):
                self.client.idle_done()
