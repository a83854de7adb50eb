"""The receive path's statements, built once per dialect with bind parameters.

These run once or more per inbound message, so they are executed on the transaction's
``AsyncConnection`` in SQLAlchemy Core: no ORM unit of work, no statement construction per
call. That halves the CPU a message costs (see ``bench/intake.py``).
"""

from __future__ import annotations

from functools import cache
from typing import cast

from sqlalchemy import (
    Executable,
    Table,
    bindparam,
    func,
    insert,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import Account, Message, Meter, Outbox, Reading

messages = cast(Table, Message.__table__)
accounts = cast(Table, Account.__table__)
meters = cast(Table, Meter.__table__)
readings = cast(Table, Reading.__table__)
outbox = cast(Table, Outbox.__table__)

STORED = (
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


HISTORY_LIMIT = 24  # accepted readings per register kept in view: two years of monthly ones


def _history() -> Executable:
    """The last HISTORY_LIMIT accepted readings of earlier periods of each register of the
    given meters (per register: one meter's dense history never hides another's)."""
    rank = (
        func.row_number()
        .over(
            partition_by=(readings.c.meter_id, readings.c.zone),
            order_by=(readings.c.taken_on.desc(), readings.c.id.desc()),
        )
        .label("rank")
    )
    ranked = (
        select(readings.c.meter_id, readings.c.zone, readings.c.taken_on, readings.c.value, rank)
        .where(
            readings.c.meter_id.in_(bindparam("meter_ids", expanding=True)),
            readings.c.status == "accepted",
            readings.c.period < bindparam("period"),
        )
        .subquery()
    )
    return (
        select(ranked.c.meter_id, ranked.c.zone, ranked.c.taken_on, ranked.c.value)
        .where(ranked.c.rank <= HISTORY_LIMIT)
        .order_by(ranked.c.meter_id, ranked.c.zone, ranked.c.rank.desc())  # oldest first
    )


# Per (channel, sender) pair, each counted through the (channel, sender, received_at) index
# and capped: the plan does not depend on the table's statistics (a fresh table, a flood)
_SENDER_COUNTS_PG = text(
    """
    SELECT s.channel, s.sender,
      (SELECT count(*) FROM (SELECT 1 FROM messages m
        WHERE m.channel = s.channel AND m.sender = s.sender AND m.received_at > :since
        LIMIT :cap) a),
      (SELECT count(*) FROM (SELECT 1 FROM messages m
        WHERE m.channel = s.channel AND m.sender = s.sender AND m.received_at > :since
          AND m.reason = 'unknown_uin' LIMIT :cap) b)
    FROM unnest(CAST(:channels AS text[]), CAST(:senders AS text[])) AS s(channel, sender)
    """
)


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
    many = (
        select(
            accounts.c.uin.label("account_uin"),
            accounts.c.id.label("account_id_"),
            accounts.c.status.label("account_status"),
            accounts.c.residents,
            meters,
        )
        .select_from(accounts.outerjoin(meters, meters.c.account_id == accounts.c.id))
        .where(accounts.c.uin.in_(bindparam("uins", expanding=True)))
        # locked in one order (account id) by every process: two batches never deadlock
        .order_by(accounts.c.id, meters.c.position, meters.c.id)
    )
    return {
        "insert_many": ins.on_conflict_do_nothing(
            index_elements=["channel", "external_id"]
        ).returning(*STORED, messages.c.external_id),
        "accounts": many.with_for_update(of=accounts) if lock else many,
        "lock_accounts": select(accounts.c.id)
        .where(accounts.c.uin.in_(bindparam("uins", expanding=True)))
        .order_by(accounts.c.id)
        .with_for_update(),
        "sender_counts": _SENDER_COUNTS_PG
        if lock
        else select(
            messages.c.channel,
            messages.c.sender,
            func.count(),
            func.count(messages.c.id).filter(messages.c.reason == "unknown_uin"),
        )
        .where(
            messages.c.channel.in_(bindparam("channels", expanding=True)),
            messages.c.sender.in_(bindparam("senders", expanding=True)),
            messages.c.received_at > bindparam("since", type_=messages.c.received_at.type),
        )
        .group_by(messages.c.channel, messages.c.sender),
        "supersede_many": update(readings)
        .where(
            # the leading index column alone as well: a plan that probes the index per
            # meter whatever the statistics say (the row comparison alone was planned as a
            # scan of every reading on a young table)
            readings.c.meter_id.in_(bindparam("meter_ids", expanding=True)),
            tuple_(readings.c.meter_id, readings.c.zone).in_(
                bindparam("registers", expanding=True)
            ),
            readings.c.period == bindparam("b_period"),
            readings.c.status == "accepted",
            or_(
                readings.c.message_id.is_(None),
                readings.c.message_id.not_in(bindparam("message_ids", expanding=True)),
            ),
        )
        .values(status="superseded"),
        "insert": ins.on_conflict_do_nothing(index_elements=["channel", "external_id"]).returning(
            *STORED
        ),
        "find": select(*STORED).where(
            messages.c.channel == bindparam("channel"),
            messages.c.external_id == bindparam("external_id"),
        ),
        "get": select(*STORED).where(messages.c.id == bindparam("id")),
        "get_locked": select(*STORED)
        .where(messages.c.id == bindparam("id"))
        .with_for_update(skip_locked=lock),
        # SQLite has no row locks, and pysqlite begins a transaction only at the first write:
        # a write first takes the database's write lock (waiting for the writer that holds
        # it), so what is read next in the transaction stays true until the commit
        "touch": update(messages)
        .where(messages.c.id == bindparam("b_id"))
        .values(status=messages.c.status),
        "get_waiting": select(*STORED).where(messages.c.id == bindparam("id")).with_for_update()
        if lock
        else select(*STORED).where(messages.c.id == bindparam("id")),
        "account": account.with_for_update(of=accounts) if lock else account,
        "history": _history(),
        "add_readings": insert(readings),
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
        "count_recent": select(func.count()).select_from(
            select(messages.c.id)
            .where(
                messages.c.channel == bindparam("channel"),
                messages.c.sender == bindparam("sender"),
                messages.c.received_at > bindparam("since", type_=messages.c.received_at.type),
                messages.c.id < bindparam("before_id"),
            )
            .limit(bindparam("up_to"))
            .subquery()
        ),
        "count_failed_uin": select(func.count()).select_from(
            select(messages.c.id)
            .where(
                messages.c.channel == bindparam("channel"),
                messages.c.sender == bindparam("sender"),
                messages.c.received_at > bindparam("since", type_=messages.c.received_at.type),
                messages.c.reason == "unknown_uin",
            )
            .limit(bindparam("up_to"))
            .subquery()
        ),
        "pending": select(messages.c.id)
        .where(messages.c.status == "pending", messages.c.id > bindparam("after_id"))
        .order_by(messages.c.id)
        .limit(bindparam("limit")),
    }


def sql(conn: AsyncConnection, name: str) -> Executable:
    return _statements(conn.dialect.name)[name]
