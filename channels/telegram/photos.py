"""A photo of the meter, with the readings in its caption or alone: downloaded (getFile and
the file) and stored with the message for staff."""

from __future__ import annotations

import io

from aiogram import Bot, F, Router
from aiogram.types import Message, Update

from channels.telegram.common import chat_message
from gateway.domain.chats import Photo
from gateway.service.chats import ChatUseCases

MAX_PHOTO = 10 * 1024 * 1024


async def photo(message: Message, event_update: Update, bot: Bot, chats: ChatUseCases) -> None:
    assert message.photo is not None
    largest = max(
        (p for p in message.photo if (p.file_size or 0) <= MAX_PHOTO),
        key=lambda p: p.width * p.height,
        default=message.photo[0],
    )
    buffer = io.BytesIO()
    await bot.download(largest.file_id, destination=buffer)
    stored = Photo(largest.file_id, buffer.getvalue())
    await chats.message(chat_message(event_update, message, message.caption or "", stored))


def router() -> Router:
    """A new router each time: an aiogram router belongs to one dispatcher."""
    r = Router(name="photos")
    r.message.register(photo, F.photo)
    return r
