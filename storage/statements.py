"""The receive path's statements, built once at import with bind parameters.

These run once or more per inbound message, so they are executed on the transaction's
``AsyncConnection`` in SQLAlchemy Core: no ORM unit of work, no statement construction per
call. That halves the CPU a message costs (see ``bench/intake.py``).

Each statement is a module constant that its caller names: one statement for both databases
where only PostgreSQL's compiler says more (SQLite's drops ``FOR UPDATE``: it has no row
locks), a ``PerDialect`` pair where the two are built differently (``ON CONFLICT`` is a
dialect's construct), two constants where the callers' parameters differ too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    bindparam,
    case,
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

from gateway.domain.events import EVENT_SOURCES, EventSource
from storage.models import Account, Message, Meter, Outbox, Reading

messages = cast(Table, Message.__table__)
accounts = cast(Table, Account.__table__)
meters = cast(Table, Meter.__table__)
readings = cast(Table, Reading.__table__)
outbox = cast(Table, Outbox.__table__)

S = TypeVar("S")


@dataclass(frozen=True, slots=True)
class PerDialect(Generic[S]):
    """One statement built for each database."""

    postgresql: S
    sqlite: S

    def on(self, conn: AsyncConnection) -> S:
        return self.postgresql if conn.dialect.name == "postgresql" else self.sqlite


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

# --- messages ---------------------------------------------------------------------------

_MESSAGE_KEY = ["channel", "external_id"]
_NEW_MESSAGE = PerDialect(
    postgresql=postgresql.insert(messages).on_conflict_do_nothing(index_elements=_MESSAGE_KEY),
    sqlite=sqlite.insert(messages).on_conflict_do_nothing(index_elements=_MESSAGE_KEY),
)
# a message, unless its (channel, external id) is stored: the stored message's columns
INSERT_MESSAGE = PerDialect(
    postgresql=_NEW_MESSAGE.postgresql.returning(*STORED),
    sqlite=_NEW_MESSAGE.sqlite.returning(*STORED),
)
# several messages: the columns, with the external id, of those that were not stored yet
INSERT_MESSAGES = PerDialect(
    postgresql=_NEW_MESSAGE.postgresql.returning(*STORED, messages.c.external_id),
    sqlite=_NEW_MESSAGE.sqlite.returning(*STORED, messages.c.external_id),
)
FIND_MESSAGE = select(*STORED).where(
    messages.c.channel == bindparam("channel"),
    messages.c.external_id == bindparam("external_id"),
)
GET_MESSAGE = select(*STORED).where(messages.c.id == bindparam("id"))
# locked, or nothing when another transaction holds it (PostgreSQL)
GET_MESSAGE_UNLESS_LOCKED = GET_MESSAGE.with_for_update(skip_locked=True)
# locked, waiting for the transaction that holds it (PostgreSQL)
LOCK_MESSAGE = GET_MESSAGE.with_for_update()
# SQLite has no row locks, and pysqlite begins a transaction only at the first write:
# a write first takes the database's write lock (waiting for the writer that holds
# it), so what is read next in the transaction stays true until the commit
TOUCH_MESSAGE = (
    update(messages).where(messages.c.id == bindparam("b_id")).values(status=messages.c.status)
)
FINISH_MESSAGE = (
    update(messages)
    .where(messages.c.id == bindparam("b_id"))
    .values(
        uin=bindparam("b_uin"),
        status=bindparam("b_status"),
        reason=bindparam("b_reason"),
        reply=bindparam("b_reply"),
        meta=bindparam("b_meta", type_=messages.c.meta.type),
        processed_at=bindparam("b_processed_at", type_=messages.c.processed_at.type),
    )
)
PENDING_MESSAGES = (
    select(messages.c.id)
    .where(messages.c.status == "pending", messages.c.id > bindparam("after_id"))
    .order_by(messages.c.id)
    .limit(bindparam("limit"))
)


def _count_from_sender(*more: ColumnElement[bool]) -> Select[tuple[int]]:
    """Messages from a sender on a channel received after a time that match ``more``,
    counted up to a cap."""
    return select(func.count()).select_from(
        select(messages.c.id)
        .where(
            messages.c.channel == bindparam("channel"),
            messages.c.sender == bindparam("sender"),
            messages.c.received_at > bindparam("since", type_=messages.c.received_at.type),
            *more,
        )
        .limit(bindparam("up_to"))
        .subquery()
    )


# the sender's messages before message ``before_id``
COUNT_RECENT = _count_from_sender(messages.c.id < bindparam("before_id"))
# the sender's messages answered ``unknown_uin``
COUNT_FAILED_UIN = _count_from_sender(messages.c.reason == "unknown_uin")

# Per (channel, sender) pair, each counted through the (channel, sender, received_at) index
# and capped: the plan does not depend on the table's statistics (a fresh table, a flood)
SENDER_COUNTS_POSTGRESQL = text(
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
# SQLite: every pair of a channel and a sender asked about (more pairs than asked), uncapped
SENDER_COUNTS_SQLITE = (
    select(
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
    .group_by(messages.c.channel, messages.c.sender)
)

# --- accounts ---------------------------------------------------------------------------

_ACCOUNT_COLUMNS = (
    accounts.c.id.label("account_id_"),
    accounts.c.status.label("account_status"),
    accounts.c.residents,
    meters,
)
_WITH_METERS = accounts.outerjoin(meters, meters.c.account_id == accounts.c.id)
# an account's rows, one per meter in bill order (one without a meter), locked (PostgreSQL)
ACCOUNT = (
    select(*_ACCOUNT_COLUMNS)
    .select_from(_WITH_METERS)
    .where(accounts.c.uin == bindparam("uin"))
    .order_by(meters.c.position, meters.c.id)
    .with_for_update(of=accounts)
)
# ACCOUNT for several accounts, with the UIN of each row
ACCOUNTS = (
    select(accounts.c.uin.label("account_uin"), *_ACCOUNT_COLUMNS)
    .select_from(_WITH_METERS)
    .where(accounts.c.uin.in_(bindparam("uins", expanding=True)))
    # locked in one order (account id) by every process: two batches never deadlock
    .order_by(accounts.c.id, meters.c.position, meters.c.id)
    .with_for_update(of=accounts)
)
LOCK_ACCOUNTS = (
    select(accounts.c.id)
    .where(accounts.c.uin.in_(bindparam("uins", expanding=True)))
    .order_by(accounts.c.id)
    .with_for_update()
)

HISTORY_LIMIT = 24  # accepted readings per register kept in view: two years of monthly ones

_RANKED = (
    select(
        readings.c.meter_id,
        readings.c.zone,
        readings.c.taken_on,
        readings.c.value,
        func.row_number()
        .over(
            partition_by=(readings.c.meter_id, readings.c.zone),
            # docs/billing.md, "Events": the latest day wins; on one day, the inspector's reading
            order_by=(
                readings.c.taken_on.desc(),
                case((readings.c.source == EventSource.INSPECTION, 0), else_=1),
                readings.c.id.desc(),
            ),
        )
        .label("rank"),
    )
    .where(
        readings.c.meter_id.in_(bindparam("meter_ids", expanding=True)),
        readings.c.status == "accepted",
        # an event's reading (an inspection, an installation) counts in its own period too
        or_(readings.c.period < bindparam("period"), readings.c.source.in_(EVENT_SOURCES)),
    )
    .subquery()
)
# The last HISTORY_LIMIT accepted readings of earlier periods of each register of the given
# meters, oldest first (per register: one meter's dense history never hides another's)
HISTORY = (
    select(_RANKED.c.meter_id, _RANKED.c.zone, _RANKED.c.taken_on, _RANKED.c.value)
    .where(_RANKED.c.rank <= HISTORY_LIMIT)
    .order_by(_RANKED.c.meter_id, _RANKED.c.zone, _RANKED.c.rank.desc())
)

# --- readings ---------------------------------------------------------------------------

ADD_READINGS = insert(readings)
# accepted readings of a period of the given registers superseded, but those of the
# given messages
SUPERSEDE_READINGS = (
    update(readings)
    .where(
        # the leading index column alone as well: a plan that probes the index per
        # meter whatever the statistics say (the row comparison alone was planned as a
        # scan of every reading on a young table)
        readings.c.meter_id.in_(bindparam("meter_ids", expanding=True)),
        tuple_(readings.c.meter_id, readings.c.zone).in_(bindparam("registers", expanding=True)),
        readings.c.period == bindparam("b_period"),
        readings.c.status == "accepted",
        or_(
            readings.c.message_id.is_(None),
            readings.c.message_id.not_in(bindparam("message_ids", expanding=True)),
        ),
        # an event's reading stays: the close weighs it against the customer's
        readings.c.source.not_in(EVENT_SOURCES),
    )
    .values(status="superseded")
)

# --- outbox -----------------------------------------------------------------------------

_REPLY_KEY = ["message_id", "channel"]
# replies, once per message and transport
ENQUEUE_REPLIES = PerDialect(
    postgresql=postgresql.insert(outbox).on_conflict_do_nothing(index_elements=_REPLY_KEY),
    sqlite=sqlite.insert(outbox).on_conflict_do_nothing(index_elements=_REPLY_KEY),
)
