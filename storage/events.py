"""Billing v2's events as stored (storage/billing_models.py): the upserts of the three
imports, the meters they check rows against, an account's events for the API and staff."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.domain.events import (
    EVENT_SOURCES,
    AccountEvents,
    Act,
    ActRow,
    EventReading,
    EventSource,
    ReplacementRow,
    ResidentsRow,
    StoredMeter,
)
from gateway.domain.model import MeterStatus, Status
from storage.accounts import chunks, upsert_into
from storage.billing_models import MeterAct, MeterReplacement, ResidentsChange
from storage.models import Account, Meter, Reading


class EventRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def meters(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], StoredMeter]:
        """The stored meters of (uin, name) keys, by key (missing ones left out)."""
        out: dict[tuple[str, str], StoredMeter] = {}
        for chunk in chunks(sorted({uin for uin, _ in keys})):
            result = await self.conn.execute(
                select(
                    Account.uin,
                    Meter.id,
                    Meter.account_id,
                    Meter.name,
                    Meter.position,
                    Meter.service,
                    Meter.zones,
                    Meter.digits,
                    Meter.decimals,
                    Meter.status,
                    Meter.removed_on,
                    Meter.replaces_meter_id,
                )
                .join(Meter, Meter.account_id == Account.id)
                .where(Account.uin.in_(chunk))
            )
            out.update({(r[0], r[3]): StoredMeter(*r[1:]) for r in result})
        return out

    async def account_ids(self, uins: Sequence[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for chunk in chunks(sorted(set(uins))):
            result = await self.conn.execute(
                select(Account.uin, Account.id).where(Account.uin.in_(chunk))
            )
            out.update({uin: id_ for uin, id_ in result})
        return out

    async def last_accepted(self, meter_id: int, zone: int, on_or_before: date) -> Decimal | None:
        """The register's latest accepted reading up to the day, but a removal's own."""
        return (
            await self.conn.execute(
                select(Reading.value)
                .where(
                    Reading.meter_id == meter_id,
                    Reading.zone == zone,
                    Reading.status == Status.ACCEPTED,
                    Reading.taken_on <= on_or_before,
                    Reading.source != EventSource.REMOVAL,
                )
                .order_by(Reading.taken_on.desc(), Reading.id.desc())
                .limit(1)
            )
        ).scalar_one_or_none()

    async def put_meter(self, values: dict[str, Any]) -> int:
        """Create or update a meter by (account, name); its id."""
        stmt = upsert_into(self.conn, Meter).values(values)
        keys = ("account_id", "name")
        await self.conn.execute(
            stmt.on_conflict_do_update(
                index_elements=list(keys),
                set_={k: stmt.excluded[k] for k in values if k not in keys},
            )
        )
        found = await self.conn.execute(
            select(Meter.id).where(
                Meter.account_id == values["account_id"], Meter.name == values["name"]
            )
        )
        return int(found.scalar_one())

    async def mark_removed(self, meter_id: int, removed_on: date) -> None:
        await self.conn.execute(
            update(Meter)
            .where(Meter.id == meter_id)
            .values(status=MeterStatus.REMOVED, removed_on=removed_on)
        )

    async def put_replacement(self, values: dict[str, Any]) -> None:
        """Upsert by (old meter, zone, removed_on); an empty installation keeps a stored one."""
        stmt = upsert_into(self.conn, MeterReplacement).values(values)
        kept = ("new_meter_id", "installed_on", "installation_value")
        set_: dict[str, Any] = {"removal_value": stmt.excluded.removal_value}
        set_ |= {k: func.coalesce(stmt.excluded[k], getattr(MeterReplacement, k)) for k in kept}
        await self.conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["old_meter_id", "zone", "removed_on"], set_=set_
            )
        )

    async def put_acts(self, rows: Sequence[dict[str, Any]]) -> None:
        for chunk in chunks(list(rows)):
            stmt = upsert_into(self.conn, MeterAct).values(list(chunk))
            await self.conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["meter_id", "zone", "acted_on", "act"],
                    set_={"value": stmt.excluded.value},
                )
            )

    async def put_residents(self, rows: Sequence[dict[str, Any]]) -> None:
        for chunk in chunks(list(rows)):
            stmt = upsert_into(self.conn, ResidentsChange).values(list(chunk))
            await self.conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["account_id", "since"],
                    set_={"residents": stmt.excluded.residents, "owners": stmt.excluded.owners},
                )
            )

    async def of_account(self, uin: str) -> AccountEvents | None:
        """The account's events and their readings, oldest first; None: no such account."""
        account_id = (
            await self.conn.execute(select(Account.id).where(Account.uin == uin))
        ).scalar_one_or_none()
        if account_id is None:
            return None
        names = dict(
            (await self.conn.execute(
                select(Meter.id, Meter.name).where(Meter.account_id == account_id)
            )).tuples().all()
        )  # fmt: skip
        ids = list(names)
        reps = await self.conn.execute(
            select(MeterReplacement)
            .where(MeterReplacement.old_meter_id.in_(ids))
            .order_by(MeterReplacement.removed_on, MeterReplacement.id)
        )
        acts = await self.conn.execute(
            select(MeterAct)
            .where(MeterAct.meter_id.in_(ids))
            .order_by(MeterAct.acted_on, MeterAct.id)
        )
        residents = await self.conn.execute(
            select(ResidentsChange)
            .where(ResidentsChange.account_id == account_id)
            .order_by(ResidentsChange.since)
        )
        readings = await self.conn.execute(
            select(Reading.meter_id, Reading.zone, Reading.taken_on, Reading.period,
                   Reading.value, Reading.source)
            .where(
                Reading.meter_id.in_(ids),
                Reading.message_id.is_(None),
                Reading.source.in_(EVENT_SOURCES),
            )
            .order_by(Reading.taken_on, Reading.id)
        )  # fmt: skip
        return AccountEvents(
            uin=uin,
            replacements=tuple(
                ReplacementRow(
                    0,
                    uin,
                    names[r.old_meter_id],
                    r.zone,
                    r.removed_on,
                    r.removal_value,
                    names.get(r.new_meter_id) if r.new_meter_id else None,
                    r.installed_on,
                    r.installation_value,
                    None,
                    None,
                    None,
                )  # fmt: skip
                for r in reps
            ),
            acts=tuple(
                ActRow(0, uin, names[a.meter_id], a.zone, a.acted_on, Act(a.act), a.value)
                for a in acts
            ),
            residents=tuple(
                ResidentsRow(0, uin, r.since, r.residents, r.owners) for r in residents
            ),
            readings=tuple(
                EventReading(names[r.meter_id], r.zone, r.taken_on, r.period, r.value, r.source)
                for r in readings
            ),
        )
