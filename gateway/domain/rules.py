"""The supplier's rules (docs/messages.md "Validation", docs/billing.md), as the pure rules take
them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Rules:
    timezone: str = "Europe/Moscow"
    cutoff_day: int = 25
    jump_factor: Decimal = Decimal(5)
    jump_min: Decimal = Decimal(0)
    allow_partial: bool = False
    average_window_months: int = 6
    average_min_months: int = 3
    average_max_periods: int = 3
    normative_factor: Decimal = Decimal(1)
    # the statutory increasing coefficient, only in the cases of docs/billing.md (M5)
    increasing_factor: Decimal = Decimal("1.5")
    rate_limit_per_hour: int = 20
    # failed UIN lookups per sender per hour before the sender is refused without a lookup:
    # anyone can type any UIN, and the answers must not let UINs be enumerated
    unknown_uin_per_hour: int = 5
