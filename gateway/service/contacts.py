"""Contacts and their links to accounts (docs/channels.md, "Contacts and linking"): a
contact is verified for an account with a value from the account's last bill, by staff, or
(a Telegram user) by sharing her own phone that is verified already. Every attempt, link
and unlink is audited; failed attempts are limited per contact and per account a day, in
the supplier's local day.

``ContactUseCases.on(uow, now)`` gives the operations inside a caller's transaction (the
bot and the intake answer in the same one); the other methods open their own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from gateway.domain.clock import local_day
from gateway.domain.contacts import (
    MAX_FAILED_ATTEMPTS,
    Contact,
    LinkedBy,
    LinkedContact,
    LinkResult,
    LinkStep,
    link_locked,
    pending_for,
    private_to,
    sender_contact,
    verification_matches,
)
from gateway.domain.model import StoredMessage
from gateway.domain.rules import Rules
from gateway.service.uow import UnitOfWork, UnitOfWorkFactory

Clock = Callable[[], datetime]  # as gateway.service.receive's (which imports this module)
CONTACT = "contact"  # the actor of what a contact does itself, in the audit


class ContactOps:
    """The contact operations inside one unit of work at ``now``; the caller commits."""

    def __init__(self, uow: UnitOfWork, rules: Rules, now: datetime) -> None:
        self.uow = uow
        self.rules = rules
        self.now = now
        self.today = local_day(now, rules.timezone)

    async def accounts_of(self, contact: Contact) -> list[str]:
        """The UINs ``contact`` is verified for."""
        return await self.uow.contacts.accounts_of(contact)

    async def is_verified(self, contact: Contact | None, uin: str | None) -> bool:
        if contact is None or uin is None:
            return False
        return bool(await self.uow.contacts.verified([(contact, uin)]))

    async def pending(self, contact: Contact) -> str | None:
        """The UIN whose link waits for ``contact``'s bill value, if any."""
        return pending_for(await self.uow.contacts.get(contact), self.now)

    async def start_link(
        self, contact: Contact, uin: str, language: str | None = None
    ) -> LinkResult:
        """Ask for the bill's value. Whether the UIN exists is not told, except that an
        account without a closed period is linked by staff."""
        store = self.uow.contacts
        state = await store.ensure(contact, language, self.now)
        account_id = await store.account_id(uin)
        if await self._locked(state.id, account_id):
            await store.set_pending(state.id, None, None)
            return LinkResult(LinkStep.LOCKED, uin)
        if account_id is not None:
            if uin in await store.accounts_of(contact):
                await store.set_pending(state.id, None, None)
                return LinkResult(LinkStep.ALREADY, uin)
            if await store.bill_values(account_id) is None:
                await store.set_pending(state.id, None, None)
                return LinkResult(LinkStep.STAFF, uin)
        await store.set_pending(state.id, uin, self.now)
        return LinkResult(LinkStep.ASK, uin)

    async def verify(self, contact: Contact, uin: str, value: str) -> LinkResult:
        """``value`` checked against the last bill of ``uin``'s account; the attempt is
        recorded and audited whatever its result."""
        store = self.uow.contacts
        state = await store.ensure(contact, None, self.now)
        account_id = await store.account_id(uin)
        mine = await store.failures(state.id, None, self.today)
        theirs = await store.failures(None, account_id, self.today) if account_id else 0
        if link_locked(mine) or link_locked(theirs):
            await store.set_pending(state.id, None, None)
            await store.audit(CONTACT, "link_refused", contact, uin, {"why": "locked"}, self.now)
            return LinkResult(LinkStep.LOCKED, uin)
        bill = await store.bill_values(account_id) if account_id is not None else []
        if bill is None:
            await store.set_pending(state.id, None, None)
            await store.audit(CONTACT, "link_refused", contact, uin, {"why": "no_bill"}, self.now)
            return LinkResult(LinkStep.STAFF, uin)
        ok = account_id is not None and verification_matches(value, bill)
        await store.add_attempt(state.id, account_id, uin, self.today, ok, self.now)
        await store.audit(CONTACT, "link_attempt", contact, uin, {"ok": ok}, self.now)
        if ok and account_id is not None:
            await store.set_pending(state.id, None, None)
            await store.link(state.id, account_id, LinkedBy.BILL, None, self.now)
            await store.audit(CONTACT, "link", contact, uin, {"by": LinkedBy.BILL}, self.now)
            return LinkResult(LinkStep.LINKED, uin)
        worst = max(mine, theirs) + 1
        if link_locked(worst):
            await store.set_pending(state.id, None, None)
            return LinkResult(LinkStep.LOCKED, uin)
        return LinkResult(LinkStep.WRONG, uin, MAX_FAILED_ATTEMPTS - worst)

    async def unlink(self, contact: Contact, uin: str | None) -> list[str]:
        """The contact's link to ``uin`` (all of them: None) removed; the UINs unlinked."""
        state = await self.uow.contacts.get(contact)
        if state is None:
            return []
        await self.uow.contacts.set_pending(state.id, None, None)
        removed = await self.uow.contacts.unlink(state.id, uin)
        for each in removed:
            await self.uow.contacts.audit(CONTACT, "unlink", contact, each, None, self.now)
        return removed

    async def opt_out(self, contact: Contact) -> None:
        """No reminders or notices any more (STOP); replies to its messages still go."""
        state = await self.uow.contacts.ensure(contact, None, self.now)
        await self.uow.contacts.set_opted_out(state.id, self.now)
        await self.uow.contacts.audit(CONTACT, "opt_out", contact, None, None, self.now)

    async def opt_in(self, contact: Contact) -> None:
        state = await self.uow.contacts.ensure(contact, None, self.now)
        await self.uow.contacts.set_opted_out(state.id, None)
        await self.uow.contacts.audit(CONTACT, "opt_in", contact, None, None, self.now)

    async def link_shared(self, user: Contact, phone: Contact) -> list[str]:
        """A Telegram user shared her own phone: the accounts that phone is verified for
        become hers too; the UINs linked now."""
        uins = await self.uow.contacts.accounts_of(phone)
        if not uins:
            return []
        state = await self.uow.contacts.ensure(user, None, self.now)
        linked = []
        for uin in uins:
            account_id = await self.uow.contacts.account_id(uin)
            if account_id is None:
                continue
            if await self.uow.contacts.link(
                state.id, account_id, LinkedBy.SHARED_CONTACT, None, self.now
            ):
                linked.append(uin)
                detail = {"by": LinkedBy.SHARED_CONTACT, "phone": phone.address}
                await self.uow.contacts.audit(CONTACT, "link", user, uin, detail, self.now)
        return linked

    async def link_by_staff(self, actor: str, contact: Contact, uin: str) -> bool:
        """False when there is no such account or the link was there already."""
        account_id = await self.uow.contacts.account_id(uin)
        if account_id is None:
            return False
        state = await self.uow.contacts.ensure(contact, None, self.now)
        if not await self.uow.contacts.link(state.id, account_id, LinkedBy.STAFF, actor, self.now):
            return False
        await self.uow.contacts.audit(actor, "link", contact, uin, {"by": "staff"}, self.now)
        return True

    async def unlink_by_staff(self, actor: str, contact: Contact, uin: str) -> bool:
        state = await self.uow.contacts.get(contact)
        if state is None or not await self.uow.contacts.unlink(state.id, uin):
            return False
        await self.uow.contacts.audit(actor, "unlink", contact, uin, {"by": "staff"}, self.now)
        return True

    async def _locked(self, contact_id: int, account_id: int | None) -> bool:
        if link_locked(await self.uow.contacts.failures(contact_id, None, self.today)):
            return True
        return account_id is not None and link_locked(
            await self.uow.contacts.failures(None, account_id, self.today)
        )


