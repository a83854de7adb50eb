"""Reminders and period-close notices to verified contacts, each on the contact's own
channel (docs/channels.md, "Contacts and linking"), skipping contacts that opted out (STOP)
and Telegram users who blocked the bot.

- From ``telegram.reminder_day`` to the cut-off day, a contact whose accounts have no
  reading for the period gets one reminder per period.
- After ``period close``, a contact gets one notice per period with the billed volume of
  each register of its accounts and how it was billed; closing the period again sends none.

Each is recorded (``contact_notices``) in the transaction that queues it in the outbox, so it
is never sent twice. One gateway process sends the reminders (an advisory lock).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from gateway.domain import chat_replies, contact_replies
from gateway.domain.chats import reminder_window
from gateway.domain.clock import local_day
from gateway.domain.contacts import NoticeTarget, transport_of
from gateway.domain.periods import period_of
from gateway.domain.rules import Rules
from gateway.runtime.aio import raise_if_cancelling
from gateway.service.receive import Clock
from gateway.service.uow import SingletonLock, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

LOCK_NAME = "meter-gateway:telegram-reminders"
REMINDER, CLOSE = "reminder", "close"  # the kinds of notice, once each per period


class Reminders:
    """``sms``: the outbox transport that reaches a phone (None: phones get nothing)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        rules: Rules,
        reminder_day: int,
        clock: Clock,
        sms: str | None = None,
    ) -> None:
        self.uow = uow
        self.rules = rules
        self.reminder_day = reminder_day
        self.clock = clock
        self.sms = sms

    async def send_due(self) -> int:
        """Queue the reminders due now; returns how many."""
        now = self.clock()
        today = local_day(now, self.rules.timezone)
        if not reminder_window(today, self.reminder_day, self.rules.cutoff_day):
            return 0
        period = period_of(today, self.rules.cutoff_day)
        sent = 0
        async with self.uow() as uow:
            for target in await uow.notices.reminder_targets(period):
                uins = ", ".join(target.uins)
                fields = {"uins": uins, "cutoff": self.rules.cutoff_day}
                if target.contact.kind == "telegram":
                    body = chat_replies.text(target.language or "ru", "reminder", **fields)
                else:
                    body = contact_replies.text(target.language, "reminder", **fields)
                sent += await self._queue(uow, target, period, REMINDER, body, now)
            await uow.commit()
        if sent:
            log.info("queued %d reminder(s) for %s", sent, period)
        return sent

    async def send_close_notices(self, period: str) -> int:
        """Queue the notices of a closed ``period``; returns how many (none the second time)."""
        now = self.clock()
        sent = 0
        async with self.uow() as uow:
            for target in await uow.notices.close_targets(period):
                lines = await uow.notices.billed(period, list(target.uins))
                body = contact_replies.close_notice(target.language, period, lines)
                sent += await self._queue(uow, target, period, CLOSE, body, now)
            await uow.commit()
        if sent:
            log.info("queued %d period-close notice(s) for %s", sent, period)
        return sent

    async def _queue(
        self, uow: UnitOfWork, target: NoticeTarget, period: str, kind: str, body: str,
        now: datetime,
    ) -> int:  # fmt: skip
        route = transport_of(target.contact, self.sms)
        if route is None or not await uow.contacts.noticed(target.contact_id, period, kind, now):
            return 0
        transport, recipient, meta = route
        await uow.outbox.add(transport, recipient, body, {**meta, kind: period}, now)
        return 1

    async def run_forever(self, lock: SingletonLock, interval: float = 600) -> None:
        try:
            while True:
                try:
                    if await lock.acquire() and await lock.still_held():
                        await self.send_due()
                except Exception:
                    raise_if_cancelling()
                    log.exception("sending reminders failed; retrying later")
                await asyncio.sleep(interval)
        finally:
            await lock.release()
