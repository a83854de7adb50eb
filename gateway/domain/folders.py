"""How far the IMAP poller got in one folder: kept in the database by the use case
``gateway.service.mail_folders``, so a restart goes on where the last process stopped."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FolderState:
    """The poller's place in one folder (see ``channels.email.imap``)."""

    mailbox: str  # user@host:port/folder
    uidvalidity: int
    last_uid: int  # every UID up to this one is stored or quarantined
    failing_uid: int | None = None  # the mail the poller is stuck on, if any
    failures: int = 0  # failed attempts at ``failing_uid``
