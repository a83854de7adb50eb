"""The use case every channel calls: receive one message, decide, store, answer.

channel -> InboundMessage -> inbox row -> ``Decider`` (parser -> validator -> readings +
outcome -> reply). All of it commits in one unit of work, so a message is either not stored
at all (the channel is told to retry) or stored together with its outcome and reply. If
deciding fails on a bug, the message is still stored, as ``pending``, and
``resume_pending`` finishes it later.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from gateway.domain.model import InboundMessage, Reason, Status, StoredMessage
from gateway.domain.replies import pending_reply
from gateway.domain.rules import Rules
from gateway.runtime import metrics
from gateway.service.decider import Decider, ReplyExtra
from gateway.service.retry import retrying
from gateway.service.uow import StorageUnavailable, UnitOfWorkFactory

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


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
    """One message at a time: stored once, decided by its ``decider`` in the same
    transaction, answered with a ``Receipt``; and the messages left ``pending``, resumed."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        rules: Rules,
        language: str,
        clock: Clock,
        reply_extras: Mapping[str, ReplyExtra] | None = None,
        sms: str | None = None,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.decider = Decider(rules, language, reply_extras, sms)

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
                message = await self.decider.decide(uow, message, now)
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
            await self.decider.decide(uow, message, self.clock())
            await uow.commit()
        return 1
