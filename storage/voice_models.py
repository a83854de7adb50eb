"""The phone line's tables: a call's state between the provider's requests, and the prompt
each step answered, so that a retried step gets the same answer (docs/channels.md, "Phone
calls")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime


class VoiceCall(Base):
    """One call: who called, where the dialogue is (``gateway.domain.voice.CallState``),
    whether it ended, and how many unknown UINs were typed on it."""

    __tablename__ = "voice_calls"
    __table_args__ = (Index("ix_voice_calls_caller_started", "caller", "started_at"),)

    call_sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    caller: Mapped[str] = mapped_column(String(64))
    called: Mapped[str] = mapped_column(String(64), default="")
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    wrong_uins: Mapped[int] = mapped_column(Integer, default=0)
    ended: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class VoiceStep(Base):
    """The prompt step ``step`` of a call answered with: a retry gets it again."""

    __tablename__ = "voice_steps"

    call_sid: Mapped[str] = mapped_column(
        ForeignKey("voice_calls.call_sid", ondelete="CASCADE"), primary_key=True
    )
    step: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    prompt: Mapped[dict[str, Any]] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
