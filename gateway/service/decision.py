"""The one step that stores a decided message, shared by intake and staff review so the
two cannot drift: its readings (accepted ones supersede earlier accepted readings of the
register and period), its status, reason and reply, and the reply queued on its transport."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from gateway.domain.model import RegisterResult, StoredMessage
from gateway.service.uow import UnitOfWork


async def record_decision(
    uow: UnitOfWork,
    message: StoredMessage,
    readings: Sequence[RegisterResult],
    uin: str | None,
    taken_on: date,
    now: datetime,
    *,
    follow_up: bool = False,
    extra: Mapping[str, Any] | None = None,
) -> None:
    """``message`` carries the decision (status, reason, reply, meta). ``follow_up``: a
    second reply to a message already answered once (a review decision). A channel with no
    transport for later replies (``meta["reply_via"]`` unset) finds the reply on the message.
    ``extra`` adds to the queued reply's meta what its transport needs (a Telegram keyboard)."""
    if readings:
        await uow.readings.add(message, readings, message.status, taken_on, now)
    await uow.messages.finish(message, uin, now)
    transport = (message.meta or {}).get("reply_via")
    if transport and message.reply:
        if follow_up:
            await uow.outbox.enqueue_follow_up(message, str(transport), message.reply, now)
        else:
            await uow.outbox.enqueue(message, str(transport), message.reply, now, extra)


@dataclass(frozen=True)
class Decided:
    """A decided message of a batch, with what ``record_decision`` takes besides it."""

    message: StoredMessage
    readings: Sequence[RegisterResult]
    uin: str | None
    taken_on: date
    extra: Mapping[str, Any] | None = None


async def record_decisions(uow: UnitOfWork, batch: Sequence[Decided], now: datetime) -> None:
    """``record_decision`` for the first replies of several messages of different accounts,
    in a few statements whatever the size of the batch."""
    await uow.readings.add_many(
        [(d.message, d.readings, d.message.status, d.taken_on) for d in batch if d.readings], now
    )
    await uow.messages.finish_many([(d.message, d.uin) for d in batch], now)
    replies = []
    for d in batch:
        transport = (d.message.meta or {}).get("reply_via")
        if transport and d.message.reply:
            replies.append((d.message, str(transport), d.message.reply, d.extra))
    await uow.outbox.enqueue_many(replies, now)
