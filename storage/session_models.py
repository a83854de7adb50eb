"""The staff sessions and the throttles' events, kept in the database so that every gateway
process (``run --workers N``) sees the same ones (docs/staff.md, "Sessions" and "Throttles")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, BigId, UTCDateTime


class StaffSession(Base):
    """A staff login: the cookie carries a random token, the row its SHA-256 (a copy of the
    table opens no session). Ended (logout, "log out everywhere", ``staff disable``) or
    expired, it lets nobody in again."""

    __tablename__ = "staff_sessions"
    __table_args__ = (Index("ix_staff_sessions_login", "login"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    login: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ThrottleEvent(Base):
    """One counted event of a throttle: a failed login (scopes ``login``, ``addr``,
    ``pair``) or a use of the customer form (``form_addr``, ``form_uin``); a throttle counts
    the rows of its scope and key within its window. Rows older than a day are deleted."""

    __tablename__ = "throttle_events"
    __table_args__ = (
        Index("ix_throttle_events_scope_key_at", "scope", "key", "at"),
        Index("ix_throttle_events_at", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(255))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
