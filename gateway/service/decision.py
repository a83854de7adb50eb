"""The one step that stores decisions on messages, shared by intake (alone and in batches,
through ``gateway.service.decider``) and staff review so they cannot drift: their readings
(accepted ones supersede earlier accepted readings of the register and period), status,
reason and reply, and the reply queued on each one's transport."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from gateway.domain.model import StoredMessage
from gateway.domain.outcomes import RegisterResult
from gateway.service.uow import UnitOfWork


@dataclass(frozen=True)
class Decision:
    """A message as decided (status, reason, reply), with what storing it takes besides:
    its readings, the UIN it named, the day they were taken, what its transport adds to the
    reply (a keyboard)."""

    message: StoredMessage
    readings: Sequence[RegisterResult]
    uin: str | None
    taken_on: date
    extra: Mapping[str, Any] | None = None


async def record_decisions(
    uow: UnitOfWork, decisions: Sequence[Decision], now: datetime, *, follow_up: bool = False
) -> None:
    """Store decided messages of different accounts in a few statements, whatever the size
    of the batch: their readings, status, reason and reply, and the reply queued on each
    one's transport. ``follow_up``: second replies to messages already answered once (a
    review decision). A channel with no transport for later replies (``meta["reply_via"]``
    unset) finds the reply on the message.

    Every statement writes in message id order: what one transaction locks in one order
    another never locks in the other."""
    if not decisions:
        return
    decisions = sorted(decisions, key=lambda d: d.message.id)
    await uow.readings.add_many(
        [(d.message, d.readings, d.message.status, d.taken_on) for d in decisions if d.readings],
        now,
    )
    await uow.messages.finish_many([(d.message, d.uin) for d in decisions], now)
    replies = []
    for d in decisions:
        transport = (d.message.meta or {}).get("reply_via")
        if transport and d.message.reply:
            replies.append((d.message, str(transport), d.message.reply, d.extra))
    if follow_up:
        for message, transport, body, _ in replies:
            await uow.outbox.enqueue_follow_up(message, transport, body, now)
    else:
        await uow.outbox.enqueue_many(replies, now)
