"""SQLAlchemy 2 models. The schema itself is owned by the Alembic migrations next door."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from gateway.domain.billing_facts import Basis
from gateway.domain.model import (
    AccountStatus,
    Channel,
    MeterStatus,
    OutboxStatus,
    PeriodStatus,
    Service,
    Status,
)
from gateway.domain.volumes import Method
from storage.base import VALUE, Base, BigId, UTCDateTime, enum


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    uin: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[AccountStatus] = mapped_column(
        enum(AccountStatus, "account_status"), default=AccountStatus.OPEN
    )
    residents: Mapped[int] = mapped_column(Integer, default=1)


class Meter(Base):
    __tablename__ = "meters"
    __table_args__ = (UniqueConstraint("account_id", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    service: Mapped[Service] = mapped_column(enum(Service, "meter_service"))
    zones: Mapped[int] = mapped_column(Integer, default=1)
    digits: Mapped[int] = mapped_column(Integer)
    decimals: Mapped[int] = mapped_column(Integer, default=0)
    verified_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    # active | failed | removed; a failed meter is billed like a missing reading from
    # failed_on, a removed one (replaced: storage/billing_models.py) takes no readings
    status: Mapped[MeterStatus] = mapped_column(
        enum(MeterStatus, "meter_status"), default=MeterStatus.ACTIVE
    )
    failed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    installed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    removed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    replaces_meter_id: Mapped[int | None] = mapped_column(
        ForeignKey("meters.id", ondelete="SET NULL"), nullable=True
    )


class Message(Base):
    """The inbox: every inbound message exactly as received, and what became of it."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("channel", "external_id"),
        Index("ix_messages_sender_received", "channel", "sender", "received_at"),
        Index("ix_messages_status", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[Channel] = mapped_column(enum(Channel, "message_channel"))
    external_id: Mapped[str] = mapped_column(String(255))
    sender: Mapped[str] = mapped_column(String(255))
    recipient: Mapped[str] = mapped_column(String(255), default="")
    text: Mapped[str] = mapped_column(Text)
    raw: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    meta: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[Status] = mapped_column(enum(Status, "message_status"), default=Status.PENDING)
    reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    uin: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reply: Mapped[str | None] = mapped_column(Text, nullable=True)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Reading(Base):
    __tablename__ = "readings"
    __table_args__ = (
        Index("ix_readings_register", "meter_id", "zone", "period"),
        Index("ix_readings_message", "message_id"),
        # imported history and the readings of events (billing_models.py): one reading per
        # register, day and source, so a re-import changes nothing
        Index(
            "uq_readings_imported",
            "meter_id",
            "zone",
            "taken_on",
            "source",
            unique=True,
            sqlite_where=text("message_id IS NULL"),
            postgresql_where=text("message_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    meter_id: Mapped[int] = mapped_column(ForeignKey("meters.id", ondelete="CASCADE"))
    zone: Mapped[int] = mapped_column(Integer, default=1)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), nullable=True)
    value: Mapped[Decimal] = mapped_column(VALUE)
    consumption: Mapped[Decimal | None] = mapped_column(VALUE, nullable=True)
    period: Mapped[str] = mapped_column(String(7))
    taken_on: Mapped[date] = mapped_column(Date)
    status: Mapped[Status] = mapped_column(enum(Status, "reading_status"))
    reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # sms | email | telegram | web | import, or an event's (gateway/domain/events.py)
    source: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Outbox(Base):
    """Replies to deliver asynchronously (email, Telegram, an SMS provider's send API)."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("message_id", "channel"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), nullable=True)
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    meta: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    status: Mapped[OutboxStatus] = mapped_column(
        enum(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Period(Base):
    """A billing period that has been closed (volumes computed) and maybe exported (final)."""

    __tablename__ = "periods"

    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    status: Mapped[PeriodStatus] = mapped_column(enum(PeriodStatus, "period_status"))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    exported_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class PeriodVolume(Base):
    """The billed volume of one register for one period (docs/billing.md)."""

    __tablename__ = "period_volumes"
    __table_args__ = (
        Index(
            "ix_period_volumes_estimates",
            "meter_id",
            "zone",
            "period",
            sqlite_where=text("method <> 'actual' OR estimate <> 0"),
            postgresql_where=text("method <> 'actual' OR estimate <> 0"),
        ),
    )

    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    # no foreign key: only the close writes these rows, from the meters it reads, and meters
    # are never deleted; the key's per-row check cost most of the close's COPY (0019)
    meter_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    zone: Mapped[int] = mapped_column(Integer, primary_key=True)
    method: Mapped[Method] = mapped_column(enum(Method, "volume_method"))
    volume: Mapped[Decimal] = mapped_column(VALUE)
    correction: Mapped[Decimal] = mapped_column(VALUE)
    reading_start: Mapped[Decimal | None] = mapped_column(VALUE, nullable=True)
    reading_end: Mapped[Decimal | None] = mapped_column(VALUE, nullable=True)
    # billing v2: the estimated part of the volume, the normative's increasing factor and
    # why the row is billed so (docs/billing.md, "Period close"); basis NULL: closed by v1
    estimate: Mapped[Decimal] = mapped_column(VALUE, default=Decimal(0), server_default="0")
    factor: Mapped[Decimal | None] = mapped_column(VALUE, nullable=True)
    basis: Mapped[Basis | None] = mapped_column(enum(Basis, "volume_basis"), nullable=True)


class StaffUser(Base):
    """A member of staff who may log in to ``/staff/`` (``meter-gateway staff add``)."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))  # reviewer | admin
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditEntry(Base):
    """Who decided what about a message, when, and the message before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_message", "message_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))  # accept | reject
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), nullable=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class ImapFolder(Base):
    """How far the IMAP poller got in one folder: every UID up to ``last_uid`` of this
    ``uidvalidity`` is stored (or quarantined); ``failures`` counts failed attempts at
    ``failing_uid``, the mail it is stuck on."""

    __tablename__ = "imap_folders"

    mailbox: Mapped[str] = mapped_column(String(512), primary_key=True)  # user@host:port/folder
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger)
    failing_uid: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


# billing v2's event tables, the contacts', the staff sessions and throttles, the Telegram
# bot's tables (modules of their own; imported here so the metadata is whole)
from storage.billing_models import MeterAct, MeterReplacement, ResidentsChange  # noqa: E402
from storage.contact_models import (  # noqa: E402
    ContactAudit,
    ContactLink,
    ContactLinkAttempt,
    ContactNotice,
    ContactRow,
)
from storage.session_models import StaffSession, ThrottleEvent  # noqa: E402
from storage.telegram_models import (  # noqa: E402
    TelegramChat,
    TelegramDraft,
    TelegramUpdate,
    TelegramUser,
)
from storage.voice_models import VoiceCall, VoiceStep  # noqa: E402  (the phone line's calls)

__all__ = [
    "Account", "AuditEntry", "ImapFolder", "Base", "ContactAudit", "ContactLink",
    "ContactLinkAttempt", "ContactNotice", "ContactRow", "Message", "Meter", "MeterAct",
    "MeterReplacement", "Outbox", "Period", "PeriodVolume", "Reading", "ResidentsChange",
    "StaffSession", "StaffUser", "TelegramChat", "TelegramDraft",
    "TelegramUpdate", "TelegramUser",
    "ThrottleEvent", "VoiceCall", "VoiceStep",
]  # fmt: skip
