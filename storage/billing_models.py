"""Billing v2's event tables: meter replacements, staff and inspector acts, the residents
history (docs/billing.md, "Events"). The readings that come with an event are also rows of
``readings`` (source removal | installation | inspection | failure | recommissioning), so
the period close reads one table of readings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.domain.events import Act
from storage.base import VALUE, Base, BigId, enum


class MeterReplacement(Base):
    """One zone of a meter taken out on ``removed_on``; the new meter once installed."""

    __tablename__ = "meter_replacements"
    __table_args__ = (
        UniqueConstraint("old_meter_id", "zone", "removed_on"),
        Index("ix_meter_replacements_new_meter", "new_meter_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    old_meter_id: Mapped[int] = mapped_column(ForeignKey("meters.id", ondelete="CASCADE"))
    zone: Mapped[int] = mapped_column(Integer)
    removed_on: Mapped[date] = mapped_column(Date)
    removal_value: Mapped[Decimal] = mapped_column(VALUE)
    new_meter_id: Mapped[int | None] = mapped_column(
        ForeignKey("meters.id", ondelete="SET NULL"), nullable=True
    )
    installed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    installation_value: Mapped[Decimal | None] = mapped_column(VALUE, nullable=True)


class MeterAct(Base):
    """A staff or inspector act about one register on a day (``Act``)."""

    __tablename__ = "meter_acts"
    __table_args__ = (UniqueConstraint("meter_id", "zone", "acted_on", "act"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    meter_id: Mapped[int] = mapped_column(ForeignKey("meters.id", ondelete="CASCADE"))
    zone: Mapped[int] = mapped_column(Integer)
    acted_on: Mapped[date] = mapped_column(Date)
    act: Mapped[Act] = mapped_column(enum(Act, "meter_act"))
    value: Mapped[Decimal | None] = mapped_column(VALUE, nullable=True)


class ResidentsChange(Base):
    """From ``since`` on the account has ``residents`` (``owners`` bill a flat nobody
    lives in); before the first row, ``accounts.residents`` holds."""

    __tablename__ = "residents_history"
    __table_args__ = (UniqueConstraint("account_id", "since"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    since: Mapped[date] = mapped_column(Date)
    residents: Mapped[int] = mapped_column(Integer)
    owners: Mapped[int | None] = mapped_column(Integer, nullable=True)
