"""Telegram chats and users: state, links to accounts, verification attempts, drafts,
reminders and the log of handled updates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.domain.chats import ChatState, Draft, HistoryLine, ReminderTarget
from storage.accounts import upsert_into
from storage.models import (
    Account,
    Meter,
    Reading,
    TelegramChat,
    TelegramDraft,
    TelegramLink,
    TelegramLinkAttempt,
    TelegramReminder,
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

    async def failures(self, chat_id: int, day: date) -> int:
        found = await self.conn.execute(
            select(func.count()).where(
                TelegramLinkAttempt.chat_id == chat_id,
                TelegramLinkAttempt.day == day,
                TelegramLinkAttempt.ok.is_(False),
            )
        )
        return int(found.scalar_one())

    async def add_attempt(self, chat_id: int, day: date, uin: str, ok: bool, now: datetime) -> None:
        await self.conn.execute(
            insert(TelegramLinkAttempt).values(chat_id=chat_id, day=day, uin=uin, ok=ok, at=now)
        )

    async def link(self, chat_id: int, account_id: int, now: datetime) -> None:
        stmt = upsert_into(self.conn, TelegramLink).values(
            chat_id=chat_id, account_id=account_id, linked_at=now
        )
        await self.conn.execute(stmt.on_conflict_do_nothing())

    async def unlink(self, chat_id: int, uin: str | None) -> int:
        """Remove one link (or all of the chat's); returns how many were removed."""
        stmt = delete(TelegramLink).where(TelegramLink.chat_id == chat_id)
        if uin is not None:
            stmt = stmt.where(
                TelegramLink.account_id.in_(select(Account.id).where(Account.uin == uin))
            )
        return (await self.conn.execute(stmt)).rowcount

    async def linked(self, chat_id: int) -> list[str]:
        """The UINs linked to the chat, in order."""
        rows = await self.conn.execute(
            select(Account.uin)
            .join(TelegramLink, TelegramLink.account_id == Account.id)
            .where(TelegramLink.chat_id == chat_id)
            .order_by(Account.uin)
        )
        return list(rows.scalars())

    async def history(self, chat_id: int) -> list[HistoryLine]:
        """The last accepted readings per register of the chat's accounts, newest first."""
        rows = await self.conn.execute(
            select(
                Account.uin,
                Meter.name,
                Reading.zone,
                Reading.taken_on,
                Reading.value,
                Reading.consumption,
                Meter.service,
                Meter.zones,
            )
            .join(Meter, Meter.id == Reading.meter_id)
            .join(Account, Account.id == Meter.account_id)
            .join(TelegramLink, TelegramLink.account_id == Account.id)
            .where(TelegramLink.chat_id == chat_id, Reading.status == "accepted")
            .order_by(Account.uin, Meter.position, Reading.zone, Reading.taken_on.desc())
        )
        out: list[HistoryLine] = []
        count: dict[tuple[str, str, int], int] = {}
        for row in rows:
            key = (row.uin, row.name, row.zone)
            count[key] = count.get(key, 0) + 1
            if count[key] <= HISTORY_PER_REGISTER:
                out.append(
                    HistoryLine(
                        uin=row.uin,
                        meter=row.name,
                        zone=row.zone,
                        taken_on=row.taken_on,
                        value=row.value,
                        consumption=row.consumption,
                        service=str(row.service),
                        zones=row.zones,
                    )
                )
        return out

    async def last_values(self, account_id: int) -> list[Decimal]:
        """The last accepted reading of each of the account's registers (what its bill shows)."""
        rows = await self.conn.execute(
            select(Reading.meter_id, Reading.zone, Reading.value)
            .join(Meter, Meter.id == Reading.meter_id)
            .where(Meter.account_id == account_id, Reading.status == "accepted")
            .order_by(Reading.meter_id, Reading.zone, Reading.taken_on.desc(), Reading.id.desc())
        )
        last: dict[tuple[int, int], Decimal] = {}
        for meter_id, zone, value in rows:
            last.setdefault((meter_id, zone), Decimal(value))
        return list(last.values())

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

    async def reminder_targets(self, period: str) -> list[ReminderTarget]:
        """Active chats not yet reminded this period with an account without a reading."""
        reminded = select(TelegramReminder.chat_id).where(TelegramReminder.period == period)
        has_reading = (
            select(Reading.id)
            .join(Meter, Meter.id == Reading.meter_id)
            .where(
                Meter.account_id == Account.id,
                Reading.period == period,
                Reading.status.in_(["accepted", "review"]),
            )
            .exists()
        )
        rows = await self.conn.execute(
            select(TelegramChat.chat_id, TelegramChat.language, Account.uin)
            .join(TelegramLink, TelegramLink.chat_id == TelegramChat.chat_id)
            .join(Account, Account.id == TelegramLink.account_id)
            .where(
                TelegramChat.active.is_(True),
                Account.status == "open",
                TelegramChat.chat_id.not_in(reminded),
                ~has_reading,
            )
            .order_by(TelegramChat.chat_id, Account.uin)
        )
        targets: dict[int, tuple[str, list[str]]] = {}
        for chat_id, language, uin in rows:
            targets.setdefault(chat_id, (language, []))[1].append(uin)
        return [ReminderTarget(c, lang, tuple(uins)) for c, (lang, uins) in targets.items()]

    async def reminded(self, chat_id: int, period: str, now: datetime) -> bool:
        """Record the reminder; False when the chat already had one this period."""
        stmt = upsert_into(self.conn, TelegramReminder).values(
            chat_id=chat_id, period=period, sent_at=now
        )
        return (await self.conn.execute(stmt.on_conflict_do_nothing())).rowcount == 1


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
