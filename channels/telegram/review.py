"""The customer's answer to a reading in review: "Да, верно" / "Исправить"."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Update

from channels.telegram.common import answered, callback_argument, callback_message
from gateway.domain.chat_replies import CONFIRM, FIX
from gateway.service.chats import ChatUseCases


async def confirm(callback: CallbackQuery, event_update: Update, chats: ChatUseCases) -> None:
    msg, argument = callback_message(event_update, callback), callback_argument(callback)
    if msg is not None and argument.isdigit():
        await chats.confirm(msg, int(argument))
    await answered(callback)


async def fix(callback: CallbackQuery, event_update: Update, chats: ChatUseCases) -> None:
    msg, argument = callback_message(event_update, callback), callback_argument(callback)
    if msg is not None and argument.isdigit():
        await chats.fix(msg, int(argument))
    await answered(callback)


def router() -> Router:
    """A new router each time: an aiogram router belongs to one dispatcher."""
    r = Router(name="review")
    r.callback_query.register(confirm, F.data.startswith(f"{CONFIRM}:"))
    r.callback_query.register(fix, F.data.startswith(f"{FIX}:"))
    return r
