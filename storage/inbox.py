"""The intake's hot path: every statement a message costs, in SQLAlchemy Core.

These run once or more per inbound message, so they are built once (with bind parameters)
and executed on the transaction's ``AsyncConnection``: no ORM unit of work, no statement
construction per call. That halves the CPU a message costs (see ``bench/intake.py``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Executable, Table, bindparam, func, insert, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.domain.model import AccountView, HistoryPoint, InboundMessage, Register, RegisterResult
from storage.models import Account, Message, Meter, Outbox, Reading

HISTORY_LIMIT = 24  # accepted readings per register kept in view: two years of monthly ones

messages = cast(Table, Message.__table__)
accounts = cast(Table, Account.__table__)
meters = cast(Table, Meter.__table__)
readings = cast(Table, Reading.__table__)
outbox = cast(Table, Outbox.__table__)

_STORED = (
    messages.c.id,
    messages.c.channel,
    messages.c.sender,
    messages.c.text,
    messages.c.meta,
    messages.c.language,
    messages.c.received_at,
    messages.c.status,
    messages.c.reason,
    messages.c.reply,
)


@dataclass(frozen=True)
class StoredMessage:
    """An inbox row as the intake needs it."""

    id: int
    channel: str
    sender: str
    text: str
    meta: dict[str, Any] | None
    language: str | None
    received_at: datetime
    status: str
    reason: str | None
    reply: str | None

    def decided(self, **changes: Any) -> StoredMessage:
        return replace(self, **changes)


def _stored(row: Any) -> StoredMessage:
    return StoredMessage(*row)


@cache
def _statements(dialect: str) -> dict[str, Executable]:
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(messages)
    lock = dialect == "postgresql"
    account = (
        select(
            accounts.c.id.label("account_id_"),
            accounts.c.status.label("account_status"),
            accounts.c.residents,
            meters,
        )
        .select_from(accounts.outerjoin(meters, meters.c.account_id == accounts.c.id))
        .where(accounts.c.uin == bindparam("uin"))
        .order_by(meters.c.position, meters.c.id)
    )
    return {
        "insert": ins.on_conflict_do_nothing(index_elements=["channel", "external_id"]).returning(
            *_STORED
        ),
        "find": select(*_STORED).where(
            messages.c.channel == bindparam("channel"),
            messages.c.external_id == bindparam("external_id"),
        ),
        "get": select(*_STORED).where(messages.c.id == bindparam("id")),
        "get_locked": select(*_STORED)
        .where(messages.c.id == bindparam("id"))
        .with_for_update(skip_locked=lock),
        "account": account.with_for_update(of=accounts) if lock else account,
        "history": select(
            readings.c.meter_id, readings.c.zone, readings.c.taken_on, readings.c.value
        )
        .where(
            readings.c.meter_id.in_(bindparam("meter_ids", expanding=True)),
            readings.c.status == "accepted",
            readings.c.period < bindparam("period"),
        )
        .order_by(readings.c.taken_on.desc(), readings.c.id.desc())
        .limit(bindparam("limit")),
        "add_readings": insert(readings),
        "supersede": update(readings)
        .where(
            tuple_(readings.c.meter_id, readings.c.zone).in_(
                bindparam("registers", expanding=True)
            ),
            readings.c.period == bindparam("b_period"),
            readings.c.status == "accepted",
            readings.c.message_id.is_distinct_from(bindparam("b_message_id")),
        )
        .values(status="superseded"),
        "finish": update(messages)
        .where(messages.c.id == bindparam("b_id"))
        .values(
            uin=bindparam("b_uin"),
            status=bindparam("b_status"),
            reason=bindparam("b_reason"),
            reply=bindparam("b_reply"),
            meta=bindparam("b_meta", type_=messages.c.meta.type),
            processed_at=bindparam("b_processed_at", type_=messages.c.processed_at.type),
        ),
        "enqueue": (postgresql.insert if dialect == "postgresql" else sqlite.insert)(
            outbox
        ).on_conflict_do_nothing(index_elements=["message_id", "channel"]),
        "count_recent": select(func.count()).where(
            messages.c.channel == bindparam("channel"),
            messages.c.sender == bindparam("sender"),
            messages.c.received_at > bindparam("since", type_=messages.c.received_at.type),
            messages.c.id < bindparam("before_id"),
        ),
        "pending": select(messages.c.id)
        .where(messages.c.status == "pending")
        .order_by(messages.c.id)
        .limit(bindparam("limit")),
    }


def _sql(conn: AsyncConnection, name: str) -> Executable:
    return _statements(conn.dialect.name)[name]


async def insert_message(
    conn: AsyncConnection, inbound: InboundMessage, received_at: datetime
) -> tuple[StoredMessage, bool]:
    """Store an inbound message once; ``(message, created)``. A repeat returns the first."""
    meta = dict(inbound.meta or {})
    if inbound.reply_via:
        meta["reply_via"] = inbound.reply_via
    row = (
        await conn.execute(
            _sql(conn, "insert"),
            {
                "channel": str(inbound.channel),
                "external_id": inbound.external_id,
                "sender": inbound.sender,
                "recipient": inbound.recipient,
                "text": inbound.text,
                "raw": inbound.raw,
                "meta": meta or None,
                "language": inbound.language,
                "received_at": inbound.received_at or received_at,
                "status": "pending",
            },
        )
    ).one_or_none()
    if row is not None:
        return _stored(row), True
    # a repeat: on PostgreSQL the insert waited for the first one's commit, so it is visible
    found = (
        await conn.execute(
            _sql(conn, "find"),
            {"channel": str(inbound.channel), "external_id": inbound.external_id},
        )
    ).one()
    return _stored(found), False


async def get_message(
    conn: AsyncConnection, message_id: int, lock: bool = False
) -> StoredMessage | None:
    row = (
        await conn.execute(_sql(conn, "get_locked" if lock else "get"), {"id": message_id})
    ).one_or_none()
    return _stored(row) if row is not None else None


async def pending_messages(conn: AsyncConnection, limit: int) -> list[int]:
    return list((await conn.execute(_sql(conn, "pending"), {"limit": limit})).scalars())


async def count_recent(
    conn: AsyncConnection, channel: str, sender: str, since: datetime, before_id: int
) -> int:
    params = {"channel": channel, "sender": sender, "since": since, "before_id": before_id}
    return int((await conn.execute(_sql(conn, "count_recent"), params)).scalar_one())


async def load_account(
    conn: AsyncConnection, uin: str, before_period: str
) -> tuple[int, AccountView] | None:
    """The account (locked on PostgreSQL, serialising submissions for one account) with its
    registers in bill order and their accepted history of earlier periods.

    History holds earlier periods only: a second submission in the same period is checked
    against the previous period, so a customer can correct a typo.
    """
    rows = (await conn.execute(_sql(conn, "account"), {"uin": uin})).all()
    if not rows:
        return None
    account_id, status, residents = rows[0][0], rows[0][1], rows[0][2]
    meter_rows = [r for r in rows if r.id is not None]
    history = await _history(conn, [m.id for m in meter_rows], before_period)
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
        for m in meter_rows
        for zone in range(1, m.zones + 1)
    )
    return account_id, AccountView(uin, status, residents, registers)


async def _history(
    conn: AsyncConnection, meter_ids: Sequence[int], before_period: str
) -> dict[tuple[int, int], list[HistoryPoint]]:
    out: dict[tuple[int, int], list[HistoryPoint]] = defaultdict(list)
    if not meter_ids:
        return out
    rows = await conn.execute(
        _sql(conn, "history"),
        {
            "meter_ids": list(meter_ids),
            "period": before_period,
            "limit": HISTORY_LIMIT * 3 * len(meter_ids),
        },
    )
    for meter_id, zone, taken_on, value in rows:
        points = out[(meter_id, zone)]
        if len(points) < HISTORY_LIMIT:
            points.append(HistoryPoint(taken_on, value))
    for points in out.values():
        points.reverse()
    return out


async def add_readings(
    conn: AsyncConnection,
    message: StoredMessage,
    results: Sequence[RegisterResult],
    status: str,
    taken_on: date,
    now: datetime,
) -> None:
    """Store a message's readings; accepted ones supersede earlier accepted readings of the
    same register and period (both are kept)."""
    if not results:
        return
    await conn.execute(
        _sql(conn, "add_readings"),
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
        await conn.execute(
            _sql(conn, "supersede"),
            {
                "registers": [(r.register.meter_id, r.register.zone) for r in results],
                "b_period": results[0].period,
                "b_message_id": message.id,
            },
        )


async def finish(
    conn: AsyncConnection, message: StoredMessage, uin: str | None, now: datetime
) -> None:
    """Record the decision: status, reason, reply (one UPDATE)."""
    await conn.execute(
        _sql(conn, "finish"),
        {
            "b_id": message.id,
            "b_uin": uin,
            "b_status": message.status,
            "b_reason": message.reason,
            "b_reply": message.reply,
            "b_meta": message.meta,
            "b_processed_at": now,
        },
    )


async def enqueue_reply(
    conn: AsyncConnection, message: StoredMessage, transport: str, body: str, now: datetime
) -> None:
    await conn.execute(
        _sql(conn, "enqueue"),
        {
            "message_id": message.id,
            "channel": transport,
            "recipient": message.sender,
            "body": body,
            "meta": message.meta,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        },
    )
