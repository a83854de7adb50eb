"""Replies to the generic provider's send_url go out from the outbox, signed, with retries."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from gateway.bootstrap import OUTBOX, init_app
from gateway.config import load_config
from storage.db import make_sessionmaker
from storage.models import Outbox
from tests.e2e.conftest import ACCOUNTS, ENV, GENERIC_SECRET, HISTORY, NOW
from tests.e2e.test_sms import post_generic
from tests.helpers import seed


class FakeProvider:
    """Stands in for the SMS provider's send API (the outside world)."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, Any], str, bool]] = []
        self.fail_next = 0

    async def handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        expected = "sha256=" + hmac.new(GENERIC_SECRET.encode(), raw, hashlib.sha256).hexdigest()
        if self.fail_next:
            self.fail_next -= 1
            return web.Response(status=500)
        self.received.append(
            (
                json.loads(raw),
                request.headers["Idempotency-Key"],
                hmac.compare_digest(expected, request.headers["X-Signature"]),
            )
        )
        return web.json_response({"ok": True})


async def test_reply_is_sent_to_send_url_once_with_retry(engine) -> None:
    provider = FakeProvider()
    fake = web.Application()
    fake.router.add_post("/send", provider.handle)
    async with TestServer(fake) as fake_server:
        now = [NOW]
        env = {**ENV, "METER_GATEWAY_SMS_GENERIC_SEND_URL": str(fake_server.make_url("/send"))}
        await seed(make_sessionmaker(engine), ACCOUNTS, HISTORY)
        app = init_app(
            load_config(environ=env), engine=engine, clock=lambda: now[0], background=False
        )
        async with TestClient(TestServer(app)) as client:
            body = await (
                await post_generic(
                    client, {"id": "o1", "from": "+79990000001", "text": "1234567 05123 02010"}
                )
            ).json()
            provider.fail_next = 1
            assert await app[OUTBOX].run_once() == 1  # attempt fails, retried later
            assert provider.received == []
            assert await app[OUTBOX].run_once() == 0  # not due yet
            now[0] = NOW + timedelta(minutes=2)
            assert await app[OUTBOX].run_once() == 1
            assert await app[OUTBOX].run_once() == 0
    [(payload, key, signed)] = provider.received
    assert payload["to"] == "+79990000001" and payload["text"] == body["reply"]
    assert signed and key == payload["id"]
    async with make_sessionmaker(engine)() as s:
        row = (await s.execute(select(Outbox))).scalar_one()
    assert (row.status, row.attempts) == ("sent", 2)
