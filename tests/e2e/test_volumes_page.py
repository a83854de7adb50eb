"""The staff account page shows each closed period's volume per register with its method and
basis (docs/billing.md, "Period close"), on both databases."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.test_events_api import post
from tests.e2e.test_periods import closed
from tests.hostile.test_http_edge import log_in


async def test_the_account_page_lists_billed_volumes_with_method_and_basis(
    client: TestClient, engine: AsyncEngine
) -> None:
    failed = {"uin": "1234567", "meter": "E-1", "zone": 2, "date": "2026-10-05", "act": "failed"}
    assert (await post(client, "acts", [failed]))[0] == 200
    await log_in(client, engine)
    page = await (await client.get("/staff/accounts/1234567")).text()
    assert "Начисленные объёмы" in page and 'id="volumes"' not in page  # nothing closed yet
    await closed(engine, "2026-10")
    page = await (await client.get("/staff/accounts/1234567")).text()
    table = page[page.index('id="volumes"') :]
    rows = re.findall(r"<tr><td>(.*?)</td></tr>", table)
    # zone 1: 5000 - 4900; zone 2 failed on 5 October before any reading: 1 person x 75
    assert rows[:2] == [
        "2026-10</td><td>E-1 · Электроэнергия, Т1 (день)</td><td>по показаниям</td>"
        "<td>показания</td><td>100</td><td></td><td>",
        "2026-10</td><td>E-1 · Электроэнергия, Т2 (ночь)</td><td>по нормативу</td>"
        "<td>неисправность счётчика</td><td>75</td><td>75</td><td>",
    ]
