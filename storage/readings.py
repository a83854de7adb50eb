"""Readings: a message's readings (superseding earlier ones of the period), imported history."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.domain.model import Status, StoredMessage
from gateway.domain.outcomes import RegisterResult
from storage.accounts import chunks, upsert_into
from storage.models import Reading
from storage.statements import ADD_READINGS, SUPERSEDE_READINGS


class ReadingRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add_many(
        self,
        items: Sequence[tuple[StoredMessage, Sequence[RegisterResult], Status, date]],
        now: datetime,
    ) -> None:
        """Store the readings of decided messages of different accounts: one insert, and
        one supersede per period, where accepted readings supersede earlier accepted
        readings of the same register and period (both are kept)."""
        rows: list[dict[str, Any]] = [
            {
                "meter_id": r.register.meter_id,
                "zone": r.register.zone,
                "message_id": message.id,
                "value": r.value,
                "consumption": r.consumption,
                "period": r.period,
                "taken_on": taken_on,
                "status": status,
                "reason": r.reason,
                "source": message.channel,
                "created_at": now,
            }
            for message, results, status, taken_on in items
            for r in results
        ]
        if not rows:
            return
        await self.conn.execute(ADD_READINGS, rows)
        accepted: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for _, results, status, _ in items:
            if status == Status.ACCEPTED:
                for r in results:
                    accepted[r.period].append((r.register.meter_id, r.register.zone))
        message_ids = [message.id for message, *_ in items]
        for period, registers in accepted.items():
            await self.conn.execute(
                SUPERSEDE_READINGS,
                {
                    "meter_ids": sorted({m for m, _ in registers}),
                    "registers": registers,
                    "b_period": period,
                    "message_ids": message_ids,
                },
            )

    async def analyze(self) -> None:
        """Fresh planner statistics after a bulk import (see ``AccountRepository.analyze``)."""
        await self.conn.execute(text("ANALYZE readings"))

    async def insert_history(self, rows: Sequence[dict[str, Any]]) -> None:
        """Accepted readings from before the gateway; a repeat of (register, day) replaces it."""
        for chunk in chunks(list(rows)):
            stmt = upsert_into(self.conn, Reading).values(list(chunk))
            await self.conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["meter_id", "zone", "taken_on", "source"],
                    index_where=text("message_id IS NULL"),
                    set_={"value": stmt.excluded.value, "period": stmt.excluded.period},
                )
            )
