"""What the intake does for contacts (docs/channels.md, "Contacts and linking"), inside the
transaction that decides a message: a keyword by SMS or mail (``LINK 1234567``, the bill's
value that answers it, ``UNLINK``, ``HISTORY``, ``STOP``, ``START``), the account of a
verified contact whose message has no UIN, and the note to an account's verified contacts
when a reading for it came from someone else."""

from __future__ import annotations

from datetime import datetime

from gateway.domain import contact_replies
from gateway.domain.clock import period_at
from gateway.domain.contacts import (
    Contact,
    Keyword,
    bill_value,
    command_of,
    transport_of,
    uin_tail,
)
from gateway.domain.model import Channel, StoredMessage
from gateway.domain.rules import Rules
from gateway.service.contacts import ContactOps
from gateway.service.uow import UnitOfWork
from parsers import ParseResult, parse

NOTE = "note"  # the kind of notice: once per contact and period


class ContactDesk:
    """The contact side of deciding a message; ``sms``: the outbox transport that reaches
    a phone (None: no SMS send API, phones get no notes)."""

    def __init__(self, rules: Rules, sms: str | None = None) -> None:
        self.rules = rules
        self.sms = sms

    async def command(
        self, uow: UnitOfWork, message: StoredMessage, who: Contact, now: datetime
    ) -> tuple[str, str | None] | None:
        """A keyword, or the answer a started link waits for (one number): the reply and
        the UIN it concerns. None: neither (the started link keeps waiting)."""
        if message.channel not in (Channel.SMS, Channel.EMAIL):
            return None  # the bot has commands of its own (gateway.service.chat_links)
        ops = ContactOps(uow, self.rules, now)
        lang = message.language
        found = command_of(message.text)
        if found is None:
            uin = await ops.pending(who) if bill_value(message.text) is not None else None
            if uin is None:
                return None
            return contact_replies.link_step(lang, await ops.verify(who, uin, message.text)), uin
        if found.keyword is Keyword.LINK:
            if found.uin is None:
                return contact_replies.text(lang, "link_usage"), None
            step = await ops.start_link(who, found.uin, lang)
            return contact_replies.link_step(lang, step), found.uin
        if found.keyword is Keyword.UNLINK:
            removed = await ops.unlink(who, found.uin)
            if not removed:
                return contact_replies.text(lang, "unlink_none"), found.uin
            if found.uin:
                return contact_replies.text(lang, "unlink_one", uin=found.uin), found.uin
            return contact_replies.text(lang, "unlink_all", n=len(removed)), None
        if found.keyword is Keyword.HISTORY:
            return await self._history(uow, who, lang), None
        if found.keyword is Keyword.STOP:
            await ops.opt_out(who)
            return contact_replies.text(lang, "stop"), None
        await ops.opt_in(who)
        return contact_replies.text(lang, "start"), None

    async def own_account(
        self, uow: UnitOfWork, message: StoredMessage, who: Contact, parsed: ParseResult
    ) -> tuple[ParseResult, str | None]:
        """A verified contact's message without a UIN (or with a number no account has):
        read as for its one account; with several, the question which (a reply). Else
        ``parsed`` as it was."""
        if message.channel == Channel.TELEGRAM:
            return parsed, None  # the bot adds the UIN, or asks with buttons
        if parsed.uin is not None and await uow.contacts.account_id(parsed.uin) is not None:
            return parsed, None
        mine = await uow.contacts.accounts_of(who)
        if not mine or not message.text.strip():
            return parsed, None
        if len(mine) == 1:
            return parse(f"{mine[0]} {message.text}"), None
        tails = ", ".join(uin_tail(uin) for uin in mine)
        return parsed, contact_replies.text(message.language, "choose", tails=tails)

    async def note(
        self, uow: UnitOfWork, uin: str, who: Contact | None, message: StoredMessage,
        now: datetime,
    ) -> None:  # fmt: skip
        """Tell the account's verified contacts (on their own channels, once a period
        each) that a reading for it came from a sender not verified for it."""
        period = period_at(message.received_at, self.rules)
        for linked in await uow.contacts.contacts_of(uin):
            route = transport_of(linked.contact, self.sms)
            if linked.opted_out or linked.contact == who or route is None:
                continue
            state = await uow.contacts.get(linked.contact)
            if state is None or not await uow.contacts.noticed(state.id, period, NOTE, now):
                continue
            transport, recipient, meta = route
            body = contact_replies.text(linked.language, "note", uin=uin)
            await uow.outbox.add(transport, recipient, body, {**meta, "note": uin}, now)

    async def _history(self, uow: UnitOfWork, who: Contact, lang: str | None) -> str:
        if not await uow.contacts.accounts_of(who):
            return contact_replies.text(lang, "history_none")
        lines = await uow.contacts.history(who)
        if not lines:
            return contact_replies.text(lang, "history_empty")
        return contact_replies.history(lang, lines)
