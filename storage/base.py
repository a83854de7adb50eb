"""What every table shares: the declarative base, id and value types, status columns."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer, Numeric, TypeDecorator
from sqlalchemy import Enum as SqlEnum
from sqlalchemy.orm import DeclarativeBase

# SQLite has no BIGINT autoincrement: it must be exactly INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")
VALUE = Numeric(18, 4)


def enum(values: type[StrEnum], name: str) -> SqlEnum:
    """A status column: VARCHAR with a CHECK constraint (named ``ck_<name>``) on both
    databases, read back as the enum. Adding a value needs a migration of the constraint."""
    return SqlEnum(
        values,
        native_enum=False,
        create_constraint=True,
        length=16,
        name=f"ck_{name}",
        values_callable=lambda e: [m.value for m in e],
    )


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both databases (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass
