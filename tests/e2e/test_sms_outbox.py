"""Replies to the generic provider's send_url go out from the outbox, signed, with retries."""

from __future__ import annotations

from datetime import timedelta

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from gateway.app.factory import OUTBOX, init_app
from gateway.config import load_config
from storage.db import make_sessionmaker
from storage.models import Outbox
from tests.e2e.conftest import ACCOUNTS, ENV, GENERIC_SECRET, HISTORY, NOW
from tests.e2e.test_sms import post_generic
from tests.helpers import seed
from tests.support.fakes import SmsProvider


async def test_reply_is_sent_to_send_url_once_with_retry(engine) -> None:
    async with SmsProvider(secret=GENERIC_SECRET, delay=0) as provider:
        now = [NOW]
        env = {**ENV, "METER_GATEWAY_SMS_GENERIC_SEND_URL": provider.url}
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
    provider.check()
    [delivery] = provider.received
    assert delivery.payload["to"] == "+79990000001" and delivery.payload["text"] == body["reply"]
    assert delivery.signed and delivery.key == delivery.payload["id"]
    async with make_sessionmaker(engine)() as s:
        row = (await s.execute(select(Outbox))).scalar_one()
    assert (row.status, row.attempts) == ("sent", 2)
