"""The gateway's own SMTP intake (aiosmtpd), served in the gateway's event loop.

Courier's order, in SMTP's words: RCPT checks the address (550 for anything not in
``smtp.recipients``), aiosmtpd enforces ``smtp.max_size`` (552), DATA builds one
``InboundMessage`` and hands it to the intake; ``250`` is answered only after the commit,
``451`` (try later) when the database is unavailable, so the sending MTA keeps the mail.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from aiosmtpd.smtp import SMTP, Envelope, Session

from channels.email_mime import to_inbound
from gateway.service.receive import Receive
from gateway.service.uow import StorageUnavailable

log = logging.getLogger(__name__)


def own_addresses(recipients: Iterable[str], sender: str) -> list[str]:
    """Addresses the gateway itself sends from or receives at: mail from them is never
    answered, so two gateways (or one talking to itself) cannot loop."""
    return [a.strip().lower() for a in [*recipients, sender] if a.strip()]


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    recipients: tuple[str, ...]
    max_size: int
    own: tuple[str, ...]  # see ``own_addresses``


class SmtpHandler:
    def __init__(
        self,
        receive: Receive,
        recipients: Iterable[str],
        own: Iterable[str],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.receive = receive
        self.clock = clock
        self.recipients = {r.strip().lower() for r in recipients}
        self.own = list(own)

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address.strip().lower() not in self.recipients:
            return f"550 5.1.1 <{address}>: no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        arrived = self.clock()  # the session's time, before any wait on the database
        raw = envelope.original_content or b""
        if isinstance(envelope.content, bytes) and not raw:
            raw = envelope.content
        try:
            # MIME parsing of a large message is CPU work: keep it off the event loop
            inbound = await asyncio.to_thread(
                to_inbound,
                raw,
                self.own,
                envelope_from=envelope.mail_from,
                recipient=envelope.rcpt_tos[0] if envelope.rcpt_tos else "",
                received_at=arrived,
            )
            receipt = await self.receive(inbound)
        except StorageUnavailable:
            return "451 4.3.0 storage temporarily unavailable, try again later"
        except Exception:
            # a bug of ours, not the sender's fault: keep the mail queued at the MTA
            log.exception("SMTP message from %s could not be taken", envelope.mail_from)
            return "451 4.3.0 temporary failure, try again later"
        return f"250 2.0.0 OK: stored as message {receipt.message_id}"


async def start_smtp_server(
    receive: Receive,
    settings: SmtpSettings,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> asyncio.Server:
    """Listen on ``settings.host:port`` (port 0: any free port, see ``server.sockets``)."""
    # aiosmtpd logs every command (addresses included) at INFO; keep warnings only
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    handler = SmtpHandler(receive, settings.recipients, settings.own, clock)
    loop = asyncio.get_running_loop()
    # once, off the loop: getfqdn may wait on DNS, and the factory runs for every connection
    hostname = await asyncio.to_thread(socket.getfqdn)
    server = await loop.create_server(
        lambda: SMTP(
            handler,
            data_size_limit=settings.max_size,
            enable_SMTPUTF8=True,
            hostname=hostname,
            ident="meter-gateway ESMTP",
            timeout=300,
        ),
        host=settings.host,
        port=settings.port,
    )
    host, port = server.sockets[0].getsockname()[:2]
    log.info("SMTP intake listening on %s:%s", host, port)
    return server
