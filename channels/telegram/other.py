"""What the bot does not take, answered so that it never looks dead: message kinds it cannot
read (a sticker, a voice message, a location...) get one line saying what it takes, an edit
one line saying to send again; a press of a button no handler knows stops its spinner with a
notice. The bot blocked or removed (``my_chat_member``) makes the chat inactive, unblocked or
added again active. Shared contacts are linking's (channels/telegram/link.py), not here.
Update kinds no router takes at all are acknowledged by the webhook and stored nowhere."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message, Update

from channels.telegram.common import answered, callback_message, chat_message, language_of
from gateway.domain import chat_replies
from gateway.service.chats import ChatUseCases

# what a customer may send that carries no text to read (a file that is no image included;
# an image file is a photo, channels/telegram/photos.py)
UNSUPPORTED = frozenset(
    {"sticker", "voice", "audio", "video", "video_note", "animation", "location", "venue",
     "poll", "dice", "document", "game", "story", "paid_media", "checklist"}
)  # fmt: skip
GONE = frozenset({"kicked", "left"})


async def unsupported(message: Message, event_update: Update, chats: ChatUseCases) -> None:
    await chats.unsupported(chat_message(event_update, message))


async def edited(message: Message, event_update: Update, chats: ChatUseCases) -> None:
    await chats.edited(chat_message(event_update, message))


async def membership(event: ChatMemberUpdated, chats: ChatUseCases) -> None:
    active = event.new_chat_member.status not in GONE
    await chats.membership(event.chat.id, language_of(event.from_user), active)


async def stray(callback: CallbackQuery, event_update: Update) -> None:
    """A button of an older bot, or data nobody sent."""
    msg = callback_message(event_update, callback)
    await answered(callback, chat_replies.text(msg.language, "button_gone"))


def router() -> Router:
    """A new router each time: an aiogram router belongs to one dispatcher. Last in the
    dispatcher: it takes what no other router did."""
    r = Router(name="other")
    r.message.register(unsupported, F.content_type.in_(UNSUPPORTED))
    r.edited_message.register(edited)
    r.my_chat_member.register(membership)
    r.callback_query.register(stray)
    return r
