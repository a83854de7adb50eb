"""The IMAP poller's place in each folder, kept in the database: read before a pass,
saved after every mail (stored, quarantined or failed), one transaction each."""

from __future__ import annotations

from gateway.domain.clock import utc_now
from gateway.domain.folders import FolderState
from gateway.service.uow import UnitOfWorkFactory


class MailFolders:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self.uow = uow

    async def load(self, mailbox: str) -> FolderState | None:
        """The state last saved for ``mailbox`` (``user@host:port/folder``), if any."""
        async with self.uow() as work:
            return await work.imap_folders.get(mailbox)

    async def save(self, state: FolderState) -> None:
        async with self.uow() as work:
            await work.imap_folders.save(state, utc_now())
            await work.commit()
