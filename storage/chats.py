"""Telegram chats and users: state, drafts and the log of handled updates (links to
accounts, attempts and reminders are the contacts': storage/contacts.py,
storage/contact_notices.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.domain.chats import ChatState, Draft
from storage.accounts import upsert_into
from storage.models import (
    Account,
    Reading,
    TelegramChat,
    TelegramDraft,
    TelegramUpdate,
    TelegramUser,
)

HISTORY_PER_REGISTER = 3


class ChatRepository:
    """The ``ChatStore`` of ``gateway.service.uow`` on SQL."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def claim_update(self, update_id: int, now: datetime) -> bool:
        """True the first time ``update_id`` is handled (the row commits with the work)."""
        stmt = upsert_into(self.conn, TelegramUpdate).values(update_id=update_id, handled_at=now)
        result = await self.conn.execute(stmt.on_conflict_do_nothing())
        return result.rowcount == 1

    async def handled(self, update_id: int) -> bool:
        found = await self.conn.execute(
            select(TelegramUpdate.update_id).where(TelegramUpdate.update_id == update_id)
        )
        return found.first() is not None

    async def touch(self, chat_id: int, language: str, now: datetime) -> None:
        """The chat (created on first contact), active again: it just wrote to us."""
        stmt = upsert_into(self.conn, TelegramChat).values(
            chat_id=chat_id, language=language, active=True, created_at=now
        )
        await self.conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["chat_id"], set_={"language": language, "active": True}
            )
        )

    async def awaiting(self, user_id: int) -> str | None:
        """What the bot waits for from the user, in any chat."""
        found = await self.conn.execute(
            select(TelegramUser.awaiting).where(TelegramUser.user_id == user_id)
        )
        return found.scalar_one_or_none()

    async def set_awaiting(self, user_id: int, awaiting: str | None) -> None:
        stmt = upsert_into(self.conn, TelegramUser).values(user_id=user_id, awaiting=awaiting)
        await self.conn.execute(
            stmt.on_conflict_do_update(index_elements=["user_id"], set_={"awaiting": awaiting})
        )

    async def set_active(self, chat_id: int, active: bool) -> None:
        await self.conn.execute(
            update(TelegramChat).where(TelegramChat.chat_id == chat_id).values(active=active)
        )

    async def state(self, chat_id: int) -> ChatState | None:
        row = (
            await self.conn.execute(
                select(TelegramChat.chat_id, TelegramChat.language, TelegramChat.active).where(
                    TelegramChat.chat_id == chat_id
                )
            )
        ).one_or_none()
        if row is None:
            return None
        # a private chat's id is its user's
        return ChatState(row.chat_id, row.language, row.active, await self.awaiting(chat_id))

    async def account_id(self, uin: str) -> int | None:
        found = await self.conn.execute(select(Account.id).where(Account.uin == uin))
        return found.scalar_one_or_none()

    async def add_draft(self, draft: Draft, now: datetime) -> int:
        result = await self.conn.execute(
            insert(TelegramDraft)
            .values(
                chat_id=draft.chat_id,
                user_id=draft.user_id,
                update_id=draft.update_id,
                text=draft.text,
                language=draft.language,
                meta=draft.meta,
                raw=draft.raw,
                created_at=now,
            )
            .returning(TelegramDraft.id)
        )
        return int(result.scalar_one())

    async def draft(self, draft_id: int) -> Draft | None:
        """The draft, answered or not (None: no such draft, a forged button)."""
        row = (
            await self.conn.execute(select(*DRAFT_COLUMNS).where(TelegramDraft.id == draft_id))
        ).one_or_none()
        return _draft(row) if row is not None else None

    async def answer_draft(self, draft_id: int, now: datetime) -> bool:
        """Mark the draft answered; False when it already was (a second press)."""
        result = await self.conn.execute(
            update(TelegramDraft)
            .where(TelegramDraft.id == draft_id, TelegramDraft.answered_at.is_(None))
            .values(answered_at=now)
        )
        return result.rowcount == 1

    async def supersede(self, message_id: int) -> None:
        """A message's readings in review, replaced by the customer's correction."""
        await self.conn.execute(
            update(Reading)
            .where(Reading.message_id == message_id, Reading.status == "review")
            .values(status="superseded")
        )


DRAFT_COLUMNS: Sequence[Any] = (
    TelegramDraft.id,
    TelegramDraft.chat_id,
    TelegramDraft.update_id,
    TelegramDraft.text,
    TelegramDraft.language,
    TelegramDraft.meta,
    TelegramDraft.raw,
    TelegramDraft.user_id,
    TelegramDraft.answered_at,
)


def _draft(row: Any) -> Draft:
    return Draft(
        id=row.id,
        chat_id=row.chat_id,
        update_id=row.update_id,
        text=row.text,
        language=row.language,
        meta=row.meta,
        raw=row.raw,
        user_id=row.user_id,
        answered=row.answered_at is not None,
    )
