"""Queries the use cases need, on an open ``AsyncSession``. Nothing above this writes SQL."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, select, text, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.domain import AccountView, HistoryPoint, InboundMessage, Register, RegisterResult
from gateway.imports import MeterRow
from storage.models import Account, Message, Meter, Outbox, Reading

HISTORY_LIMIT = 24  # accepted readings per register kept in view: two years of monthly ones


def _insert(session: AsyncSession, model: Any) -> Any:
    dialect = session.bind.dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


async def insert_message(
    session: AsyncSession, inbound: InboundMessage, received_at: datetime
) -> tuple[Message, bool]:
    """Store an inbound message once; ``(message, created)``. A repeat returns the first."""
    meta = dict(inbound.meta or {})
    if inbound.reply_via:
        meta["reply_via"] = inbound.reply_via
    stmt = (
        _insert(session, Message)
        .values(
            channel=str(inbound.channel),
            external_id=inbound.external_id,
            sender=inbound.sender,
            recipient=inbound.recipient,
            text=inbound.text,
            raw=inbound.raw,
            meta=meta or None,
            language=inbound.language,
            received_at=inbound.received_at or received_at,
            status="pending",
        )
        .on_conflict_do_nothing(index_elements=["channel", "external_id"])
        .returning(Message)
    )
    message = (await session.scalars(stmt)).one_or_none()
    if message is not None:
        return message, True
    # a repeat: on PostgreSQL the insert waited for the first one's commit, so it is visible
    existing = await find_message(session, str(inbound.channel), inbound.external_id)
    assert existing is not None
    return existing, False


async def find_message(session: AsyncSession, channel: str, external_id: str) -> Message | None:
    return (
        await session.execute(
            select(Message).where(Message.channel == channel, Message.external_id == external_id)
        )
    ).scalar_one_or_none()


async def count_recent(
    session: AsyncSession, channel: str, sender: str, since: datetime, before_id: int
) -> int:
    stmt = select(func.count()).where(
        Message.channel == channel,
        Message.sender == sender,
        Message.received_at > since,
        Message.id < before_id,
    )
    return int((await session.execute(stmt)).scalar_one())


async def load_account(
    session: AsyncSession, uin: str, before_period: str, lock: bool = False
) -> tuple[Account, AccountView] | None:
    """The account with its registers in bill order and their accepted history.

    History holds accepted readings of earlier periods only: a second submission in the same
    period is checked against the previous period, so a customer can correct a typo.
    ``lock`` serialises concurrent submissions for one account on PostgreSQL.
    """
    stmt = (
        select(Account, Meter)
        .outerjoin(Meter, Meter.account_id == Account.id)
        .where(Account.uin == uin)
        .order_by(Meter.position, Meter.id)
    )
    if lock:
        stmt = stmt.with_for_update(of=Account)
    rows = (await session.execute(stmt)).all()
    if not rows:
        return None
    account = rows[0][0]
    meters = [m for _, m in rows if m is not None]
    history = await _history(session, [m.id for m in meters], before_period)
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
        )
        for m in meters
        for zone in range(1, m.zones + 1)
    )
    return account, AccountView(account.uin, account.status, account.residents, registers)


async def _history(
    session: AsyncSession, meter_ids: Sequence[int], before_period: str
) -> dict[tuple[int, int], list[HistoryPoint]]:
    out: dict[tuple[int, int], list[HistoryPoint]] = defaultdict(list)
    if not meter_ids:
        return out
    rows = await session.execute(
        select(Reading.meter_id, Reading.zone, Reading.taken_on, Reading.value)
        .where(
            Reading.meter_id.in_(meter_ids),
            Reading.status == "accepted",
            Reading.period < before_period,
        )
        .order_by(Reading.taken_on.desc(), Reading.id.desc())
        .limit(HISTORY_LIMIT * 3 * len(meter_ids))
    )
    for meter_id, zone, taken_on, value in rows:
        points = out[(meter_id, zone)]
        if len(points) < HISTORY_LIMIT:
            points.append(HistoryPoint(taken_on, value))
    for points in out.values():
        points.reverse()
    return out


async def add_readings(
    session: AsyncSession,
    message: Message,
    results: Sequence[RegisterResult],
    status: str,
    taken_on: date,
    now: datetime,
) -> None:
    if not results:
        return
    await session.execute(
        insert(Reading),
        [
            {
                "meter_id": r.register.meter_id,
                "zone": r.register.zone,
                "message_id": message.id,
                "value": r.value,
                "consumption": r.consumption,
                "period": r.period,
                "taken_on": taken_on,
                "status": status,
                "reason": r.reason,
                "source": message.channel,
                "created_at": now,
            }
            for r in results
        ],
    )
    if status == "accepted":
        await supersede(
            session,
            message.id,
            results[0].period,
            [(r.register.meter_id, r.register.zone) for r in results],
        )


async def supersede(
    session: AsyncSession, message_id: int, period: str, registers: Sequence[tuple[int, int]]
) -> None:
    """Earlier accepted readings of the same register and period give way to this message's."""
    await session.execute(
        update(Reading)
        .where(
            tuple_(Reading.meter_id, Reading.zone).in_(registers),
            Reading.period == period,
            Reading.status == "accepted",
            Reading.message_id.is_distinct_from(message_id),
        )
        .values(status="superseded")
        .execution_options(synchronize_session=False)
    )


async def enqueue_reply(
    session: AsyncSession, message: Message, transport: str, body: str, now: datetime
) -> None:
    await session.execute(
        _insert(session, Outbox)
        .values(
            message_id=message.id,
            channel=transport,
            recipient=message.sender,
            body=body,
            meta=message.meta,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["message_id", "channel"])
    )


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


async def pending_messages(session: AsyncSession, limit: int) -> list[int]:
    rows = await session.execute(
        select(Message.id).where(Message.status == "pending").order_by(Message.id).limit(limit)
    )
    return [r for (r,) in rows]


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
