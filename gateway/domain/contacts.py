"""Who is writing: a contact (a phone number, an email address or a Telegram user), its
normal form, the keywords a contact sends (link, unlink, history, stop, start) and the rules
of verifying it against an account's last bill (docs/channels.md, "Contacts and linking").
Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Literal

from gateway.domain.billed_notes import Event
from gateway.domain.model import Channel, Transport

ContactKind = Literal["phone", "email", "telegram"]
KINDS: tuple[ContactKind, ...] = ("phone", "email", "telegram")

MAX_FAILED_ATTEMPTS = 3  # failed verifications a day, per contact and per account
PENDING_HOURS = 24  # a started link waits this long for the bill's value


class LinkedBy(StrEnum):
    """How a contact came to be linked to an account. Stored: add, never rename."""

    BILL = "bill"  # the contact answered with a value from the last bill
    STAFF = "staff"  # a member of staff linked it on the account page
    SHARED_CONTACT = "shared_contact"  # a Telegram user shared her own verified phone


class ContactError(ValueError):
    """An address that is no contact of its kind (the message says why)."""


@dataclass(frozen=True, order=True)
class Contact:
    """A phone in E.164 (``+79161234567``), a lowercased email address, or a Telegram
    user's id as a string (never a chat's id). Build one with ``contact``."""

    kind: ContactKind
    address: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.address}"


_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def normal_phone(raw: str) -> str:
    """``8 (916) 123-45-67``, ``+7 916 1234567``, ``79161234567`` -> ``+79161234567``;
    other countries' numbers keep their ``+`` and digits."""
    text = raw.strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if not digits or any(ch.isalpha() for ch in text):
        raise ContactError(f"not a phone number: {raw!r}")
    if text.startswith("+"):
        number = digits
    elif len(digits) == 11 and digits[0] in "78":
        number = "7" + digits[1:]
    elif len(digits) == 10 and digits[0] == "9":
        number = "7" + digits
    else:
        number = digits
    if not 10 <= len(number) <= 15:
        raise ContactError(f"not a phone number: {raw!r}")
    return "+" + number


def contact(kind: str, address: str) -> Contact:
    """The contact in its normal form; ``ContactError`` when ``address`` is none."""
    if kind == "phone":
        return Contact("phone", normal_phone(address))
    if kind == "email":
        email = address.strip().lower()
        if not _EMAIL.match(email):
            raise ContactError(f"not an email address: {address!r}")
        return Contact("email", email)
    if kind == "telegram":
        user = address.strip()
        if not user.isdigit() or int(user) <= 0:
            raise ContactError(f"not a Telegram user id: {address!r}")
        return Contact("telegram", str(int(user)))
    raise ContactError(f"not a kind of contact: {kind!r}")


def sender_contact(
    channel: str, sender: str, meta: Mapping[str, Any] | None = None
) -> Contact | None:
    """The contact a stored message came from: the SMS sender's phone, the mail's From,
    the Telegram user (``meta["user_id"]``); None for the web form or an odd sender."""
    try:
        if channel in (Channel.SMS, Channel.VOICE):  # a phone call's caller too
            return contact("phone", sender)
        if channel == Channel.EMAIL:
            return contact("email", sender)
        if channel == Channel.TELEGRAM and (meta or {}).get("user_id") is not None:
            return contact("telegram", str((meta or {})["user_id"]))
    except ContactError:
        return None
    return None


def private_to(channel: str, sender: str, found: Contact | None) -> bool:
    """A reply to this message reaches the contact alone: true for SMS and mail, for
    Telegram only in the user's private chat (its id is the user's), never in a group."""
    if found is None:
        return False
    if found.kind == "telegram":
        return channel == Channel.TELEGRAM and sender == found.address
    return True


def transport_of(found: Contact, sms: str | None) -> tuple[str, str, dict[str, Any]] | None:
    """How a notice reaches a contact on its own channel: (transport, recipient, meta);
    None for a phone when no SMS send API is configured (``sms``)."""
    if found.kind == "telegram":
        return Transport.TELEGRAM, found.address, {"chat_id": int(found.address)}
    if found.kind == "email":
        return Transport.EMAIL, found.address, {}
    if sms is None:
        return None
    return sms, found.address, {}


