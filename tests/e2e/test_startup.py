"""Start-up as shipped: ``python -m gateway run`` as a separate process, on a database it
opens itself (not one a test opened for it). Every channel alone and all of them at once
start, take what they are sent and stay up (an IMAP server that is not there is retried);
a misconfigured channel or a port another program holds is one line naming the key or the
address, exit 1, before anything starts."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import Databases
from tests.e2e.fake_telegram import TOKEN, FakeBotApi, message_update
from tests.support.gateway import Gateway, run_cli
from tests.support.ports import free_port
from tests.support.signing import signed_sms, twilio_signature
from tests.support.waiting import until

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


# --- every channel alone, and all at once -------------------------------------------------

GENERIC = "startup-generic-secret"
TWILIO = "startup-twilio-token"
TWILIO_URL = "https://gateway.example.org/sms/twilio"
IMAP_RETRY = "IMAP 127.0.0.1:"  # the poller's warning when the server cannot be reached


class Channels:
    """The settings that switch each channel on (against the fakes of the outside world),
    and a probe that shows it working in the running gateway."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api
        self.smtp_port = free_port()
        self.gateway: Gateway | None = None

    def env(self, channel: str) -> dict[str, str]:
        nowhere = free_port()  # nothing listens here
        return {
            "sms_generic": {
                "METER_GATEWAY_SMS_GENERIC_SECRET": GENERIC,
                "METER_GATEWAY_SMS_GENERIC_SEND_URL": f"http://127.0.0.1:{nowhere}/send",
            },
            "sms_twilio": {
                "METER_GATEWAY_SMS_TWILIO_AUTH_TOKEN": TWILIO,
                "METER_GATEWAY_SMS_TWILIO_PUBLIC_URL": TWILIO_URL,
            },
            "smtp": {
                "METER_GATEWAY_SMTP_ENABLED": "true",
                "METER_GATEWAY_SMTP_PORT": str(self.smtp_port),
            },
            "imap": {
                "METER_GATEWAY_IMAP_HOST": "127.0.0.1",
                "METER_GATEWAY_IMAP_PORT": str(nowhere),
                "METER_GATEWAY_IMAP_SSL": "false",
                "METER_GATEWAY_IMAP_USER": "readings",
                "METER_GATEWAY_IMAP_PASSWORD": "secret",
                "METER_GATEWAY_IMAP_POLL_SECONDS": "1",
            },
            "telegram_webhook": bot_env(self.api, "webhook"),
            "telegram_polling": bot_env(self.api, "polling"),
        }[channel]

    async def probe(self, channel: str, gateway: Gateway) -> None:
        self.gateway = gateway
        await getattr(self, channel)(gateway.port)

    async def sms_generic(self, port: int) -> None:
        raw, signature = signed_sms(GENERIC, "startup-1", "+79990000001", "1234567 05123")
        async with aiohttp.ClientSession() as s:
            url = f"http://127.0.0.1:{port}/sms/inbound"
            async with s.post(url, data=raw, headers={"X-Signature": signature}) as r:
                assert r.status == 200, await r.text()
                assert (await r.json())["status"] == "rejected"  # no such account

    async def sms_twilio(self, port: int) -> None:
        form = {"MessageSid": "SMstartup1", "From": "+79990000002", "Body": "1234567 05123"}
        signature = twilio_signature(TWILIO, TWILIO_URL, form)
        async with aiohttp.ClientSession() as s:
            url = f"http://127.0.0.1:{port}/sms/twilio"
            async with s.post(url, data=form, headers={"X-Twilio-Signature": signature}) as r:
                assert r.status == 200, await r.text()
                assert "<Message>" in await r.text()

    async def smtp(self, port: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.smtp_port)
        try:
            banner = await asyncio.wait_for(reader.readline(), 10)
            assert banner.startswith(b"220 "), banner
        finally:
            writer.close()

    async def imap(self, port: int) -> None:
        """The poller keeps trying a server that is not there (twice, then still up)."""
        assert self.gateway is not None
        log = self.gateway.log_text
        await until(lambda: log().count(IMAP_RETRY) >= 2, "the IMAP poller retrying twice")

    async def telegram_webhook(self, port: int) -> None:
        async with aiohttp.ClientSession() as s:
            url = f"http://127.0.0.1:{port}/telegram/webhook"
            update = message_update(800, "/start")
            async with s.post(url, json=update, headers={HEADER: SECRET}) as r:
                assert r.status == 200, await r.text()
        await self.api.wait_for(lambda: len(self.api.sent()) == 1)

    async def telegram_polling(self, port: int) -> None:
        self.api.push(message_update(900, "/start"))
        await self.api.wait_for(lambda: len(self.api.sent()) == 1)


