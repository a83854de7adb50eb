"""/history: the last readings of the linked accounts."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message, Update

from channels.telegram.common import chat_message
from gateway.service.chats import Chats

router = Router(name="history")


@router.message(Command("history"))
async def history(message: Message, event_update: Update, chats: Chats) -> None:
    await chats.history(chat_message(event_update, message))
