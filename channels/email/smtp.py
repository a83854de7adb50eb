"""The gateway's own SMTP intake (aiosmtpd), served in the gateway's event loop.

Courier's order, in SMTP's words: RCPT checks the address (550 for anything not in
``smtp.recipients``), aiosmtpd enforces ``smtp.max_size`` (552), DATA builds one
``InboundMessage`` and hands it to the intake; ``250`` is answered only after the commit,
``451`` (try later) when the database is unavailable, so the sending MTA keeps the mail.
Lines of any length are taken within ``smtp.max_size`` (``CountedSMTP``).
At most ``smtp.max_sessions`` connections at a time (each may buffer ``max_size`` bytes);
one more is answered ``421`` and closed, and the MTA retries it later.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from channels.email.mime import to_inbound
from gateway.domain.clock import utc_now
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
    max_sessions: int = 100  # concurrent connections; more get 421 (each may hold max_size)


class SmtpHandler:
    def __init__(
        self,
        receive: Receive,
        recipients: Iterable[str],
        own: Iterable[str],
        clock: Callable[[], datetime] = utc_now,
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


class TooBusy(asyncio.Protocol):
    """A connection beyond ``max_sessions``: 421 (the sending MTA retries later), closed."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.WriteTransport)
        transport.write(b"421 4.3.2 too many connections, try again later\r\n")
        transport.close()


class CountedSMTP(SMTP):
    """An SMTP session that gives its place back when its connection ends. A line of any
    length is taken within ``data_size_limit``: mail clients write HTML in lines far over
    RFC 5321's 1,000 bytes, and aiosmtpd's default refuses them with a permanent 500."""

    def __init__(self, *args: Any, release: Callable[[], None], **kwargs: Any) -> None:
        # read by SMTP.__init__ for its stream reader's limit, so set before it
        self.line_length_limit = max(SMTP.line_length_limit, kwargs.get("data_size_limit") or 0)
        super().__init__(*args, **kwargs)
        self._release: Callable[[], None] | None = release

    async def push(self, status: Any) -> None:
        if isinstance(status, str) and status.startswith("500 Line too long"):
            # a line longer than the size limit: the mail is over smtp.max_size, and gets
            # the size answer (552) as any other; the MTA tells its sender why
            status = "552 5.3.4 Error: too much mail data"
        await super().push(status)

    def connection_lost(self, exc: Exception | None) -> None:
        release, self._release = self._release, None
        if release is not None:
            release()
        super().connection_lost(exc)


async def start_smtp_server(
    receive: Receive,
    settings: SmtpSettings,
    clock: Callable[[], datetime] = utc_now,
) -> asyncio.Server:
    """Listen on ``settings.host:port`` (port 0: any free port, see ``server.sockets``)."""
    # aiosmtpd logs every command (addresses included) at INFO; keep warnings only
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    handler = SmtpHandler(receive, settings.recipients, settings.own, clock)
    loop = asyncio.get_running_loop()
    # once, off the loop: getfqdn may wait on DNS, and the factory runs for every connection
    hostname = await asyncio.to_thread(socket.getfqdn)
    active = 0

    def release() -> None:
        nonlocal active
        active -= 1

    def session() -> asyncio.Protocol:
        nonlocal active
        if active >= settings.max_sessions:
            log.warning("SMTP: %d sessions open, refusing one more with 421", active)
            return TooBusy()
        active += 1
        return CountedSMTP(
            handler,
            release=release,
            data_size_limit=settings.max_size,
            enable_SMTPUTF8=True,
            hostname=hostname,
            ident="meter-gateway ESMTP",
            timeout=300,
        )

    server = await loop.create_server(
        session,
        host=settings.host,
        port=settings.port,
    )
    host, port = server.sockets[0].getsockname()[:2]
    log.info("SMTP intake listening on %s:%s", host, port)
    return server
