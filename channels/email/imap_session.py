"""The IMAP connection of the poller, used only in its one worker thread: imapclient is
synchronous. Every method here blocks; ``ImapPoller`` calls them through its executor."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

log = logging.getLogger(__name__)

SEEN = b"\\Seen"
QUARANTINED = b"\\Flagged"  # a person sees it; the poller has skipped it
NEWS = frozenset({b"EXISTS", b"RECENT"})


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


class ImapSession:
    def __init__(self, settings: ImapSettings, stopping: threading.Event) -> None:
        self.settings = settings
        self.stopping = stopping  # set by the poller: an IDLE wait ends within a second
        self.client: IMAPClient | None = None
        self.uidvalidity = 0

    def connect(self) -> IMAPClient:
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

    def disconnect(self, logout: bool = False) -> None:
        client, self.client = self.client, None
        if client is None:
            return
        with contextlib.suppress(Exception):
            if logout:
                client.logout()
            else:
                client.shutdown()

    def new_uids(self, after: int) -> list[int]:
        assert self.client is not None
        # "n:*" always matches the highest UID, also when it is below n
        return sorted(u for u in self.client.search(["UID", f"{after + 1}:*"]) if u > after)

    def sizes(self, uids: list[int]) -> dict[int, int]:
        assert self.client is not None
        data = self.client.fetch(uids, ["RFC822.SIZE"])
        return {uid: int(d.get(b"RFC822.SIZE", 0)) for uid, d in data.items()}

    def fetch_one(self, uid: int, size: int) -> tuple[bytes, datetime | None]:
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

    def quarantine(self, uid: int) -> None:
        assert self.client is not None
        self.client.add_flags([uid], [QUARANTINED])

    def processed(self, uid: int) -> None:
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

    def has_idle(self) -> bool:
        return self.client is not None and bool(self.client.has_capability("IDLE"))

    def idle(self, seconds: float) -> None:
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
