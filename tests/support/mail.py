"""Mail for tests: a customer's mail as bytes, an aiosmtpd sink acting as the smarthost,
smtplib (off-loop) as an MTA talks to the gateway, and an MTA's retry of a 4xx."""

from __future__ import annotations

import asyncio
import smtplib
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime

from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.support.waiting import until

TO = "readings@example.org"


def customer_mail(
    subject: str,
    body: str | None = None,
    sender: str = "customer@example.net",
    msgid: str = "",
    name: str = "Customer",
    date: datetime | None = None,
) -> bytes:
    """A plain UTF-8 mail from a customer to the gateway's address; the body is the
    subject unless given."""
    headers = [
        f"From: {name} <{sender}>",
        f"To: {TO}",
        f"Subject: {subject}",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
    ]
    if date is not None:
        headers.append(f"Date: {format_datetime(date)}")
    if msgid:
        headers.append(f"Message-ID: {msgid}")
    text = subject if body is None else body
    return ("\r\n".join(headers) + "\r\n\r\n" + text + "\r\n").encode()


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class Sink:
    """Records every message it is given; answers 451 to the first ``fail`` of them."""

    messages: list[Received] = field(default_factory=list)
    port: int = 0
    fail: int = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        if self.fail > 0:
            self.fail -= 1
            return "451 4.3.0 smarthost busy, try later"
        raw = envelope.original_content or b""
        message = BytesParser(policy=policy.default).parsebytes(raw)
        if not isinstance(message, EmailMessage):  # never assert in a server's handler
            return "554 5.6.0 not a message"
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"

    async def wait_for(self, count: int, timeout: float = 30) -> list[Received]:
        await until(lambda: len(self.messages) >= count, f"{count} mail(s) at the sink", timeout)
        return self.messages


async def start_sink() -> tuple[Sink, asyncio.Server]:
    sink = Sink()
    server = await asyncio.get_running_loop().create_server(
        lambda: SMTP(sink), host="127.0.0.1", port=0
    )
    sink.port = server.sockets[0].getsockname()[1]
    return sink, server


async def send_mail(
    port: int, raw: bytes, to: list[str], mail_from: str = "customer@example.net"
) -> dict[str, tuple[int, bytes]]:
    """smtplib, as any MTA would talk to us, in a thread: the gateway runs in this loop."""

    def go() -> dict[str, tuple[int, bytes]]:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            return smtp.sendmail(mail_from, to, raw)

    return await asyncio.to_thread(go)


async def smtp_answer(port: int, raw: bytes, to: list[str] | None = None) -> int:
    """The SMTP code the gateway answered a delivery with (250 when taken)."""
    try:
        await send_mail(port, raw, to or [TO])
    except smtplib.SMTPResponseException as e:
        return e.smtp_code
    return 250


async def deliver_mail(
    port: int, raw: bytes, to: list[str], sender: str, timeout: float = 30
) -> dict[str, tuple[int, bytes]]:
    """SMTP as an MTA delivers: a 4xx answer (451, the database refused) is retried until
    the deadline."""

    async def attempt() -> tuple[dict[str, tuple[int, bytes]]] | None:
        try:
            return (dict(await send_mail(port, raw, to, sender)),)
        except smtplib.SMTPResponseException as e:
            if not 400 <= e.smtp_code < 500:
                raise
            return None

    [refused] = await until(attempt, f"mail from {sender} taken", timeout, interval=0.2)
    return refused


async def smtp_dialogue(port: int, raw: bytes, to: str) -> tuple[int, bytes]:
    """MAIL without SIZE, RCPT, DATA: the answer to DATA (a size limit shows here)."""

    def go() -> tuple[int, bytes]:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            smtp.ehlo()
            mail_code, rcpt_code = smtp.mail("customer@example.net")[0], smtp.rcpt(to)[0]
            if (mail_code, rcpt_code) != (250, 250):
                return mail_code, b"MAIL or RCPT refused"
            return smtp.data(raw)

    return await asyncio.to_thread(go)
