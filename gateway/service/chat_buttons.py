"""The bot's buttons (Telegram inline keyboards): the account choice for a message without a
UIN, the customer's answer to a reading in review ("yes, correct" / "correct it") and to
what OCR read on her photo ("yes" / "correct it"); and the correction both lead to.

A button belongs to the user it was sent to: another user's press, a stale or forged one is
answered with a notice (the channel shows it over the button: ``answerCallbackQuery``) and
changes nothing. A draft is kept once answered, so the question's other buttons say so.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from gateway.domain import chat_replies
from gateway.domain.chat_replies import OCR_ASKED
from gateway.domain.chats import ChatMessage, Draft, Photo, inbound_of
from gateway.domain.contacts import contact
from gateway.domain.model import Channel, Reason, Status, StoredMessage, Transport
from gateway.domain.photos import ocr_question
from gateway.service.receive import Clock, Receive
from gateway.service.uow import UnitOfWork, UnitOfWorkFactory
from parsers import parse


async def claim(uow: UnitOfWork, msg: ChatMessage, now: datetime) -> bool:
    """True the first time ``msg``'s update is handled; the chat is active again."""
    if not await uow.chats.claim_update(msg.update_id, now):
        return False
    await uow.chats.touch(msg.chat_id, msg.language, now)
    return True


async def reply(
    uow: UnitOfWork,
    msg: ChatMessage,
    body: str,
    now: datetime,
    buttons: list[list[dict[str, str]]] | None = None,
) -> None:
    """Queue ``body`` to ``msg``'s chat (the outbox sends it once this transaction commits)."""
    meta: dict[str, Any] = {"chat_id": msg.chat_id}
    if buttons:
        meta["buttons"] = buttons
    await uow.outbox.add(Transport.TELEGRAM, str(msg.chat_id), body, meta, now)


class ChatButtons:
    """What a button press does. Each method returns the notice for the presser (None: the
    reply, if any, comes through the outbox)."""

    def __init__(self, uow: UnitOfWorkFactory, receive: Receive, clock: Clock) -> None:
        self.uow = uow
        self.receive_message = receive
        self.clock = clock

    async def choose(self, msg: ChatMessage, draft_id: int, uin: str) -> str | None:
        """The answer to "which account?": the waiting message, completed with the UIN."""
        now = self.clock()
        async with self.uow() as uow:
            if not await uow.chats.claim_update(msg.update_id, now):
                return None
            draft = await uow.chats.draft(draft_id)
            notice = await refusal(uow, msg, draft, uin, now)
            await uow.commit()
        if notice is not None or draft is None:
            return notice
        kept = (draft.meta or {}).get("photo")
        photo = None
        if kept:  # downloaded (in raw) or missing: the message keeps it either way
            photo = Photo(str(kept["file_id"]), draft.raw or b"", str(kept.get("missing") or ""))
        original = ChatMessage(
            draft.update_id,
            draft.chat_id,
            draft.language,
            draft.text,
            photo,
            user_id=draft.user_id or 0,
        )
        await self.receive_message(inbound_of(original, f"{uin} {draft.text}"))
        return None

    async def confirm(self, msg: ChatMessage, message_id: int) -> str | None:
        """ "Yes, correct": the review item is marked confirmed by the customer."""
        now = self.clock()
        async with self.uow() as uow:
            if not await claim(uow, msg, now):
                return None
            message = await reviewed(uow, msg, message_id)
            if message is None:
                await uow.commit()
                return chat_replies.text(msg.language, "button_not_yours")
            meta = {**(message.meta or {}), "confirmed_by_customer": True}
            await uow.messages.set_meta(message.id, meta)
            await reply(uow, msg, chat_replies.text(msg.language, "confirmed"), now)
            await uow.commit()
        return None

    async def fix(self, msg: ChatMessage, message_id: int) -> str | None:
        """ "Correct it": the user's next message is the correction of ``message_id``."""
        now = self.clock()
        async with self.uow() as uow:
            if not await claim(uow, msg, now):
                return None
            if await reviewed(uow, msg, message_id) is None:
                await uow.commit()
                return chat_replies.text(msg.language, "button_not_yours")
            await uow.chats.set_awaiting(msg.user_id, f"fix:{message_id}")
            await reply(uow, msg, chat_replies.text(msg.language, "fix_ask"), now)
            await uow.commit()
        return None

    async def ocr_yes(self, msg: ChatMessage, message_id: int) -> str | None:
        """ "Yes" to what OCR read: the suggestion becomes the customer's own reading, a new
        message ``<UIN> <value>`` through the intake (validated as any) correcting the
        photo's (docs/channels.md, "Photos read by OCR")."""
        now = self.clock()
        async with self.uow() as uow:
            if not await claim(uow, msg, now):
                return None
            photo, notice = await asked(uow, msg, message_id)
            if photo is not None:  # answered: its buttons say so from now on
                await uow.messages.set_meta(photo.id, {**(photo.meta or {}), OCR_ASKED: False})
            await uow.commit()
        if photo is None:
            return notice
        value = ocr_question(photo.meta) or ""
        await correct(self.uow, self.receive_message, replace(msg, text=value), photo.id,
                      {"ocr_confirmed": True})  # fmt: skip
        return None

    async def ocr_fix(self, msg: ChatMessage, message_id: int) -> str | None:
        """ "Correct it" to what OCR read: the user's next message is the reading."""
        now = self.clock()
        async with self.uow() as uow:
            if not await claim(uow, msg, now):
                return None
            photo, notice = await asked(uow, msg, message_id)
            if photo is not None:
                await uow.messages.set_meta(photo.id, {**(photo.meta or {}), OCR_ASKED: False})
                await uow.chats.set_awaiting(msg.user_id, f"fix:{photo.id}")
                await reply(uow, msg, chat_replies.text(msg.language, "ocr_fix_ask"), now)
            await uow.commit()
        return notice


