"""The outside world of the two-process test: an SMS provider counting every reply it gets,
mail as customers write it, a mailbox the test appends to, and the CLI as an operator runs
it (a subprocess, like the gateways)."""

from __future__ import annotations

import asyncio
import os
import smtplib
import sys
from collections import Counter, defaultdict
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import aiohttp
from aiohttp import web
from imapclient import IMAPClient

from tests.e2e.dovecot import PASSWORD, USER
from tests.e2e.mail import send_mail
from tests.process import ROOT, free_port, signed_sms

RETRIES, RETRY_SECONDS = 50, 0.2


class Provider:
    """The SMS provider's send API: every delivery counted by its Idempotency-Key."""

    def __init__(self) -> None:
        self.deliveries: Counter[str] = Counter()  # Idempotency-Key -> times delivered
        self.keys: dict[str, set[str]] = defaultdict(set)  # recipient -> keys
        self.texts: dict[str, set[str]] = defaultdict(set)  # key -> texts

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        key = request.headers["Idempotency-Key"]
        self.deliveries[key] += 1
        self.keys[body["to"]].add(key)
        self.texts[key].add(body["text"])
        await asyncio.sleep(0.005)  # a real provider takes a moment
        return web.json_response({"ok": True})

    async def start(self) -> tuple[web.AppRunner, str]:
        app = web.Application()
        app.router.add_post("/send", self.handle)
        runner = web.AppRunner(app)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        return runner, f"http://127.0.0.1:{port}/send"


async def post_sms(
    session: aiohttp.ClientSession, port: int, secret: str, external_id: str, sender: str, text: str
) -> dict[str, object] | None:
    """The gateway's JSON answer to a signed webhook, or None without a 200. A 503 (the
    database refused: PostgreSQL full) is retried, as the provider would."""
    raw, sig = signed_sms(secret, external_id, sender, text)
    for _ in range(RETRIES):
        async with session.post(
            f"http://127.0.0.1:{port}/sms/inbound", data=raw, headers={"X-Signature": sig}
        ) as r:
            if r.status != 503:
                return dict(await r.json()) if r.status == 200 else None
        await asyncio.sleep(RETRY_SECONDS)
    return None


async def deliver_mail(port: int, raw: bytes, to: list[str], sender: str) -> dict[str, object]:
    """SMTP as an MTA delivers: a 4xx answer (451, the database refused) is retried."""
    for _ in range(RETRIES):
        try:
            return dict(await send_mail(port, raw, to, sender))
        except smtplib.SMTPResponseException as e:
            if not 400 <= e.smtp_code < 500:
                raise
        await asyncio.sleep(RETRY_SECONDS)
    raise AssertionError(f"mail from {sender} still refused after {RETRIES} tries")


def mail(sender: str, msgid: str, subject: str) -> bytes:
    """A plain customer mail to the gateway's address."""
    headers = [
        f"From: Customer <{sender}>",
        "To: readings@example.org",
        f"Subject: {subject}",
        f"Date: {format_datetime(datetime.now(UTC))}",
        f"Message-ID: {msgid}",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
    ]
    return ("\r\n".join(headers) + "\r\n\r\n" + subject + "\r\n").encode()


async def append(imap_port: int, raws: list[bytes]) -> None:
    """Deliver mail into the Dovecot INBOX at once (MULTIAPPEND): mail that lands while the
    poller's pass runs waits for its next IDLE round (up to 20 s; email_imap.IDLE_SECONDS),
    which would only make the test slow."""

    def go() -> None:
        client = IMAPClient("127.0.0.1", port=imap_port, ssl=False, timeout=10)
        client.login(USER, PASSWORD)
        try:
            client.multiappend("INBOX", raws)
        finally:
            client.logout()

    await asyncio.to_thread(go)


async def start_cli(tmp_path: Path, db_url: str, *args: str) -> asyncio.subprocess.Process:
    """``python -m gateway <args>`` on ``db_url`` (this checkout's code), output piped."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("METER_GATEWAY_")}
    env |= {"PYTHONPATH": str(ROOT), "METER_GATEWAY_DATABASE_URL": db_url}
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "gateway",
        *args,
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
