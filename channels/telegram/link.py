"""/link UIN (verified against the last bill), /unlink [UIN], and a shared contact (the
user's own phone, verified by SMS, links its accounts)."""

from __future__ import annotations

from aiogram import F, Router
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


async def shared_contact(message: Message, event_update: Update, chats: ChatUseCases) -> None:
    shared = message.contact
    assert shared is not None  # the filter
    msg = chat_message(event_update, message)
    await chats.shared_contact(msg, shared.user_id, shared.phone_number)


def router() -> Router:
    """A new router each time: an aiogram router belongs to one dispatcher."""
    r = Router(name="link")
    r.message.register(link, Command("link"))
    r.message.register(unlink, Command("unlink"))
    r.message.register(shared_contact, F.contact)
    return r
