"""The bot's side of contacts (docs/channels.md, "Contacts and linking"): ``/link`` and the
deep link ``/start <UIN>``, the answer with the bill's value, ``/unlink``, ``/history``, a
shared contact. The contact is the Telegram user (``ChatMessage.user_id``), never the chat:
in a group the bot links nobody and shows nothing, it asks to write in private.

Every reply goes through the outbox in the transaction that decides it, with the update
claimed in it too, like the other chat use cases (``gateway.service.chats``).
"""

from __future__ import annotations

from datetime import datetime

from gateway.domain import chat_replies
from gateway.domain.chats import ChatMessage
from gateway.domain.contact_replies import STEP_TEXTS
from gateway.domain.contacts import Contact, LinkResult, bill_value, contact
from gateway.service import chat_buttons
from gateway.service.contacts import ContactUseCases
from gateway.service.receive import Clock
from gateway.service.uow import UnitOfWork, UnitOfWorkFactory


def user_of(msg: ChatMessage) -> Contact | None:
    """The Telegram user who wrote ``msg`` as a contact."""
    return contact("telegram", str(msg.user_id)) if msg.user_id else None


def private(msg: ChatMessage) -> bool:
    """A private chat: its id is its user's."""
    return msg.user_id is not None and msg.chat_id == msg.user_id


class ChatLinks:
    def __init__(self, uow: UnitOfWorkFactory, contacts: ContactUseCases, clock: Clock) -> None:
        self.uow = uow
        self.contacts = contacts
        self.clock = clock

    async def link(self, msg: ChatMessage, uin: str) -> None:
        """Ask for a value from the last bill; the account is linked once it matches."""
        now = self.clock()
        async with self.uow() as uow:
            if not await chat_buttons.claim(uow, msg, now):
                return
            user = user_of(msg)
            if not private(msg) or user is None:
                reply = chat_replies.text(msg.language, "private_only")
            elif not uin.isdigit():
                reply = chat_replies.text(msg.language, "link_usage")
            else:
                step = await self.contacts.on(uow, now).start_link(user, uin, msg.language)
                reply = self.step_text(msg.language, step)
            await chat_buttons.reply(uow, msg, reply, now)
            await uow.commit()

    async def answer_pending(self, uow: UnitOfWork, msg: ChatMessage, now: datetime) -> bool:
        """``msg`` is the answer a started link waits for (a single number, in private):
        checked and answered; False for anything else (the link keeps waiting)."""
        user = user_of(msg)
        if user is None or not private(msg) or msg.photo is not None:
            return False
        if bill_value(msg.text) is None:
            return False
        ops = self.contacts.on(uow, now)
        uin = await ops.pending(user)
        if uin is None:
            return False
        await uow.chats.claim_update(msg.update_id, now)
        step = await ops.verify(user, uin, msg.text)
        await chat_buttons.reply(uow, msg, self.step_text(msg.language, step), now)
        return True

    async def accounts(self, uow: UnitOfWork, msg: ChatMessage, now: datetime) -> list[str]:
        """The accounts the user who wrote ``msg`` is verified for."""
        user = user_of(msg)
        return await self.contacts.on(uow, now).accounts_of(user) if user else []

    async def unlink(self, msg: ChatMessage, uin: str | None) -> None:
        now = self.clock()
        async with self.uow() as uow:
            if not await chat_buttons.claim(uow, msg, now):
                return
            user = user_of(msg)
            removed = await self.contacts.on(uow, now).unlink(user, uin) if user else []
            if not removed:
                key, fields = "unlink_none", dict[str, object]()
            elif uin:
                key, fields = "unlink_one", {"uin": uin}
            else:
                key, fields = "unlink_all", {"n": len(removed)}
            await chat_buttons.reply(uow, msg, chat_replies.text(msg.language, key, **fields), now)
            await uow.commit()

    async def history(self, msg: ChatMessage) -> None:
        """The last readings of the user's accounts, in her private chat only."""
        now = self.clock()
        async with self.uow() as uow:
            if not await chat_buttons.claim(uow, msg, now):
                return
            user = user_of(msg)
            if not private(msg) or user is None:
                reply = chat_replies.text(msg.language, "private_only")
            elif not await uow.contacts.accounts_of(user):
                reply = chat_replies.text(msg.language, "history_none")
            else:
                lines = await uow.contacts.history(user)
                reply = (
                    chat_replies.history(msg.language, lines)
                    if lines
                    else chat_replies.text(msg.language, "history_empty")
                )
            await chat_buttons.reply(uow, msg, reply, now)
            await uow.commit()

    async def shared_contact(self, msg: ChatMessage, user_id: int | None, phone: str) -> None:
        """A shared contact: the user's own phone, verified by SMS, links its accounts
        without a question; someone else's contact is refused politely."""
        now = self.clock()
        async with self.uow() as uow:
            if not await chat_buttons.claim(uow, msg, now):
                return
            user = user_of(msg)
            if user is None or user_id != msg.user_id or not private(msg):
                reply = chat_replies.text(msg.language, "contact_not_own")
            else:
                try:
                    own = contact("phone", phone)
                except ValueError:
                    own = None
                linked = await self.contacts.on(uow, now).link_shared(user, own) if own else []
                reply = (
                    chat_replies.text(msg.language, "contact_linked", uins=", ".join(linked))
                    if linked
                    else chat_replies.text(msg.language, "contact_unknown")
                )
            await chat_buttons.reply(uow, msg, reply, now)
            await uow.commit()

    @staticmethod
    def step_text(language: str, step: LinkResult) -> str:
        return chat_replies.text(language, STEP_TEXTS[step.step], uin=step.uin, left=step.left)
