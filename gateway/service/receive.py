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
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from gateway import metrics
from gateway.domain.clock import local_day
from gateway.domain.model import (
    AUTO_META,
    AccountView,
    InboundMessage,
    NeedsReview,
    Outcome,
    Reason,
    Rejected,
    Status,
    StoredMessage,
)
from gateway.domain.periods import period_of
from gateway.domain.replies import pending_reply, render
from gateway.domain.rules import Rules
from gateway.domain.validation import validate
from gateway.service.decision import Decided, record_decisions
from gateway.service.retry import retrying
from gateway.service.uow import StorageUnavailable, UnitOfWork, UnitOfWorkFactory
from parsers import ParseResult, parse

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
# what a transport adds to the meta of a reply it carries (a Telegram keyboard)
ReplyExtra = Callable[[StoredMessage], Mapping[str, Any]]


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
        if message.status == Status.PENDING:
            # not decided yet (deciding failed; the resume loop retries): for the sender
            # that is "taken, a decision follows", never a fourth status
            reply = pending_reply(message.language)
            return cls(message.id, Status.REVIEW, Reason.PROCESSING, reply, duplicate)
        return cls(message.id, message.status, message.reason, message.reply or "", duplicate)


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
        self.clock = clock

    async def receive(self, inbound: InboundMessage) -> Receipt:
        """Store and decide ``inbound``; returns only after the commit. Raises
        ``StorageUnavailable`` when nothing could be stored."""
        now = self.clock()
        what = f"message {inbound.channel}/{inbound.external_id}"
        try:
            try:
                message, created = await retrying(partial(self._store, inbound, now), what)
            except StorageUnavailable:
                raise
            except Exception:
                log.exception("deciding %s failed", what)
                stored = partial(self._store, inbound, now, decide=False)
                message, created = await retrying(stored, what)
        except StorageUnavailable:
            metrics.UNAVAILABLE.labels(str(inbound.channel)).inc()
            raise
        receipt = Receipt.of(message, duplicate=not created)
        if created:
            metrics.MESSAGES.labels(str(inbound.channel), receipt.status).inc()
        return receipt

    async def _store(
        self, inbound: InboundMessage, now: datetime, decide: bool = True
    ) -> tuple[StoredMessage, bool]:
        """One transaction: ``inbound`` stored (once) and, unless ``decide`` is False,
        decided; ``(message, created)``."""
        async with self.uow() as uow:
            message, created = await uow.messages.insert(inbound, now)
            if decide and not created and message.status == Status.PENDING:
                # a repeat of a message not decided yet: whoever is deciding it (another
                # retry, the resume loop) finishes first, then we look again
                message = await uow.messages.lock(message.id)
            if decide and message.status == Status.PENDING:
                message = await self._decide(uow, message, now)
            await uow.commit()
        return message, created

    async def resume_pending(self, batch: int = 100) -> int:
        """Decide messages left ``pending`` (a crash, a bug since fixed); one that fails
        again is logged and left for the next pass, never stopping the others. Returns how
        many were decided."""
        done, after = 0, 0
        while True:
            async with self.uow() as uow:
                ids = await uow.messages.pending(batch, after)
            for message_id in ids:
                try:
                    resume = partial(self._resume_one, message_id)
                    done += await retrying(resume, f"pending message {message_id}")
                except StorageUnavailable:
                    raise
                except Exception:
                    log.exception("deciding pending message %s failed again", message_id)
            if not ids or len(ids) < batch:
                return done
            after = ids[-1]

    async def _resume_one(self, message_id: int) -> int:
        async with self.uow() as uow:
            # skip one being decided right now (a retry holds it)
            message = await uow.messages.get(message_id, lock=True)
            if message is None or message.status != Status.PENDING:
                return 0
            await self._decide(uow, message, self.clock())
            await uow.commit()
        return 1

    async def _decide(
        self, uow: UnitOfWork, message: StoredMessage, now: datetime
    ) -> StoredMessage:
        if (message.meta or {}).get(AUTO_META):
            # mail a machine wrote (a bounce, an auto-reply): never read for readings, and
            # the channel sends no reply to it (SPEC section 3)
            auto: Outcome = Rejected(reason=Reason.AUTO_REPLY)
            reply = render(auto, message.id, None, message.language or self.language)
            return await self._finish(uow, message, auto, None, reply, message.meta, now)
        flood = await self._recent_from_sender(uow, message)
        if flood is not None:
            return await self._rate_limited(uow, message, flood, now)
        day = local_day(message.received_at, self.rules.timezone)
        period = period_of(day, self.rules.cutoff_day)
        parsed = parse(message.text)
        found = None
        if parsed.uin is not None and await self._guessing_uins(uow, message):
            outcome: Outcome = Rejected(reason=Reason.RATE_LIMITED)
            reply = render(outcome, message.id, None, message.language or self.language)
            return await self._finish(uow, message, outcome, None, reply, message.meta, now)
        if parsed.uin is None and (message.meta or {}).get("photo"):
            # no account in the text, a photo to read: staff read the meter from it
            photo: Outcome = NeedsReview(reason=Reason.PHOTO)
            reply = render(photo, message.id, None, message.language or self.language)
            return await self._finish(uow, message, photo, None, reply, message.meta, now)
        if parsed.uin is not None:
            found = await uow.accounts.load(parsed.uin, period)
        outcome, meta, reply = self._judge(message, parsed, found[1] if found else None, day)
        return await self._finish(uow, message, outcome, parsed.uin, reply, meta, now, day)

    def _judge(
        self,
        message: StoredMessage,
        parsed: ParseResult,
        account: AccountView | None,
        local_day: date,
    ) -> tuple[Outcome, dict[str, Any] | None, str]:
        """The outcome of a parsed message against its account, the message's meta with
        what staff need, and the reply."""
        outcome = validate(parsed, account, local_day, self.rules)
        meta = message.meta
        if outcome.reason is Reason.AMBIGUOUS:
            meta = {**(meta or {}), "ambiguous": ambiguous_meta(outcome)}
        reply = render(outcome, message.id, parsed.uin, message.language or self.language)
        return outcome, meta, reply

    async def _finish(
        self,
        uow: UnitOfWork,
        message: StoredMessage,
        outcome: Outcome,
        uin: str | None,
        reply: str | None,
        meta: dict[str, Any] | None,
        now: datetime,
        taken_on: date | None = None,
    ) -> StoredMessage:
        """Store the decision (status, reason, reply, the outcome's readings) through the
        step intake, batches and review share."""
        taken_on = taken_on or local_day(message.received_at, self.rules.timezone)
        decided = self._decided(message, outcome, uin, reply, meta, taken_on)
        await record_decisions(uow, [decided], now)
        return decided.message

    def _decided(
        self,
        message: StoredMessage,
        outcome: Outcome,
        uin: str | None,
        reply: str | None,
        meta: dict[str, Any] | None,
        taken_on: date,
    ) -> Decided:
        """``message`` with its decision, and what its transport adds to the reply."""
        message = message.decided(
            status=outcome.status,
            reason=str(outcome.reason) if outcome.reason else None,
            reply=reply,
            meta=meta,
        )
        extra = self.reply_extras.get(str((meta or {}).get("reply_via") or ""))
        return Decided(message, outcome.readings, uin, taken_on, extra(message) if extra else None)

    async def _recent_from_sender(self, uow: UnitOfWork, message: StoredMessage) -> int | None:
        """How many messages the sender sent in the hour before this one, when that reaches
        the limit (else None). Counted up to limit + 1 only: a flood costs the same small
        index scan however long it goes on."""
        limit = self.rules.rate_limit_per_hour
        if limit <= 0:
            return None
        since = message.received_at - timedelta(hours=1)
        count = await uow.messages.count_recent(
            message.channel, message.sender, since, message.id, limit + 1
        )
        return count if count >= limit else None

    async def _guessing_uins(self, uow: UnitOfWork, message: StoredMessage) -> bool:
        """The sender has typed unknown UINs ``unknown_uin_per_hour`` times this hour: no
        more lookups, so answers cannot be used to enumerate UINs."""
        limit = self.rules.unknown_uin_per_hour
        if limit <= 0:
            return False
        since = message.received_at - timedelta(hours=1)
        failed = await uow.messages.count_failed_uin(message.channel, message.sender, since, limit)
        return failed >= limit

    async def _rate_limited(
        self, uow: UnitOfWork, message: StoredMessage, recent: int, now: datetime
    ) -> StoredMessage:
        """Stored and rejected without parsing or locking anything. Only the first message
        over the limit is answered: one reply per window, not one paid SMS (or one email to
        a spoofed From) per flood message."""
        outcome = Rejected(reason=Reason.RATE_LIMITED)
        first = recent == self.rules.rate_limit_per_hour
        language = message.language or self.language
        reply = render(outcome, message.id, None, language) if first else None
        return await self._finish(uow, message, outcome, None, reply, message.meta, now)
