"""The Telegram bot's tables: chats, their verified links to accounts, link attempts,
reminders sent, updates handled and drafts waiting for an account choice."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, BigId, UTCDateTime


class TelegramChat(Base):
    """A Telegram chat the bot has heard from: its language, whether it still takes our
    messages (a blocked bot makes it inactive) and what the bot waits for next."""

    __tablename__ = "telegram_chats"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str] = mapped_column(String(8), default="ru")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # "link:<UIN>" (waiting for the bill's reading), "fix:<message id>" (a correction)
    awaiting: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TelegramLink(Base):
    __tablename__ = "telegram_links"

    chat_id: Mapped[int] = mapped_column(
        ForeignKey("telegram_chats.chat_id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TelegramLinkAttempt(Base):
    __tablename__ = "telegram_link_attempts"
    __table_args__ = (Index("ix_telegram_link_attempts_chat_day", "chat_id", "day"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    day: Mapped[date] = mapped_column(Date)  # the utility's local day
    uin: Mapped[str] = mapped_column(String(32))
    ok: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class TelegramReminder(Base):
    __tablename__ = "telegram_reminders"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TelegramUpdate(Base):
    """Updates already handled (commands, buttons): a repeated update_id changes nothing."""

    __tablename__ = "telegram_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    handled_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TelegramDraft(Base):
    """A message without a UIN from a chat with several accounts, waiting for the answer
    to "which account?"; it becomes the message once the customer picks one."""

    __tablename__ = "telegram_drafts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    update_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    meta: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    raw: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
