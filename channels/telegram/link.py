"""/link UIN (verified against the bill) and /unlink [UIN]."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message, Update

from channels.telegram.common import chat_message
from gateway.service.chats import Chats

router = Router(name="link")


@router.message(Command("link"))
async def link(
    message: Message, command: CommandObject, event_update: Update, chats: Chats
) -> None:
    await chats.link(chat_message(event_update, message), (command.args or "").strip())


@router.message(Command("unlink"))
async def unlink(
    message: Message, command: CommandObject, event_update: Update, chats: Chats
) -> None:
    await chats.unlink(chat_message(event_update, message), (command.args or "").strip() or None)
