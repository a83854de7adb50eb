"""From an aiogram update to what the chat use cases take, and the answer to a button."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable

from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Message, Update, User

from gateway.domain.chats import SHARED_CHATS, ChatMessage, Photo
from gateway.domain.model import clean_text


def language_of(user: User | None) -> str:
    """English for users whose Telegram is in English, Russian otherwise."""
    code = (user.language_code or "") if user is not None else ""
    return "en" if code.lower().startswith("en") else "ru"


def chat_message(
    update: Update, message: Message, text: str | None = None, photo: Photo | None = None
) -> ChatMessage:
    user = message.from_user
    typed = text if text is not None else message.text or ""
    if message.chat.type in SHARED_CHATS:
        typed = without_mentions(message, typed)
    return ChatMessage(
        update_id=update.update_id,
        chat_id=message.chat.id,
        language=language_of(user),
        text=clean_text(typed),
        photo=photo,
        extra={"message_id": message.message_id},
        # a channel's post or an anonymous group admin has no user: the chat speaks
        user_id=user.id if user is not None else message.chat.id,
        chat_type=message.chat.type,
    )


def without_mentions(message: Message, text: str) -> str:
    """``@meter_bot 1234567 5123`` -> `` 1234567 5123``: the mention that addressed the bot
    in a group is no part of the readings."""
    entities = message.entities or message.caption_entities or []
    # the offsets are the original text's: every mention is read before any is cut
    for mention in [e.extract_from(text) for e in entities if e.type == "mention"]:
        text = text.replace(mention, " ", 1)
    return text


def callback_message(update: Update, callback: CallbackQuery) -> ChatMessage:
    """The press as a message of its chat (the presser's private chat when the button's
    message is gone) and its user."""
    chat = callback.message.chat if callback.message is not None else None
    return ChatMessage(
        update_id=update.update_id,
        chat_id=chat.id if chat is not None else callback.from_user.id,
        language=language_of(callback.from_user),
        user_id=callback.from_user.id,
        chat_type=chat.type if chat is not None else "private",
    )


def callback_argument(callback: CallbackQuery) -> str:
    """What follows the action in the button's data ("confirm:42" -> "42")."""
    return (callback.data or "").partition(":")[2]


async def answered(callback: CallbackQuery, press: Awaitable[str | None] | str) -> None:
    """Do what the button asks (``press``, or just this notice), then stop the button's
    spinner, whatever happened: with the press's notice over the button (not yours, already
    answered...) when there is one; the reply itself comes through the outbox."""
    notice = None
    try:
        notice = press if isinstance(press, str) else await press
    finally:
        with contextlib.suppress(TelegramAPIError):
            await callback.answer(notice, show_alert=notice is not None)
