"""From an aiogram update to what the chat use cases take."""

from __future__ import annotations

import contextlib

from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Message, Update, User

from gateway.domain.chats import ChatMessage, Photo
from gateway.domain.model import clean_text


def language_of(user: User | None) -> str:
    """English for users whose Telegram is in English, Russian otherwise."""
    code = (user.language_code or "") if user is not None else ""
    return "en" if code.lower().startswith("en") else "ru"


def chat_message(
    update: Update, message: Message, text: str | None = None, photo: Photo | None = None
) -> ChatMessage:
    user = message.from_user
    extra = {"message_id": message.message_id}
    if user is not None:
        extra["user_id"] = user.id
    return ChatMessage(
        update_id=update.update_id,
        chat_id=message.chat.id,
        language=language_of(user),
        text=clean_text(text if text is not None else message.text or ""),
        photo=photo,
        extra=extra,
        user_id=user.id if user is not None else None,
    )


def callback_message(update: Update, callback: CallbackQuery) -> ChatMessage | None:
    if callback.message is None:
        return None
    return ChatMessage(
        update_id=update.update_id,
        chat_id=callback.message.chat.id,
        language=language_of(callback.from_user),
        user_id=callback.from_user.id,
    )


def callback_argument(callback: CallbackQuery) -> str:
    """What follows the action in the button's data ("confirm:42" -> "42")."""
    return (callback.data or "").partition(":")[2]


async def answered(callback: CallbackQuery) -> None:
    """Stop the button's spinner; the reply itself comes through the outbox."""
    with contextlib.suppress(TelegramAPIError):
        await callback.answer()
