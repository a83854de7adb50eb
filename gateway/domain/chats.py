"""Chat-bot values and rules (Telegram): linking a chat to an account, reminders. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from gateway.domain.model import Channel, InboundMessage, Transport

MAX_LINK_FAILURES = 3  # failed verifications per chat and day before linking locks


@dataclass(frozen=True)
class Photo:
    file_id: str
    content: bytes


@dataclass(frozen=True)
class ChatMessage:
    """One update from a chat as the use cases need it."""

    update_id: int
    chat_id: int
    language: str  # "ru" or "en"
    text: str = ""
    photo: Photo | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)  # user id, message id
    user_id: int | None = None  # who wrote it: the contact (a group chat has many users)


@dataclass(frozen=True)
class ChatState:
    chat_id: int
    language: str
    active: bool
    awaiting: str | None  # "link:<UIN>" or "fix:<message id>"


@dataclass(frozen=True)
class Draft:
    """A message waiting for the customer to pick one of the chat's accounts."""

    id: int
    chat_id: int
    update_id: int
    text: str
    language: str
    meta: dict[str, Any] | None
    raw: bytes | None


@dataclass(frozen=True)
class HistoryLine:
    uin: str
    meter: str
    zone: int
    taken_on: date
    value: Decimal
    consumption: Decimal | None


@dataclass(frozen=True)
class ReminderTarget:
    chat_id: int
    language: str
    uins: tuple[str, ...]  # the chat's accounts without a reading this period


def link_locked(failures_today: int) -> bool:
    return failures_today >= MAX_LINK_FAILURES


def verification_matches(answer: str, last_values: list[Decimal]) -> bool:
    """The customer's answer is the last accepted reading of one of the registers, as a
    number exactly ("05123" and "5123,0" are 5123; 5122 is not)."""
    try:
        typed = Decimal(answer.strip().replace(",", "."))
    except InvalidOperation:
        return False
    return typed.is_finite() and any(typed == v for v in last_values)


def reminder_window(day: date, reminder_day: int, cutoff_day: int) -> bool:
    """Reminders go out from ``reminder_day`` to the cut-off day of the month."""
    return reminder_day <= day.day <= cutoff_day


def inbound_of(msg: ChatMessage, text: str, corrects: int | None = None) -> InboundMessage:
    """What the intake receives for a chat message: ``text`` (the typed text, or it with
    the UIN added), the photo kept in ``raw``, the message it corrects."""
    meta: dict[str, Any] = {"chat_id": msg.chat_id, **msg.extra}
    if msg.text.strip() != text:
        meta["typed"] = msg.text
    if msg.photo is not None:
        meta["photo"] = {"file_id": msg.photo.file_id, "size": len(msg.photo.content),
                         "stored_in": "raw"}  # fmt: skip
    if corrects is not None:
        meta["corrects"] = corrects
    return InboundMessage(
        channel=Channel.TELEGRAM,
        external_id=str(msg.update_id),
        sender=str(msg.chat_id),
        text=text,
        language=msg.language,
        reply_via=Transport.TELEGRAM,
        meta=meta,
        raw=msg.photo.content if msg.photo is not None else None,
    )
