"""The contacts' tables: contacts (a phone, an email address, a Telegram user), their
verified links to accounts, verification attempts, notices sent (reminders, period-close
notices: once each per period) and the audit of every attempt, link and unlink."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, BigId, UTCDateTime


class ContactRow(Base):
    """A contact the gateway has heard from or linked: its language, whether it opted out
    of reminders and notices (STOP), and the link it started and has not yet verified."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("kind", "address"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # phone | email | telegram
    address: Mapped[str] = mapped_column(String(255))
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    pending_uin: Mapped[str | None] = mapped_column(String(32), nullable=True)
    pending_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ContactLink(Base):
    """A verified link: the contact may act for the account."""

    __tablename__ = "contact_links"
    __table_args__ = (Index("ix_contact_links_account", "account_id"),)

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime)
    verified_by: Mapped[str] = mapped_column(String(16))  # bill | staff | shared_contact
    actor: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the staff login


class ContactLinkAttempt(Base):
    """One answer to "the value from your last bill"; failures count per day."""

    __tablename__ = "contact_link_attempts"
    __table_args__ = (
        Index("ix_contact_link_attempts_contact_day", "contact_id", "day"),
        Index("ix_contact_link_attempts_account_day", "account_id", "day"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), nullable=True
    )
    uin: Mapped[str] = mapped_column(String(32))
    day: Mapped[date] = mapped_column(Date)  # the supplier's local day
    ok: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class ContactNotice(Base):
    """A reminder or period-close notice sent to a contact: once per period and kind."""

    __tablename__ = "contact_notices"

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # reminder | close
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ContactAudit(Base):
    """Every link attempt, link, unlink and opt-out: who, which contact, which account."""

    __tablename__ = "contact_audit"
    __table_args__ = (Index("ix_contact_audit_uin", "uin"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64))  # "contact" or a staff login
    action: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(255))
    uin: Mapped[str | None] = mapped_column(String(32), nullable=True)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