@dataclass(frozen=True)
class ContactState:
    """A contact as stored: its row id, language, opt-out and the link it started."""

    id: int
    contact: Contact
    language: str | None
    opted_out: bool
    pending_uin: str | None
    pending_since: datetime | None


@dataclass(frozen=True)
class LinkedContact:
    """A verified link, as the account page and the notices see it."""

    contact: Contact
    uin: str
    verified_by: str
    verified_at: datetime
    opted_out: bool
    language: str | None


@dataclass(frozen=True)
class BilledLine:
    """One register's billed volume in a closed period, for the period-close notice."""

    uin: str
    service: str
    zones: int
    zone: int
    volume: Decimal
    method: str
    basis: str | None = None  # why (docs/billing.md, "Export"); None: closed before v2
    factor: Decimal | None = None
    event: Event | None = None  # the event the row is dated by (``billed_notes.event_of``)


@dataclass(frozen=True)
class NoticeTarget:
    """A contact to remind or notify, with the accounts it concerns."""

    contact_id: int
    contact: Contact
    language: str | None
    uins: tuple[str, ...]


def pending_for(state: ContactState | None, now: datetime) -> str | None:
    """The UIN whose link waits for the bill's value, unless it waited too long."""
    if state is None or state.pending_uin is None or state.pending_since is None:
        return None
    if now - state.pending_since > timedelta(hours=PENDING_HOURS):
        return None
    return state.pending_uin


# --- verification ------------------------------------------------------------------------


class LinkStep(StrEnum):
    ASK = "ask"  # send the value from the last bill
    LINKED = "linked"
    ALREADY = "already"  # linked before
    WRONG = "wrong"  # not a value of the last bill; ``left`` attempts today
    LOCKED = "locked"  # too many failed attempts today (the contact's or the account's)
    STAFF = "staff"  # the account has no closed period yet: staff link it


@dataclass(frozen=True)
class LinkResult:
    step: LinkStep
    uin: str
    left: int = 0


def link_locked(failures_today: int) -> bool:
    return failures_today >= MAX_FAILED_ATTEMPTS


def bill_value(answer: str) -> Decimal | None:
    """A verification answer is one number and nothing else ("05123", "5123,0")."""
    text = answer.strip().replace(",", ".")
    if not text or any(ch.isspace() for ch in text):
        return None
    try:
        typed = Decimal(text)
    except InvalidOperation:
        return None
    return typed if typed.is_finite() and typed >= 0 else None


def verification_matches(answer: str, bill: Iterable[Decimal]) -> bool:
    """``answer`` is one of the values of the account's last bill, as a number exactly.
    A zero never matches: anybody can guess it."""
    typed = bill_value(answer)
    return typed is not None and typed != 0 and any(typed == v for v in bill)


def uin_tail(uin: str) -> str:
    """How a question names an account without showing it: its last three digits."""
    return "…" + uin[-3:]


# --- keywords -------------------------------------------------------------------------------


class Keyword(StrEnum):
    LINK = "link"
    UNLINK = "unlink"
    HISTORY = "history"
    STOP = "stop"
    START = "start"


KEYWORDS: dict[str, Keyword] = {
    "привязать": Keyword.LINK,
    "link": Keyword.LINK,
    "отвязать": Keyword.UNLINK,
    "unlink": Keyword.UNLINK,
    "история": Keyword.HISTORY,
    "history": Keyword.HISTORY,
    "стоп": Keyword.STOP,
    "stop": Keyword.STOP,
    "старт": Keyword.START,
    "start": Keyword.START,
}


@dataclass(frozen=True)
class Command:
    keyword: Keyword
    uin: str | None = None


def command_of(text: str) -> Command | None:
    """A keyword message (``ПРИВЯЗАТЬ 1234567``, ``LINK 1234567``, ``ОТВЯЗАТЬ``, ``STOP``
    ...): the keyword first, then at most a UIN; anything else is no command."""
    words = text.strip().split()
    if not words or len(words) > 2:
        return None
    keyword = KEYWORDS.get(words[0].strip("!.,").lower().replace("ё", "е"))
    if keyword is None:
        return None
    uin = words[1] if len(words) == 2 else None
    if uin is not None and not uin.isdigit():
        return None
    if uin is not None and keyword not in (Keyword.LINK, Keyword.UNLINK):
        return None
    return Command(keyword, uin)
