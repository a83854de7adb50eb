"""The customer's answer to a reading in review: "Да, верно" / "Исправить"."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Update

from channels.telegram.common import answered, callback_argument, callback_message
from gateway.domain.chat_replies import CONFIRM, FIX
from gateway.service.chats import Chats

router = Router(name="review")


@router.callback_query(F.data.startswith(f"{CONFIRM}:"))
async def confirm(callback: CallbackQuery, event_update: Update, chats: Chats) -> None:
    msg, argument = callback_message(event_update, callback), callback_argument(callback)
    if msg is not None and argument.isdigit():
        await chats.confirm(msg, int(argument))
    await answered(callback)


@router.callback_query(F.data.startswith(f"{FIX}:"))
async def fix(callback: CallbackQuery, event_update: Update, chats: Chats) -> None:
    msg, argument = callback_message(event_update, callback), callback_argument(callback)
    if msg is not None and argument.isdigit():
        await chats.fix(msg, int(argument))
    await answered(callback)
