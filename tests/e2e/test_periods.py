"""Period volumes and inspections through the HTTP API, on both databases."""

from __future__ import annotations

import csv
import io
from datetime import date

from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.domain.rules import Rules
from gateway.http.api.openapi import document
from gateway.service.closing import EXPORT_COLUMNS, close_period
from storage.db import make_sessionmaker
from tests.e2e.conftest import API_TOKEN, NOW
from tests.helpers import meter, seed, uow_of
from tests.period_cases import NORMATIVES

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


async def closed(engine: AsyncEngine, period: str = "2026-10") -> None:
    await close_period(uow_of(engine), period, Rules(), NORMATIVES, today=NOW.date(), now=NOW)


async def test_volumes_as_json_pages(client: TestClient, engine: AsyncEngine) -> None:
    await closed(engine)
    resp = await client.get("/api/v1/periods/2026-10/volumes?limit=2", headers=AUTH)
    assert resp.status == 200
    first = await resp.json()
    assert first["items"][0] == {
        "uin": "1234567",
        "meter": "E-1",
        "zone": 1,
        "period": "2026-10",
        "method": "actual",
        "volume": "100",
        "correction": "0",
        "reading_start": "4900",
        "reading_end": "5000",
        "estimate": "0",
        "factor": None,
        "basis": "reading",
    }
    items = first["items"]
    cursor = first["next"]
    while cursor:
        page = await (
            await client.get(
                f"/api/v1/periods/2026-10/volumes?limit=2&cursor={cursor}", headers=AUTH
            )
        ).json()
        items += page["items"]
        cursor = page["next"]
    # every register of the open accounts, once; the closed account 2222222 is not billed
    assert [(i["uin"], i["meter"], i["zone"]) for i in items] == [
        ("1234567", "E-1", 1),
        ("1234567", "E-1", 2),
        ("7654321", "CW-1", 1),
        ("7654321", "HW-1", 1),
        ("3333333", "E-1", 1),
    ]
    # the meter whose verification expired in 2025: its October reading is not billed
    expired = items[-1]
    assert expired["method"] == "normative" and expired["reading_end"] is None
    assert expired["basis"] == "meter_failed"


async def test_volumes_as_streamed_csv(client: TestClient, engine: AsyncEngine) -> None:
    await closed(engine)
    resp = await client.get(
        "/api/v1/periods/2026-10/volumes", headers={**AUTH, "Accept": "text/csv"}
    )
    assert resp.status == 200 and resp.content_type == "text/csv"
    rows = list(csv.reader(io.StringIO(await resp.text())))
    assert tuple(rows[0]) == EXPORT_COLUMNS and len(rows) == 6
    assert rows[1] == [
        "1234567", "E-1", "1", "2026-10", "actual", "100", "0", "4900", "5000", "0", "",
        "reading",
    ]  # fmt: skip


async def test_volumes_of_a_period_not_closed_or_malformed(client: TestClient) -> None:
    assert (await client.get("/api/v1/periods/2026-09/volumes", headers=AUTH)).status == 404
    assert (await client.get("/api/v1/periods/2026-9/volumes", headers=AUTH)).status == 400
    assert (await client.get("/api/v1/periods/2026-09/volumes")).status == 401


async def test_inspections_list_meters_unread_for_six_months(
    client: TestClient, engine: AsyncEngine
) -> None:
    await seed(make_sessionmaker(engine), [meter("4444444", "E-1")])
    resp = await client.get("/api/v1/inspections", headers=AUTH)
    assert resp.status == 200
    assert await resp.json() == {
        "items": [
            {
                "uin": "4444444",
                "last_reading": None,
                "meters": [{"meter": "E-1", "service": "electricity", "last_reading": None}],
            }
        ],
        "next": None,
    }
    # the last readings were taken on 2026-10-20: six months later they are all listed
    later = await (await client.get("/api/v1/inspections?as_of=2027-04-20", headers=AUTH)).json()
    assert [(i["uin"], i["last_reading"]) for i in later["items"]] == [
        ("1234567", "2026-10-20"),
        ("7654321", "2026-10-20"),
        ("3333333", "2026-10-20"),
        ("4444444", None),
    ]
    day_before = await (
        await client.get("/api/v1/inspections?as_of=2027-04-19", headers=AUTH)
    ).json()
    assert [i["uin"] for i in day_before["items"]] == ["4444444"]
    paged = await (
        await client.get("/api/v1/inspections?as_of=2027-04-20&limit=3", headers=AUTH)
    ).json()
    assert len(paged["items"]) == 3 and paged["next"] is not None
    rest = await (
        await client.get(
            f"/api/v1/inspections?as_of=2027-04-20&limit=3&cursor={paged['next']}", headers=AUTH
        )
    ).json()
    assert [i["uin"] for i in rest["items"]] == ["4444444"] and rest["next"] is None
    assert date.fromisoformat(later["items"][0]["last_reading"]) == date(2026, 10, 20)


async def test_openapi_describes_the_period_routes(client: TestClient) -> None:
    routes = {
        r.resource.canonical.removeprefix("/api/v1")
        for r in client.server.app.router.routes()
        if r.resource is not None
        and r.resource.canonical.startswith(("/api/v1/periods", "/api/v1/inspections"))
    }
    assert routes == {p for p in document()["paths"] if p.startswith(("/periods", "/inspections"))}
