"""Whom the reminders and period-close notices go to: verified contacts that did not opt
out (a Telegram user also with her private chat active), with what (the ``NoticeStore`` of
``gateway.service.uow``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, cast, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.domain.contacts import BilledLine, Contact, NoticeTarget
from storage.contact_models import ContactLink, ContactNotice, ContactRow
from storage.models import Account, Meter, PeriodVolume, Reading
from storage.telegram_models import TelegramChat


def _reachable() -> Any:
    """Not opted out; a Telegram user only while her private chat takes our messages."""
    chat_active = (
        select(TelegramChat.chat_id)
        .where(
            cast(TelegramChat.chat_id, String) == ContactRow.address,
            TelegramChat.active.is_(True),
        )
        .exists()
    )
    return ContactRow.opted_out_at.is_(None) & or_(ContactRow.kind != "telegram", chat_active)


def _not_sent(period: str, kind: str) -> Any:
    return ContactRow.id.not_in(
        select(ContactNotice.contact_id).where(
            ContactNotice.period == period, ContactNotice.kind == kind
        )
    )


def _targets(rows: Any) -> list[NoticeTarget]:
    found: dict[int, NoticeTarget] = {}
    for contact_id, kind, address, language, uin in rows:
        target = found.setdefault(
            contact_id, NoticeTarget(contact_id, Contact(kind, address), language, ())
        )
        found[contact_id] = NoticeTarget(contact_id, target.contact, language, (*target.uins, uin))
    return list(found.values())


COLUMNS = (ContactRow.id, ContactRow.kind, ContactRow.address, ContactRow.language, Account.uin)


class NoticeRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def reminder_targets(self, period: str) -> list[NoticeTarget]:
        """Contacts not yet reminded this period, with their open accounts that have no
        reading (accepted or in review) for it."""
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
            select(*COLUMNS)
            .join(ContactLink, ContactLink.contact_id == ContactRow.id)
            .join(Account, Account.id == ContactLink.account_id)
            .where(
                _reachable(), _not_sent(period, "reminder"), Account.status == "open", ~has_reading
            )
            .order_by(ContactRow.id, Account.uin)
        )
        return _targets(rows)

    async def close_targets(self, period: str) -> list[NoticeTarget]:
        """Contacts without the notice of ``period``, with their accounts billed in it."""
        billed = (
            select(PeriodVolume.meter_id)
            .join(Meter, Meter.id == PeriodVolume.meter_id)
            .where(Meter.account_id == Account.id, PeriodVolume.period == period)
            .exists()
        )
        rows = await self.conn.execute(
            select(*COLUMNS)
            .join(ContactLink, ContactLink.contact_id == ContactRow.id)
            .join(Account, Account.id == ContactLink.account_id)
            .where(_reachable(), _not_sent(period, "close"), billed)
            .order_by(ContactRow.id, Account.uin)
        )
        return _targets(rows)

    async def billed(self, period: str, uins: list[str]) -> list[BilledLine]:
        """Each register's billed volume of ``period`` for ``uins``, in bill order."""
        rows = await self.conn.execute(
            select(Account.uin, Meter.service, Meter.zones, PeriodVolume.zone,
                   PeriodVolume.volume, PeriodVolume.method)
            .join(Meter, Meter.account_id == Account.id)
            .join(PeriodVolume, PeriodVolume.meter_id == Meter.id)
            .where(PeriodVolume.period == period, Account.uin.in_(sorted(uins)))
            .order_by(Account.uin, Meter.position, PeriodVolume.zone)
        )  # fmt: skip
        return [BilledLine(*row) for row in rows]
