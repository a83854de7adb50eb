"""The Telegram bot's part of the composition root (``gateway.bootstrap``), in a module of
its own so that aiogram is imported only when the bot is configured."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable

from aiogram import Dispatcher
from aiohttp import web

from channels import telegram
from channels.telegram.polling import LOCK_NAME as POLLING_LOCK
from channels.telegram.polling import TelegramPoller
from channels.telegram.sender import TelegramSender
from channels.telegram.webhook import TelegramWebhook
from gateway.aio import stop_tasks
from gateway.domain.model import Transport
from gateway.http.keys import CHATS, REMINDERS, TELEGRAM_BOT
from gateway.service import reminders
from gateway.service.outbox import Sender
from storage.db import Database

log = logging.getLogger(__name__)


def setup(
    app: web.Application, settings: telegram.TelegramSettings, db: Database, background: bool
) -> dict[str, Sender]:
    """The bot, its webhook route (webhook mode), its background work; returns the outbox
    transport that sends its replies."""
    app[TELEGRAM_BOT] = telegram.make_bot(settings)
    dispatcher = telegram.make_dispatcher(app[CHATS])
    if settings.mode == "webhook":
        webhook = TelegramWebhook(dispatcher, app[TELEGRAM_BOT], settings.webhook_secret)
        webhook.setup(app, telegram.WEBHOOK_PATH)
    app.cleanup_ctx.append(telegram_bot(settings, db, dispatcher, background))
    return {Transport.TELEGRAM: TelegramSender(app[TELEGRAM_BOT], app[CHATS].blocked)}


def telegram_bot(
    settings: telegram.TelegramSettings, db: Database, dispatcher: Dispatcher, background: bool
) -> Callable[[web.Application], AsyncIterator[None]]:
    """Long polling (``telegram.mode = "polling"``, one process) and the reminders (one
    process), both under advisory locks; the bot's HTTP session closed at the end."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        bot = app[TELEGRAM_BOT]
        tasks: list[asyncio.Task[None]] = []
        if settings.mode == "polling":
            log.info("Telegram bot: long polling %s (one gateway process polls)", settings.api_base)
        else:
            log.info("Telegram bot: webhook at POST %s", telegram.WEBHOOK_PATH)
        if background:
            if settings.mode == "polling":
                poller = TelegramPoller(dispatcher, bot, db.lock(POLLING_LOCK))
                tasks.append(asyncio.create_task(poller.run_forever()))
            lock = db.lock(reminders.LOCK_NAME)
            tasks.append(asyncio.create_task(app[REMINDERS].run_forever(lock)))
        yield
        await stop_tasks(tasks)
        await bot.session.close()

    return ctx
