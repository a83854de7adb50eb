"""Contacts: their state, verified links to accounts, attempts, the last bill's values,
notices sent and the audit (the ``ContactStore`` of ``gateway.service.uow``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.domain.chats import HistoryLine
from gateway.domain.contacts import Contact, ContactState, LinkedContact
from gateway.domain.volumes import Method
from storage.accounts import upsert_into
from storage.contact_models import (
    ContactAudit,
    ContactLink,
    ContactLinkAttempt,
    ContactNotice,
    ContactRow,
)
from storage.models import Account, Meter, Period, PeriodVolume, Reading

HISTORY_PER_REGISTER = 3
STATE = (ContactRow.id, ContactRow.kind, ContactRow.address, ContactRow.language,
         ContactRow.opted_out_at, ContactRow.pending_uin, ContactRow.pending_since)  # fmt: skip


def _state(row: Any) -> ContactState:
    return ContactState(
        row.id,
        Contact(row.kind, row.address),
        row.language,
        row.opted_out_at is not None,
        row.pending_uin,
        row.pending_since,
    )


def _is(c: Contact) -> Any:
    return and_(ContactRow.kind == c.kind, ContactRow.address == c.address)


class ContactRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    # --- the contact ----------------------------------------------------------------------

    async def get(self, c: Contact) -> ContactState | None:
        row = (await self.conn.execute(select(*STATE).where(_is(c)))).one_or_none()
        return _state(row) if row is not None else None

    async def ensure(self, c: Contact, language: str | None, now: datetime) -> ContactState:
        """The contact, created on first use; its language updated when one is given."""
        stmt = upsert_into(self.conn, ContactRow).values(
            kind=c.kind, address=c.address, language=language, created_at=now
        )
        if language:
            stmt = stmt.on_conflict_do_update(
                index_elements=["kind", "address"], set_={"language": language}
            )
        else:
            stmt = stmt.on_conflict_do_nothing()
        await self.conn.execute(stmt)
        found = await self.get(c)
        assert found is not None
        return found

    async def set_pending(self, contact_id: int, uin: str | None, now: datetime | None) -> None:
        await self.conn.execute(
            update(ContactRow)
            .where(ContactRow.id == contact_id)
            .values(pending_uin=uin, pending_since=now if uin else None)
        )

    async def set_opted_out(self, contact_id: int, at: datetime | None) -> None:
        await self.conn.execute(
            update(ContactRow).where(ContactRow.id == contact_id).values(opted_out_at=at)
        )

    async def known(self, contacts: Sequence[Contact]) -> set[Contact]:
        """Those of ``contacts`` the gateway has a row for (linked, linking, opted out)."""
        if not contacts:
            return set()
        keys = sorted({(c.kind, c.address) for c in contacts})
        rows = await self.conn.execute(
            select(ContactRow.kind, ContactRow.address).where(
                tuple_(ContactRow.kind, ContactRow.address).in_(keys)
            )
        )
        return {Contact(k, a) for k, a in rows}

    # --- links ----------------------------------------------------------------------------

    async def accounts_of(self, c: Contact) -> list[str]:
        """The UINs the contact is verified for, in order."""
        rows = await self.conn.execute(
            select(Account.uin)
            .join(ContactLink, ContactLink.account_id == Account.id)
            .join(ContactRow, ContactRow.id == ContactLink.contact_id)
            .where(_is(c))
            .order_by(Account.uin)
        )
        return list(rows.scalars())

    async def account_id(self, uin: str) -> int | None:
        found = await self.conn.execute(select(Account.id).where(Account.uin == uin))
        return found.scalar_one_or_none()

    async def link(
        self, contact_id: int, account_id: int, by: str, actor: str | None, now: datetime
    ) -> bool:
        """False when the link was there already."""
        stmt = upsert_into(self.conn, ContactLink).values(
            contact_id=contact_id, account_id=account_id, verified_at=now, verified_by=by,
            actor=actor,
        )  # fmt: skip
        return (await self.conn.execute(stmt.on_conflict_do_nothing())).rowcount == 1

    async def unlink(self, contact_id: int, uin: str | None) -> list[str]:
        """Remove one link (or all of the contact's); the UINs unlinked."""
        which = select(Account.id, Account.uin).join(
            ContactLink, ContactLink.account_id == Account.id
        ).where(ContactLink.contact_id == contact_id)  # fmt: skip
        if uin is not None:
            which = which.where(Account.uin == uin)
        found = (await self.conn.execute(which)).all()
        if found:
            await self.conn.execute(
                delete(ContactLink).where(
                    ContactLink.contact_id == contact_id,
                    ContactLink.account_id.in_([r.id for r in found]),
                )
            )
        return sorted(r.uin for r in found)

    async def contacts_of(self, uin: str) -> list[LinkedContact]:
        """The account's verified contacts."""
        rows = await self.conn.execute(
            select(
                ContactRow.kind,
                ContactRow.address,
                Account.uin,
                ContactLink.verified_by,
                ContactLink.verified_at,
                ContactRow.opted_out_at,
                ContactRow.language,
            )
            .join(ContactLink, ContactLink.contact_id == ContactRow.id)
            .join(Account, Account.id == ContactLink.account_id)
            .where(Account.uin == uin)
            .order_by(ContactRow.kind, ContactRow.address)
        )
        return [
            LinkedContact(Contact(r.kind, r.address), r.uin, r.verified_by, r.verified_at,
                          r.opted_out_at is not None, r.language)
            for r in rows
        ]  # fmt: skip

    async def verified(self, pairs: Sequence[tuple[Contact, str]]) -> set[tuple[Contact, str]]:
        """Those (contact, UIN) pairs that are verified links."""
        if not pairs:
            return set()
        keys = sorted({(c.kind, c.address, uin) for c, uin in pairs})
        rows = await self.conn.execute(
            select(ContactRow.kind, ContactRow.address, Account.uin)
            .join(ContactLink, ContactLink.contact_id == ContactRow.id)
            .join(Account, Account.id == ContactLink.account_id)
            .where(tuple_(ContactRow.kind, ContactRow.address, Account.uin).in_(keys))
        )
        return {(Contact(k, a), u) for k, a, u in rows}

    async def with_contacts(self, uins: Sequence[str]) -> set[str]:
        """Those of ``uins`` that have a verified contact."""
        if not uins:
            return set()
        rows = await self.conn.execute(
            select(Account.uin)
            .join(ContactLink, ContactLink.account_id == Account.id)
            .where(Account.uin.in_(sorted(set(uins))))
            .distinct()
        )
        return set(rows.scalars())

    # --- verification ---------------------------------------------------------------------

    async def failures(self, contact_id: int | None, account_id: int | None, day: date) -> int:
        """Failed attempts on ``day`` by the contact (``account_id`` None) or on the account."""
        where = [ContactLinkAttempt.day == day, ContactLinkAttempt.ok.is_(False)]
        if contact_id is not None:
            where.append(ContactLinkAttempt.contact_id == contact_id)
        if account_id is not None:
            where.append(ContactLinkAttempt.account_id == account_id)
        found = await self.conn.execute(select(func.count()).where(*where))
        return int(found.scalar_one())

    async def add_attempt(
        self, contact_id: int, account_id: int | None, uin: str, day: date, ok: bool,
        now: datetime,
    ) -> None:  # fmt: skip
        await self.conn.execute(
            insert(ContactLinkAttempt).values(
                contact_id=contact_id, account_id=account_id, uin=uin, day=day, ok=ok, at=now
            )
        )

    async def bill_values(self, account_id: int) -> list[Decimal] | None:
        """The values of the account's last bill: the readings its last closed period was
        billed from and the volumes billed by reading. None: no period closed for it yet."""
        last = (
            select(func.max(PeriodVolume.period))
            .join(Meter, Meter.id == PeriodVolume.meter_id)
            .join(Period, Period.period == PeriodVolume.period)
            .where(Meter.account_id == account_id)
            .scalar_subquery()
        )
        rows = (
            await self.conn.execute(
                select(PeriodVolume.method, PeriodVolume.volume, PeriodVolume.reading_end)
                .join(Meter, Meter.id == PeriodVolume.meter_id)
                .where(Meter.account_id == account_id, PeriodVolume.period == last)
            )
        ).all()
        if not rows:
            return None
        values = [Decimal(r.reading_end) for r in rows if r.reading_end is not None]
        values += [Decimal(r.volume) for r in rows if r.method == Method.ACTUAL]
        return values

    # --- what a contact reads -------------------------------------------------------------

    async def history(self, c: Contact) -> list[HistoryLine]:
        """The last accepted readings per register of the contact's accounts."""
        rows = await self.conn.execute(
            select(Account.uin, Meter.name, Reading.zone, Reading.taken_on, Reading.value,
                   Reading.consumption, Meter.service, Meter.zones)
            .join(Meter, Meter.id == Reading.meter_id)
            .join(Account, Account.id == Meter.account_id)
            .join(ContactLink, ContactLink.account_id == Account.id)
            .join(ContactRow, ContactRow.id == ContactLink.contact_id)
            .where(_is(c), Reading.status == "accepted")
            .order_by(Account.uin, Meter.position, Reading.zone, Reading.taken_on.desc())
        )  # fmt: skip
        out: list[HistoryLine] = []
        count: dict[tuple[str, str, int], int] = {}
        for row in rows:
            key = (row.uin, row.name, row.zone)
            count[key] = count.get(key, 0) + 1
            if count[key] <= HISTORY_PER_REGISTER:
                out.append(
                    HistoryLine(
                        row.uin,
                        row.name,
                        row.zone,
                        row.taken_on,
                        row.value,
                        row.consumption,
                        str(row.service),
                        row.zones,
                    )
                )
        return out

    # --- notices and audit ----------------------------------------------------------------

    async def noticed(self, contact_id: int, period: str, kind: str, now: datetime) -> bool:
        """Record a notice; False when the contact had this one for the period already."""
        stmt = upsert_into(self.conn, ContactNotice).values(
            contact_id=contact_id, period=period, kind=kind, sent_at=now
        )
        return (await self.conn.execute(stmt.on_conflict_do_nothing())).rowcount == 1

    async def audit(
        self, actor: str, action: str, c: Contact, uin: str | None,
        detail: dict[str, Any] | None, now: datetime,
    ) -> None:  # fmt: skip
        await self.conn.execute(
            insert(ContactAudit).values(
                at=now, actor=actor, action=action, kind=c.kind, address=c.address, uin=uin,
                detail=detail,
            )
        )  # fmt: skip

    async def audit_of(self, uin: str, limit: int = 20) -> list[dict[str, Any]]:
        rows = await self.conn.execute(
            select(ContactAudit.at, ContactAudit.actor, ContactAudit.action, ContactAudit.kind,
                   ContactAudit.address, ContactAudit.detail)
            .where(ContactAudit.uin == uin)
            .order_by(ContactAudit.id.desc())
            .limit(limit)
        )  # fmt: skip
        return [dict(r._mapping) for r in rows]
