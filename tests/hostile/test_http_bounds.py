"""Authenticated input beyond what the gateway can hold (issue 17, item 4): JSON nested
deeper than any parser's stack or with numbers of thousands of digits, ids beyond 64 bits,
days outside the calendar's arithmetic, a staff form missing a field: a 4xx naming the
fault, on both databases, never a 500."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.app.factory import init_app
from gateway.config import load_config
from tests.e2e.conftest import ENV, GENERIC_SECRET, NOW
from tests.e2e.test_review_api import JUMP, review, submit
from tests.e2e.test_sms import AUTH
from tests.hostile.test_http_edge import client, log_in

__all__ = ["client"]

DEEP = b"[" * 50_000 + b"]" * 50_000
HUGE = b"9" * 5_000
BEYOND_64_BITS = [str(2**63), str(2**64 + 1), "9" * 40, "0", "-1"]


def signed(body: bytes) -> dict[str, str]:
    digest = hmac.new(GENERIC_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Signature": f"sha256={digest}", "Content-Type": "application/json"}


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b'{"readings": ' + DEEP + b"}", "recursion limit"),
        (b'{"uin": ' + HUGE + b"}", "number out of range"),
        (b'{"readings": [{"meter": "E-1", "zone": ' + HUGE + b', "value": "1"}]}', "out of range"),
    ],
)
async def test_json_too_deep_or_too_long_a_number_is_400_on_the_api(
    client: TestClient, body: bytes, why: str
) -> None:
    resp = await client.post("/api/v1/review/1/accept", data=body, headers=AUTH)
    assert resp.status == 400
    assert why in (await resp.json())["error"]


@pytest.mark.parametrize(
    "body",
    [
        b'{"id": "d1", "from": "+7", "text": "1", "x": ' + DEEP[:60_000] + b"}",
        b'{"id": ' + HUGE + b', "from": "+7", "text": "1"}',
        b'{"id": "d2", "from": "+7", "text": "\\ud800"}',
    ],
)
async def test_signed_json_too_deep_or_too_long_a_number_is_400_on_the_sms_webhook(
    client: TestClient, body: bytes
) -> None:
    resp = await client.post("/sms/inbound", data=body, headers=signed(body))
    assert resp.status == 400
    assert (await resp.json())["error"]


@pytest.mark.parametrize("message_id", BEYOND_64_BITS)
@pytest.mark.parametrize("action", ["accept", "reject"])
async def test_a_review_id_beyond_64_bits_names_no_message(
    client: TestClient, engine: AsyncEngine, message_id: str, action: str
) -> None:
    api = await client.post(
        f"/api/v1/review/{message_id}/{action}", json={"reason": "x"}, headers=AUTH
    )
    assert api.status == 404 and (await api.json())["error"]
    csrf = await log_in(client, engine)
    staff = await client.post(
        f"/staff/review/{message_id}/{action}", data={"csrf": csrf, "reason": "x"}
    )
    assert staff.status == 404 and staff.content_type == "text/html"


@pytest.mark.parametrize(
    "form",
    [
        {"mode": "values", "value-0": "5100"},  # a value, no meter, no zone
        {"mode": "values", "value-0": "5100", "meter-0": "E-1", "zone-0": "one"},
        {"mode": "values", "value-0": "5100", "meter-0": "E-1", "zone-0": "9" * 5000},
        {"mode": "values", "value-0": "5100", "meter-0": "", "zone-0": "1"},
    ],
)
async def test_a_staff_correction_missing_its_meter_or_zone_is_400(
    client: TestClient, engine: AsyncEngine, form: dict[str, str]
) -> None:
    message = await submit(client, JUMP, "bound-1")
    assert message["status"] == "review"
    csrf = await log_in(client, engine)
    resp = await client.post(f"/staff/review/{message['id']}/accept", data={**form, "csrf": csrf})
    assert resp.status == 400 and resp.content_type == "text/html"
    assert "meter" in await resp.text() or "zone" in await resp.text()


@pytest.mark.parametrize("as_of", ["0001-01-01", "0001-06-30", "9999-12-31", "1899-12-31"])
async def test_inspections_as_of_a_day_outside_the_calendar_range_is_400(
    client: TestClient, as_of: str
) -> None:
    resp = await client.get("/api/v1/inspections", params={"as_of": as_of}, headers=AUTH)
    assert resp.status == 400
    assert "as_of" in (await resp.json())["error"]


@pytest.mark.parametrize("query", [{"until": "9999-12-31"}, {"since": "0001-01-01"}])
async def test_the_staff_queue_filter_outside_the_calendar_range_is_400(
    client: TestClient, engine: AsyncEngine, query: dict[str, str]
) -> None:
    await log_in(client, engine)
    resp = await client.get("/staff/review", params=query)
    assert resp.status == 400 and resp.content_type == "text/html"


async def test_a_control_character_in_typed_text_is_400_not_a_database_error(
    client: TestClient, engine: AsyncEngine
) -> None:
    """PostgreSQL stores no NUL: a reason, a UIN, a login or a reading with one is refused
    at the edge (the SMS channels clean their texts instead, as messages must be kept)."""
    message = await submit(client, JUMP, "nul-1")
    api = [
        ("reject", {"reason": "a\u0000b"}),
        ("accept", {"uin": "\u0000"}),
        ("accept", {"readings": [{"meter": "E-1", "zone": 1, "value": "5\u0001"}]}),
    ]
    for action, body in api:
        resp = await client.post(
            f"/api/v1/review/{message['id']}/{action}", json=body, headers=AUTH
        )
        assert resp.status == 400 and "control character" in (await resp.json())["error"]
    csrf = await log_in(client, engine)
    forms = [
        ("/staff/login", {"login": "rita\x00", "password": "x"}),
        (f"/staff/review/{message['id']}/reject", {"reason": "a\x00"}),
        (f"/staff/review/{message['id']}/accept", {"uin": "\x00"}),
        ("/submit", {"uin": "1234567", "reading-1-1": "5\x0012"}),
    ]
    for path, form in forms:
        resp = await client.post(path, data={**form, "csrf": csrf}, allow_redirects=False)
        assert resp.status == 400 and "control character" in await resp.text(), path
    assert [m["status"] for m in await review(client)] == ["review"]


async def test_json_too_deep_is_400_at_the_edge_for_every_route(engine: AsyncEngine) -> None:
    """Also where a route reads its JSON with the standard library (the Telegram webhook,
    found by the fuzz tier: RecursionError, 500): the edge measures the depth first."""
    env = {**ENV, "METER_GATEWAY_TELEGRAM_TOKEN": "123456789:AAHdeepdeepdeepdeepdeepdeepdeepdeep0",
           "METER_GATEWAY_TELEGRAM_WEBHOOK_SECRET": "s3cret",
           "METER_GATEWAY_TELEGRAM_API_BASE": "http://127.0.0.1:9"}  # fmt: skip
    app = init_app(load_config(environ=env), engine=engine, clock=lambda: NOW, background=False)
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": "s3cret"}
    async with TestClient(TestServer(app)) as c:
        for path in ("/telegram/webhook", "/sms/twilio", "/submit", "/healthz"):
            resp = await c.post(path, data=DEEP, headers=headers)
            assert resp.status == 400, path
            assert "recursion limit" in await resp.text()
