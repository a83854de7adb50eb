"""Deciding a stored message, inside a transaction its caller holds: the checks before its
text is read (a machine's mail, a flood, UIN guessing, a photo), its outcome against its
account, the reply, and the record of it all (``record_decisions``).

One ``Decider`` serves the intake of one message (``gateway.service.receive``) and of a batch
(``gateway.service.batch``), so the two paths cannot decide a message differently.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from gateway.domain.chat_replies import OCR_ASKED
from gateway.domain.chats import photo_missing
from gateway.domain.clock import local_day
from gateway.domain.contacts import sender_contact
from gateway.domain.model import AUTO_META, AccountView, Reason, Status, StoredMessage
from gateway.domain.outcomes import NeedsReview, Outcome, Rejected
from gateway.domain.periods import period_of
from gateway.domain.photos import ocr_question
from gateway.domain.replies import render
from gateway.domain.rules import Rules
from gateway.domain.validation import validate
from gateway.service.contact_intake import ContactDesk
from gateway.service.contacts import discloses
from gateway.service.decision import Decision, record_decisions
from gateway.service.uow import UnitOfWork
from parsers import ParseResult, parse

# what a transport adds to the meta of a reply it carries (a Telegram keyboard); a "reply"
# in it replaces the reply's text (gateway/domain/chat_replies.py, ``reply_extra``)
ReplyExtra = Callable[[StoredMessage], Mapping[str, Any]]


def ambiguous_meta(outcome: Outcome) -> list[dict[str, object]]:
    """What staff need to resolve an ``ambiguous`` message: every reading it can be."""
    found: list[dict[str, object]] = [
        {
            "meter": r.register.meter,
            "zone": r.register.zone,
            "candidates": [str(c) for c in r.candidates],
        }
        for r in outcome.readings
        if r.candidates
    ]
    return found or [{"typed": outcome.detail}]


class Decider:
    """Decides stored messages under ``rules``; replies in ``language`` unless the message
    has its own; ``reply_extras``: what each transport adds to a reply (by ``reply_via``);
    ``sms``: the outbox transport that reaches a phone with a note (none: no note by SMS)."""

    def __init__(
        self,
        rules: Rules,
        language: str,
        reply_extras: Mapping[str, ReplyExtra] | None = None,
        sms: str | None = None,
    ) -> None:
        self.rules = rules
        self.language = language
        self.reply_extras = dict(reply_extras or {})
        self.desk = ContactDesk(rules, sms)

    def day_of(self, message: StoredMessage) -> date:
        """The supplier's local day ``message`` was received on."""
        return local_day(message.received_at, self.rules.timezone)

    def period_of(self, day: date) -> str:
        """The billing period a reading taken on ``day`` belongs to."""
        return period_of(day, self.rules.cutoff_day)

    async def decide(self, uow: UnitOfWork, message: StoredMessage, now: datetime) -> StoredMessage:
        """Decide ``message`` (pending, and held by the caller's transaction) and record the
        decision in ``uow``; returns the message as decided."""
        decision = await self._decision(uow, message, now)
        await record_decisions(uow, [decision], now)
        return decision.message

    def judge(
        self,
        message: StoredMessage,
        parsed: ParseResult,
        account: AccountView | None,
        day: date,
        full: bool = False,
    ) -> Decision:
        """The decision on ``message`` (its text ``parsed``) against its account (None: not
        found): the outcome, the meta with what staff need, the reply (``full``: with the
        figures, for a verified contact). Nothing is stored."""
        outcome = validate(parsed, account, day, self.rules)
        if outcome.status is Status.ACCEPTED and photo_missing(message.meta):
            # the photo sent with the readings could not be fetched: staff decide without
            # it (docs/channels.md, "Telegram bot")
            outcome = NeedsReview(reason=Reason.PHOTO, readings=outcome.readings)
        meta = message.meta
        if outcome.reason is Reason.AMBIGUOUS:
            meta = {**(meta or {}), "ambiguous": ambiguous_meta(outcome)}
        reply = render(outcome, message.id, parsed.uin, self._language(message), full)
        return self._with_outcome(message, outcome, parsed.uin, reply, meta, day)

    async def _decision(self, uow: UnitOfWork, message: StoredMessage, now: datetime) -> Decision:
        day = self.day_of(message)
        if (message.meta or {}).get(AUTO_META):
            # mail a machine wrote (a bounce, an auto-reply): never read for readings, and
            # the channel sends no reply to it (docs/messages.md, "Outcomes and reason codes")
            return self._unread(message, Rejected(reason=Reason.AUTO_REPLY), day)
        flood = await self._recent_from_sender(uow, message)
        if flood is not None:
            return self._rate_limited(message, flood, day)
        who = sender_contact(message.channel, message.sender, message.meta)
        answered = await self.desk.command(uow, message, who, now) if who else None
        if answered is not None:  # a keyword, or the answer to LINK: never a reading
            return self._said(message, Reason.COMMAND, answered[1], answered[0], day)
        parsed = parse(message.text)
        if parsed.uin is not None and await self._guessing_uins(uow, message):
            return self._unread(message, Rejected(reason=Reason.RATE_LIMITED), day)
        if who is not None:
            parsed, question = await self.desk.own_account(uow, message, who, parsed)
            if question is not None:  # a verified contact of several accounts: which one?
                return self._said(message, Reason.NO_UIN, None, question, day)
        if (parsed.uin is None or not parsed.readings) and (message.meta or {}).get("photo"):
            # no account or no reading in the text, a photo to read: staff read the meter
            # from it (or confirm what OCR read: docs/channels.md, "Photos read by OCR")
            return await self._photo(uow, message, parsed.uin, day)
        found = None
        if parsed.uin is not None:
            found = await uow.accounts.load(parsed.uin, self.period_of(day))
        full = await discloses(uow, message, parsed.uin)
        decision = self.judge(message, parsed, found[1] if found else None, day, full)
        taken = decision.message.status in (Status.ACCEPTED, Status.REVIEW)
        if found is not None and parsed.uin is not None and taken and not full:
            await self.desk.note(uow, parsed.uin, who, message, now)
        return decision

    async def _photo(
        self, uow: UnitOfWork, message: StoredMessage, uin: str | None, day: date
    ) -> Decision:
        """A photo without readings goes to review; when OCR read it for the account's one
        register, the sender is a verified contact of the account and her transport can ask
        (Telegram), the meta says she is asked to confirm it (``chat_replies.reply_extra``)."""
        meta = message.meta
        asks = str((meta or {}).get("reply_via")) in self.reply_extras  # the bot, not mail
        if asks and ocr_question(meta) is not None and await discloses(uow, message, uin):
            message = message.decided(meta={**(meta or {}), OCR_ASKED: True})
        return self._unread(message, NeedsReview(reason=Reason.PHOTO), day, uin)

    def _said(
        self, message: StoredMessage, reason: Reason, uin: str | None, reply: str, day: date
    ) -> Decision:
        """Answered with ``reply``, no readings taken (a keyword, a question)."""
        return self._with_outcome(message, Rejected(reason=reason), uin, reply, message.meta, day)

    def _unread(
        self, message: StoredMessage, outcome: Outcome, day: date, uin: str | None = None
    ) -> Decision:
        """Decided before (or without) looking up an account: no readings; the UIN the
        text names, if any (a photo's caption), for staff."""
        reply = render(outcome, message.id, None, self._language(message))
        return self._with_outcome(message, outcome, uin, reply, message.meta, day)

    def _rate_limited(self, message: StoredMessage, recent: int, day: date) -> Decision:
        """Rejected without parsing or locking anything. Only the first message over the
        limit is answered: one reply per window, not one paid SMS (or one email to a
        spoofed From) per flood message."""
        outcome = Rejected(reason=Reason.RATE_LIMITED)
        first = recent == self.rules.rate_limit_per_hour
        reply = render(outcome, message.id, None, self._language(message)) if first else None
        return self._with_outcome(message, outcome, None, reply, message.meta, day)

    def _with_outcome(
        self,
        message: StoredMessage,
        outcome: Outcome,
        uin: str | None,
        reply: str | None,
        meta: dict[str, Any] | None,
        day: date,
    ) -> Decision:
        """``message`` with its decision, and what its transport adds to the reply."""
        message = message.decided(
            status=outcome.status,
            reason=str(outcome.reason) if outcome.reason else None,
            reply=reply,
            meta=meta,
        )
        extra = self.reply_extras.get(str((meta or {}).get("reply_via") or ""))
        added = dict(extra(message)) if extra else {}
        if "reply" in added:  # the transport words this reply its own way (a Telegram group)
            message = message.decided(reply=added.pop("reply"))
        return Decision(message, outcome.readings, uin, day, added or None)

    def _language(self, message: StoredMessage) -> str:
        return message.language or self.language

    async def _recent_from_sender(self, uow: UnitOfWork, message: StoredMessage) -> int | None:
        """How many messages the sender sent in the hour before this one, when that reaches
        the limit (else None). Counted up to limit + 1 only: a flood costs the same small
        index scan however long it goes on."""
        limit = self.rules.rate_limit_per_hour
        if limit <= 0:
            return None
        since = message.received_at - timedelta(hours=1)
        count = await uow.messages.count_recent(
            message.channel, message.sender, since, message.id, limit + 1
        )
        return count if count >= limit else None

    async def _guessing_uins(self, uow: UnitOfWork, message: StoredMessage) -> bool:
        """The sender has typed unknown UINs ``unknown_uin_per_hour`` times this hour: no
        more lookups, so answers cannot be used to enumerate UINs."""
        limit = self.rules.unknown_uin_per_hour
        if limit <= 0:
            return False
        since = message.received_at - timedelta(hours=1)
        failed = await uow.messages.count_failed_uin(message.channel, message.sender, since, limit)
        return failed >= limit
