"""The Telegram bot (aiogram 3): one router per feature, served by webhook or long polling,
replies sent by the outbox through ``TelegramSender``.

Handlers turn updates into calls of the chat use cases (``gateway.service.chats.ChatUseCases``,
injected by the dispatcher as ``chats``); they hold no rules and no SQL. An update is
acknowledged (webhook 200, polling offset) only after the use case committed it.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from channels.telegram import groups, history, link, other, photos, readings, review, start
from gateway.service.chats import ChatUseCases

WEBHOOK_PATH = "/telegram/webhook"


@dataclass(frozen=True)
class TelegramSettings:
    token: str
    mode: str = "webhook"  # or "polling"
    api_base: str = "https://api.telegram.org"
    webhook_secret: str = ""


def make_bot(settings: TelegramSettings) -> Bot:
    """A bot on ``api_base`` (Telegram's, a self-hosted Bot API server, a fake in tests).
    Its HTTP session opens on the first request."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.api_base))
    return Bot(settings.token, session=session)


def make_dispatcher(chats: ChatUseCases) -> Dispatcher:
    dp = Dispatcher()
    dp["chats"] = chats
    dp.include_routers(
        groups.router(),
        start.router(),
        link.router(),
        history.router(),
        review.router(),
        photos.router(),
        readings.router(),
        other.router(),
    )
    return dp
