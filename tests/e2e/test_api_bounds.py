"""Numbers outside what the database stores (signed 64-bit) in paths and cursors: 404/400,
never 500, on both databases."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from tests.e2e.test_sms import AUTH

TOO_BIG = str(2**63)
TOO_SMALL = str(-(2**63) - 1)


@pytest.mark.parametrize("value", [TOO_BIG, TOO_SMALL, "9" * 30, "0", "-1"])
async def test_message_id_outside_64_bit_is_no_such_message(client, value: str) -> None:
    resp = await client.get(f"/api/v1/messages/{value}", headers=AUTH)
    assert resp.status == 404
    assert (await resp.json())["error"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/messages",
        "/api/v1/accounts/1234567/readings",
        "/api/v1/inspections",
    ],
)
@pytest.mark.parametrize("cursor", [TOO_BIG, TOO_SMALL])
async def test_cursor_outside_64_bit_is_400(client, path: str, cursor: str) -> None:
    resp = await client.get(path, params={"cursor": cursor}, headers=AUTH)
    assert resp.status == 400
    assert "cursor" in (await resp.json())["error"]


@pytest.mark.parametrize("cursor", [f"{TOO_BIG}.1", f"1.{TOO_BIG}", f"{TOO_SMALL}.1", f"1.{2**31}"])
async def test_volume_cursor_outside_64_bit_is_400(client, cursor: str) -> None:
    resp = await client.get(
        "/api/v1/periods/2026-10/volumes", params={"cursor": cursor}, headers=AUTH
    )
    assert resp.status == 400


async def test_an_html_error_page_speaks_the_pages_language(client: TestClient) -> None:
    """HTML pages are Russian by default (English with ?lang=en), their errors too; the
    API's errors stay JSON."""
    ru = await client.get("/staff/no-such-page")
    assert ru.status == 404 and ru.content_type == "text/html"
    assert "Страница не найдена." in await ru.text() and "На главную" in await ru.text()
    en = await client.get("/staff/no-such-page?lang=en")
    assert "Not Found" in await en.text() and ">Home<" in await en.text()
    api = await client.get("/api/v1/no-such-route")
    assert api.content_type == "application/json"
