"""The use case every channel calls: receive one message, decide, store, answer.

channel -> InboundMessage -> inbox row -> parser -> validator -> readings + outcome -> reply.
All of it commits in one transaction, so a message is either not stored at all (the channel
is told to retry) or stored together with its outcome and reply. If deciding fails on a bug,
the message is still stored, as ``pending``, and ``resume_pending`` finishes it later.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from gateway import metrics
from gateway.config import Config
from gateway.domain.model import InboundMessage, Outcome, Reason, Status
from gateway.domain.periods import period_of
from gateway.domain.replies import render
from gateway.domain.validation import validate
from parsers import parse
from storage import inbox
from storage.inbox import StoredMessage

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

PENDING_REPLY = {
    "ru": "Сообщение получено, ответ придёт позже.",
    "en": "Message received; the answer will follow.",
}


def ambiguous_meta(outcome: Outcome) -> list[dict[str, object]]:
    """What staff need to resolve an ``ambiguous`` message: every reading it can be."""
    found: list[dict[str, object]] = [
        {
            "meter": r.register.meter,
            "zone": r.register.zone,
            "candidates": [str(c) for c in r.candidates],
        }
        for r in outcome.readings
        if r.candidates
    ]
    return found or [{"typed": outcome.detail}]


class StorageUnavailable(Exception):
    """The database cannot be reached: the channel must ask its sender to retry."""


# What asyncpg/aiosqlite raise when the server is gone or the pool is exhausted.
UNAVAILABLE = (OperationalError, DBAPIError, PoolTimeout, OSError, TimeoutError)


@dataclass(frozen=True)
class Receipt:
    message_id: int
    status: str
    reason: str | None
    reply: str
    duplicate: bool

    @classmethod
    def of(cls, message: StoredMessage, duplicate: bool) -> Receipt:
        reply = message.reply or PENDING_REPLY.get(message.language or "ru", PENDING_REPLY["ru"])
        return cls(message.id, message.status, message.reason, reply, duplicate)


class Intake:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], config: Config, clock: Clock
    ) -> None:
        self.sessions = sessions
        self.config = config
        self.rules = config.rules
        self.tz = ZoneInfo(self.rules.timezone)
        self.clock = clock

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """One transaction on the session's connection, committed on a clean exit."""
        async with self.sessions() as session, session.begin():
            yield await session.connection()

    async def receive(self, inbound: InboundMessage) -> Receipt:
        """Store and decide ``inbound``; returns only after the commit."""
        now = self.clock()
        try:
            try:
                async with self.transaction() as conn:
                    message, created = await inbox.insert_message(conn, inbound, now)
                    if message.status == Status.PENDING:
                        message = await self._decide(conn, message, now)
                    receipt = Receipt.of(message, duplicate=not created)
            except UNAVAILABLE:
                raise
            except Exception:
                log.exception("deciding message %s/%s failed", inbound.channel, inbound.external_id)
                async with self.transaction() as conn:
                    message, created = await inbox.insert_message(conn, inbound, now)
                    receipt = Receipt.of(message, duplicate=not created)
        except UNAVAILABLE as e:
            metrics.UNAVAILABLE.labels(str(inbound.channel)).inc()
            raise StorageUnavailable(str(e)) from e
        if not receipt.duplicate:
            metrics.MESSAGES.labels(str(inbound.channel), receipt.status).inc()
        return receipt

    async def resume_pending(self, batch: int = 100) -> int:
        """Decide messages left ``pending`` (a crash, a bug since fixed). Returns how many."""
        done = 0
        while True:
            async with self.transaction() as conn:
                ids = await inbox.pending_messages(conn, batch)
            for message_id in ids:
                async with self.transaction() as conn:
                    message = await inbox.get_message(conn, message_id, lock=True)
                    if message is not None and message.status == Status.PENDING:
                        await self._decide(conn, message, self.clock())
                        done += 1
            if len(ids) < batch:
                return done

    async def _decide(
        self, conn: AsyncConnection, message: StoredMessage, now: datetime
    ) -> StoredMessage:
        local_day = message.received_at.astimezone(self.tz).date()
        period = period_of(local_day, self.rules.cutoff_day)
        parsed = parse(message.text)
        found = None
        if await self._rate_limited(conn, message):
            outcome = Outcome(Status.REJECTED, Reason.RATE_LIMITED)
        else:
            if parsed.uin is not None:
                found = await inbox.load_account(conn, parsed.uin, period)
            outcome = validate(parsed, found[1] if found else None, local_day, self.rules)
        if found is not None and outcome.readings:
            await inbox.add_readings(
                conn, message, outcome.readings, outcome.status, local_day, now
            )
        meta = message.meta
        if outcome.reason is Reason.AMBIGUOUS:
            meta = {**(meta or {}), "ambiguous": ambiguous_meta(outcome)}
        message = message.decided(
            status=str(outcome.status),
            reason=str(outcome.reason) if outcome.reason else None,
            reply=render(outcome, message.id, parsed.uin, message.language or self.config.language),
            meta=meta,
        )
        await inbox.finish(conn, message, parsed.uin, now)
        transport = (meta or {}).get("reply_via")
        if transport and message.reply:
            await inbox.enqueue_reply(conn, message, transport, message.reply, now)
        return message

    async def _rate_limited(self, conn: AsyncConnection, message: StoredMessage) -> bool:
        limit = self.rules.rate_limit_per_hour
        if limit <= 0:
            return False
        since = message.received_at - timedelta(hours=1)
        count = await inbox.count_recent(conn, message.channel, message.sender, since, message.id)
        return count >= limit
