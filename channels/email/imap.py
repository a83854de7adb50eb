"""An existing mailbox as a channel: poll ``imap.folder`` with imapclient.

imapclient is synchronous, so every IMAP call runs in one dedicated worker thread (a
single-thread executor: one connection, used by one thread, never blocking the event loop);
the receive use case runs in the event loop as for every other channel.

What was taken is tracked in the database, not by ``\\Seen`` (a person may read a mail
first): per folder its UIDVALIDITY and the last UID stored. Each pass asks for the UIDs
after it and takes them one at a time (sizes first, then one body: ``BODY.PEEK[]`` up to
``max_size``, else the headers), so one message at most is in memory. A message is stored,
then flagged ``\\Seen`` and moved to ``imap.processed_folder`` (docs/channels.md, "Email"), then
its UID is recorded. A crash in between fetches it again and the intake recognises its
Message-ID, so nothing is stored twice. A mail that fails ``MAX_FAILURES`` passes is
quarantined: flagged ``\\Flagged``, logged, skipped. The server may come and go: the poller
reconnects with back-off. It waits with IDLE when the server offers it, else polls every
``imap.poll_seconds``. One process polls at a time (the singleton lock).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any, TypeVar

from channels.email.imap_session import ImapSession, ImapSettings
from channels.email.mime import to_inbound
from channels.singleton import LockLost
from gateway.domain.folders import FolderState
from gateway.runtime.aio import raise_if_cancelling
from gateway.service.mail_folders import MailFolders
from gateway.service.receive import Receive
from gateway.service.uow import SingletonLock, StorageUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")

LOCK_NAME = "meter-gateway:imap-poller"
MAX_FAILURES = 3  # passes a mail may fail before it is quarantined
BATCH = 20
# Re-issue IDLE, and search once, this often (RFC 2177 asks for less than 29 min). Short on
# purpose: mail that arrives while a SEARCH runs is announced (EXISTS) in that command's
# response and never again, so IDLE may not wake for it; the next pass finds it anyway.
IDLE_SECONDS = 20.0
MAX_BACKOFF = 60.0


class ImapPoller:
    def __init__(
        self,
        settings: ImapSettings,
        receive: Receive,
        own_addresses: Iterable[str],
        lock: SingletonLock | None = None,
        idle_seconds: float = IDLE_SECONDS,
        folders: MailFolders | None = None,
        max_failures: int = MAX_FAILURES,
    ) -> None:
        self.settings = settings
        self.receive = receive
        self.own = list(own_addresses)
        self.lock = lock
        self.idle_seconds = idle_seconds
        self.executor = ThreadPoolExecutor(1, thread_name_prefix="imap")
        self.stopping = threading.Event()
        self.session = ImapSession(settings, self.stopping)  # used only in the executor
        self.folders = folders  # where the state is kept; None: in memory only (tools, tests)
        self.max_failures = max_failures
        self.state: FolderState | None = None

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
                    await self._call(self.session.disconnect)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, MAX_BACKOFF)
        finally:
            await self.close()

    async def poll_once(self) -> int:
        """Store every message after the last one stored, one at a time, and flag it;
        returns how many were new. Raises ``StorageUnavailable`` (the rest waits for the
        next pass), the IMAP error, or the error of a mail that failed (counted: after
        ``max_failures`` passes it is quarantined and the pass goes on without it)."""
        await self._call(self.session.connect)
        state = await self._load()
        uids = await self._call(self.session.new_uids, state.last_uid)
        new = 0
        for start in range(0, len(uids), BATCH):
            chunk = uids[start : start + BATCH]
            sizes = await self._call(self.session.sizes, chunk)
            for uid in chunk:
                if uid in sizes:  # else expunged meanwhile
                    try:
                        # one message in memory at a time (max_size, or its headers)
                        raw, arrived = await self._call(self.session.fetch_one, uid, sizes[uid])
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
                    await self._call(self.session.processed, uid)
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
        validity = self.session.uidvalidity
        state = self.state
        if self.folders is not None:
            state = await self.folders.load(self.mailbox)
        if state is not None and state.uidvalidity == validity:
            self.state = state
            return state
        if state is not None:
            log.warning("IMAP %s: UIDVALIDITY changed, reading the folder again", self.mailbox)
        self.state = FolderState(self.mailbox, validity, 0)
        return self.state

    async def _save(self, state: FolderState) -> None:
        self.state = state
        if self.folders is not None:
            await self.folders.save(state)

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
        await self._call(self.session.quarantine, uid)
        state = replace(state, last_uid=uid, failing_uid=None, failures=0)
        await self._save(state)
        return state

    async def close(self) -> None:
        self.stopping.set()
        with contextlib.suppress(Exception):
            await self._call(self.session.disconnect, logout=True)
        self.executor.shutdown(wait=False)
        if self.lock is not None:
            await self.lock.release()

    async def _still_ours(self) -> bool:
        return self.lock is None or await self.lock.still_held()

    async def _wait_for_news(self) -> None:
        if await self._call(self.session.has_idle):
            await self._call(self.session.idle, self.idle_seconds)
        else:
            await asyncio.sleep(self.settings.poll_seconds)

    async def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, lambda: fn(*args, **kwargs))
