"""The outbox: replies waiting for delivery, claimed with ``FOR UPDATE SKIP LOCKED``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.domain.model import OutboxItem, OutboxStatus, StoredMessage
from storage.models import Outbox
from storage.statements import sql


class OutboxRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def enqueue(
        self, message: StoredMessage, transport: str, body: str, now: datetime
    ) -> None:
        """Queue the reply to ``message``; once per message and transport."""
        await self.conn.execute(
            sql(self.conn, "enqueue"),
            {
                "message_id": message.id,
                "channel": transport,
                "recipient": message.reply_address,
                "body": body,
                "meta": message.meta,
                "status": OutboxStatus.PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            },
        )

    async def claim(
        self, now: datetime, transports: Sequence[str], limit: int, lease: timedelta
    ) -> list[OutboxItem]:
        """Due rows for ``transports``, leased until ``now + lease`` (skipping rows another
        process holds), each with its attempt counted."""
        rows = (
            await self.conn.execute(
                select(Outbox.id, Outbox.channel, Outbox.recipient, Outbox.body, Outbox.meta,
                       Outbox.attempts)
                .where(
                    Outbox.status == OutboxStatus.PENDING,
                    Outbox.next_attempt_at <= now,
                    Outbox.channel.in_(list(transports)),
                )
                .order_by(Outbox.next_attempt_at, Outbox.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).all()  # fmt: skip
        if rows:
            await self.conn.execute(
                update(Outbox)
                .where(Outbox.id.in_([r.id for r in rows]))
                .values(next_attempt_at=now + lease, attempts=Outbox.attempts + 1)
            )
        return [OutboxItem(*r[:5], r.attempts + 1) for r in rows]

    async def mark(self, item_id: int, **values: Any) -> None:
        """Record the result of an attempt: ``status``, ``sent_at``, ``next_attempt_at``,
        ``last_error``."""
        await self.conn.execute(update(Outbox).where(Outbox.id == item_id).values(**values))
