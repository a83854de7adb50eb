"""The customer form must not enumerate accounts (issue 17, item 9): a lookup
(``GET /submit?uin=N``) costs as much of the per-address hourly limit as a submission, a
limited page looks nothing up, and no page names a meter by its serial number."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.app.factory import init_app
from gateway.config import load_config
from storage.db import make_sessionmaker
from tests.e2e.conftest import ACCOUNTS, ENV, HISTORY, NOW
from tests.helpers import seed

LIMIT = 3
SERIALS = re.compile(r"\b(E-1|CW-1|HW-1)\b")


@pytest.fixture
async def form(engine: AsyncEngine) -> AsyncIterator[TestClient]:
    await seed(make_sessionmaker(engine), ACCOUNTS, HISTORY)
    env = {**ENV, "METER_GATEWAY_WEB_RATE_LIMIT_PER_HOUR": str(LIMIT)}
    app = init_app(load_config(environ=env), engine=engine, clock=lambda: NOW, background=False)
    async with TestClient(TestServer(app)) as c:
        yield c


async def test_uin_lookups_count_against_the_per_address_limit(form: TestClient) -> None:
    pages = []
    for uin in ("1234567", "7654321", "1111111", "3333333", "1234567"):
        resp = await form.get("/submit", params={"uin": uin, "lang": "en"})
        pages.append((resp.status, await resp.text()))
    assert [status for status, _ in pages] == [200, 200, 200, 429, 429]
    assert "Electricity" in pages[0][1] and "No account" in pages[2][1]
    for _, text in pages[3:]:
        assert "Too many attempts" in text
        assert "reading-1-1" not in text and "No account" not in text  # nothing looked up
    # the box itself (no UIN) is not a lookup and stays available
    assert (await form.get("/submit")).status == 200


async def test_the_form_names_registers_by_service_and_zone_never_by_serial(
    form: TestClient,
) -> None:
    for uin, names in (("1234567", ["Т1 (день)", "Т2 (ночь)"]), ("7654321", ["Холодная вода"])):
        text = await (await form.get("/submit", params={"uin": uin})).text()
        assert SERIALS.search(text) is None, uin
        for name in names:
            assert name in text
