"""The meters to inspect: no accepted reading for ``INSPECTION_MONTHS`` months (Decree 354,
para 82-84; ``GET /api/v1/inspections``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from gateway.domain.periods import months_before
from gateway.domain.volumes import StaleMeter
from gateway.service.uow import UnitOfWork

INSPECTION_MONTHS = 6  # no reading for this long: the supplier inspects the meter


@dataclass(frozen=True)
class Inspection:
    uin: str
    last_reading: date | None
    meters: list[dict[str, Any]]


async def inspections(
    uow: UnitOfWork, today: date, after_account: int | None, limit: int
) -> tuple[list[Inspection], int | None]:
    """Open accounts with a meter that has had no accepted reading for ``INSPECTION_MONTHS``
    months or more: the supplier must check the meter (Decree 354, para 82-84).
    Returns the page and the cursor of the next one."""
    stale = await uow.volumes.stale_meters(
        months_before(today, INSPECTION_MONTHS), after_account, limit
    )
    grouped: dict[int, list[StaleMeter]] = {}
    for meter in stale:
        grouped.setdefault(meter.account_id, []).append(meter)
    page = [
        Inspection(
            uin=meters[0].uin,
            last_reading=max((m.last_reading for m in meters if m.last_reading), default=None),
            meters=[
                {
                    "meter": m.meter,
                    "service": m.service,
                    "last_reading": m.last_reading.isoformat() if m.last_reading else None,
                }
                for m in meters
            ],
        )
        for meters in grouped.values()
    ]
    nxt = max(grouped) if len(grouped) == limit else None
    return page, nxt
