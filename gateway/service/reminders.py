"""Reminders to linked Telegram chats: from ``telegram.reminder_day`` to the cut-off day, a
chat whose accounts have no reading for the period gets one reminder per period.

One gateway process sends them (an advisory lock); the reminder is recorded in the
transaction that queues it, so it is never sent twice.
"""

from __future__ import annotations

import asyncio
import logging

from gateway.domain import chat_replies
from gateway.domain.chats import reminder_window
from gateway.domain.clock import local_day
from gateway.domain.model import Transport
from gateway.domain.periods import period_of
from gateway.domain.rules import Rules
from gateway.runtime.aio import raise_if_cancelling
from gateway.service.receive import Clock
from gateway.service.uow import SingletonLock, UnitOfWorkFactory

log = logging.getLogger(__name__)

LOCK_NAME = "meter-gateway:telegram-reminders"


class Reminders:
    def __init__(
        self, uow: UnitOfWorkFactory, rules: Rules, reminder_day: int, clock: Clock
    ) -> None:
        self.uow = uow
        self.rules = rules
        self.reminder_day = reminder_day
        self.clock = clock

    async def send_due(self) -> int:
        """Queue the reminders due now; returns how many."""
        now = self.clock()
        today = local_day(now, self.rules.timezone)
        if not reminder_window(today, self.reminder_day, self.rules.cutoff_day):
            return 0
        period = period_of(today, self.rules.cutoff_day)
        sent = 0
        async with self.uow() as uow:
            for target in await uow.chats.reminder_targets(period):
                if not await uow.chats.reminded(target.chat_id, period, now):
                    continue
                body = chat_replies.text(
                    target.language,
                    "reminder",
                    uins=", ".join(target.uins),
                    cutoff=self.rules.cutoff_day,
                )
                meta = {"chat_id": target.chat_id, "reminder": period}
                await uow.outbox.add(Transport.TELEGRAM, str(target.chat_id), body, meta, now)
                sent += 1
            await uow.commit()
        if sent:
            log.info("queued %d Telegram reminder(s) for %s", sent, period)
        return sent

    async def run_forever(self, lock: SingletonLock, interval: float = 600) -> None:
        try:
            while True:
                try:
                    if await lock.acquire() and await lock.still_held():
                        await self.send_due()
                except Exception:
                    raise_if_cancelling()
                    log.exception("sending Telegram reminders failed; retrying later")
                await asyncio.sleep(interval)
        finally:
            await lock.release()
