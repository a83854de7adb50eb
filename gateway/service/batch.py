"""Several messages received, decided and committed in one transaction (group commit).

The common message (a new one, from a sender far from the rate limits, for an account no
other message of the batch names) is decided with set-based statements: one insert for all
messages, one lookup of all accounts (locked in account id order) and their history, one
insert of all readings, one update of all messages, one insert of all replies. Any other
message (a repeat, a sender near a limit, a photo, a second message for one account) is
decided in the same transaction one at a time, by the ``Decider`` that ``Intake.receive``
decides with (the set-based ones are judged by it too). If the batch fails on anything but
an unreachable database, it is rolled back and every message is received again on its own
through ``Intake.receive``, so one bad message never fails its neighbours.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial

from gateway.domain.contacts import command_of, sender_contact
from gateway.domain.model import AUTO_META, InboundMessage, StoredMessage
from gateway.runtime import metrics
from gateway.service.decision import Decision, record_decisions
from gateway.service.receive import Intake, Receipt
from gateway.service.retry import retrying
from gateway.service.uow import Conflict, StorageUnavailable, UnitOfWork
from parsers import ParseResult, parse

log = logging.getLogger(__name__)

# What each message of a batch is answered with: its receipt, or the ``StorageUnavailable``
# its channel answers with "retry later".
ReceiptOrRefusal = Receipt | StorageUnavailable


class BatchIntake:
    """Several messages in one transaction. Holds the one-message ``intake``: its decider
    decides every message, and a message the batch cannot take is received through it."""

    def __init__(self, intake: Intake) -> None:
        self.intake = intake
        self.decider = intake.decider

    async def receive_batch(self, inbounds: Sequence[InboundMessage]) -> list[ReceiptOrRefusal]:
        """A receipt for each message, or the ``StorageUnavailable`` its channel answers
        with "retry later"; returns only after the commit."""
        if len(inbounds) <= 1:
            return [await self._receive_alone(inbound) for inbound in inbounds]
        now = self.intake.clock()
        what = f"a batch of {len(inbounds)}"
        try:
            stored, decided = await retrying(partial(self._store, inbounds, now), what)
        except Conflict as e:  # still in another's way: one at a time, each retried too
            log.warning("%s: %s; each on its own", what, e)
            return [await self._receive_alone(inbound) for inbound in inbounds]
        except StorageUnavailable as e:
            for inbound in inbounds:
                metrics.UNAVAILABLE.labels(str(inbound.channel)).inc()
            return [e] * len(inbounds)
        except Exception:
            log.exception("deciding %s failed; each on its own", what)
            return [await self._receive_alone(inbound) for inbound in inbounds]
        results: list[ReceiptOrRefusal] = []
        for inbound, message in zip(inbounds, stored, strict=True):
            if message is None:
                # a repeat (another process may have taken every message of the batch):
                # answered with the decision stored for its first delivery
                results.append(await self._receive_alone(inbound))
            else:
                receipt = Receipt.of(decided[message.id], duplicate=False)
                metrics.MESSAGES.labels(str(inbound.channel), receipt.status).inc()
                results.append(receipt)
        return results

    async def _store(
        self, inbounds: Sequence[InboundMessage], now: datetime
    ) -> tuple[list[StoredMessage | None], dict[int, StoredMessage]]:
        """One transaction: the messages stored (None for a repeat), the new ones decided."""
        async with self.intake.uow() as uow:
            stored = await uow.messages.insert_many(inbounds, now)
            decided = await self._decide_new(uow, [m for m in stored if m], now)
            await uow.commit()
        return stored, decided

    async def _receive_alone(self, inbound: InboundMessage) -> ReceiptOrRefusal:
        try:
            return await self.intake.receive(inbound)
        except StorageUnavailable as e:
            return e

    async def _decide_new(
        self, uow: UnitOfWork, messages: Sequence[StoredMessage], now: datetime
    ) -> dict[int, StoredMessage]:
        """The messages the batch stored, decided: the common ones together, set-based, the
        others one at a time after them; by id."""
        if not messages:
            return {}
        parsed = {m.id: parse(m.text) for m in messages}
        calm = await self._calm_senders(uow, messages)
        calm -= await self._contacts(uow, messages, parsed)
        # a message decided alone keeps every later message for its account behind it
        alone = [m for m in messages if not self._common(m, parsed[m.id], calm)]
        skip = {m.id for m in alone}
        held = {parsed[m.id].uin for m in alone} - {None}
        together: list[StoredMessage] = []
        for m in messages:
            uin = parsed[m.id].uin
            if m.id in skip:
                continue
            if uin is not None and uin in held:
                alone.append(m)
            else:
                together.append(m)
                held.add(uin)
        later = [u for m in alone if (u := parsed[m.id].uin) is not None]
        decided = await self._decide_together(uow, together, parsed, now, later)
        for m in sorted(alone, key=lambda m: m.id):
            decided[m.id] = await self.decider.decide(uow, m, now)
        return decided

    def _common(self, m: StoredMessage, parsed: ParseResult, calm: set[tuple[str, str]]) -> bool:
        """``m`` can be decided set-based: its sender is far from the limits, and its text
        is to be read (not a machine's mail, not a photo without a UIN or readings)."""
        no_reading = parsed.uin is None or not parsed.readings
        photo_only = no_reading and bool((m.meta or {}).get("photo"))
        auto = bool((m.meta or {}).get(AUTO_META))  # decided alone: never read (auto_reply)
        return (str(m.channel), m.sender) in calm and not photo_only and not auto

    async def _contacts(
        self, uow: UnitOfWork, messages: Sequence[StoredMessage], parsed: dict[int, ParseResult]
    ) -> set[tuple[str, str]]:
        """Senders decided alone for what contacts add (docs/channels.md, "Contacts and
        linking"): a known contact (verified, linking, opted out), a keyword, a reading for
        an account with verified contacts (the note, the full reply)."""
        who = {m.id: sender_contact(m.channel, m.sender, m.meta) for m in messages}
        known = await uow.contacts.known([c for c in who.values() if c is not None])
        uins = [u for m in messages if (u := parsed[m.id].uin) is not None]
        watched = await uow.contacts.with_contacts(uins)
        return {
            (str(m.channel), m.sender)
            for m in messages
            if who[m.id] in known or parsed[m.id].uin in watched or command_of(m.text)
        }

    async def _calm_senders(
        self, uow: UnitOfWork, messages: Sequence[StoredMessage]
    ) -> set[tuple[str, str]]:
        """Senders far enough from both hourly limits that no message of theirs in this
        batch can reach one (counted over a window at least as wide as each message's)."""
        rules = self.decider.rules
        flood, guesses = rules.rate_limit_per_hour, rules.unknown_uin_per_hour
        if not messages:
            return set()
        batch: dict[tuple[str, str], int] = defaultdict(int)
        for m in messages:
            batch[(str(m.channel), m.sender)] += 1
        if flood <= 0 and guesses <= 0:
            return set(batch)
        since = min(m.received_at for m in messages) - timedelta(hours=1)
        counts = await uow.messages.sender_counts(sorted(batch), since, max(flood, guesses))
        return {
            sender
            for sender, mine in batch.items()
            if (flood <= 0 or counts.get(sender, (0, 0))[0] < flood)  # counts these too
            and (guesses <= 0 or counts.get(sender, (0, 0))[1] + mine <= guesses - 1)
        }

    async def _decide_together(
        self,
        uow: UnitOfWork,
        messages: Sequence[StoredMessage],
        parsed: dict[int, ParseResult],
        now: datetime,
        later: Sequence[str] = (),
    ) -> dict[int, StoredMessage]:
        """Common messages decided with a few statements, whatever their number: their
        accounts looked up together, each judged, all recorded together. ``later``: the
        UINs of accounts the messages decided after these lock."""
        days = {m.id: self.decider.day_of(m) for m in messages}
        by_period: dict[str, list[StoredMessage]] = defaultdict(list)
        for m in messages:
            by_period[self.decider.period_of(days[m.id])].append(m)
        if len(by_period) > 1 or later:
            # more than one statement will lock accounts: all of them are locked first, in
            # one statement, in the one order every process locks accounts in
            uins = [u for m in messages if (u := parsed[m.id].uin) is not None]
            await uow.accounts.lock_many([*uins, *later])
        decisions: list[Decision] = []
        for period, group in by_period.items():
            uins = [u for m in group if (u := parsed[m.id].uin) is not None]
            found = await uow.accounts.load_many(uins, period) if uins else {}
            for m in group:
                p = parsed[m.id]
                account = found.get(p.uin) if p.uin is not None else None
                decisions.append(
                    self.decider.judge(m, p, account[1] if account else None, days[m.id])
                )
        await record_decisions(uow, decisions, now)
        return {d.message.id: d.message for d in decisions}
