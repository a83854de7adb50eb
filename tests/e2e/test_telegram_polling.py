"""Long polling: two gateway apps on one PostgreSQL, one polls (an advisory lock); an update
is confirmed to Telegram (the next getUpdates offset) only after it is committed."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.app.factory import init_app
from gateway.config import load_config
from storage.db import make_sessionmaker
from storage.models import Message
from tests.e2e.conftest import ACCOUNTS, HISTORY, NOW
from tests.e2e.fake_telegram import FakeBotApi, message_update
from tests.e2e.test_telegram import telegram_env
from tests.helpers import seed
from tests.support.db import count


async def count_messages(engine: AsyncEngine) -> int:
    return await count(engine, Message)


# SQLite serves one gateway process by construction (its lock is always granted)
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
async def test_one_of_two_gateways_polls(engine) -> None:
    await seed(make_sessionmaker(engine), ACCOUNTS, HISTORY)
    async with FakeBotApi() as api:
        env = telegram_env(
            api, METER_GATEWAY_TELEGRAM_MODE="polling", METER_GATEWAY_TELEGRAM_WEBHOOK_SECRET=""
        )
        config = load_config(environ=env)
        apps = [init_app(config, engine=engine, clock=lambda: NOW) for _ in range(2)]
        async with TestClient(TestServer(apps[0])) as c0, TestClient(TestServer(apps[1])):
            # no webhook route in polling mode
            assert (await c0.post("/telegram/webhook", json={})).status in (404, 405)
            api.push(message_update(500, "1234567 05123 02010"))
            await api.wait_for(lambda: any("Показания приняты" in m["text"] for m in api.sent()))
            api.push(message_update(501, "/start"))
            await api.wait_for(lambda: api.confirmed >= 502)
            assert await count_messages(engine) == 1
            assert len(api.sent("deleteWebhook")) == 1  # one process took the lock
            await api.wait_for(lambda: len(api.sent()) == 2)
    # each update handled once although two gateways run
    assert sorted(m["text"][:9] for m in api.sent()) == ["Здравству", "Показания"]


async def test_polling_stores_and_confirms_updates(engine) -> None:
    await seed(make_sessionmaker(engine), ACCOUNTS, HISTORY)
    async with FakeBotApi() as api:
        env = telegram_env(
            api, METER_GATEWAY_TELEGRAM_MODE="polling", METER_GATEWAY_TELEGRAM_WEBHOOK_SECRET=""
        )
        app = init_app(load_config(environ=env), engine=engine, clock=lambda: NOW)
        async with TestClient(TestServer(app)):
            api.push(message_update(600, "1234567 05123 02010"))
            await api.wait_for(lambda: api.confirmed >= 601)
            assert await count_messages(engine) == 1


async def test_polling_skips_an_update_aiogram_cannot_read(engine) -> None:
    """A newer Bot API's shape (here a poll without its fields) would fail every getUpdates
    after it; it is skipped and the next update is taken."""
    await seed(make_sessionmaker(engine), ACCOUNTS, HISTORY)
    async with FakeBotApi() as api:
        env = telegram_env(
            api, METER_GATEWAY_TELEGRAM_MODE="polling", METER_GATEWAY_TELEGRAM_WEBHOOK_SECRET=""
        )
        app = init_app(load_config(environ=env), engine=engine, clock=lambda: NOW)
        async with TestClient(TestServer(app)):
            api.push({"update_id": 610, "poll": {"id": "p1"}})
            api.push(message_update(611, "1234567 05123 02010"))
            await api.wait_for(lambda: api.confirmed >= 612)
            assert await count_messages(engine) == 1
