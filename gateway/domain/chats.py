"""Chat-bot values and rules (Telegram): linking a chat to an account, reminders. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from gateway.domain.model import Channel, InboundMessage, Transport

MAX_LINK_FAILURES = 3  # failed verifications per chat and day before linking locks
# chats other people read: the bot answers there only what is addressed to it, never with
# figures (docs/channels.md, "Telegram bot")
SHARED_CHATS = frozenset({"group", "supergroup"})


@dataclass(frozen=True)
class Photo:
    """The photo of a message (a photo, or an image sent as a file); ``missing`` says why
    its bytes could not be fetched (too big, Telegram refused), ``content`` is then empty."""

    file_id: str
    content: bytes
    missing: str = ""


@dataclass(frozen=True)
class ChatMessage:
    """One update from a chat as the use cases need it."""

    update_id: int
    chat_id: int
    language: str  # "ru" or "en"
    text: str = ""
    photo: Photo | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)  # message id
    user_id: int = 0  # who wrote or pressed (``from.id``): commands, drafts, buttons are theirs
    chat_type: str = "private"  # "group", "supergroup": a chat other people read

    @property
    def shared(self) -> bool:
        return self.chat_type in SHARED_CHATS


@dataclass(frozen=True)
class ChatState:
    chat_id: int
    language: str
    active: bool
    awaiting: str | None  # the user's: "link:<UIN>" or "fix:<message id>"


@dataclass(frozen=True)
class Draft:
    """A message waiting for its user to pick one of their accounts."""

    id: int
    chat_id: int
    update_id: int
    text: str
    language: str
    meta: dict[str, Any] | None
    raw: bytes | None
    user_id: int | None = None
    answered: bool = False


@dataclass(frozen=True)
class HistoryLine:
    uin: str
    meter: str
    zone: int
    taken_on: date
    value: Decimal
    consumption: Decimal | None
    service: str = ""  # "electricity", "cold_water", ...: what the customer calls the meter
    zones: int = 1  # the meter's tariff zones: T1/T2 are labelled on multi-zone meters only


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


def photo_missing(meta: Mapping[str, Any] | None) -> bool:
    """The message came with a photo whose file could not be fetched (``inbound_of``)."""
    photo = (meta or {}).get("photo")
    return isinstance(photo, Mapping) and bool(photo.get("missing"))


def inbound_of(msg: ChatMessage, text: str, corrects: int | None = None) -> InboundMessage:
    """What the intake receives for a chat message: ``text`` (the typed text, or it with
    the UIN added), the photo kept in ``raw``, the message it corrects."""
    meta: dict[str, Any] = {"chat_id": msg.chat_id, **msg.extra}
    if msg.user_id:
        meta["user_id"] = msg.user_id
    if msg.shared:
        meta["chat_type"] = msg.chat_type
    if msg.text.strip() != text:
        meta["typed"] = msg.text
    if msg.photo is not None and msg.photo.missing:
        meta["photo"] = {"file_id": msg.photo.file_id, "missing": msg.photo.missing}
    elif msg.photo is not None:
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
        raw=msg.photo.content if msg.photo is not None and msg.photo.content else None,
    )
