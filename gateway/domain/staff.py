"""Values of the staff side: staff users, review queue items, what the staff pages show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from gateway.domain.model import MessageRecord
from gateway.domain.photos import (
    ExternalMedia,
    OcrMark,
    PhotoRef,
    external_media,
    ocr_mark,
    other_attachments,
    stored_photos,
)


class Role(StrEnum):
    REVIEWER = "reviewer"
    ADMIN = "admin"


@dataclass(frozen=True)
class StaffUser:
    login: str
    password_hash: str
    role: Role
    disabled: bool


@dataclass(frozen=True)
class ReviewFilter:
    status: str = "review"  # or "rejected"
    channel: str | None = None
    reason: str | None = None
    since: date | None = None  # received on or after (UTC day)
    until: date | None = None  # received on or before
    confirmed_first: bool = False  # ``meta["confirmed_by_customer"]`` first, then oldest


@dataclass(frozen=True)
class QueueCount:
    """How many messages of a status (and the filter's days) have a reason and a channel:
    the queue's filters show these counts (docs/staff.md, "The queue")."""

    reason: str | None
    channel: str
    count: int


@dataclass(frozen=True)
class ReviewItem:
    """A message as a reviewer sees it: the API's record plus the raw text and meta."""

    record: MessageRecord
    text: str
    uin: str | None
    meta: dict[str, Any]

    @property
    def ambiguous(self) -> list[dict[str, Any]]:
        return list(self.meta.get("ambiguous") or [])

    @property
    def confirmed(self) -> bool:
        return bool(self.meta.get("confirmed_by_customer"))

    @property
    def attachments(self) -> list[str]:
        media = self.meta.get("media") or self.meta.get("attachments") or []
        return [str(m.get("url", m)) if isinstance(m, dict) else str(m) for m in media]

    @property
    def photos(self) -> list[PhotoRef]:
        """The photos the gateway holds (served at ``/staff/messages/<id>/photo/<index>``)."""
        return stored_photos(self.meta)

    @property
    def media(self) -> list[ExternalMedia]:
        """An MMS's media, kept at the provider: links only."""
        return external_media(self.meta)

    @property
    def other_attachments(self) -> list[str]:
        return other_attachments(self.meta)

    @property
    def ocr(self) -> OcrMark | None:
        """What OCR read on the first photo: a suggestion for the clerk to accept or fix."""
        return ocr_mark(self.meta) if self.photos else None


@dataclass(frozen=True)
class ChannelCount:
    channel: str
    status: str
    count: int


@dataclass(frozen=True)
class QueueStats:
    length: int
    oldest: datetime | None


@dataclass(frozen=True)
class MonthlyVolume:
    """One register's billed volume of a period (``period_volumes``) for the account chart."""

    period: str
    meter: str
    zone: int
    method: str  # actual | average | normative
    volume: Decimal
    estimate: Decimal = Decimal(0)
    factor: Decimal | None = None
    basis: str | None = None  # why (docs/billing.md, "Export"); None: closed before v2