ALONE = ["sms_generic", "sms_twilio", "smtp", "imap", "telegram_webhook", "telegram_polling"]
COMBINATIONS = [[c] for c in ALONE] + [
    ["sms_generic", "sms_twilio", "smtp", "imap", "telegram_webhook"],
    ["sms_generic", "sms_twilio", "smtp", "imap", "telegram_polling"],
]


@pytest.mark.parametrize("channels", COMBINATIONS, ids="+".join)
async def test_any_combination_of_channels_starts_and_works(
    tmp_path: Path, channels: list[str]
) -> None:
    async with FakeBotApi() as api:
        setup = Channels(api)
        env = {k: v for channel in channels for k, v in setup.env(channel).items()}
        gateway = Gateway(tmp_path, sqlite_url(tmp_path), env)
        async with gateway:  # ready; at the end stopped, its log without a traceback
            for channel in channels:
                await setup.probe(channel, gateway)
            assert gateway.running()
    assert gateway.proc is not None and gateway.proc.returncode == 0


# --- what cannot start: one line naming the key or the address, exit 1 -----------------------


def one_line_error(tmp_path: Path, port: int, env: dict[str, str], *args: str) -> str:
    """``run`` with ``env`` (the SMTP listener off unless it says so): exit 1 and one line."""
    settings = {"METER_GATEWAY_HTTP_PORT": str(port), "METER_GATEWAY_SMTP_ENABLED": "false"}
    done = run_cli("run", *args, db_url=sqlite_url(tmp_path), env=settings | env, cwd=tmp_path)
    assert (done.returncode, done.stdout) == (1, ""), done.stdout + done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("meter-gateway: error: "), lines
    return lines[0].removeprefix("meter-gateway: error: ")


MISCONFIGURED = {  # what is wrong: (the key the line names, the settings)
    "polling without a token": ("telegram.token", {"METER_GATEWAY_TELEGRAM_MODE": "polling"}),
    "webhook without a secret": (
        "telegram.webhook_secret",
        {"METER_GATEWAY_TELEGRAM_TOKEN": TOKEN},
    ),
    "not a bot token": (
        "telegram.token",
        {"METER_GATEWAY_TELEGRAM_TOKEN": "not a token", "METER_GATEWAY_TELEGRAM_MODE": "polling"},
    ),
    "api_base not a URL": (
        "telegram.api_base",
        {
            "METER_GATEWAY_TELEGRAM_TOKEN": TOKEN,
            "METER_GATEWAY_TELEGRAM_MODE": "polling",
            "METER_GATEWAY_TELEGRAM_API_BASE": "localhost:8081",
        },
    ),
    "twilio without its token": (
        "sms.twilio.auth_token",
        {"METER_GATEWAY_SMS_TWILIO_PUBLIC_URL": TWILIO_URL},
    ),
    "the phone line without a token": (
        "voice.twilio.auth_token",
        {"METER_GATEWAY_VOICE_TWILIO_ENABLED": "true"},
    ),
    "send_url without a secret": (
        "sms.generic.secret",
        {"METER_GATEWAY_SMS_GENERIC_SEND_URL": "http://127.0.0.1:9/send"},
    ),
    "imap without a user": ("imap.user", {"METER_GATEWAY_IMAP_HOST": "127.0.0.1"}),
    "smtp port out of range": (
        "smtp.port",
        {"METER_GATEWAY_SMTP_ENABLED": "true", "METER_GATEWAY_SMTP_PORT": "70000"},
    ),
}


@pytest.mark.parametrize("case", MISCONFIGURED)
def test_a_misconfigured_channel_is_one_line_naming_the_key(tmp_path: Path, case: str) -> None:
    key, env = MISCONFIGURED[case]
    assert key in one_line_error(tmp_path, free_port(), env)
    assert not (tmp_path / "gateway.sqlite3").exists()  # refused before anything started


@pytest.fixture
def taken() -> Iterator[int]:
    """A port another program listens on."""
    with socket.create_server(("127.0.0.1", 0)) as other:
        yield other.getsockname()[1]


def test_a_taken_http_port_is_named(tmp_path: Path, taken: int) -> None:
    error = one_line_error(tmp_path, taken, {})
    assert error == f"http: 127.0.0.1:{taken} is already in use"


def test_a_taken_smtp_port_is_named(tmp_path: Path, taken: int) -> None:
    env = {"METER_GATEWAY_SMTP_ENABLED": "true", "METER_GATEWAY_SMTP_PORT": str(taken)}
    error = one_line_error(tmp_path, free_port(), env)
    assert error == f"smtp: 127.0.0.1:{taken} is already in use"


async def test_a_taken_http_port_is_named_with_workers(
    tmp_path: Path, taken: int, databases: Databases
) -> None:
    postgresql = {"METER_GATEWAY_DATABASE_URL": await databases.url("postgresql")}
    error = one_line_error(tmp_path, taken, postgresql, "--workers", "2")
    assert error == f"http: 127.0.0.1:{taken} is already in use"
