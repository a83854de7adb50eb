"""The Telegram bot's part of the composition root (``gateway.app.factory``), in a module of
its own so that aiogram is imported only when the bot is configured."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from aiogram import Dispatcher
from aiohttp import web

from channels import telegram
from channels.telegram.polling import LOCK_NAME as POLLING_LOCK
from channels.telegram.polling import TelegramPoller
from channels.telegram.sender import TelegramSender
from channels.telegram.webhook import TelegramWebhook
from gateway.app.lifecycle import Lifecycle, Phase, Step
from gateway.domain.model import Transport
from gateway.http.keys import CHATS, TELEGRAM_BOT
from gateway.runtime.aio import stop_tasks
from gateway.service.outbox import Sender
from storage.db import Database

log = logging.getLogger(__name__)


def setup(
    app: web.Application,
    lifecycle: Lifecycle,
    settings: telegram.TelegramSettings,
    db: Database,
    background: bool,
) -> dict[str, Sender]:
    """The bot, its webhook route (webhook mode), its steps in the app's lifecycle; returns
    the outbox transport that sends its replies."""
    app[TELEGRAM_BOT] = telegram.make_bot(settings)
    dispatcher = telegram.make_dispatcher(app[CHATS])
    if settings.mode == "webhook":
        webhook = TelegramWebhook(dispatcher, app[TELEGRAM_BOT], settings.webhook_secret)
        webhook.setup(app, telegram.WEBHOOK_PATH)
    lifecycle.add(Phase.TRANSPORTS, "Telegram bot session", bot_session)
    if background:
        lifecycle.add(Phase.CHANNELS, "Telegram bot", bot_work(settings, db, dispatcher))
    return {Transport.TELEGRAM: TelegramSender(app[TELEGRAM_BOT], app[CHATS].blocked)}


async def bot_session(app: web.Application) -> AsyncIterator[None]:
    """The bot's HTTP session (opened on its first request), closed once the outbox, which
    sends the replies through it, has stopped."""
    yield
    await app[TELEGRAM_BOT].session.close()


def bot_work(settings: telegram.TelegramSettings, db: Database, dispatcher: Dispatcher) -> Step:
    """Long polling (``telegram.mode = "polling"``, one process, under an advisory lock);
    the reminders run for every channel (``gateway.app.factory.reminder_work``)."""

    async def step(app: web.Application) -> AsyncIterator[None]:
        tasks: list[asyncio.Task[None]] = []
        if settings.mode == "polling":
            log.info("Telegram bot: long polling %s (one gateway process polls)", settings.api_base)
            poller = TelegramPoller(dispatcher, app[TELEGRAM_BOT], db.lock(POLLING_LOCK))
            tasks.append(asyncio.create_task(poller.run_forever()))
        else:
            log.info("Telegram bot: webhook at POST %s", telegram.WEBHOOK_PATH)
        yield
        await stop_tasks(tasks)

    return step
