"""Every typed key of the aiohttp application that a request handler reads (the keys only
the composition root uses are in ``gateway.app.keys``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from gateway.config import Config
from gateway.http.throttle import LoginThrottle
from gateway.service.chats import ChatUseCases
from gateway.service.contacts import ContactUseCases
from gateway.service.receive import Clock, Intake, Receive
from gateway.service.reminders import Reminders
from gateway.service.review import Review
from gateway.service.uow import UnitOfWorkFactory

if TYPE_CHECKING:  # aiogram is imported only where the bot runs
    from aiogram import Bot

CONFIG: web.AppKey[Config] = web.AppKey("config", Config)
CLOCK: web.AppKey[Clock] = web.AppKey("clock")
UOW: web.AppKey[UnitOfWorkFactory] = web.AppKey("uow")
# the one-message intake (``resume_pending``); the channels use RECEIVE
INTAKE: web.AppKey[Intake] = web.AppKey("intake", Intake)
# what every channel hands its messages to: the intake behind group commit
RECEIVE: web.AppKey[Receive] = web.AppKey("receive")
# raises when the database cannot be reached (``/readyz``)
PING: web.AppKey[Callable[[], Awaitable[None]]] = web.AppKey("ping")
REVIEW: web.AppKey[Review] = web.AppKey("review", Review)
LOGIN_THROTTLE: web.AppKey[LoginThrottle] = web.AppKey("login_throttle", LoginThrottle)
CHATS: web.AppKey[ChatUseCases] = web.AppKey("chats", ChatUseCases)
REMINDERS: web.AppKey[Reminders] = web.AppKey("reminders", Reminders)
CONTACTS: web.AppKey[ContactUseCases] = web.AppKey("contacts", ContactUseCases)
# the Telegram bot, when ``telegram.token`` is set
TELEGRAM_BOT: web.AppKey[Bot] = web.AppKey("telegram_bot")
