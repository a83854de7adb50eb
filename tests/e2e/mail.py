"""Mail servers for tests: an aiosmtpd sink acting as the smarthost, smtplib off-loop."""

from __future__ import annotations

import asyncio
import smtplib
import time
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from aiosmtpd.smtp import SMTP, Envelope, Session


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
        assert isinstance(message, EmailMessage)
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"

    async def wait_for(self, count: int, timeout: float = 15) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            assert time.monotonic() < deadline, f"sink got {len(self.messages)} of {count}"
            await asyncio.sleep(0.1)
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


async def smtp_dialogue(port: int, raw: bytes, to: str) -> tuple[int, bytes]:
    """MAIL without SIZE, RCPT, DATA: the answer to DATA (a size limit shows here)."""

    def go() -> tuple[int, bytes]:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            smtp.ehlo()
            assert smtp.mail("customer@example.net")[0] == 250
            assert smtp.rcpt(to)[0] == 250
            return smtp.data(raw)

    return await asyncio.to_thread(go)
