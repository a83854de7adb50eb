"""Chat-bot use cases (Telegram): commands, verified linking of a chat to accounts,
readings with or without the UIN, the customer's answer to a review, reminders.

Every reply goes through the outbox (transport ``telegram``) in the transaction that
decides it. Commands and button presses record their ``update_id`` in that transaction too,
so a repeated update changes nothing; readings are made idempotent by the intake itself
(the message's external id is the update id).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gateway.domain import chat_replies
from gateway.domain.chat_replies import CHOOSE
from gateway.domain.chats import ChatMessage, Draft, Photo, inbound_of
from gateway.domain.model import Channel, Reason, Status, StoredMessage, Transport
from gateway.domain.rules import Rules
from gateway.service.chat_links import ChatLinks
from gateway.service.contacts import ContactUseCases
from gateway.service.receive import Clock, Receive
from gateway.service.uow import UnitOfWork, UnitOfWorkFactory
from parsers import parse


class ChatUseCases:
    """What the bot does for a chat: one method per command, button or message kind. The
    chats' state is kept through the unit of work's ``ChatStore`` (``uow.chats``)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        receive: Receive,
        rules: Rules,
        clock: Clock,
        contacts: ContactUseCases | None = None,
    ) -> None:
        self.uow = uow
        self.receive_message = receive
        self.rules = rules
        self.clock = clock
        # linking, history, shared contacts: the user's contact (gateway.service.chat_links)
        self.links = ChatLinks(uow, contacts or ContactUseCases(uow, rules, clock), clock)

    # --- commands -------------------------------------------------------------------------

    async def start(self, msg: ChatMessage) -> None:
        await self._answer(msg, "start")

    async def help(self, msg: ChatMessage) -> None:
        await self._answer(msg, "help")

    async def link(self, msg: ChatMessage, uin: str) -> None:
        await self.links.link(msg, uin)

    async def unlink(self, msg: ChatMessage, uin: str | None) -> None:
        await self.links.unlink(msg, uin)

    async def history(self, msg: ChatMessage) -> None:
        await self.links.history(msg)

    async def shared_contact(self, msg: ChatMessage, user_id: int | None, phone: str) -> None:
        await self.links.shared_contact(msg, user_id, phone)

    # --- plain messages -----------------------------------------------------------------

    async def message(self, msg: ChatMessage) -> None:
        """A message that is not a command: the answer the bot waits for (the bill's
        reading, a correction), else readings, with the linked account where no UIN is."""
        now = self.clock()
        async with self.uow() as uow:
            if await uow.chats.handled(msg.update_id):
                return
            state = await uow.chats.touch(msg.chat_id, msg.language, now)
            if await self.links.answer_pending(uow, msg, now):
                await uow.commit()
                return
            linked = await self.links.accounts(uow, msg, now)
            text = msg.text.strip()
            # "05123 02010" parses as UIN 05123: a UIN no account has is no UIN here
            without_uin = bool(text) and not await self._names_account(uow, text)
            if without_uin and len(linked) > 1:
                await self._ask_account(uow, msg, linked, now)
                await uow.commit()
                return
            await uow.commit()
        fix = state.awaiting or ""
        fixing = fix.removeprefix("fix:") if fix.startswith("fix:") else None
        if fixing:
            await self._correct(msg, int(fixing))
        elif without_uin and len(linked) == 1:
            await self.receive_message(inbound_of(msg, f"{linked[0]} {text}"))
        else:
            await self.receive_message(inbound_of(msg, text))

    async def choose(self, msg: ChatMessage, draft_id: int, uin: str) -> None:
        """The answer to "which account?": the waiting message, completed with the UIN."""
        now = self.clock()
        async with self.uow() as uow:
            if not await uow.chats.claim_update(msg.update_id, now):
                return
            draft = await uow.chats.take_draft(draft_id, msg.chat_id)
            if draft is None or uin not in await self.links.accounts(uow, msg, now):
                await self._reply(uow, msg, chat_replies.text(msg.language, "choice_gone"), now)
                await uow.commit()
                return
            await uow.commit()
        photo = Photo(str((draft.meta or {}).get("photo", {}).get("file_id", "")), draft.raw or b"")
        original = ChatMessage(
            draft.update_id,
            draft.chat_id,
            draft.language,
            draft.text,
            photo if draft.raw else None,
            {"user_id": msg.user_id},
            msg.user_id,
        )
        await self.receive_message(inbound_of(original, f"{uin} {draft.text}"))

    # --- the answer to a review ---------------------------------------------------------

    async def confirm(self, msg: ChatMessage, message_id: int) -> None:
        """ "Yes, correct": the review item is marked confirmed by the customer."""
        now = self.clock()
        async with self.uow() as uow:
            if not await self._claim(uow, msg, now):
                return
            message = await self._reviewed(uow, msg, message_id)
            if message is None:
                await self._reply(uow, msg, chat_replies.text(msg.language, "not_found"), now)
            else:
                meta = {**(message.meta or {}), "confirmed_by_customer": True}
                await uow.messages.set_meta(message.id, meta)
                await self._reply(uow, msg, chat_replies.text(msg.language, "confirmed"), now)
            await uow.commit()

    async def fix(self, msg: ChatMessage, message_id: int) -> None:
        """ "Correct it": the chat's next message is the correction of ``message_id``."""
        now = self.clock()
        async with self.uow() as uow:
            if not await self._claim(uow, msg, now):
                return
            if await self._reviewed(uow, msg, message_id) is None:
                await self._reply(uow, msg, chat_replies.text(msg.language, "not_found"), now)
            else:
                await uow.chats.set_awaiting(msg.chat_id, f"fix:{message_id}")
                await self._reply(uow, msg, chat_replies.text(msg.language, "fix_ask"), now)
            await uow.commit()

    async def blocked(self, chat_id: int) -> None:
        """The customer blocked the bot: nothing more is sent until they write again."""
        async with self.uow() as uow:
            await uow.chats.set_active(chat_id, False)
            await uow.commit()

    # --- helpers --------------------------------------------------------------------------

    async def _ask_account(
        self, uow: UnitOfWork, msg: ChatMessage, linked: list[str], now: datetime
    ) -> None:
        await uow.chats.claim_update(msg.update_id, now)
        meta = {"photo": {"file_id": msg.photo.file_id}} if msg.photo else None
        draft = Draft(0, msg.chat_id, msg.update_id, msg.text.strip(), msg.language, meta,
                      msg.photo.content if msg.photo else None)  # fmt: skip
        draft_id = await uow.chats.add_draft(draft, now)
        buttons = [[{"text": uin, "data": f"{CHOOSE}:{draft_id}:{uin}"}] for uin in linked]
        question = chat_replies.text(msg.language, "choose")
        await self._reply(uow, msg, question, now, buttons=buttons)

    async def _correct(self, msg: ChatMessage, first_id: int) -> None:
        """The correction is a new message; the first one's readings are superseded."""
        text = msg.text.strip()
        async with self.uow() as uow:
            first = await uow.messages.get(first_id)
            uin = parse(first.text).uin if first is not None else None
            if uin and text and not await self._names_account(uow, text):
                text = f"{uin} {text}"
        receipt = await self.receive_message(inbound_of(msg, text, corrects=first_id))
        async with self.uow() as uow:
            if receipt.status != Status.REJECTED:
                await uow.chats.supersede(first_id)
                if first is not None:
                    meta = {**(first.meta or {}), "superseded_by": receipt.message_id}
                    await uow.messages.set_meta(first_id, meta)
            await uow.chats.set_awaiting(msg.chat_id, None)
            await uow.commit()

    async def _reviewed(
        self, uow: UnitOfWork, msg: ChatMessage, message_id: int
    ) -> StoredMessage | None:
        """The chat's own message in review for an implausible jump, else None."""
        message = await uow.messages.get(message_id)
        if (
            message is None
            or message.channel != Channel.TELEGRAM
            or message.sender != str(msg.chat_id)
            or message.reason != Reason.IMPLAUSIBLE_JUMP
        ):
            return None
        return message

    async def _names_account(self, uow: UnitOfWork, text: str) -> bool:
        uin = parse(text).uin
        return uin is not None and await uow.chats.account_id(uin) is not None

    async def _claim(self, uow: UnitOfWork, msg: ChatMessage, now: datetime) -> bool:
        if not await uow.chats.claim_update(msg.update_id, now):
            return False
        await uow.chats.touch(msg.chat_id, msg.language, now)
        return True

    async def _answer(self, msg: ChatMessage, key: str) -> None:
        now = self.clock()
        async with self.uow() as uow:
            if await self._claim(uow, msg, now):
                await self._reply(uow, msg, chat_replies.text(msg.language, key), now)
                await uow.commit()

    async def _reply(
        self,
        uow: UnitOfWork,
        msg: ChatMessage,
        body: str,
        now: datetime,
        buttons: list[list[dict[str, str]]] | None = None,
    ) -> None:
        meta: dict[str, Any] = {"chat_id": msg.chat_id}
        if buttons:
            meta["buttons"] = buttons
        await uow.outbox.add(Transport.TELEGRAM, str(msg.chat_id), body, meta, now)
