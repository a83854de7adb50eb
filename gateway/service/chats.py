"""Chat-bot use cases (Telegram): commands, verified linking of a user to accounts,
readings with or without the UIN, what the bot says to what it does not take; the buttons
are ``gateway.service.chat_buttons``.

Commands, drafts and buttons belong to the user (``from.id``), not the chat: in a group every
member has their own. In a group (``ChatMessage.shared``) the bot takes readings addressed to
it as typed and sends everything else to a private chat (docs/channels.md, "Telegram bot").

Every reply goes through the outbox (transport ``telegram``) in the transaction that
decides it. Commands and button presses record their ``update_id`` in that transaction too,
so a repeated update changes nothing; readings are made idempotent by the intake itself
(the message's external id is the update id).
"""

from __future__ import annotations

from datetime import datetime

from gateway.domain import chat_replies
from gateway.domain.chat_replies import CHOOSE
from gateway.domain.chats import ChatMessage, Draft, inbound_of
from gateway.domain.rules import Rules
from gateway.service.chat_buttons import ChatButtons, claim, correct, reply
from gateway.service.chat_links import ChatLinks
from gateway.service.contacts import ContactUseCases
from gateway.service.receive import Clock, Receive
from gateway.service.uow import UnitOfWork, UnitOfWorkFactory
from parsers import parse


class ChatUseCases:
    """What the bot does for a user in a chat: one method per command or message kind; the
    buttons are ``buttons``. The chats' state is kept through the unit of work's
    ``ChatStore`` (``uow.chats``)."""

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
        self.buttons = ChatButtons(uow, receive, clock)
        # linking, history, shared contacts: the user's contact (gateway.service.chat_links)
        self.links = ChatLinks(uow, contacts or ContactUseCases(uow, rules, clock), clock)

    # --- commands -------------------------------------------------------------------------

    async def start(self, msg: ChatMessage) -> None:
        await self._answer(msg, "start")

    async def help(self, msg: ChatMessage) -> None:
        await self._answer(msg, "help")

    async def private_only(self, msg: ChatMessage) -> None:
        """A command in a group: linking, history and full replies are for a private chat."""
        await self._answer(msg, "group")

    async def unsupported(self, msg: ChatMessage) -> None:
        """A sticker, a voice message, a location...: one line saying what the bot takes."""
        await self._answer(msg, "unsupported")

    async def edited(self, msg: ChatMessage) -> None:
        """An edited message: not taken (its first version was), said in one line."""
        await self._answer(msg, "edited")

    async def membership(self, chat_id: int, language: str, active: bool) -> None:
        """The bot was blocked or removed (inactive: nothing more is sent), or unblocked
        and added again (active)."""
        async with self.uow() as uow:
            if active:
                await uow.chats.touch(chat_id, language, self.clock())
            else:
                await uow.chats.set_active(chat_id, False)
            await uow.commit()

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
        """A message that is not a command: the answer the bot waits for from the user (the
        bill's reading, a correction), else readings, with the user's linked account where
        no UIN is. In a group: readings as typed (or a correction the user was asked for)."""
        now = self.clock()
        async with self.uow() as uow:
            if await uow.chats.handled(msg.update_id):
                return
            await uow.chats.touch(msg.chat_id, msg.language, now)
            if await self.links.answer_pending(uow, msg, now):
                await uow.commit()
                return
            awaiting = await uow.chats.awaiting(msg.user_id) or ""
            linked = [] if msg.shared else await self.links.accounts(uow, msg, now)
            text = msg.text.strip()
            # "05123 02010" parses as UIN 05123: a UIN no account has is no UIN here
            without_uin = bool(text) and not await self._names_account(uow, text)
            if without_uin and len(linked) > 1 and not awaiting.startswith("fix:"):
                await self._ask_account(uow, msg, linked, now)
                await uow.commit()
                return
            await uow.commit()
        if awaiting.startswith("fix:"):
            await self._correct(msg, int(awaiting.removeprefix("fix:")))
        elif (without_uin or (not text and msg.photo is not None)) and len(linked) == 1:
            # a photo alone from a chat linked to one account is about that account (its
            # register is what OCR matches: docs/channels.md, "Photos read by OCR")
            await self.receive_message(inbound_of(msg, f"{linked[0]} {text}".strip()))
        else:
            await self.receive_message(inbound_of(msg, text))

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
        photo = msg.photo
        meta = {"photo": {"file_id": photo.file_id, "missing": photo.missing}} if photo else None
        draft = Draft(0, msg.chat_id, msg.update_id, msg.text.strip(), msg.language, meta,
                      photo.content if photo else None, user_id=msg.user_id)  # fmt: skip
        draft_id = await uow.chats.add_draft(draft, now)
        buttons = [[{"text": uin, "data": f"{CHOOSE}:{draft_id}:{uin}"}] for uin in linked]
        question = chat_replies.text(msg.language, "choose")
        await reply(uow, msg, question, now, buttons=buttons)

    async def _correct(self, msg: ChatMessage, first_id: int) -> None:
        """The correction is a new message; the first one's readings are superseded."""
        await correct(self.uow, self.receive_message, msg, first_id)

    async def _names_account(self, uow: UnitOfWork, text: str) -> bool:
        uin = parse(text).uin
        return uin is not None and await uow.chats.account_id(uin) is not None

    async def _answer(self, msg: ChatMessage, key: str) -> None:
        now = self.clock()
        async with self.uow() as uow:
            if await claim(uow, msg, now):
                await reply(uow, msg, chat_replies.text(msg.language, key), now)
                await uow.commit()
