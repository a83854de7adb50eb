"""Back-pressure over HTTP: more messages at once than ``intake.queue_limit`` holds get an
immediate 503 with Retry-After (nothing stored), the rest are answered after their commit."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.app.factory import init_app
from gateway.config import load_config
from storage.db import make_sessionmaker
from storage.models import Message
from tests.e2e.conftest import ENV, NOW
from tests.helpers import meter, seed
from tests.support.db import count
from tests.support.signing import signed_sms


async def test_a_full_queue_answers_503_at_once_and_stores_nothing_of_it(
    engine: AsyncEngine,
) -> None:
    sessions = make_sessionmaker(engine)
    await seed(sessions, [meter(str(4000000 + i), "E-1") for i in range(60)])
    config = load_config(environ=ENV | {"METER_GATEWAY_INTAKE_QUEUE_LIMIT": "8"})
    app = init_app(config, engine=engine, clock=lambda: NOW, background=False)
    async with TestClient(TestServer(app)) as client:

        async def post(i: int) -> tuple[int, str | None]:
            raw, sig = signed_sms(ENV["METER_GATEWAY_SMS_GENERIC_SECRET"], f"b{i}", f"+7{i}",
                                  f"{4000000 + i} {i}")  # fmt: skip
            r = await client.post("/sms/inbound", data=raw, headers={"X-Signature": sig})
            await r.read()
            return r.status, r.headers.get("Retry-After")

        answers = await asyncio.gather(*(post(i) for i in range(60)))
    assert {status for status, _ in answers} == {200, 503}
    assert all(retry for status, retry in answers if status == 503)
    assert await count(sessions, Message) == sum(1 for status, _ in answers if status == 200)
