"""The customer's answer to a reading in review: "Да, верно" / "Исправить"; and to what OCR
read on her photo: "Да" / "Исправить"."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Update

from channels.telegram.common import answered, callback_argument, callback_message
from gateway.domain.chat_replies import CONFIRM, FIX, OCR_FIX, OCR_YES
from gateway.service.chats import ChatUseCases


def message_id(callback: CallbackQuery) -> int:
    argument = callback_argument(callback)
    return int(argument) if argument.isdigit() and len(argument) < 19 else 0


async def confirm(callback: CallbackQuery, event_update: Update, chats: ChatUseCases) -> None:
    msg = callback_message(event_update, callback)
    await answered(callback, chats.buttons.confirm(msg, message_id(callback)))


async def fix(callback: CallbackQuery, event_update: Update, chats: ChatUseCases) -> None:
    msg = callback_message(event_update, callback)
    await answered(callback, chats.buttons.fix(msg, message_id(callback)))


async def ocr_yes(callback: CallbackQuery, event_update: Update, chats: ChatUseCases) -> None:
    msg = callback_message(event_update, callback)
    await answered(callback, chats.buttons.ocr_yes(msg, message_id(callback)))


async def ocr_fix(callback: CallbackQuery, event_update: Update, chats: ChatUseCases) -> None:
    msg = callback_message(event_update, callback)
    await answered(callback, chats.buttons.ocr_fix(msg, message_id(callback)))


def router() -> Router:
    """A new router each time: an aiogram router belongs to one dispatcher."""
    r = Router(name="review")
    r.callback_query.register(confirm, F.data.startswith(f"{CONFIRM}:"))
    r.callback_query.register(fix, F.data.startswith(f"{FIX}:"))
    r.callback_query.register(ocr_yes, F.data.startswith(f"{OCR_YES}:"))
    r.callback_query.register(ocr_fix, F.data.startswith(f"{OCR_FIX}:"))
    return r
