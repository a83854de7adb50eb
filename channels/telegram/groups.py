"""Groups and supergroups: the bot takes only what is addressed to it (a command with
``@botname``, a reply to one of its messages, a mention of it) and stays silent otherwise,
storing nothing; a command there is answered with an invitation to a private chat (linking,
history and replies with figures are for that chat). Readings addressed to the bot go on to
the other routers, which take them as typed (docs/channels.md, "Telegram bot")."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.types import Message, Update

from channels.telegram.common import chat_message
from gateway.domain.chats import SHARED_CHATS
from gateway.service.chats import ChatUseCases


async def addressed(message: Message, bot: Bot) -> bool:
    """The message is for the bot: a reply to it, its @name (in a command or alone), or a
    mention of it by name."""
    me = await bot.me()
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == me.id:
        return True
    text = message.text or message.caption or ""
    name = f"@{me.username or ''}".lower()
    for entity in message.entities or message.caption_entities or []:
        part = entity.extract_from(text).lower()
        if entity.type == "bot_command" and part.endswith(name):
            return True
        if entity.type == "mention" and part == name:
            return True
        if entity.type == "text_mention" and entity.user is not None and entity.user.id == me.id:
            return True
    return False


async def for_others(message: Message, bot: Bot) -> bool:
    return not await addressed(message, bot)


def is_command(message: Message) -> bool:
    return any(e.type == "bot_command" and e.offset == 0 for e in message.entities or [])


async def ignore(message: Message) -> None:
    """Group talk not meant for the bot: acknowledged, nothing stored or sent."""


async def private_only(message: Message, event_update: Update, chats: ChatUseCases) -> None:
    await chats.private_only(chat_message(event_update, message))


def router() -> Router:
    """A new router each time: an aiogram router belongs to one dispatcher. First in the
    dispatcher: what it does not take goes on to the other routers."""
    r = Router(name="groups")
    shared = F.chat.type.in_(SHARED_CHATS)
    r.message.filter(shared)
    r.message.register(ignore, for_others)
    r.message.register(private_only, is_command)
    r.edited_message.filter(shared)
    r.edited_message.register(ignore, for_others)
    return r
