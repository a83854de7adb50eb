"""Queries the use cases need, on an open ``AsyncSession``. Nothing above this writes SQL."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.domain.records import MeterRow
from storage.models import Account, Message, Meter, Reading


def _insert(session: AsyncSession, model: Any) -> Any:
    dialect = session.bind.dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


async def message_readings(
    session: AsyncSession, message_ids: Sequence[int]
) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = defaultdict(list)
    if not message_ids:
        return out
    rows = await session.execute(
        select(
            Reading.message_id,
            Meter.name,
            Reading.zone,
            Reading.value,
            Reading.consumption,
            Reading.period,
            Reading.status,
        )
        .join(Meter, Meter.id == Reading.meter_id)
        .where(Reading.message_id.in_(message_ids))
        .order_by(Reading.id)
    )
    for row in rows:
        out[row.message_id].append(row)
    return out


async def list_messages(
    session: AsyncSession,
    channel: str | None,
    external_id: str | None,
    after_id: int | None,
    limit: int,
) -> list[Message]:
    stmt = select(Message).order_by(Message.id).limit(limit)
    if channel:
        stmt = stmt.where(Message.channel == channel)
    if external_id:
        stmt = stmt.where(Message.external_id == external_id)
    if after_id is not None:
        stmt = stmt.where(Message.id > after_id)
    return list((await session.execute(stmt)).scalars().all())


async def account_readings(
    session: AsyncSession, uin: str, after_id: int | None, limit: int
) -> list[Any] | None:
    account_id = (
        await session.execute(select(Account.id).where(Account.uin == uin))
    ).scalar_one_or_none()
    if account_id is None:
        return None
    stmt = (
        select(
            Reading.id,
            Meter.name,
            Reading.zone,
            Reading.value,
            Reading.consumption,
            Reading.period,
            Reading.taken_on,
            Reading.status,
            Reading.reason,
            Reading.source,
            Reading.message_id,
        )
        .join(Meter, Meter.id == Reading.meter_id)
        .where(Meter.account_id == account_id)
        .order_by(Reading.id)
        .limit(limit)
    )
    if after_id is not None:
        stmt = stmt.where(Reading.id > after_id)
    return list((await session.execute(stmt)).all())


CHUNK = 1000


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


async def upsert_accounts(session: AsyncSession, rows: Sequence[MeterRow]) -> tuple[int, int]:
    """Create or update accounts and their meters; returns (accounts, meters)."""
    accounts = {r.uin: r for r in rows}
    for chunk in _chunks(list(accounts.values())):
        stmt = _insert(session, Account).values(
            [{"uin": r.uin, "status": r.status, "residents": r.residents} for r in chunk]
        )
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["uin"],
                set_={"status": stmt.excluded.status, "residents": stmt.excluded.residents},
            )
        )
    ids: dict[str, int] = {}
    for chunk in _chunks(list(accounts)):
        result = await session.execute(
            select(Account.uin, Account.id).where(Account.uin.in_(chunk))
        )
        ids.update({uin: id_ for uin, id_ in result})
    for chunk in _chunks(list(rows)):
        stmt = _insert(session, Meter).values(
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
        updated = [
            "position",
            "service",
            "zones",
            "digits",
            "decimals",
            "verified_until",
            "status",
            "failed_on",
        ]
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["account_id", "name"],
                set_={c: stmt.excluded[c] for c in updated},
            )
        )
    return len(accounts), len(rows)


async def meters_by_key(
    session: AsyncSession, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], Meter]:
    out: dict[tuple[str, str], Meter] = {}
    uins = sorted({uin for uin, _ in keys})
    for chunk in _chunks(uins):
        result = await session.execute(
            select(Account.uin, Meter)
            .join(Meter, Meter.account_id == Account.id)
            .where(Account.uin.in_(chunk))
        )
        out.update({(uin, meter.name): meter for uin, meter in result})
    return out


async def insert_history(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Accepted readings from before the gateway; a repeat of (register, day) replaces it."""
    for chunk in _chunks(list(rows)):
        stmt = _insert(session, Reading).values(list(chunk))
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["meter_id", "zone", "taken_on"],
                index_where=text("message_id IS NULL"),
                set_={"value": stmt.excluded.value, "period": stmt.excluded.period},
            )
        )
