"""/link UIN (verified against the bill) and /unlink [UIN]."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message, Update

from channels.telegram.common import chat_message
from gateway.service.chats import ChatUseCases


async def link(
    message: Message, command: CommandObject, event_update: Update, chats: ChatUseCases
) -> None:
    await chats.link(chat_message(event_update, message), (command.args or "").strip())


async def unlink(
    message: Message, command: CommandObject, event_update: Update, chats: ChatUseCases
) -> None:
    await chats.unlink(chat_message(event_update, message), (command.args or "").strip() or None)


def router() -> Router:
    """A new router each time: an aiogram router belongs to one dispatcher."""
    r = Router(name="link")
    r.message.register(link, Command("link"))
    r.message.register(unlink, Command("unlink"))
    return r
