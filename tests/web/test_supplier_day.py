"""One clock: in a supplier's zone far from UTC, intake, the web form, the staff queue and the
dashboard agree on the day and the billing period. Kamchatka is UTC+12: at 13:00 UTC on
25 November it is already 01:00 on the 26th there, after the cut-off (the 25th), so a reading
counts for December and November's readings are history."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import aiohttp
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.conftest import GENERIC_SECRET
from tests.helpers import seed
from tests.support.signing import signed_headers
from tests.web.conftest import PASSWORD, serve

LATE_EVENING = datetime(2026, 11, 25, 11, 30, tzinfo=UTC)  # 23:30 on the 25th in Kamchatka
AFTER_CUTOFF = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)  # 01:00 on the 26th in Kamchatka
NOVEMBER = [
    ("1234567", "E-1", 1, date(2026, 11, 20), "5100"),
    ("1234567", "E-1", 2, date(2026, 11, 20), "2000"),
]
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Clock:
    def __init__(self) -> None:
        self.now = AFTER_CUTOFF

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def base(engine: AsyncEngine, clock: Clock) -> AsyncIterator[str]:
    async with serve(engine, clock, METER_GATEWAY_RULES_TIMEZONE="Asia/Kamchatka") as url:
        await seed(engine, [], NOVEMBER)  # on top of what serve seeds: November's readings
        yield url


async def sms(client: aiohttp.ClientSession, base: str, sid: str, body: str) -> dict[str, str]:
    raw = json.dumps({"id": sid, "from": "+79990000001", "to": "7377", "text": body}).encode()
    headers = signed_headers(GENERIC_SECRET, raw)
    async with client.post(f"{base}/sms/inbound", data=raw, headers=headers) as resp:
        assert resp.status == 200, await resp.text()
        answer: dict[str, str] = await resp.json()
        return answer


async def stored(engine: AsyncEngine) -> set[tuple[str, str, str]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT period, CAST(taken_on AS TEXT), source FROM readings WHERE period > :p"),
            {"p": "2026-11"},
        )
        return {(r[0], str(r[1])[:10], r[2]) for r in rows}


async def csrf(client: aiohttp.ClientSession, url: str) -> str:
    async with client.get(url) as resp:
        found = CSRF.search(await resp.text())
    assert found is not None
    return found.group(1)


async def log_in(client: aiohttp.ClientSession, base: str) -> None:
    form = {
        "login": "rita",
        "password": PASSWORD,
        "csrf": await csrf(client, f"{base}/staff/login"),
    }
    async with client.post(f"{base}/staff/login", data=form) as resp:
        assert resp.status == 200


async def test_intake_bills_a_reading_after_the_local_cutoff_to_the_next_period(
    base: str, engine: AsyncEngine
) -> None:
    async with aiohttp.ClientSession() as client:
        answer = await sms(client, base, "kam-1", "1234567 05150 02020")
    # checked against November's reading (history of the period before December): 50 kWh
    assert answer["status"] == "accepted", answer
    async with engine.connect() as conn:
        used = await conn.execute(text("SELECT consumption FROM readings WHERE period > '2026-11'"))
        assert sorted(int(r[0]) for r in used) == [20, 50]  # over November's readings
    assert await stored(engine) == {("2026-12", "2026-11-26", "sms")}


async def test_the_form_stores_the_reading_in_the_local_period(
    base: str, engine: AsyncEngine
) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        form = {"uin": "1234567", "reading-1-1": "5150", "reading-1-2": "2020",
                "csrf": await csrf(client, f"{base}/submit?uin=1234567"),
                "submission": "0" * 32}  # fmt: skip
        async with client.post(f"{base}/submit", data=form) as resp:
            assert resp.status == 200, await resp.text()
    assert await stored(engine) == {("2026-12", "2026-11-26", "web")}


async def test_the_queue_shows_last_readings_of_the_local_period(base: str) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        answer = await sms(client, base, "kam-2", "1234567 09999 02020")  # a jump: review
        assert answer["status"] == "review", answer
        await log_in(client, base)
        async with client.get(f"{base}/staff/review") as resp:
            page = await resp.text()
    # the register's last reading is November's: it is history once December has begun
    assert "5100 (2026-11-20)" in page


async def test_the_dashboard_counts_the_local_day(base: str, clock: Clock) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        clock.now = LATE_EVENING  # the 25th in Kamchatka: not today any more at AFTER_CUTOFF
        await sms(client, base, "kam-3", "1234567 05150 02020")
        clock.now = AFTER_CUTOFF
        await log_in(client, base)
        async with client.get(f"{base}/staff?lang=en") as resp:
            assert resp.status == 200
            page = await resp.text()
    assert "No messages today." in page
