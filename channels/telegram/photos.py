"""A photo of the meter, or an image sent as a file (a document with an image type), with
the readings in its caption or alone: downloaded (getFile and the file) and stored with the
message for staff. When the file cannot be had (over the size the Bot API serves, or
refused), the message is still taken with its caption, its meta saying the photo is missing."""

from __future__ import annotations

import io
import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest, TelegramEntityTooLarge, TelegramNotFound
from aiogram.types import Message, Update

from channels.telegram.common import chat_message
from gateway.domain.chats import Photo
from gateway.service.chats import ChatUseCases

log = logging.getLogger(__name__)

MAX_PHOTO = 10 * 1024 * 1024
# refused for good: retrying brings the same answer (network and server errors are retried:
# the update is not acknowledged, see channels/telegram/webhook.py)
REFUSED = (TelegramBadRequest, TelegramNotFound, TelegramEntityTooLarge)


async def fetch(bot: Bot, file_id: str, size: int | None) -> Photo:
    """The file's bytes, or a ``Photo`` saying why it is missing."""
    if size is not None and size > MAX_PHOTO:
        return Photo(file_id, b"", missing=f"file too big ({size} bytes)")
    buffer = io.BytesIO()
    try:
        await bot.download(file_id, destination=buffer)
    except REFUSED as e:
        log.warning("Telegram file %s not downloaded: %s", file_id, e.message)
        return Photo(file_id, b"", missing=e.message[:200])
    return Photo(file_id, buffer.getvalue())


async def photo(message: Message, event_update: Update, bot: Bot, chats: ChatUseCases) -> None:
    assert message.photo is not None
    largest = max(
        (p for p in message.photo if (p.file_size or 0) <= MAX_PHOTO),
        key=lambda p: p.width * p.height,
        default=message.photo[0],
    )
    stored = await fetch(bot, largest.file_id, largest.file_size)
    await chats.message(chat_message(event_update, message, message.caption or "", stored))


async def image_file(message: Message, event_update: Update, bot: Bot, chats: ChatUseCases) -> None:
    """A photo sent "as a file" (no compression): the same as a photo."""
    assert message.document is not None
    document = message.document
    stored = await fetch(bot, document.file_id, document.file_size)
    await chats.message(chat_message(event_update, message, message.caption or "", stored))


def router() -> Router:
    """A new router each time: an aiogram router belongs to one dispatcher."""
    r = Router(name="photos")
    r.message.register(photo, F.photo)
    r.message.register(image_file, F.document.mime_type.startswith("image/"))
    return r
