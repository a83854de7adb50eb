"""The operators' commands of the installed ``meter-gateway`` against the database the
running gateway uses: close last month and export it (``accounts import`` and ``readings
import`` loaded the data before the gateway started, ``staff add`` is in test_pages)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from tests.installed.world import UINS, World, last_period

pytestmark = pytest.mark.installed


async def test_period_close_and_export(world: World) -> None:
    period = last_period()
    closed = await world.cli("period", "close", period)
    assert closed.startswith(f"period {period} closed: {len(UINS)} register(s)"), closed
    # PostgreSQL bills the chunks (two meters each) in worker processes, SQLite in its own
    pooled = "billed in 2 worker process(es)" in closed
    assert pooled == (world.backend == "postgresql"), closed
    output = world.config.parent / f"volumes-{period}.csv"
    said = await world.cli("period", "export", period, "--format", "csv", "--output", str(output))
    assert said.strip() == f"exported {len(UINS)} volume(s) of {period} to {output}"
    rows = list(csv.DictReader(io.StringIO(output.read_text())))
    assert sorted(r["uin"] for r in rows) == sorted(UINS.values())
    # 150 read last month, 100 the month before: billed by the actual consumption
    assert {(r["method"], Decimal(r["volume"])) for r in rows} == {("actual", Decimal(50))}
