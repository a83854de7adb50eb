"""Export vs close: a period marked exported (final) is exactly what the file holds, even
when a close of the same period is attempted while the export is being written."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, date, datetime

import pytest

from gateway.domain.model import PeriodStatus
from gateway.service.closing import PeriodError, close_period, export_period, volume_record
from storage.db import make_sessionmaker
from storage.volumes import VolumeRepository
from tests.helpers import meter, seed, uow_of
from tests.period_cases import DEFAULT, NORMATIVES

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
TODAY = date(2026, 12, 1)
METERS = [meter(str(3000000 + i), "E-1") for i in range(300)]
HISTORY = [(m.uin, "E-1", 1, date(2026, 9, 20), "100") for m in METERS]


class Written(io.StringIO):
    """The export's file; the first write lets the concurrent close go."""

    def __init__(self, started: asyncio.Event) -> None:
        super().__init__()
        self.started = started

    def write(self, s: str) -> int:
        self.started.set()
        return super().write(s)


async def stored_rows(engine, period: str) -> list[str]:  # type: ignore[no-untyped-def]
    async with uow_of(engine)() as uow:
        volumes = await uow.volumes.all(period)
    records = [volume_record(v) for v in volumes]
    return sorted(f"{r['uin']},{r['volume']}" for r in records)


async def test_a_close_during_an_export_never_leaves_a_final_period_unlike_its_file(
    engine,
) -> None:
    await seed(engine, METERS, HISTORY)
    await close_period(uow_of(engine), "2026-10", DEFAULT, NORMATIVES, today=TODAY, now=NOW)
    started = asyncio.Event()
    out = Written(started)

    async def close_meanwhile() -> str:
        await started.wait()
        # a late reading arrives and someone closes the period again
        await seed(engine, METERS[:1], [(METERS[0].uin, "E-1", 1, date(2026, 10, 20), "190")])
        try:
            await close_period(uow_of(engine), "2026-10", DEFAULT, NORMATIVES, today=TODAY, now=NOW)
        except PeriodError as e:
            return str(e)
        return "closed"

    export = asyncio.create_task(export_period(uow_of(engine), "2026-10", "csv", out, NOW))
    closer = asyncio.create_task(close_meanwhile())
    results = await asyncio.gather(export, closer, return_exceptions=True)
    async with make_sessionmaker(engine)() as session:
        status = await VolumeRepository(await session.connection()).period_status("2026-10")
    if status is PeriodStatus.EXPORTED:
        written = sorted(
            f"{r['uin']},{r['volume']}" for r in csv.DictReader(io.StringIO(out.getvalue()))
        )
        assert written == await stored_rows(engine, "2026-10"), results
    else:
        assert isinstance(results[0], Exception) or results[1] == "closed", results


async def test_export_waits_for_no_one_but_refuses_while_a_close_runs(databases) -> None:
    from tests.conftest import clean

    engine = await databases.engine("postgresql")
    await clean(engine)
    await seed(engine, METERS[:3], HISTORY[:3])
    await close_period(uow_of(engine), "2026-10", DEFAULT, NORMATIVES, today=TODAY, now=NOW)
    sessions = make_sessionmaker(engine)
    async with sessions() as running, running.begin():
        assert await VolumeRepository(await running.connection()).lock_close()
        with pytest.raises(PeriodError, match="period close is running"):
            await export_period(uow_of(engine), "2026-10", "csv", io.StringIO(), NOW)
    assert await export_period(uow_of(engine), "2026-10", "csv", io.StringIO(), NOW) == 3
