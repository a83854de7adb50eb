"""Value objects shared by channels, rules and storage. No I/O here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"
    TELEGRAM = "telegram"
    WEB = "web"


class Transport(StrEnum):
    """How a reply travels when it is not in the channel's own answer: an outbox transport,
    each with one sender. The values are stored (outbox rows, a message's ``reply_via``):
    add, never rename."""

    SMS_GENERIC = "sms_generic"  # the generic SMS provider's send API
    EMAIL = "email"  # the smarthost
    TELEGRAM = "telegram"  # the bot's sendMessage


class Status(StrEnum):
    """A message's status, and a reading's (``superseded``: readings only)."""

    PENDING = "pending"  # stored, not yet decided (a crash or an error in between)
    ACCEPTED = "accepted"
    REVIEW = "review"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"  # readings only: a later submission for the same period


class AccountStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class MeterStatus(StrEnum):
    ACTIVE = "active"
    FAILED = "failed"  # billed like a missing reading from ``failed_on``
    REMOVED = "removed"  # replaced (meter_replacements): takes no reading after removed_on


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt


class PeriodStatus(StrEnum):
    CLOSED = "closed"  # volumes computed, may be closed again
    EXPORTED = "exported"  # handed to billing as final


class Reason(StrEnum):
    """Stable reason codes (docs/messages.md, "Outcomes and reason codes"). Add, never rename."""

    EMPTY = "empty"
    NO_UIN = "no_uin"
    UNKNOWN_UIN = "unknown_uin"
    ACCOUNT_CLOSED = "account_closed"
    READING_COUNT_MISMATCH = "reading_count_mismatch"
    NOT_A_NUMBER = "not_a_number"
    TOO_MANY_DIGITS = "too_many_digits"
    TOO_MANY_DECIMALS = "too_many_decimals"
    DECREASING = "decreasing"
    IMPLAUSIBLE_JUMP = "implausible_jump"
    METER_VERIFICATION_EXPIRED = "meter_verification_expired"
    RATE_LIMITED = "rate_limited"
    AMBIGUOUS = "ambiguous"
    # received and stored, the decision failed and is retried (status shown: review)
    PROCESSING = "processing"
    PHOTO = "photo"  # a photo without readable text: staff read the meter from it
    # mail a machine wrote (a bounce, an auto-reply): stored, never read for readings
    AUTO_REPLY = "auto_reply"
    # a reading for a meter dated on or after its removal (a replacement, docs/billing.md)
    METER_REPLACED = "meter_replaced"


# The message meta key a channel sets on auto-generated mail (``Reason.AUTO_REPLY``).
AUTO_META = "auto_generated"


class Service(StrEnum):
    ELECTRICITY = "electricity"
    COLD_WATER = "cold_water"
    HOT_WATER = "hot_water"
    GAS = "gas"
    HEATING = "heating"


SERVICES = tuple(str(s) for s in Service)


@dataclass(frozen=True)
class InboundMessage:
    """One message as a channel received it, before anything is decided about it."""

    channel: Channel
    external_id: str
    sender: str
    text: str
    recipient: str = ""
    received_at: datetime | None = None
    language: str | None = None  # reply language when the channel knows it
    # how the reply travels when not in the channel's own answer, and what that transport
    # needs (chat id, headers) in ``meta``
    reply_via: Transport | None = None
    meta: Mapping[str, Any] | None = None
    raw: bytes | None = None


@dataclass(frozen=True)
class HistoryPoint:
    taken_on: date
    value: Decimal


@dataclass(frozen=True)
class Register:
    """One register of a meter (a zone of a multi-zone meter), with what rules need of it."""

    meter_id: int
    meter: str
    position: int
    service: str
    zone: int
    zones: int
    digits: int
    decimals: int
    verified_until: date | None = None
    # accepted readings before the current period, oldest first (recent ones are enough)
    history: tuple[HistoryPoint, ...] = ()
    # a replaced meter (docs/billing.md, "Events"): in place from installed_on, gone from
    # removed_on
    installed_on: date | None = None
    removed_on: date | None = None

    def removed_by(self, day: date) -> bool:
        return self.removed_on is not None and self.removed_on <= day

    @property
    def capacity(self) -> Decimal:
        return Decimal(10) ** self.digits

    @property
    def last(self) -> HistoryPoint | None:
        return self.history[-1] if self.history else None


@dataclass(frozen=True)
class AccountView:
    uin: str
    status: str
    residents: int
    registers: tuple[Register, ...]  # in bill order: meter position, then zone

    def on(self, day: date) -> AccountView:
        """The account as it stands on ``day``: the meters in place then. A position whose
        meter was removed and not yet replaced keeps the removed meter (the customer still
        counts it; its reading is refused as ``meter_replaced``)."""
        if all(r.installed_on is None and r.removed_on is None for r in self.registers):
            return self
        current = [
            r for r in self.registers
            if not r.removed_by(day) and (r.installed_on is None or r.installed_on <= day)
        ]  # fmt: skip
        taken = {r.position for r in current}
        last_removed: dict[int, date] = {}
        for r in self.registers:
            if r.removed_on is not None and r.removed_by(day) and r.position not in taken:
                last_removed[r.position] = max(
                    r.removed_on, last_removed.get(r.position, r.removed_on)
                )
        kept = [
            r for r in self.registers
            if r in current
            or (r.removed_on is not None and last_removed.get(r.position) == r.removed_on)
        ]  # fmt: skip
        return replace(self, registers=tuple(kept))


@dataclass(frozen=True)
class StoredMessage:
    """An inbox row as the receive use case needs it."""

    id: int
    channel: str
    sender: str
    text: str
    meta: dict[str, Any] | None
    language: str | None
    received_at: datetime
    status: Status
    reason: str | None
    reply: str | None

    def decided(self, **changes: Any) -> StoredMessage:
        return replace(self, **changes)

    @property
    def reply_address(self) -> str:
        """Where a reply goes: the channel's ``reply_to`` (an email's Reply-To or envelope
        sender) when it gave one, else the sender."""
        return str((self.meta or {}).get("reply_to") or self.sender)


def public_status(status: str, reason: str | None) -> tuple[str, str | None]:
    """A message's status and reason as they leave the gateway: ``pending`` (stored, the
    decision not made yet) is shown as ``review`` with reason ``processing``."""
    if status == Status.PENDING:
        return Status.REVIEW.value, Reason.PROCESSING.value
    return status, reason


@dataclass(frozen=True)
class ReadingRecord:
    """A stored reading as the API shows it."""

    id: int
    meter: str
    zone: int
    value: Decimal
    consumption: Decimal | None
    period: str
    taken_on: date
    status: str
    reason: str | None
    source: str
    message_id: int | None


@dataclass(frozen=True)
class MessageRecord:
    """A stored message as the API shows it."""

    id: int
    channel: str
    external_id: str
    sender: str
    status: str
    reason: str | None
    reply: str | None
    received_at: datetime
    readings: tuple[ReadingRecord, ...] = ()


@dataclass(frozen=True)
class MeterInfo:
    """What an import needs to know of a stored meter."""

    id: int
    zones: int
    digits: int
    decimals: int


def clean_text(text: str) -> str:
    """What a database can store: no NUL characters, no lone surrogates from bad JSON. A NUL
    becomes a space, not nothing: ``5123<NUL>2010`` stays two numbers (issue 17, item 7)."""
    return text.replace("\x00", " ").encode("utf-8", "replace").decode("utf-8")


def plain(value: Decimal) -> str:
    """A decimal as people write it: no exponent, no trailing zeros ("104.25", "5123", "0")."""
    text = format(value.normalize(), "f")
    return "0" if text == "-0" else text


@dataclass(frozen=True)
class OutboxItem:
    """A reply claimed for delivery; ``attempts`` counts this one."""

    id: int
    transport: str
    recipient: str
    body: str
    meta: Any
    attempts: int
