"""Plain messages (readings, or the answer the bot waits for) and the account choice."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message, Update

from channels.telegram.common import answered, callback_argument, callback_message, chat_message
from gateway.domain.chat_replies import CHOOSE
from gateway.service.chats import ChatUseCases


async def text(message: Message, event_update: Update, chats: ChatUseCases) -> None:
    await chats.message(chat_message(event_update, message))


async def choose(callback: CallbackQuery, event_update: Update, chats: ChatUseCases) -> None:
    msg = callback_message(event_update, callback)
    draft_id, _, uin = callback_argument(callback).partition(":")
    if not (draft_id.isdigit() and len(draft_id) < 19):  # forged: no draft has that id
        draft_id = "0"
    await answered(callback, chats.buttons.choose(msg, int(draft_id), uin))


def router() -> Router:
    """A new router each time: an aiogram router belongs to one dispatcher."""
    r = Router(name="readings")
    r.message.register(text, F.text)
    r.callback_query.register(choose, F.data.startswith(f"{CHOOSE}:"))
    return r