class ContactUseCases:
    """The contact operations, each in a transaction of its own, or ``on`` a caller's."""

    def __init__(self, uow: UnitOfWorkFactory, rules: Rules, clock: Clock) -> None:
        self.uow = uow
        self.rules = rules
        self.clock = clock

    def on(self, uow: UnitOfWork, now: datetime) -> ContactOps:
        return ContactOps(uow, self.rules, now)

    async def accounts_of(self, contact: Contact) -> list[str]:
        async with self.uow() as uow:
            return await self.on(uow, self.clock()).accounts_of(contact)

    async def contacts_of(self, uin: str) -> list[LinkedContact]:
        async with self.uow() as uow:
            return await uow.contacts.contacts_of(uin)

    async def start_link(self, contact: Contact, uin: str) -> LinkResult:
        async with self.uow() as uow:
            result = await self.on(uow, self.clock()).start_link(contact, uin)
            await uow.commit()
        return result

    async def verify(self, contact: Contact, uin: str, value: str) -> LinkResult:
        async with self.uow() as uow:
            result = await self.on(uow, self.clock()).verify(contact, uin, value)
            await uow.commit()
        return result

    async def unlink(self, contact: Contact, uin: str | None) -> list[str]:
        async with self.uow() as uow:
            removed = await self.on(uow, self.clock()).unlink(contact, uin)
            await uow.commit()
        return removed

    async def opt_out(self, contact: Contact) -> None:
        async with self.uow() as uow:
            await self.on(uow, self.clock()).opt_out(contact)
            await uow.commit()

    async def opt_in(self, contact: Contact) -> None:
        async with self.uow() as uow:
            await self.on(uow, self.clock()).opt_in(contact)
            await uow.commit()

    async def link_by_staff(self, actor: str, contact: Contact, uin: str) -> bool:
        async with self.uow() as uow:
            done = await self.on(uow, self.clock()).link_by_staff(actor, contact, uin)
            await uow.commit()
        return done

    async def unlink_by_staff(self, actor: str, contact: Contact, uin: str) -> bool:
        async with self.uow() as uow:
            done = await self.on(uow, self.clock()).unlink_by_staff(actor, contact, uin)
            await uow.commit()
        return done


async def discloses(uow: UnitOfWork, message: StoredMessage, uin: str | None) -> bool:
    """The one rule of what a reply may show (docs/channels.md, "What a contact gets"):
    figures from the account's readings only to a verified contact of the account, in a
    reply only that contact reads (SMS, mail, the user's private chat with the bot)."""
    who = sender_contact(message.channel, message.sender, message.meta)
    if uin is None or who is None or not private_to(message.channel, message.sender, who):
        return False
    return bool(await uow.contacts.verified([(who, uin)]))
