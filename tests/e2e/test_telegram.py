"""The Telegram bot end to end: the real aiogram bot, the gateway's webhook on a real
socket, a local Bot API server (tests/e2e/fake_telegram.py) instead of Telegram."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.app.factory import init_app, telegram_settings
from gateway.app.keys import OUTBOX
from gateway.config import ConfigError, load_config
from storage.db import make_sessionmaker
from storage.models import Message, Outbox, Reading, TelegramChat
from tests.e2e.conftest import ACCOUNTS, ENV, HISTORY, NOW
from tests.e2e.fake_telegram import CHAT, PHOTO, TOKEN, FakeBotApi, message_update
from tests.helpers import seed
from tests.support.db import count

SECRET = "webhook-secret"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


def telegram_env(api: FakeBotApi, **more: str) -> dict[str, str]:
    return {
        **ENV,
        "METER_GATEWAY_SMTP_ENABLED": "false",
        "METER_GATEWAY_TELEGRAM_TOKEN": TOKEN,
        "METER_GATEWAY_TELEGRAM_API_BASE": api.base,
        "METER_GATEWAY_TELEGRAM_WEBHOOK_SECRET": SECRET,
        **more,
    }


@dataclass
class Bot:
    """The gateway with its bot, the fake Telegram, and a clock the test moves."""

    client: TestClient
    api: FakeBotApi
    app: web.Application
    engine: AsyncEngine
    now: list[datetime]

    async def post(self, update: dict[str, Any], secret: str | None = SECRET) -> int:
        headers = {HEADER: secret} if secret is not None else {}
        response = await self.client.post("/telegram/webhook", json=update, headers=headers)
        return response.status

    async def send(self, update: dict[str, Any]) -> str:
        """Post an update, deliver the outbox, return the last text the bot sent."""
        assert await self.post(update) == 200
        before = len(self.api.sent())
        await self.app[OUTBOX].run_once()
        await self.api.wait_for(lambda: len(self.api.sent()) > before)
        return str(self.api.sent()[-1]["text"])

    async def rows(self, model: Any) -> list[Any]:
        async with make_sessionmaker(self.engine)() as s:
            return list((await s.execute(select(model))).scalars())

    async def count(self, model: Any) -> int:
        return await count(self.engine, model)


@pytest.fixture
async def bot(engine: AsyncEngine, request: pytest.FixtureRequest) -> AsyncIterator[Bot]:
    """The gateway with its bot; ``indirect`` parameters add METER_GATEWAY_* settings."""
    await seed(make_sessionmaker(engine), ACCOUNTS, HISTORY)
    now = [NOW]
    async with FakeBotApi() as api:
        app = init_app(
            load_config(environ=telegram_env(api, **getattr(request, "param", {}))),
            engine=engine,
            clock=lambda: now[0],
            background=False,
        )
        async with TestClient(TestServer(app)) as client:
            yield Bot(client, api, app, engine, now)


@pytest.mark.parametrize(
    ("secret", "status"),
    [(None, 401), ("wrong", 403), ("", 401)],
    ids=["missing", "wrong", "empty"],
)
async def test_webhook_refuses_a_wrong_secret_and_stores_nothing(bot, secret, status) -> None:
    assert await bot.post(message_update(1, "1234567 05123 02010"), secret=secret) == status
    assert await bot.count(Message) == 0
    assert bot.api.calls == []


async def test_a_reading_is_stored_once_and_answered_through_the_outbox(bot) -> None:
    update = message_update(10, "1234567 05123 02010")
    reply = await bot.send(update)
    assert reply.startswith("Показания приняты")
    assert bot.api.sent()[-1]["chat_id"] == str(CHAT)
    [message] = await bot.rows(Message)
    assert (message.channel, message.external_id, message.sender) == ("telegram", "10", str(CHAT))
    assert message.status == "accepted" and message.uin == "1234567"
    # Telegram delivers the same update again: nothing new, nothing sent again
    assert await bot.post(update) == 200
    assert await bot.app[OUTBOX].run_once() == 0
    assert await bot.count(Message) == 1 and await bot.count(Outbox) == 1
    assert len(bot.api.sent()) == 1


async def test_english_users_get_english_replies(bot) -> None:
    reply = await bot.send(message_update(11, "1234567 05123 02010", language="en-GB"))
    assert reply.startswith("Readings accepted")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/start", "Пришлите показания одним сообщением"),
        ("/help", "/link УИН"),
        ("/link", "Укажите УИН"),
        ("/unlink", "Нет привязанных счетов"),
        ("/unlink 1234567", "Нет привязанных счетов"),
        ("/history", "Нет привязанных счетов. Привяжите счёт"),
        ("hello", "Не найден УИН"),
    ],
    ids=["start", "help", "link-without-uin", "unlink-all", "unlink-one", "history", "text"],
)
async def test_commands_of_an_unlinked_chat(bot, text, expected) -> None:
    assert expected in await bot.send(message_update(20, text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("/start", "Send your readings in one message"), ("/help", "/link UIN")],
    ids=["start", "help"],
)
async def test_commands_in_english(bot, text, expected) -> None:
    assert expected in await bot.send(message_update(21, text, language="en"))


async def test_a_repeated_command_is_answered_once(bot) -> None:
    await bot.send(message_update(22, "/start"))
    assert await bot.post(message_update(22, "/start")) == 200
    assert await bot.app[OUTBOX].run_once() == 0
    assert len(bot.api.sent()) == 1


async def test_photo_with_readings_is_stored_with_the_message(bot) -> None:
    reply = await bot.send(message_update(30, photo="ph1", caption="1234567 05123 02010"))
    assert reply.startswith("Показания приняты")
    assert bot.api.sent("getFile") == [{"file_id": "ph1"}]
    [message] = await bot.rows(Message)
    assert message.raw == PHOTO
    assert message.meta["photo"] == {"file_id": "ph1", "size": len(PHOTO), "stored_in": "raw"}


async def test_rate_limited_by_telegram_waits_retry_after(bot) -> None:
    bot.api.fail("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    assert await bot.post(message_update(40, "1234567 05123 02010")) == 200
    assert await bot.app[OUTBOX].run_once() == 1
    [row] = await bot.rows(Outbox)
    assert row.status == "pending" and row.next_attempt_at == NOW + timedelta(seconds=7)
    bot.now[0] = NOW + timedelta(seconds=6)
    assert await bot.app[OUTBOX].run_once() == 0
    bot.now[0] = NOW + timedelta(seconds=7)
    assert await bot.app[OUTBOX].run_once() == 1
    [row] = await bot.rows(Outbox)
    assert row.status == "sent" and len(bot.api.sent()) == 2  # the refused try, then the send


async def test_a_blocked_bot_marks_the_chat_inactive_and_stops(bot) -> None:
    await bot.send(message_update(50, "/start"))
    bot.api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
    assert await bot.post(message_update(51, "/help")) == 200
    assert await bot.app[OUTBOX].run_once() == 1
    [chat] = await bot.rows(TelegramChat)
    assert chat.active is False
    rows = sorted(await bot.rows(Outbox), key=lambda r: r.id)
    assert [r.status for r in rows] == ["sent", "failed"]
    bot.now[0] = NOW + timedelta(days=1)
    assert await bot.app[OUTBOX].run_once() == 0  # never retried


async def test_readings_are_never_counted_twice_for_a_photo_update(bot) -> None:
    update = message_update(60, photo="ph2", caption="1234567 05123 02010")
    await bot.send(update)
    assert await bot.post(update) == 200
    assert await bot.count(Message) == 1
    assert await bot.count(Reading) == len(HISTORY) + 2


async def test_a_photo_without_text_goes_to_review(bot) -> None:
    reply = await bot.send(message_update(70, photo="ph3"))
    assert reply.startswith("Показания получены и переданы на проверку. Фото получено")
    [message] = await bot.rows(Message)
    assert (message.status, message.reason, message.raw) == ("review", "photo", PHOTO)
    assert "reply_markup" not in bot.api.sent()[-1]  # no confirmation keyboard for a photo


@pytest.mark.parametrize(
    ("env", "error"),
    [
        ({"METER_GATEWAY_TELEGRAM_MODE": "polling"}, "telegram.token is empty"),
        ({"METER_GATEWAY_TELEGRAM_WEBHOOK_SECRET": "s"}, "telegram.token is empty"),
        ({"METER_GATEWAY_TELEGRAM_TOKEN": TOKEN}, "telegram.webhook_secret is required"),
        ({"METER_GATEWAY_TELEGRAM_TOKEN": TOKEN, "METER_GATEWAY_TELEGRAM_MODE": "x"}, "mode"),
    ],
    ids=["polling-without-token", "secret-without-token", "webhook-without-secret", "mode"],
)
def test_telegram_config_errors(env, error) -> None:
    with pytest.raises(ConfigError, match=error):
        telegram_settings(load_config(environ=env))


def test_the_bot_is_off_without_token() -> None:
    assert telegram_settings(load_config(environ={})) is None
