"""Accounts and meters: the receive path's view of an account, imports, the API's history."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import case, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.domain.model import AccountView, HistoryPoint, MeterInfo, ReadingRecord, Register
from gateway.domain.records import MeterRow
from storage.messages import READING_COLUMNS
from storage.models import Account, Meter, Reading
from storage.statements import ACCOUNT, ACCOUNTS, HISTORY, LOCK_ACCOUNTS

CHUNK = 1000  # rows per multi-row statement of an import


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def upsert_into(conn: AsyncConnection, model: Any) -> Any:
    """An INSERT that can say ``ON CONFLICT`` on either database."""
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(model)


def _view(
    uin: str, rows: Sequence[Any], history: dict[tuple[int, int], list[HistoryPoint]]
) -> tuple[int, AccountView]:
    """An account's rows (one per meter, or one without a meter) as the validator's view."""
    account_id, status, residents = rows[0].account_id_, rows[0].account_status, rows[0].residents
    registers = tuple(
        Register(
            meter_id=m.id,
            meter=m.name,
            position=m.position,
            service=m.service,
            zone=zone,
            zones=m.zones,
            digits=m.digits,
            decimals=m.decimals,
            verified_until=m.verified_until,
            history=tuple(history.get((m.id, zone), ())),
            installed_on=m.installed_on,
            removed_on=m.removed_on,
        )
        for m in rows
        if m.id is not None
        for zone in range(1, m.zones + 1)
    )
    return account_id, AccountView(uin, status, residents, registers)


class AccountRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def load(self, uin: str, before_period: str) -> tuple[int, AccountView] | None:
        """The account (locked on PostgreSQL, serialising submissions for one account) with
        its registers in bill order and their accepted history of earlier periods.

        History holds earlier periods only: a second submission in the same period is
        checked against the previous period, so a customer can correct a typo.
        """
        rows = (await self.conn.execute(ACCOUNT, {"uin": uin})).all()
        if not rows:
            return None
        history = await self._history([r.id for r in rows if r.id is not None], before_period)
        return _view(uin, rows, history)

    async def load_many(
        self, uins: Sequence[str], before_period: str
    ) -> dict[str, tuple[int, AccountView]]:
        """``load`` for several accounts in two statements (locked in account id order)."""
        rows = (await self.conn.execute(ACCOUNTS, {"uins": sorted(set(uins))})).all()
        by_uin: dict[str, list[Any]] = defaultdict(list)
        for r in rows:
            by_uin[r.account_uin].append(r)
        history = await self._history([r.id for r in rows if r.id is not None], before_period)
        return {uin: _view(uin, found, history) for uin, found in by_uin.items()}

    async def lock_many(self, uins: Sequence[str]) -> None:
        """Lock the accounts of ``uins`` (PostgreSQL) in one statement, in account id order:
        a transaction that locks accounts in several statements takes them all here first,
        so two transactions never wait for each other's accounts."""
        if uins and self.conn.dialect.name == "postgresql":
            await self.conn.execute(LOCK_ACCOUNTS, {"uins": sorted(set(uins))})

    async def _history(
        self, meter_ids: Sequence[int], before_period: str
    ) -> dict[tuple[int, int], list[HistoryPoint]]:
        out: dict[tuple[int, int], list[HistoryPoint]] = defaultdict(list)
        if not meter_ids:
            return out
        rows = await self.conn.execute(
            HISTORY, {"meter_ids": list(meter_ids), "period": before_period}
        )
        for meter_id, zone, taken_on, value in rows:
            out[(meter_id, zone)].append(HistoryPoint(taken_on, value))
        return out

    async def upsert(self, rows: Sequence[MeterRow]) -> tuple[int, int]:
        """Create or update accounts and their meters; returns (accounts, meters)."""
        accounts = {r.uin: r for r in rows}
        for chunk in chunks(list(accounts.values())):
            stmt = upsert_into(self.conn, Account).values(
                [{"uin": r.uin, "status": r.status, "residents": r.residents} for r in chunk]
            )
            await self.conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["uin"],
                    set_={"status": stmt.excluded.status, "residents": stmt.excluded.residents},
                )
            )
        ids: dict[str, int] = {}
        for chunk in chunks(list(accounts)):
            result = await self.conn.execute(
                select(Account.uin, Account.id).where(Account.uin.in_(chunk))
            )
            ids.update({uin: id_ for uin, id_ in result})
        updated = ["position", "service", "zones", "digits", "decimals", "verified_until",
                   "status", "failed_on"]  # fmt: skip
        for chunk in chunks(list(rows)):
            stmt = upsert_into(self.conn, Meter).values(
                [
                    {
                        "account_id": ids[r.uin],
                        "name": r.meter,
                        "position": r.position,
                        "service": r.service,
                        "zones": r.zones,
                        "digits": r.digits,
                        "decimals": r.decimals,
                        "verified_until": r.verified_until,
                        "status": "failed" if r.failed_on else "active",
                        "failed_on": r.failed_on,
                    }
                    for r in chunk
                ]
            )
            await self.conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["account_id", "name"],
                    # a replaced meter stays removed (gateway/service/events.py)
                    set_={c: stmt.excluded[c] for c in updated}
                    | {
                        "status": case(
                            (Meter.status == "removed", Meter.status), else_=stmt.excluded.status
                        )
                    },
                )
            )
        return len(accounts), len(rows)

    async def analyze(self) -> None:
        """Fresh planner statistics after a bulk import: until autovacuum gets to it (a
        minute or more), a table that just grew by millions of rows is planned as if it
        were empty, and the intake's account lookup turns into scans."""
        sqlite = self.conn.dialect.name == "sqlite"  # one table or all there
        await self.conn.execute(text("ANALYZE" if sqlite else "ANALYZE accounts, meters"))

    async def meters_by_key(
        self, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], MeterInfo]:
        out: dict[tuple[str, str], MeterInfo] = {}
        uins = sorted({uin for uin, _ in keys})
        for chunk in chunks(uins):
            result = await self.conn.execute(
                select(Account.uin, Meter.name, Meter.id, Meter.zones, Meter.digits, Meter.decimals)
                .join(Meter, Meter.account_id == Account.id)
                .where(Account.uin.in_(chunk))
            )
            out.update({(r[0], r[1]): MeterInfo(*r[2:]) for r in result})
        return out

    async def readings(
        self, uin: str, after_id: int | None, limit: int, newest_first: bool = False
    ) -> list[ReadingRecord] | None:
        """An account's readings, oldest first (the last ``limit`` newest first with
        ``newest_first``); None when there is no such account."""
        account_id = (
            await self.conn.execute(select(Account.id).where(Account.uin == uin))
        ).scalar_one_or_none()
        if account_id is None:
            return None
        stmt = (
            select(*READING_COLUMNS)
            .join(Meter, Meter.id == Reading.meter_id)
            .where(Meter.account_id == account_id)
            .order_by(Reading.id.desc() if newest_first else Reading.id)
            .limit(limit)
        )
        if after_id is not None:
            stmt = stmt.where(Reading.id > after_id)
        return [ReadingRecord(*r) for r in await self.conn.execute(stmt)]
