"""The outbox transport ``telegram``: sendMessage with the keyboard the reply carries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from gateway.service.outbox import RetryLater, Undeliverable


def keyboard(buttons: Any) -> InlineKeyboardMarkup | None:
    """``[[{"text", "data"}, ...], ...]`` from the reply's meta as an inline keyboard."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=b["text"], callback_data=b["data"]) for b in row]
            for row in buttons
        ]
    )


class TelegramSender:
    """Sends one queued reply. Flood control (429) asks the outbox to wait ``retry_after``;
    a chat that blocked the bot (403) is marked inactive and the reply fails for good."""

    def __init__(self, bot: Bot, blocked: Callable[[int], Awaitable[None]]) -> None:
        self.bot = bot
        self.blocked = blocked

    async def __call__(self, outbox_id: int, recipient: str, body: str, meta: Any) -> None:
        chat_id = int(recipient)
        markup = keyboard((meta or {}).get("buttons"))
        try:
            await self.bot.send_message(chat_id, body, reply_markup=markup)
        except TelegramRetryAfter as e:
            raise RetryLater(e.retry_after, e.message) from e
        except TelegramForbiddenError as e:
            await self.blocked(chat_id)
            raise Undeliverable(e.message) from e
