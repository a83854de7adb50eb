"""The outbox: replies waiting for delivery, claimed with ``FOR UPDATE SKIP LOCKED``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.domain.model import OutboxItem, OutboxStatus, StoredMessage
from storage.models import Outbox
from storage.statements import ENQUEUE_REPLIES


class OutboxRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def enqueue_many(
        self,
        items: Sequence[tuple[StoredMessage, str, str, Mapping[str, Any] | None]],
        now: datetime,
    ) -> None:
        """Queue the replies to messages, (message, transport, body, extra) each; once per
        message and transport. ``extra`` adds to the message's meta what the transport
        needs (a Telegram keyboard)."""
        if not items:
            return
        await self.conn.execute(
            ENQUEUE_REPLIES.on(self.conn),
            [
                {
                    "message_id": message.id,
                    "channel": transport,
                    "recipient": message.reply_address,
                    "body": body,
                    "meta": {**(message.meta or {}), **extra} if extra else message.meta,
                    "status": OutboxStatus.PENDING,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
                for message, transport, body, extra in items
            ],
        )

    async def add(
        self, transport: str, recipient: str, body: str, meta: Mapping[str, Any], now: datetime
    ) -> None:
        """Queue a message that answers no stored message (a bot command, a reminder); the
        caller makes it once (in the transaction that records why it is sent)."""
        await self.conn.execute(
            insert(Outbox).values(
                channel=transport,
                recipient=recipient,
                body=body,
                meta=dict(meta),
                status=OutboxStatus.PENDING,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )

    async def enqueue_follow_up(
        self, message: StoredMessage, transport: str, body: str, now: datetime
    ) -> None:
        """A later reply to ``message`` (a review decision): not bound by the one-reply-per-
        message key of ``enqueue``; the message it answers is kept in ``meta``."""
        meta = {**(message.meta or {}), "follow_up_of": message.id}
        await self.add(transport, message.sender, body, meta, now)

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
        return [
            OutboxItem(r.id, r.channel, r.recipient, r.body, r.meta, r.attempts + 1) for r in rows
        ]

    async def extend(self, ids: Sequence[int], until: datetime) -> None:
        """Renew the lease of claimed rows still waiting to be sent."""
        await self.conn.execute(
            update(Outbox)
            .where(Outbox.id.in_(list(ids)), Outbox.status == OutboxStatus.PENDING)
            .values(next_attempt_at=until)
        )

    async def mark(self, item_id: int, **values: Any) -> None:
        """Record the result of an attempt: ``status``, ``sent_at``, ``next_attempt_at``,
        ``last_error``."""
        await self.conn.execute(update(Outbox).where(Outbox.id == item_id).values(**values))
