"""Staff decisions on messages in ``review``: accept as parsed, with corrected values or for
another UIN, or reject with a reason for the customer.

Every decision claims the message first (a second reviewer finds it no longer in review:
``AlreadyHandled``), stores through the same step as intake (``record_decisions``), queues
the customer's reply on the channel it came from, and is written to the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from gettext import NullTranslations
from typing import Any

from gateway.domain.clock import local_day
from gateway.domain.model import AccountView, MessageRecord, Reason, Status, StoredMessage, plain
from gateway.domain.outcomes import Accepted, RegisterResult
from gateway.domain.periods import period_of
from gateway.domain.replies import lang_of, render
from gateway.domain.rules import Rules
from gateway.domain.staff import ReviewItem
from gateway.domain.validation import check_register, match_registers
from gateway.runtime import i18n
from gateway.runtime.i18n import N_
from gateway.service.decision import Decision, record_decisions
from gateway.service.receive import Clock
from gateway.service.uow import UnitOfWork, UnitOfWorkFactory
from parsers import ParsedReading, ParseResult, parse

# What a reviewer may accept despite the validator: the doubts staff exist to resolve.
OVERRIDABLE = {None, Reason.IMPLAUSIBLE_JUMP}


class ReviewError(Exception):
    """A decision that cannot be made; the message says why."""


class NotFound(ReviewError):
    pass


class AlreadyHandled(ReviewError):
    """The message is no longer in review (another reviewer decided it)."""


class NeedsValues(ReviewError):
    """Nothing acceptable to accept: the reviewer must give (other) values or a UIN.

    ``str(e)`` is English (the API's error); ``e.text(t)`` the same in a catalogue's language.
    """

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message % values)
        self.message = message
        self.values = values

    def text(self, t: NullTranslations) -> str:
        return t.gettext(self.message) % self.values


@dataclass(frozen=True)
class Correction:
    meter: str
    zone: int
    value: str


class Review:
    def __init__(self, uow: UnitOfWorkFactory, rules: Rules, language: str, clock: Clock) -> None:
        self.uow = uow
        self.rules = rules
        self.language = language
        self.clock = clock

    async def accept(
        self,
        message_id: int,
        actor: str,
        *,
        uin: str | None = None,
        corrections: Sequence[Correction] = (),
    ) -> MessageRecord:
        now = self.clock()
        async with self.uow() as uow:
            item, stored = await self._claim(uow, message_id)
            day = local_day(stored.received_at, self.rules.timezone)
            parsed = parse(item.text)
            target = (uin or "").strip() or item.uin or parsed.uin
            if not target:
                raise NeedsValues(N_("the message has no UIN: give one"))
            found = await uow.accounts.load(target, period_of(day, self.rules.cutoff_day))
            if found is None:
                raise NeedsValues(N_("no account with UIN %(uin)s"), uin=target)
            account = found[1]
            if account.status != "open":
                raise NeedsValues(N_("the account %(uin)s is closed"), uin=target)
            reassigned = target != (item.uin or parsed.uin)
            results = self._results(parsed, account, corrections, day, use_parse=not reassigned)
            lang = lang_of(stored.language or self.language)
            decided = stored.decided(
                status=Status.ACCEPTED,
                reason=None,
                reply=render(Accepted(results, account.registers), message_id, target, lang),
            )
            await uow.review.settle_readings(message_id, Status.SUPERSEDED)
            await record_decisions(
                uow, [Decision(decided, results, target, day)], now, follow_up=True
            )
            action = "reassign" if reassigned else "correct" if corrections else "accept"
            after = {**_state(decided, target), "readings": [_value(r) for r in results]}
            await uow.audit.add(actor, action, message_id, _before(item), after, now)
            record = await uow.messages.record(message_id)
            await uow.commit()
        assert record is not None
        return record

    async def reject(self, message_id: int, actor: str, reason: str) -> MessageRecord:
        reason = " ".join(reason.split())
        if not reason:
            raise NeedsValues(N_("give the reason for the customer"))
        if reason[-1] not in ".!?":
            reason += "."
        now = self.clock()
        async with self.uow() as uow:
            item, stored = await self._claim(uow, message_id)
            lang = lang_of(stored.language or self.language)
            decided = stored.decided(
                status=Status.REJECTED,
                reply=_reject_reply(reason, message_id, lang),
            )
            day = local_day(stored.received_at, self.rules.timezone)
            await uow.review.settle_readings(message_id, Status.REJECTED)
            await record_decisions(uow, [Decision(decided, (), item.uin, day)], now, follow_up=True)
            after = {**_state(decided, item.uin), "customer_reason": reason}
            await uow.audit.add(actor, "reject", message_id, _before(item), after, now)
            record = await uow.messages.record(message_id)
            await uow.commit()
        assert record is not None
        return record

    async def _claim(self, uow: UnitOfWork, message_id: int) -> tuple[ReviewItem, StoredMessage]:
        claimed = await uow.review.claim(message_id)
        item = await uow.review.item(message_id)
        if item is None:
            raise NotFound(f"no message {message_id}")
        if not claimed:
            raise AlreadyHandled(f"message {message_id} is already handled ({item.record.status})")
        stored = await uow.messages.get(message_id)
        assert stored is not None
        return item, stored

    def _results(
        self,
        parsed: ParseResult,
        account: AccountView,
        corrections: Sequence[Correction],
        day: date,
        use_parse: bool,
    ) -> tuple[RegisterResult, ...]:
        """The readings to accept, in bill order: the parse where it fits the account (not
        when reassigned), overridden by the reviewer's values."""
        values: dict[tuple[str, int], str] = {}
        unresolved: set[tuple[str, int]] = set()
        pairs = None
        if use_parse and parsed.error is None:
            pairs = match_registers(parsed.readings, account.on(day).registers, allow_partial=True)
        for reg, reading in pairs or ():
            if reading.candidates and reg.decimals == 0:
                unresolved.add((reg.meter, reg.zone))
            else:
                values[(reg.meter, reg.zone)] = reading.value
        known = {(reg.meter, reg.zone) for reg in account.registers}
        for c in corrections:
            if (c.meter, c.zone) not in known:
                raise NeedsValues(
                    N_("the account has no register %(meter)s zone %(zone)s"),
                    meter=c.meter,
                    zone=c.zone,
                )
            values[(c.meter, c.zone)] = c.value.strip().replace(",", ".")
        if unresolved - values.keys():
            raise NeedsValues(N_("the message is ambiguous: give the values to accept"))
        if not values:
            raise NeedsValues(N_("no readings to accept: give the values"))
        results = []
        for reg in account.registers:
            value = values.get((reg.meter, reg.zone))
            if value is None:
                continue
            result = check_register(reg, ParsedReading(None, value), day, self.rules)
            if result.reason not in OVERRIDABLE:
                raise NeedsValues(
                    # TRANSLATORS: reason is a reason code (docs/messages.md), e.g. decreasing
                    N_("%(meter)s zone %(zone)s: %(value)s: %(reason)s"),
                    meter=reg.meter,
                    zone=reg.zone,
                    value=value,
                    reason=result.reason,
                )
            results.append(replace(result, reason=None))
        return tuple(results)


def _reject_reply(reason: str, receipt: int, lang: str) -> str:
    t = i18n.translations(lang)
    # TRANSLATORS: reason is the reviewer's own sentence, receipt the message number
    text = t.gettext("Readings not accepted: %(reason)s Request No. %(receipt)s.")
    return text % {"reason": reason, "receipt": receipt}


def _value(r: RegisterResult) -> dict[str, Any]:
    return {"meter": r.register.meter, "zone": r.register.zone, "value": plain(r.value)}


def _state(message: StoredMessage, uin: str | None) -> dict[str, Any]:
    return {"status": str(message.status), "reason": message.reason, "uin": uin,
            "reply": message.reply}  # fmt: skip


def _before(item: ReviewItem) -> dict[str, Any]:
    return {
        "status": item.record.status,
        "reason": item.record.reason,
        "uin": item.uin,
        "readings": [
            {"meter": r.meter, "zone": r.zone, "value": plain(r.value)}
            for r in item.record.readings
        ],
    }
