"""/history: the last readings of the linked accounts."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message, Update

from channels.telegram.common import chat_message
from gateway.service.chats import ChatUseCases


async def history(message: Message, event_update: Update, chats: ChatUseCases) -> None:
    await chats.history(chat_message(event_update, message))


def router() -> Router:
    """A new router each time: an aiogram router belongs to one dispatcher."""
    r = Router(name="history")
    r.message.register(history, Command("history"))
    return r
