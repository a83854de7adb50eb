"""The one clock: what instant it is, and which day and billing period that instant is in the
supplier's zone (``rules.timezone``). Nothing else in the code base reads the system clock or
takes the date of an instant: a supplier in Kamchatka (UTC+12) is on the 26th while UTC is
still on the 25th, and intake, the form, the bot and the staff pages must agree on the period."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from gateway.domain.periods import period_of
from gateway.domain.rules import Rules


def utc_now() -> datetime:
    """The current instant (timezone-aware, UTC): the default clock of the app and the CLI."""
    return datetime.now(UTC)


@lru_cache(maxsize=16)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_day(instant: datetime, timezone: str) -> date:
    """The supplier's calendar day at ``instant``."""
    if instant.tzinfo is None:
        raise ValueError("the clock takes timezone-aware instants only")
    return instant.astimezone(zone(timezone)).date()


def period_at(instant: datetime, rules: Rules) -> str:
    """The billing period (``YYYY-MM``) current at ``instant`` in the supplier's zone."""
    return period_of(local_day(instant, rules.timezone), rules.cutoff_day)
