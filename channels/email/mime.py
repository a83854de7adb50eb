"""Raw RFC 5322 bytes -> what the gateway needs of an email. Pure functions, no I/O.

Customers write from every client there is: Outlook in windows-1251 quoted-printable,
Mail.ru in koi8-r base64, Gmail HTML-only, old clients with raw 8-bit headers and no charset.
Everything here is total: a malformed message still gives a sender, a text (possibly empty)
and an id, so it can be stored and answered instead of crashing the channel.

This module builds the ``InboundMessage``; what the stdlib parser is given is bounded in
``bounds``, header decoding is in ``headers`` (charsets in ``charset``), the body part and
attachments in ``body``, and the choice of the text to parse in ``text``.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import Message
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from typing import TypeVar

from channels.email.body import Attachment, attachments, body_text
from channels.email.bounds import POLICY, bound
from channels.email.headers import from_address, header, msg_ids
from channels.email.text import choose_text
from gateway.domain.model import AUTO_META, Channel, InboundMessage, Transport, clean_text

log = logging.getLogger(__name__)

MAX_ID = 255
# Why a mail is not answered, when the reason is that a machine wrote it (a bounce, an
# auto-reply, a list, our own reply come back): such mail is stored with reason
# ``auto_reply`` and never read for readings (SPEC section 3). ``no_sender`` is not one.
AUTO_GENERATED = frozenset(
    {"auto_submitted", "precedence", "auto_header", "delivery_report", "mailer_daemon",
     "null_envelope_sender", "own_address"}
)  # fmt: skip
_AUTO_LOCALPARTS = {"mailer-daemon", "postmaster", "noreply", "no-reply", "do-not-reply"}

T = TypeVar("T")


@dataclass(frozen=True)
class ParsedEmail:
    sender: str  # the From addr-spec, lower-case; "" when there is none
    subject: str
    body: str  # the body as text (HTML converted), quotes and signatures still in
    text: str  # what the parser should read: the subject or lines of the body
    message_id: str | None  # as in the header, with its angle brackets
    references: tuple[str, ...] = ()  # References, else In-Reply-To
    auto: str | None = None  # why this must not be answered, when it must not
    attachments: tuple[Attachment, ...] = field(default=())
    reply_to: str = ""  # the Reply-To addr-spec, lower-case; "" when there is none
    return_path: str | None = None  # the envelope sender an MTA recorded, when one did
    received: datetime | None = None  # the date of the topmost Received: header
    left_out: tuple[str, ...] = ()  # what the parser was not given (``bounds``)
    digest: str = ""  # the content's hash: tells a repeat from another mail with its id


# How far the last hop's Received: date may lie before our own time (mail queued at the
# utility's relay while the gateway answered 451) or after it (clock skew) to be believed.
RECEIVED_BEFORE = timedelta(days=7)
RECEIVED_AFTER = timedelta(minutes=5)


def arrival(received: datetime | None, ours: datetime | None) -> datetime | None:
    """When the mail arrived, for the billing period: the last hop's ``Received:`` date
    where it is plausible, else our own time (the SMTP session, IMAP INTERNALDATE). A mail
    the relay accepted on the 25th and could hand over only on the 26th still counts for
    the 25th."""
    if received is None or ours is None:
        return ours
    if ours - RECEIVED_BEFORE <= received <= ours + RECEIVED_AFTER:
        return min(received, ours)
    return ours


def _received(msg: Message) -> datetime | None:
    """The date after the last ``;`` of the topmost ``Received:`` header (RFC 5321 4.4)."""
    value = msg.get("received")
    if value is None:
        return None
    try:
        when = parsedate_to_datetime(str(value).rpartition(";")[2].strip())
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo is not None else None


def parse_email(raw: bytes) -> ParsedEmail:
    """What the gateway needs of ``raw``. The stdlib parser reads only the bounded view of
    it (``bounds``), so no header and no body costs more than a bounded amount."""
    bounded = bound(raw)
    try:
        msg = BytesParser(policy=POLICY).parsebytes(bounded.view)
    except Exception:  # the stdlib parser is lenient; this is a last resort
        log.exception("unparseable email of %d bytes", len(raw))
        return ParsedEmail("", "", "", "", None, left_out=bounded.cut, digest=bounded.digest)
    sender = from_address(msg)
    subject = header(msg, "subject")
    body = _safe(lambda: body_text(msg), "")
    ids = msg_ids(header(msg, "message-id"))
    return ParsedEmail(
        sender=sender,
        subject=subject,
        body=body,
        text=choose_text(subject, body),
        message_id=ids[0] if ids else None,
        references=tuple(msg_ids(header(msg, "references")) or msg_ids(header(msg, "in-reply-to"))),
        auto=auto_reason(msg, sender),
        attachments=tuple(_safe(lambda: attachments(msg), [])),
        received=_safe(lambda: _received(msg), None),
        reply_to=from_address(msg, "reply-to"),
        return_path=header(msg, "return-path") if "return-path" in msg else None,
        left_out=bounded.cut,
        digest=bounded.digest,
    )


def to_inbound(
    raw: bytes,
    own_addresses: Iterable[str],
    envelope_from: str | None = None,
    recipient: str = "",
    received_at: datetime | None = None,
) -> InboundMessage:
    """The ``InboundMessage`` for one email. ``envelope_from`` is SMTP's MAIL FROM (``<>`` is
    a bounce); a message that must not be answered is still stored, with no ``reply_via``.
    ``received_at`` is when the channel got it (see ``arrival``)."""
    mail = parse_email(raw)
    own = {a.strip().lower() for a in own_addresses if a.strip()}
    no_reply = mail.auto
    if envelope_from is None:  # IMAP: what the delivering MTA recorded, if anything
        envelope_from = mail.return_path
    if no_reply is None and envelope_from is not None and envelope_from.strip("<> ") == "":
        no_reply = "null_envelope_sender"
    # no From: the envelope sender stands for it (the reply address, the rate-limit bucket)
    sender = mail.sender or _address(envelope_from)
    reply_to = reply_address(mail, envelope_from)
    if no_reply is None and (sender in own or reply_to in own):
        no_reply = "own_address"
    if no_reply is None and not sender:
        no_reply = "no_sender"
    meta: dict[str, object] = {
        "message_id": mail.message_id,
        "references": list(mail.references),
        "subject": clean_text(mail.subject)[:500],
    }
    if reply_to and reply_to != sender:
        meta["reply_to"] = clean_text(reply_to)[:255]
    if sender and not mail.sender:
        meta["sender_from"] = "envelope"  # the mail had no From:
    if mail.digest:
        meta["digest"] = mail.digest
    if mail.left_out:
        meta["left_out"] = list(mail.left_out)  # over a bound: kept in raw, not read
    if mail.attachments:
        listed = [a.as_json() for a in mail.attachments]
        if any(note.startswith("body:") for note in mail.left_out):
            listed[-1]["partial"] = True  # read up to the bound: its size is what was read
        meta["attachments"] = listed
    if any(a.content_type.startswith("image/") for a in mail.attachments):
        meta["photo"] = True  # a photo of the meter: staff can read it if the text cannot
    if no_reply:
        meta["no_reply"] = no_reply
    if no_reply in AUTO_GENERATED:
        meta[AUTO_META] = True  # stored with reason auto_reply, never read for readings
    return InboundMessage(
        channel=Channel.EMAIL,
        external_id=external_id(mail.message_id, raw),
        sender=clean_text(sender)[:255],
        recipient=clean_text(recipient.lower())[:255],
        text=clean_text(mail.text),
        reply_via=None if no_reply else Transport.EMAIL,
        received_at=arrival(mail.received, received_at),
        meta=meta,
        raw=raw,
    )


def reply_address(mail: ParsedEmail, envelope_from: str | None) -> str:
    """Where a reply goes: Reply-To, else the envelope sender, else From. The envelope
    sender is the one the receiving MTA saw, so a forged From gets no backscatter."""
    return mail.reply_to or _address(envelope_from) or mail.sender


def _address(envelope: str | None) -> str:
    """An envelope sender (MAIL FROM, Return-Path) as an addr-spec; "" for ``<>``/none."""
    address = (envelope or "").strip().strip("<>").strip().lower()
    return address if "@" in address else ""


def external_id(message_id: str | None, raw: bytes) -> str:
    """The Message-ID; a hash of the raw message when there is none (or it is absurd)."""
    if message_id and len(message_id) <= MAX_ID:
        return message_id
    source = message_id.encode() if message_id else raw
    return "sha256:" + hashlib.sha256(source).hexdigest()


def auto_reason(msg: Message, sender: str) -> str | None:
    """Why a message must not be answered (RFC 3834 and what mail servers really send), so
    two auto-responders — or two gateways — cannot loop."""
    auto_submitted = header(msg, "auto-submitted").lower()
    if auto_submitted and auto_submitted != "no":
        return "auto_submitted"
    if header(msg, "precedence").lower() in {"bulk", "junk", "list", "auto_reply"}:
        return "precedence"
    if any(header(msg, h) for h in ("x-autoreply", "x-autorespond", "list-id")):
        return "auto_header"
    if msg.get_content_type() == "multipart/report":
        return "delivery_report"
    if sender.partition("@")[0] in _AUTO_LOCALPARTS:
        return "mailer_daemon"
    return None


def _safe(fn: Callable[[], T], default: T) -> T:
    """``fn()``, or ``default`` when a broken part makes it raise: the rest still counts."""
    try:
        return fn()
    except Exception:
        log.exception("email part could not be read")
        return default
