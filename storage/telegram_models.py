"""The Telegram bot's tables: chats, users (what the bot waits for from each), their verified
links to accounts, link attempts, reminders sent, updates handled and drafts waiting for an
account choice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, BigId, UTCDateTime


class TelegramChat(Base):
    """A Telegram chat the bot has heard from: its language and whether it still takes our
    messages (a blocked or removed bot makes it inactive)."""

    __tablename__ = "telegram_chats"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str] = mapped_column(String(8), default="ru")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TelegramUser(Base):
    """What the bot waits for from one user (``from.id``), in whatever chat: in a group
    every member has their own question. A private chat's id is its user's id."""

    __tablename__ = "telegram_users"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # "link:<UIN>" (waiting for the bill's reading), "fix:<message id>" (a correction)
    awaiting: Mapped[str | None] = mapped_column(String(64), nullable=True)


class TelegramUpdate(Base):
    """Updates already handled (commands, buttons): a repeated update_id changes nothing."""

    __tablename__ = "telegram_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    handled_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TelegramDraft(Base):
    """A message without a UIN from a user with several accounts, waiting for the answer
    to "which account?"; it becomes the message once that user picks one. Answered drafts
    are kept (``answered_at``) and ids are never reused (AUTOINCREMENT on SQLite): a stale
    button names its own draft, never a newer one."""

    __tablename__ = "telegram_drafts"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # None: before 0016
    update_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    meta: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    raw: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
