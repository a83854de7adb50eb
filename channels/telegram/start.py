"""/start (with a UIN: the deep link ``t.me/<bot>?start=<UIN>`` starts linking) and /help."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import Message, Update

from channels.telegram.common import chat_message
from gateway.service.chats import ChatUseCases


async def start(
    message: Message, command: CommandObject, event_update: Update, chats: ChatUseCases
) -> None:
    uin = (command.args or "").strip()
    if uin.isdigit():
        await chats.link(chat_message(event_update, message), uin)
    else:
        await chats.start(chat_message(event_update, message))


async def help_(message: Message, event_update: Update, chats: ChatUseCases) -> None:
    await chats.help(chat_message(event_update, message))


def router() -> Router:
    """A new router each time: an aiogram router belongs to one dispatcher."""
    r = Router(name="start")
    r.message.register(start, CommandStart())
    r.message.register(help_, Command("help"))
    return r
