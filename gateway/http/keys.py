"""Every typed key of the aiohttp application that a request handler reads (the keys only
the composition root uses are in ``gateway.app.keys``)."""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from gateway.config import Config
from gateway.service.chats import ChatUseCases
from gateway.service.contacts import ContactUseCases
from gateway.service.receive import Clock, Intake, Receive
from gateway.service.reminders import Reminders
from gateway.service.review import Review
from gateway.service.staff import SessionPolicy
from gateway.service.throttles import LoginThrottle
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
# the cookie key that proves a browser has logged in as a login before (``http.throttle``)
DEVICE_KEY: web.AppKey[bytes] = web.AppKey("device_key", bytes)
# ``http.trusted_proxies`` as networks (``http.remote``)
Networks = tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
TRUSTED_PROXIES: web.AppKey[Networks] = web.AppKey("trusted_proxies")
# how long a staff session lasts (``staff.session_max_age``, ``staff.session_idle``)
SESSION_POLICY: web.AppKey[SessionPolicy] = web.AppKey("session_policy", SessionPolicy)
CHATS: web.AppKey[ChatUseCases] = web.AppKey("chats", ChatUseCases)
REMINDERS: web.AppKey[Reminders] = web.AppKey("reminders", Reminders)
CONTACTS: web.AppKey[ContactUseCases] = web.AppKey("contacts", ContactUseCases)
# the Telegram bot, when ``telegram.token`` is set
TELEGRAM_BOT: web.AppKey[Bot] = web.AppKey("telegram_bot")
