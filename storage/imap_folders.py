"""The IMAP poller's place in each folder (``gateway.service.uow.ImapFolders``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.domain.folders import FolderState
from storage.models import ImapFolder


class ImapFolderRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def get(self, mailbox: str) -> FolderState | None:
        row = (
            await self.conn.execute(
                select(
                    ImapFolder.uidvalidity,
                    ImapFolder.last_uid,
                    ImapFolder.failing_uid,
                    ImapFolder.failures,
                ).where(ImapFolder.mailbox == mailbox)
            )
        ).first()
        return None if row is None else FolderState(mailbox, *row)

    async def save(self, state: FolderState, now: datetime) -> None:
        """Insert or update; one poller per folder (the singleton lock), so no race."""
        values = {
            "uidvalidity": state.uidvalidity,
            "last_uid": state.last_uid,
            "failing_uid": state.failing_uid,
            "failures": state.failures,
            "updated_at": now,
        }
        done = await self.conn.execute(
            update(ImapFolder).where(ImapFolder.mailbox == state.mailbox).values(**values)
        )
        if done.rowcount == 0:
            await self.conn.execute(insert(ImapFolder).values(mailbox=state.mailbox, **values))
