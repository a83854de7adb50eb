"""Replies by email through the configured smarthost (``smtp_out``), sent from the outbox.

A reply is threaded under the customer's message (``In-Reply-To``, ``References``,
``Re: subject``) and marked ``Auto-Submitted: auto-replied`` (RFC 3834), which is what keeps
another gateway or a vacation responder from answering it. Its Message-ID is derived from
the outbox row, so a resend after a crash is recognisably the same mail.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

import aiosmtplib

from channels.email.text import strip_reply_prefix

DEFAULT_SUBJECT = "показания"
TIMEOUT = 30


def reply_message(
    outbox_id: int, sender: str, recipient: str, body: str, meta: Mapping[str, Any] | None
) -> EmailMessage:
    meta = meta or {}
    original = str(meta.get("message_id") or "")
    references = [str(r) for r in meta.get("references") or []]
    subject = strip_reply_prefix(str(meta.get("subject") or "")) or DEFAULT_SUBJECT
    domain = sender.rpartition("@")[2] or "localhost"
    tag = hashlib.sha256(original.encode()).hexdigest()[:8]

    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = recipient
    msg["Subject"] = f"Re: {subject}"
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = f"<meter-gateway.reply.{outbox_id}.{tag}@{domain}>"
    if original:
        msg["In-Reply-To"] = original
        msg["References"] = " ".join([*references[-10:], original])
    msg["Auto-Submitted"] = "auto-replied"
    msg["X-Auto-Response-Suppress"] = "All"  # Outlook/Exchange: no out-of-office back
    msg.set_content(body)
    return msg


@dataclass(frozen=True)
class Smarthost:
    host: str
    port: int = 25
    starttls: bool = False
    user: str = ""
    password: str = ""
    sender: str = "readings@example.org"  # the From of replies


class EmailSender:
    """The outbox transport ``email``: raises on any SMTP failure, so the row is retried."""

    def __init__(self, smarthost: Smarthost) -> None:
        self.smarthost = smarthost

    async def __call__(self, outbox_id: int, recipient: str, body: str, meta: Any) -> None:
        s = self.smarthost
        await aiosmtplib.send(
            reply_message(outbox_id, s.sender, recipient, body, meta),
            hostname=s.host,
            port=s.port,
            start_tls=s.starttls,
            use_tls=False,
            username=s.user or None,
            password=s.password or None,
            timeout=TIMEOUT,
        )
