"""The aiohttp app built by its factory, served on a real socket, on both databases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.app.factory import init_app
from gateway.config import load_config
from storage.db import make_sessionmaker
from tests.helpers import meter, seed

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
TWILIO_TOKEN = "twilio-test-token"
TWILIO_URL = "https://gateway.example.org/sms/twilio"
GENERIC_SECRET = "generic-test-secret"
API_TOKEN = "api-test-token"

ENV = {
    "METER_GATEWAY_SMS_TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
    "METER_GATEWAY_SMS_TWILIO_PUBLIC_URL": TWILIO_URL,
    "METER_GATEWAY_SMS_GENERIC_SECRET": GENERIC_SECRET,
    "METER_GATEWAY_API_TOKENS": API_TOKEN,
    "METER_GATEWAY_RULES_RATE_LIMIT_PER_HOUR": "5",
}

ACCOUNTS = [
    meter("1234567", "E-1", zones=2),
    meter("7654321", "CW-1", service="cold_water", decimals=3),
    meter("7654321", "HW-1", position=2, service="hot_water", decimals=3),
    meter("2222222", "E-1", status="closed"),
    meter("3333333", "E-1", verified_until=date(2025, 12, 31)),
]
HISTORY = [
    ("1234567", "E-1", 1, date(2026, 8, 20), "4800"),
    ("1234567", "E-1", 1, date(2026, 9, 20), "4900"),
    ("1234567", "E-1", 1, date(2026, 10, 20), "5000"),
    ("1234567", "E-1", 2, date(2026, 10, 20), "1975"),
    ("7654321", "CW-1", 1, date(2026, 10, 20), "100"),
    ("7654321", "HW-1", 1, date(2026, 10, 20), "40"),
    ("3333333", "E-1", 1, date(2026, 10, 20), "100"),
]


@pytest.fixture
async def client(engine: AsyncEngine) -> AsyncIterator[TestClient]:
    await seed(make_sessionmaker(engine), ACCOUNTS, HISTORY)
    app = init_app(load_config(environ=ENV), engine=engine, clock=lambda: NOW, background=False)
    async with TestClient(TestServer(app)) as c:
        yield c
