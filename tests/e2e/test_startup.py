"""Start-up as shipped: ``python -m gateway run`` as a separate process, on a database it
opens itself (not one a test opened for it), with the Telegram bot configured in either
mode; it becomes ready, stays up and answers an update."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from tests.e2e.fake_telegram import TOKEN, FakeBotApi, message_update
from tests.support.gateway import Gateway

SECRET = "startup-webhook-secret"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'gateway.sqlite3'}"


def bot_env(api: FakeBotApi, mode: str) -> dict[str, str]:
    return {
        "METER_GATEWAY_TELEGRAM_TOKEN": TOKEN,
        "METER_GATEWAY_TELEGRAM_API_BASE": api.base,
        "METER_GATEWAY_TELEGRAM_MODE": mode,
        "METER_GATEWAY_TELEGRAM_WEBHOOK_SECRET": SECRET if mode == "webhook" else "",
    }


@pytest.mark.parametrize("mode", ["webhook", "polling"])
async def test_the_bot_starts_and_answers_an_update(tmp_path: Path, mode: str) -> None:
    async with FakeBotApi() as api:
        gateway = Gateway(tmp_path, sqlite_url(tmp_path), bot_env(api, mode))
        async with gateway:
            update = message_update(700, "/start")
            if mode == "webhook":
                async with aiohttp.ClientSession() as s:
                    url = f"{gateway.url}/telegram/webhook"
                    async with s.post(url, json=update, headers={HEADER: SECRET}) as r:
                        assert r.status == 200, await r.text()
            else:
                api.push(update)
            await api.wait_for(lambda: len(api.sent()) == 1)
            assert api.sent()[0]["text"].startswith("Здравствуйте")
            assert gateway.running()
    assert gateway.proc is not None and gateway.proc.returncode == 0
