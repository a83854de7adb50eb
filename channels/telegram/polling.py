"""Long polling (``telegram.mode = "polling"``), in one gateway process at a time (a
PostgreSQL advisory lock; the other processes wait quietly).

The offset that confirms updates to Telegram moves past an update only after its handler
has committed: a crash or a database outage makes getUpdates return it again, and the
intake recognises the update id. An update of a shape this aiogram does not know (a newer
Bot API) is skipped, as the webhook acknowledges it: it would otherwise fail every
getUpdates after it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.exceptions import ClientDecodeError
from aiogram.methods import GetUpdates
from aiogram.types import Update
from pydantic import ValidationError

from channels.singleton import LockLost
from channels.telegram.webhook import RETRYABLE
from gateway.runtime.aio import raise_if_cancelling
from gateway.service.uow import SingletonLock

log = logging.getLogger(__name__)

LOCK_NAME = "meter-gateway:telegram-polling"
MAX_BACKOFF = 60.0


class TelegramPoller:
    def __init__(
        self,
        dispatcher: Dispatcher,
        bot: Bot,
        lock: SingletonLock,
        timeout: int = 30,
        idle_seconds: float = 5.0,
    ) -> None:
        self.dispatcher = dispatcher
        self.bot = bot
        self.lock = lock
        self.timeout = timeout
        self.idle_seconds = idle_seconds
        self.offset: int | None = None
        self.polling = False  # this process holds the lock and polls

    async def run_forever(self) -> None:
        delay = 1.0
        try:
            while True:
                try:
                    if not await self.lock.acquire():
                        await asyncio.sleep(self.idle_seconds)
                        continue
                    if not self.polling:
                        log.info("Telegram: this process polls for updates")
                        # getUpdates is refused while a webhook is set
                        await self.bot.delete_webhook()
                        self.polling = True
                    await self.poll_once()
                    delay = 1.0
                    if not await self.lock.still_held():
                        raise LockLost()
                except Exception as e:
                    raise_if_cancelling()
                    if isinstance(e, LockLost):
                        self.polling = False
                    log.warning("Telegram polling: %s; retrying in %.0f s", e, delay)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, MAX_BACKOFF)
        finally:
            await self.lock.release()

    async def poll_once(self) -> int:
        """Fetch and handle one batch; returns how many updates were handled."""
        batch = await self.fetch()
        for update_id, update in batch:
            if update is None:
                log.warning("Telegram update %s not understood, skipped", update_id)
            else:
                try:
                    await self.dispatcher.feed_update(self.bot, update)
                except RETRYABLE:
                    raise  # not confirmed: the next getUpdates returns it again
                except Exception:
                    log.exception("Telegram update %s failed", update_id)
            self.offset = update_id + 1
        return len(batch)

    async def fetch(self) -> list[tuple[int, Update | None]]:
        """The next updates in order, each with its id (None: a shape aiogram cannot read)."""
        try:
            updates = await self.bot(
                GetUpdates(offset=self.offset, timeout=self.timeout),
                request_timeout=self.timeout + 30,
            )
        except ClientDecodeError as e:
            raw = e.data.get("result") if isinstance(e.data, dict) else None
            if not isinstance(raw, list) or not all(_has_id(u) for u in raw):
                raise
            return [(u["update_id"], self._read(u)) for u in raw]
        return [(u.update_id, u) for u in updates]

    def _read(self, raw: dict[str, Any]) -> Update | None:
        try:
            return Update.model_validate(raw, context={"bot": self.bot})
        except ValidationError:
            return None


def _has_id(raw: Any) -> bool:
    return isinstance(raw, dict) and type(raw.get("update_id")) is int