async def correct(
    uow_factory: UnitOfWorkFactory,
    receive: Receive,
    msg: ChatMessage,
    first_id: int,
    more: dict[str, Any] | None = None,
) -> None:
    """``msg`` corrects the message ``first_id``: a new message (with the first one's UIN
    when it names no account; ``more`` added to its meta), and the first one's readings
    superseded unless the correction is rejected."""
    text = msg.text.strip()
    async with uow_factory() as uow:
        first = await uow.messages.get(first_id)
        uin = parse(first.text).uin if first is not None else None
        named = parse(text).uin
        if uin and text and (named is None or await uow.chats.account_id(named) is None):
            text = f"{uin} {text}"
    inbound = inbound_of(msg, text, corrects=first_id)
    if more:
        inbound = replace(inbound, meta={**(inbound.meta or {}), **more})
    receipt = await receive(inbound)
    async with uow_factory() as uow:
        if receipt.status != Status.REJECTED:
            await uow.chats.supersede(first_id)
            if first is not None:
                meta = {**(first.meta or {}), "superseded_by": receipt.message_id}
                await uow.messages.set_meta(first_id, meta)
        await uow.chats.set_awaiting(msg.user_id, None)
        await uow.commit()


async def asked(
    uow: UnitOfWork, msg: ChatMessage, message_id: int
) -> tuple[StoredMessage | None, str | None]:
    """The user's own photo in review whose OCR suggestion she was asked to confirm and has
    not answered yet; else None and the notice for the presser. The message is locked:
    of two quick presses, the second sees the first's answer."""
    message = await uow.messages.get(message_id)
    if message is None or not own(message, msg) or message.reason != Reason.PHOTO:
        return None, chat_replies.text(msg.language, "button_not_yours")
    message = await uow.messages.lock(message_id)
    meta = message.meta or {}
    if OCR_ASKED not in meta or ocr_question(meta) is None:
        return None, chat_replies.text(msg.language, "button_gone")
    if not meta[OCR_ASKED] or message.status != Status.REVIEW:
        return None, chat_replies.text(msg.language, "button_answered")
    return message, None


def own(message: StoredMessage, msg: ChatMessage) -> bool:
    """Whether ``message`` was sent in ``msg``'s chat by its user."""
    if message.channel != Channel.TELEGRAM or message.sender != str(msg.chat_id):
        return False
    # messages of old have no user id: their private chat is the user
    return (message.meta or {}).get("user_id", msg.chat_id) == msg.user_id


async def reviewed(uow: UnitOfWork, msg: ChatMessage, message_id: int) -> StoredMessage | None:
    """The user's own message in review for an implausible jump, else None."""
    message = await uow.messages.get(message_id)
    if message is None or not own(message, msg) or message.reason != Reason.IMPLAUSIBLE_JUMP:
        return None
    return message


async def refusal(
    uow: UnitOfWork, msg: ChatMessage, draft: Draft | None, uin: str, now: datetime
) -> str | None:
    """Why the press of "choose" on ``draft`` with ``uin`` changes nothing (None: it is
    taken, and the draft is marked answered). An account no longer linked (or a forged one)
    leaves the draft waiting for another choice."""
    lang = msg.language
    if draft is None:
        return chat_replies.text(lang, "button_gone")
    if draft.user_id != msg.user_id:
        return chat_replies.text(lang, "button_not_yours")
    if draft.answered:
        return chat_replies.text(lang, "button_answered")
    if uin not in await uow.contacts.accounts_of(contact("telegram", str(msg.user_id))):
        return chat_replies.text(lang, "choice_unlinked", uin=uin)
    if not await uow.chats.answer_draft(draft.id, now):
        return chat_replies.text(lang, "button_answered")
    return None
