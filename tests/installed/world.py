"""The installed gateway with every channel on at once, and the outside world it talks to:
the SMS provider's send API, a smarthost, a Dovecot mailbox, a local Bot API server, a
database. Accounts and their history go in with the installed ``meter-gateway`` too."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from gateway.domain.periods import add_months
from tests.conftest import Databases
from tests.e2e.fake_telegram import TOKEN, FakeBotApi
from tests.support.dovecot import PASSWORD as IMAP_PASSWORD
from tests.support.dovecot import USER as IMAP_USER
from tests.support.dovecot import Dovecot, Mailbox
from tests.support.fakes import SmsProvider
from tests.support.gateway import Gateway
from tests.support.installed import Installed
from tests.support.mail import TO, Sink, customer_mail, start_sink
from tests.support.ports import free_port

GENERIC_SECRET = "installed-generic-secret"
TWILIO_TOKEN = "installed-twilio-token"
WEBHOOK_SECRET = "installed-webhook-secret"
API_TOKEN = "installed-api-token"
TIMEZONE = "Europe/Moscow"

# one account per channel, so each message is accepted on its own account's history
UINS = {
    "sms": "1000001",
    "twilio": "1000002",
    "smtp": "1000003",
    "imap": "1000004",
    "telegram": "1000005",
    "web": "1000006",
    "voice": "1000007",
}
READING = "00151"  # after 100 and 150 in the two months before: plausible on any day
IMAP_MESSAGE_ID = "<imap-1@example.net>"
IMAP_SENDER = "imap-customer@example.net"
# Gateway turns the SMTP listener off in the environment unless told: say what the config says
SMTP_ON = {"METER_GATEWAY_SMTP_ENABLED": "true"}


def last_period() -> str:
    """Last month in the utility's time zone: ``period close`` takes it whatever today is."""
    today = datetime.now(ZoneInfo(TIMEZONE)).date()
    return add_months(f"{today.year:04d}-{today.month:02d}", -1)


def data_files(tmp: Path) -> tuple[Path, Path]:
    """The accounts CSV and the reading history CSV (100 two months ago, 150 last month)."""
    accounts = tmp / "accounts.csv"
    history = tmp / "readings.csv"
    rows = ["uin,meter,position,service,zones,digits,decimals,verified_until,residents,status"]
    rows += [f"{uin},E-1,1,electricity,1,5,0,,2,open" for uin in UINS.values()]
    accounts.write_text("\n".join(rows) + "\n")
    rows = ["uin,meter,zone,date,value"]
    for months_back, value in ((2, 100), (1, 150)):
        period = add_months(last_period(), 1 - months_back)
        rows += [f"{uin},E-1,1,{period}-20,{value}" for uin in UINS.values()]
    history.write_text("\n".join(rows) + "\n")
    return accounts, history


def toml(sections: dict[str, dict[str, object]]) -> str:
    """A TOML file of flat sections (JSON's strings, numbers, booleans and lists are TOML's)."""
    lines = []
    for name, keys in sections.items():
        lines.append(f"[{name}]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in keys.items()]
        lines.append("")
    return "\n".join(lines)


@dataclass
class World:
    installed: Installed
    config: Path
    telegram_mode: str
    provider: SmsProvider
    sink: Sink
    bot: FakeBotApi
    mailbox: Mailbox
    smtp_port: int
    gateway: Gateway
    backend: str

    async def cli(self, *args: str, stdin: str = "") -> str:
        """The installed ``meter-gateway <args> --config F``; its output, after exit 0."""
        return await self.installed.cli(
            *args, "--config", str(self.config), cwd=self.config.parent, stdin=stdin
        )


def config_text(
    db_url: str, http_port: int, smtp_port: int, provider: SmsProvider, sink: Sink,
    bot: FakeBotApi, telegram_mode: str, dovecot: Dovecot,
) -> str:  # fmt: skip
    """Every channel on: both SMS providers, the phone line, the SMTP listener and the
    smarthost, the IMAP poller, the Telegram bot, the web form, the staff UI, the API."""
    return toml({
        "database": {"url": db_url},
        "http": {"host": "127.0.0.1", "port": http_port},
        "smtp": {"enabled": True, "host": "127.0.0.1", "port": smtp_port, "recipients": [TO]},
        "smtp_out": {"host": "127.0.0.1", "port": sink.port, "from": TO},
        "imap": {"host": "127.0.0.1", "port": dovecot.port, "ssl": False, "user": IMAP_USER,
                 "password": IMAP_PASSWORD, "poll_seconds": 1},
        "sms.twilio": {"auth_token": TWILIO_TOKEN,
                       "public_url": f"http://127.0.0.1:{http_port}/sms/twilio"},
        "sms.generic": {"secret": GENERIC_SECRET, "send_url": provider.url},
        # the phone line signs with the SMS webhook's token (one Twilio account)
        "voice.twilio": {"enabled": True,
                         "public_url": f"http://127.0.0.1:{http_port}/voice/twilio"},
        "telegram": {"token": TOKEN, "mode": telegram_mode, "api_base": bot.base,
                     "webhook_secret": WEBHOOK_SECRET if telegram_mode == "webhook" else ""},
        "api": {"tokens": [API_TOKEN]},
        "staff": {"session_secret": "installed-session-secret"},
        "rules": {"timezone": TIMEZONE},
        # a chunk of two meters: on PostgreSQL the close runs its worker processes
        "period": {"close_chunk": 2, "close_workers": 2},
    })  # fmt: skip


@contextlib.asynccontextmanager
async def start_world(
    installed: Installed, tmp: Path, backend: str, telegram_mode: str
) -> AsyncIterator[World]:
    """The outside world started, the database loaded through the installed command, a
    customer's mail waiting in the mailbox, and ``meter-gateway run`` serving; at the end
    the gateway is stopped with SIGTERM: it must exit 0, and its log hold no traceback."""
    async with contextlib.AsyncExitStack() as stack:
        databases = Databases(tmp)
        stack.push_async_callback(databases.close)
        db_url = await databases.url(backend)
        provider = await stack.enter_async_context(SmsProvider(GENERIC_SECRET))
        sink, sink_server = await start_sink()
        stack.callback(sink_server.close)
        bot = await stack.enter_async_context(FakeBotApi())
        dovecot = Dovecot()
        stack.callback(dovecot.cleanup)
        dovecot.start()
        mailbox = Mailbox(dovecot.port)
        # in the mailbox before the gateway starts: its first pass takes it, no IDLE wait
        await mailbox.append(
            customer_mail(f"{UINS['imap']} {READING}", sender=IMAP_SENDER, msgid=IMAP_MESSAGE_ID)
        )
        http_port, smtp_port = free_port(), free_port()
        config = tmp / "config.toml"
        config.write_text(config_text(db_url, http_port, smtp_port, provider, sink, bot,
                                      telegram_mode, dovecot))  # fmt: skip
        w = World(installed, config, telegram_mode, provider, sink, bot, mailbox, smtp_port,
                  installed.gateway(tmp, config, http_port, SMTP_ON), backend)  # fmt: skip
        # the accounts before the gateway starts: its IMAP poller takes the mail at once
        accounts, history = data_files(tmp)
        await w.cli("accounts", "import", str(accounts))
        await w.cli("readings", "import", str(history))
        async with w.gateway:
            yield w
            assert await w.gateway.stop() == 0  # SIGTERM; the log is checked
        provider.check()
