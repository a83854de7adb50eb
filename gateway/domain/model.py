"""Value objects shared by channels, rules and storage. No I/O here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"
    TELEGRAM = "telegram"
    WEB = "web"


class Status(StrEnum):
    PENDING = "pending"  # stored, not yet processed (a crash or an error in between)
    ACCEPTED = "accepted"
    REVIEW = "review"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"  # readings only: a later submission for the same period


class Reason(StrEnum):
    """Stable reason codes (SPEC section 3). Add, never rename."""

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


SERVICES = ("electricity", "cold_water", "hot_water", "gas", "heating")


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
    # how the reply travels when not in the channel's own answer (an outbox transport:
    # "sms_generic", "email", "telegram"), and what that transport needs (chat id, headers)
    reply_via: str | None = None
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


@dataclass(frozen=True)
class RegisterResult:
    register: Register
    value: Decimal
    consumption: Decimal | None
    period: str
    reason: Reason | None = None
    # reason ``ambiguous``: every value the reading can be (``value`` is the first), for
    # staff to choose from
    candidates: tuple[Decimal, ...] = ()


@dataclass(frozen=True)
class Outcome:
    status: Status
    reason: Reason | None = None
    readings: tuple[RegisterResult, ...] = field(default=())
    # what the customer should send, for replies that explain a format error
    expected: tuple[Register, ...] = field(default=())
    # the part of the message the reason is about, as typed ("abc", "1234,567")
    detail: str | None = None
    # how many readings the message had (for ``reading_count_mismatch``)
    received: int | None = None


def clean_text(text: str) -> str:
    """What a database can store: no NUL characters, no lone surrogates from bad JSON."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def plain(value: Decimal) -> str:
    """A decimal as people write it: no exponent, no trailing zeros ("104.25", "5123", "0")."""
    text = format(value.normalize(), "f")
    return "0" if text == "-0" else text
