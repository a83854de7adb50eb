"""The gateway with its SMTP listener for the hostile-mail tests: the real app on a real
socket (aiosmtpd in the gateway's loop), a smarthost sink for the replies, both databases."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.app.factory import init_app
from gateway.app.keys import SMTP_SERVER
from gateway.config import load_config
from storage.db import make_sessionmaker
from tests.e2e.conftest import ACCOUNTS, HISTORY, NOW
from tests.e2e.test_email_smtp import Gateway, mail_env
from tests.helpers import seed
from tests.support.mail import start_sink

MAX_SIZE = 12 * 1024 * 1024  # room for the 10 MB hostile mails
TO = ["readings@example.org"]


@pytest.fixture(name="big_gateway")
async def big_gateway_fixture(engine: AsyncEngine) -> AsyncIterator[Gateway]:
    """Import ``big_gateway_fixture`` into a test module to use ``big_gateway``."""
    await seed(make_sessionmaker(engine), ACCOUNTS, HISTORY)
    sink, sink_server = await start_sink()
    env = {**mail_env(sink.port), "METER_GATEWAY_SMTP_MAX_SIZE": str(MAX_SIZE)}
    app = init_app(load_config(environ=env), engine=engine, clock=lambda: NOW, background=True)
    async with TestClient(TestServer(app)) as client:
        port = app[SMTP_SERVER].sockets[0].getsockname()[1]
        yield Gateway(client, port, sink, engine)
    sink_server.close()
    await sink_server.wait_closed()


def mail(
    subject: bytes = b"1234567 5123 2010",
    body: bytes = b"",
    sender: bytes = b"Ivan <ivan@example.net>",
    extra: bytes = b"",
    msgid: bytes = b"",
    content_type: bytes = b"text/plain; charset=utf-8",
) -> bytes:
    """A mail as bytes; ``sender`` empty: no From: at all."""
    head = b"To: readings@example.org\r\nMIME-Version: 1.0\r\n"
    head += b"From: " + sender + b"\r\n" if sender else b""
    head += b"Subject: " + subject + b"\r\n" if subject else b""
    head += b"Message-ID: " + msgid + b"\r\n" if msgid else b""
    head += b"Content-Type: " + content_type + b"\r\nContent-Transfer-Encoding: 8bit\r\n"
    return head + extra + b"\r\n" + body + b"\r\n"
