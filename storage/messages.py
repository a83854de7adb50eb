"""The inbox: every message as received, what became of it, and the API's view of it."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Executable, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.domain.model import (
    InboundMessage,
    MessageRecord,
    ReadingRecord,
    Status,
    StoredMessage,
    clean_text,
)
from storage.models import Meter, Reading
from storage.statements import (
    COUNT_FAILED_UIN,
    COUNT_RECENT,
    FIND_MESSAGE,
    FINISH_MESSAGE,
    GET_MESSAGE,
    GET_MESSAGE_UNLESS_LOCKED,
    INSERT_MESSAGE,
    INSERT_MESSAGES,
    LOCK_MESSAGE,
    PENDING_MESSAGES,
    SENDER_COUNTS_POSTGRESQL,
    SENDER_COUNTS_SQLITE,
    TOUCH_MESSAGE,
    messages,
)


def fit(text: str, size: int = 255) -> str:
    """``text`` cut to a column of ``size``: a provider's over-long value is stored, not
    refused; a cut id keeps a digest of the whole, so two long ids stay two."""
    text = clean_text(text)  # a lone surrogate from bad JSON cannot be stored
    if len(text) <= size:
        return text
    return text[: size - 17] + "#" + hashlib.sha256(text.encode()).hexdigest()[:16]


def _stored(row: Any) -> StoredMessage:
    return StoredMessage(
        id=row.id,
        channel=row.channel,
        sender=row.sender,
        text=row.text,
        meta=row.meta,
        language=row.language,
        received_at=row.received_at,
        status=Status(row.status),
        reason=row.reason,
        reply=row.reply,
    )


def _params(inbound: InboundMessage, received_at: datetime) -> dict[str, Any]:
    meta = dict(inbound.meta or {})
    if inbound.reply_via:
        meta["reply_via"] = inbound.reply_via
    return {
        "channel": str(inbound.channel),
        "external_id": fit(inbound.external_id),
        "sender": fit(inbound.sender),
        "recipient": fit(inbound.recipient),
        "text": inbound.text,
        "raw": inbound.raw,
        "meta": meta or None,
        "language": (inbound.language or "")[:8] or None,
        "received_at": inbound.received_at or received_at,
        "status": Status.PENDING,
    }


class MessageRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def insert(
        self, inbound: InboundMessage, received_at: datetime
    ) -> tuple[StoredMessage, bool]:
        """Store an inbound message once; ``(message, created)``. A repeat returns the first.
        A message whose meta has a content ``digest`` (email) is a repeat only when the
        stored one has the same digest too."""
        params = _params(inbound, received_at)
        row = (await self.conn.execute(INSERT_MESSAGE.on(self.conn), params)).one_or_none()
        if row is not None:
            return _stored(row), True
        # a repeat: on PostgreSQL the insert waited for the first one's commit, so it is visible
        found = (
            await self.conn.execute(
                FIND_MESSAGE,
                {"channel": str(inbound.channel), "external_id": fit(inbound.external_id)},
            )
        ).one()
        digest = str((inbound.meta or {}).get("digest") or "")
        if digest and (found.meta or {}).get("digest") not in (None, digest):
            # another message under an id already taken (a mail client that reuses a
            # Message-ID): stored under the id and its content's digest, never dropped
            suffix = "#" + digest.removeprefix("sha256:")[:16]
            return await self.insert(
                replace(inbound, external_id=inbound.external_id + suffix), received_at
            )
        return _stored(found), False

    async def insert_many(
        self, inbounds: Sequence[InboundMessage], received_at: datetime
    ) -> list[StoredMessage | None]:
        """Store several messages in one statement; for each, the stored message, or None
        when it is a repeat (of a stored message, or of one earlier in ``inbounds``).

        Inserted in (channel, external id) order whatever the order of ``inbounds``: an
        insert waits for another transaction's uncommitted row of the same message, so
        two processes inserting the same messages in two orders would deadlock."""
        params = [_params(i, received_at) for i in inbounds]
        if not params:
            return []
        ordered = sorted(params, key=lambda p: (p["channel"], p["external_id"]))
        rows = (await self.conn.execute(INSERT_MESSAGES.on(self.conn), ordered)).all()
        created = {(r.channel, r.external_id): _stored(r) for r in rows}
        return [created.pop((p["channel"], p["external_id"]), None) for p in params]

    async def sender_counts(
        self, senders: Sequence[tuple[str, str]], since: datetime, cap: int
    ) -> dict[tuple[str, str], tuple[int, int]]:
        """Per (channel, sender): messages received after ``since`` and how many of them
        were answered ``unknown_uin``, each counted up to ``cap``."""
        if not senders:
            return {}
        params: dict[str, Any] = {"since": since, "cap": cap}
        if self.conn.dialect.name == "postgresql":
            stmt: Executable = SENDER_COUNTS_POSTGRESQL
            params |= {"channels": [c for c, _ in senders], "senders": [s for _, s in senders]}
        else:
            stmt = SENDER_COUNTS_SQLITE
            params |= {"channels": sorted({c for c, _ in senders}),
                       "senders": sorted({s for _, s in senders})}  # fmt: skip
        rows = await self.conn.execute(stmt, params)
        return {(c, s): (int(n), int(failed)) for c, s, n, failed in rows}

    async def finish_many(
        self, decided: Sequence[tuple[StoredMessage, str | None]], now: datetime
    ) -> None:
        """Record several decisions (one statement executed for all)."""
        if not decided:
            return
        await self.conn.execute(
            FINISH_MESSAGE,
            [
                {
                    "b_id": m.id,
                    "b_uin": uin,
                    "b_status": m.status,
                    "b_reason": m.reason,
                    "b_reply": m.reply,
                    "b_meta": m.meta,
                    "b_processed_at": now,
                }
                for m, uin in decided
            ],
        )

    async def get(self, message_id: int, lock: bool = False) -> StoredMessage | None:
        """The message; ``lock``: locked for this transaction, None when another holds it."""
        if lock:
            await self._lock_sqlite(message_id)
        row = (
            await self.conn.execute(
                GET_MESSAGE_UNLESS_LOCKED if lock else GET_MESSAGE, {"id": message_id}
            )
        ).one_or_none()
        return _stored(row) if row is not None else None

    async def set_meta(self, message_id: int, meta: dict[str, Any]) -> None:
        await self.conn.execute(
            update(messages).where(messages.c.id == message_id).values(meta=meta)
        )

    async def lock(self, message_id: int) -> StoredMessage:
        """The message, locked for this transaction: waits for whoever holds it, so what it
        returns is what that one committed."""
        await self._lock_sqlite(message_id)
        row = (await self.conn.execute(LOCK_MESSAGE, {"id": message_id})).one()
        return _stored(row)

    async def _lock_sqlite(self, message_id: int) -> None:
        if self.conn.dialect.name == "sqlite":
            await self.conn.execute(TOUCH_MESSAGE, {"b_id": message_id})

    async def pending(self, limit: int, after_id: int = 0) -> list[int]:
        """Ids of pending messages after ``after_id``, oldest first."""
        rows = await self.conn.execute(PENDING_MESSAGES, {"limit": limit, "after_id": after_id})
        return list(rows.scalars())

    async def count_recent(
        self, channel: str, sender: str, since: datetime, before_id: int, up_to: int
    ) -> int:
        """Messages from ``sender`` received after ``since``, before ``before_id``: counted
        up to ``up_to``."""
        params = {"channel": channel, "sender": sender, "since": since,
                  "before_id": before_id, "up_to": up_to}  # fmt: skip
        return int((await self.conn.execute(COUNT_RECENT, params)).scalar_one())

    async def count_failed_uin(self, channel: str, sender: str, since: datetime, up_to: int) -> int:
        """``unknown_uin`` answers to ``sender`` since ``since``, counted up to ``up_to``."""
        params = {"channel": channel, "sender": sender, "since": since, "up_to": up_to}
        rows = await self.conn.execute(COUNT_FAILED_UIN, params)
        return int(rows.scalar_one())

    async def page(
        self, channel: str | None, external_id: str | None, after_id: int | None, limit: int
    ) -> list[MessageRecord]:
        """Messages oldest first, with their readings."""
        stmt = select(messages).order_by(messages.c.id).limit(limit)
        if channel:
            stmt = stmt.where(messages.c.channel == channel)
        if external_id:
            stmt = stmt.where(messages.c.external_id == external_id)
        if after_id is not None:
            stmt = stmt.where(messages.c.id > after_id)
        rows = (await self.conn.execute(stmt)).all()
        readings = await self._readings([r.id for r in rows])
        return [_record(r, readings.get(r.id, ())) for r in rows]

    async def record(self, message_id: int) -> MessageRecord | None:
        row = (
            await self.conn.execute(select(messages).where(messages.c.id == message_id))
        ).one_or_none()
        if row is None:
            return None
        readings = await self._readings([message_id])
        return _record(row, readings.get(message_id, ()))

    async def photo_source(self, message_id: int) -> tuple[dict[str, Any], bytes] | None:
        """A message's meta and raw bytes, where its photos are (``gateway.domain.photos``)."""
        stmt = select(messages.c.meta, messages.c.raw).where(messages.c.id == message_id)
        row = (await self.conn.execute(stmt)).one_or_none()
        if row is None or row.raw is None:
            return None
        return dict(row.meta or {}), bytes(row.raw)

    async def _readings(self, message_ids: Sequence[int]) -> dict[int, list[ReadingRecord]]:
        out: dict[int, list[ReadingRecord]] = defaultdict(list)
        if not message_ids:
            return out
        rows = await self.conn.execute(
            select(*READING_COLUMNS)
            .join(Meter, Meter.id == Reading.meter_id)
            .where(Reading.message_id.in_(message_ids))
            .order_by(Reading.id)
        )
        for row in rows:
            out[row.message_id].append(ReadingRecord(*row))
        return out


READING_COLUMNS = (
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


def _record(row: Any, readings: Sequence[ReadingRecord]) -> MessageRecord:
    return MessageRecord(
        id=row.id,
        channel=row.channel,
        external_id=row.external_id,
        sender=row.sender,
        status=row.status,
        reason=row.reason,
        reply=row.reply,
        received_at=row.received_at,
        readings=tuple(readings),
    )
