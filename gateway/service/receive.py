"""The use case every channel calls: receive one message, decide, store, answer.

channel -> InboundMessage -> inbox row -> parser -> validator -> readings + outcome -> reply.
All of it commits in one unit of work, so a message is either not stored at all (the channel
is told to retry) or stored together with its outcome and reply. If deciding fails on a bug,
the message is still stored, as ``pending``, and ``resume_pending`` finishes it later.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from gateway import metrics
from gateway.domain.model import (
    InboundMessage,
    NeedsReview,
    Outcome,
    Reason,
    Rejected,
    Status,
    StoredMessage,
)
from gateway.domain.periods import period_of
from gateway.domain.replies import render
from gateway.domain.rules import Rules
from gateway.domain.validation import validate
from gateway.service.uow import StorageUnavailable, UnitOfWork, UnitOfWorkFactory
from parsers import parse

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
# what a transport adds to the meta of a reply it carries (a Telegram keyboard)
ReplyExtra = Callable[[StoredMessage], Mapping[str, Any]]

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


@dataclass(frozen=True)
class Receipt:
    """What a channel tells its sender: the message's id, outcome and reply."""

    message_id: int
    status: str
    reason: str | None
    reply: str
    duplicate: bool

    @classmethod
    def of(cls, message: StoredMessage, duplicate: bool) -> Receipt:
        reply = message.reply or PENDING_REPLY.get(message.language or "ru", PENDING_REPLY["ru"])
        return cls(message.id, message.status, message.reason, reply, duplicate)


# What a channel is given: hand over one message, get its receipt once it is committed.
Receive = Callable[[InboundMessage], Awaitable[Receipt]]


class Intake:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        rules: Rules,
        language: str,
        clock: Clock,
        reply_extras: Mapping[str, ReplyExtra] | None = None,
    ) -> None:
        self.uow = uow
        self.reply_extras = dict(reply_extras or {})
        self.rules = rules
        self.language = language
        self.tz = ZoneInfo(rules.timezone)
        self.clock = clock

    async def receive(self, inbound: InboundMessage) -> Receipt:
        """Store and decide ``inbound``; returns only after the commit. Raises
        ``StorageUnavailable`` when nothing could be stored."""
        now = self.clock()
        try:
            try:
                async with self.uow() as uow:
                    message, created = await uow.messages.insert(inbound, now)
                    if message.status == Status.PENDING:
                        message = await self._decide(uow, message, now)
                    await uow.commit()
            except StorageUnavailable:
                raise
            except Exception:
                log.exception("deciding message %s/%s failed", inbound.channel, inbound.external_id)
                async with self.uow() as uow:
                    message, created = await uow.messages.insert(inbound, now)
                    await uow.commit()
        except StorageUnavailable:
            metrics.UNAVAILABLE.labels(str(inbound.channel)).inc()
            raise
        receipt = Receipt.of(message, duplicate=not created)
        if created:
            metrics.MESSAGES.labels(str(inbound.channel), receipt.status).inc()
        return receipt

    async def resume_pending(self, batch: int = 100) -> int:
        """Decide messages left ``pending`` (a crash, a bug since fixed). Returns how many."""
        done = 0
        while True:
            async with self.uow() as uow:
                ids = await uow.messages.pending(batch)
            for message_id in ids:
                async with self.uow() as uow:
                    message = await uow.messages.get(message_id, lock=True)
                    if message is not None and message.status == Status.PENDING:
                        await self._decide(uow, message, self.clock())
                        await uow.commit()
                        done += 1
            if len(ids) < batch:
                return done

    async def _decide(
        self, uow: UnitOfWork, message: StoredMessage, now: datetime
    ) -> StoredMessage:
        local_day = message.received_at.astimezone(self.tz).date()
        period = period_of(local_day, self.rules.cutoff_day)
        parsed = parse(message.text)
        found = None
        outcome: Outcome
        if await self._rate_limited(uow, message):
            outcome = Rejected(reason=Reason.RATE_LIMITED)
        elif not message.text.strip() and (message.meta or {}).get("photo"):
            outcome = NeedsReview(reason=Reason.PHOTO)  # nothing to parse, a photo to read
        else:
            if parsed.uin is not None:
                found = await uow.accounts.load(parsed.uin, period)
            outcome = validate(parsed, found[1] if found else None, local_day, self.rules)
        if found is not None and outcome.readings:
            await uow.readings.add(message, outcome.readings, outcome.status, local_day, now)
        meta = message.meta
        if outcome.reason is Reason.AMBIGUOUS:
            meta = {**(meta or {}), "ambiguous": ambiguous_meta(outcome)}
        message = message.decided(
            status=outcome.status,
            reason=str(outcome.reason) if outcome.reason else None,
            reply=render(outcome, message.id, parsed.uin, message.language or self.language),
            meta=meta,
        )
        await uow.messages.finish(message, parsed.uin, now)
        transport = (meta or {}).get("reply_via")
        if transport and message.reply:
            extra = self.reply_extras.get(transport)
            await uow.outbox.enqueue(
                message, transport, message.reply, now, extra(message) if extra else None
            )
        return message

    async def _rate_limited(self, uow: UnitOfWork, message: StoredMessage) -> bool:
        limit = self.rules.rate_limit_per_hour
        if limit <= 0:
            return False
        since = message.received_at - timedelta(hours=1)
        count = await uow.messages.count_recent(message.channel, message.sender, since, message.id)
        return count >= limit
