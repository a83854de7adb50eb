"""Whom the reminders and period-close notices go to: verified contacts that did not opt
out (a Telegram user also with her private chat active), with what (the ``NoticeStore`` of
``gateway.service.uow``)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy import String, cast, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.domain.billed_notes import (
    DATED,
    FAILED,
    INSTALLED,
    LAPSED,
    RECOMMISSIONED,
    REMOVED,
    Event,
    event_of,
)
from gateway.domain.contacts import BilledLine, Contact, NoticeTarget
from gateway.domain.events import Act
from storage.billing_models import MeterAct, MeterReplacement
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


ONE_DAY = timedelta(days=1)
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
        """Each register's billed volume of ``period`` for ``uins``, in bill order, with its
        basis, factor and the event it is dated by (``billed_notes.event_of``)."""
        rows = (await self.conn.execute(
            select(Meter.id, Account.uin, Meter.service, Meter.zones, PeriodVolume.zone,
                   PeriodVolume.volume, PeriodVolume.method, PeriodVolume.basis,
                   PeriodVolume.factor)
            .join(Meter, Meter.account_id == Account.id)
            .join(PeriodVolume, PeriodVolume.meter_id == Meter.id)
            .where(PeriodVolume.period == period, Account.uin.in_(sorted(uins)))
            .order_by(Account.uin, Meter.position, Meter.id, PeriodVolume.zone)
        )).all()  # fmt: skip
        dated = {row[0] for row in rows if row.basis is not None and row.basis in DATED}
        events = await self._events(sorted(dated)) if dated else {}
        return [
            BilledLine(
                uin,
                service,
                zones,
                zone,
                volume,
                method,
                basis,
                factor,
                event_of(basis, period, events.get((meter_id, zone), [])),
            )  # fmt: skip
            for meter_id, uin, service, zones, zone, volume, method, basis, factor in rows
        ]

    async def _events(self, ids: list[int]) -> dict[tuple[int, int], list[Event]]:
        """The removals, installations, failures, lapsed verifications and recommissionings
        of the meters ``ids``, per meter and zone."""
        found: dict[tuple[int, int], list[Event]] = defaultdict(list)
        meters = await self.conn.execute(
            select(Meter.id, Meter.zones, Meter.failed_on, Meter.verified_until).where(
                Meter.id.in_(ids)
            )
        )
        for meter_id, zones, failed_on, verified_until in meters:
            for zone in range(1, zones + 1):
                if failed_on is not None:
                    found[(meter_id, zone)].append(Event(FAILED, failed_on))
                if verified_until is not None:
                    found[(meter_id, zone)].append(Event(LAPSED, verified_until + ONE_DAY))
        replaced = await self.conn.execute(
            select(MeterReplacement.old_meter_id, MeterReplacement.new_meter_id,
                   MeterReplacement.zone, MeterReplacement.removed_on,
                   MeterReplacement.installed_on)
            .where(or_(MeterReplacement.old_meter_id.in_(ids),
                       MeterReplacement.new_meter_id.in_(ids)))
        )  # fmt: skip
        for old_id, new_id, zone, removed_on, installed_on in replaced:
            found[(old_id, zone)].append(Event(REMOVED, removed_on))
            if new_id is not None and installed_on is not None:
                found[(new_id, zone)].append(Event(INSTALLED, installed_on))
        acts = await self.conn.execute(
            select(MeterAct.meter_id, MeterAct.zone, MeterAct.acted_on, MeterAct.act).where(
                MeterAct.meter_id.in_(ids), MeterAct.act.in_([Act.FAILED, Act.RECOMMISSIONED])
            )
        )
        for meter_id, zone, acted_on, act in acts:
            kind = FAILED if act == Act.FAILED else RECOMMISSIONED
            found[(meter_id, zone)].append(Event(kind, acted_on))
        return found
