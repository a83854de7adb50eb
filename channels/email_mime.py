"""Raw RFC 5322 bytes -> what the gateway needs of an email. Pure functions, no I/O.

Customers write from every client there is: Outlook in windows-1251 quoted-printable,
Mail.ru in koi8-r base64, Gmail HTML-only, old clients with raw 8-bit headers and no charset.
Everything here is total: a malformed message still gives a sender, a text (possibly empty)
and an id, so it can be stored and answered instead of crashing the channel.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses
from html.parser import HTMLParser
from typing import Any

from gateway.domain.model import Channel, InboundMessage, clean_text
from parsers import parse

log = logging.getLogger(__name__)

MAX_ID = 255
MAX_TEXT_LINES = 12  # a block of readings is a few lines; more is a letter, not a submission
MAX_SCAN = 20_000  # characters of a body searched for readings: they are at the top
# Charsets Russian mail declares wrongly or not at all, tried in this order.
FALLBACK_CHARSETS = ("utf-8", "windows-1251", "koi8-r")

_REPLY_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|wg|ответ|отв|пересл)\s*(\[\d+\])?\s*:\s*)+", re.I)
_QUOTE_HEADER = re.compile(
    r"(wrote|writes|написал|написала|написал\(а\)|пишет)\s*:\s*$|@[^\s]+>?\s*:\s*$", re.I
)
_CUT_MARKERS = re.compile(
    r"^\s*(-{2,}\s*(original message|исходное сообщение|оригинальное сообщение)\s*-{2,}"
    r"|-- ?$|__+$"
    r"|(отправлено|sent|получено|послано)\s+(с|со|из|from|via|with)\b.*"
    r"|с уважением\b.*|best regards\b.*|kind regards\b.*)",
    re.I,
)
_AUTO_LOCALPARTS = {"mailer-daemon", "postmaster", "noreply", "no-reply", "do-not-reply"}


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    size: int

    def as_json(self) -> dict[str, Any]:
        return {"filename": self.filename, "content_type": self.content_type, "size": self.size}


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


def parse_email(raw: bytes) -> ParsedEmail:
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception:  # the stdlib parser is lenient; this is a last resort
        log.exception("unparseable email of %d bytes", len(raw))
        return ParsedEmail("", "", "", "", None)
    sender = _sender(msg)
    subject = _header(msg, "subject")
    body = _safe(lambda: body_text(msg), "")
    ids = _msg_ids(_header(msg, "message-id"))
    return ParsedEmail(
        sender=sender,
        subject=subject,
        body=body,
        text=choose_text(subject, body),
        message_id=ids[0] if ids else None,
        references=tuple(
            _msg_ids(_header(msg, "references")) or _msg_ids(_header(msg, "in-reply-to"))
        ),
        auto=auto_reason(msg, sender),
        attachments=tuple(_safe(lambda: attachments(msg), [])),
        reply_to=_sender(msg, "reply-to"),
        return_path=_header(msg, "return-path") if "return-path" in msg else None,
    )


def to_inbound(
    raw: bytes, own_addresses: Iterable[str], envelope_from: str | None = None, recipient: str = ""
) -> InboundMessage:
    """The ``InboundMessage`` for one email. ``envelope_from`` is SMTP's MAIL FROM (``<>`` is
    a bounce); a message that must not be answered is still stored, with no ``reply_via``."""
    mail = parse_email(raw)
    own = {a.strip().lower() for a in own_addresses if a.strip()}
    no_reply = mail.auto
    if envelope_from is None:  # IMAP: what the delivering MTA recorded, if anything
        envelope_from = mail.return_path
    if no_reply is None and envelope_from is not None and envelope_from.strip("<> ") == "":
        no_reply = "null_envelope_sender"
    reply_to = reply_address(mail, envelope_from)
    if no_reply is None and (mail.sender in own or reply_to in own):
        no_reply = "own_address"
    if no_reply is None and not mail.sender:
        no_reply = "no_sender"
    meta: dict[str, Any] = {
        "message_id": mail.message_id,
        "references": list(mail.references),
        "subject": clean_text(mail.subject)[:500],
    }
    if reply_to and reply_to != mail.sender:
        meta["reply_to"] = clean_text(reply_to)[:255]
    if mail.attachments:
        meta["attachments"] = [a.as_json() for a in mail.attachments]
    if no_reply:
        meta["no_reply"] = no_reply
    return InboundMessage(
        channel=Channel.EMAIL,
        external_id=external_id(mail.message_id, raw),
        sender=clean_text(mail.sender)[:255],
        recipient=clean_text(recipient.lower())[:255],
        text=clean_text(mail.text),
        reply_via=None if no_reply else "email",
        meta=meta,
        raw=raw,
    )


def reply_address(mail: ParsedEmail, envelope_from: str | None) -> str:
    """Where a reply goes: Reply-To, else the envelope sender, else From. The envelope
    sender is the one the receiving MTA saw, so a forged From gets no backscatter."""
    envelope = (envelope_from or "").strip().strip("<>").strip().lower()
    return mail.reply_to or (envelope if "@" in envelope else mail.sender)


def external_id(message_id: str | None, raw: bytes) -> str:
    """The Message-ID; a hash of the raw message when there is none (or it is absurd)."""
    if message_id and len(message_id) <= MAX_ID:
        return message_id
    source = message_id.encode() if message_id else raw
    return "sha256:" + hashlib.sha256(source).hexdigest()


# --- choosing the text -------------------------------------------------------------------


def strip_reply_prefix(subject: str) -> str:
    return _REPLY_PREFIX.sub("", subject).strip()


def choose_text(subject: str, body: str) -> str:
    """SPEC §2: the subject when it names an account, else the first body lines that do."""
    subject = strip_reply_prefix(" ".join(subject.split()))
    if subject and parse(subject).uin is not None:
        return subject
    lines = own_lines(body)
    block = _reading_block(lines)
    if block:
        return "\n".join(block)
    first = next((line for line in lines if line), "")
    return first or subject


def own_lines(body: str) -> list[str]:
    """The sender's own words: the body up to a quoted reply or a signature, stripped."""
    out: list[str] = []
    for raw_line in body[:MAX_SCAN].splitlines():
        line = raw_line.replace("\xa0", " ").strip()
        if line.startswith(">"):
            continue
        if _CUT_MARKERS.match(line) or _QUOTE_HEADER.search(line):
            break
        out.append(line)
    return out


def _reading_block(lines: list[str]) -> list[str]:
    """From the first line that names an account, take the following non-empty lines as
    long as together they still parse (``ЛС 1234567`` / ``Т1 5123`` / ``Т2 2010``).

    A line that reads cleanly wins over an earlier one that only starts with a number (a
    bounce's ``... said: 550 5.1.1``); failing both, the first line with a number, so the
    customer's reply names what is wrong with it."""
    starts = [i for i, line in enumerate(lines) if line and parse(line).uin is not None]
    clean = [i for i in starts if parse(lines[i]).error in (None, "reading_count_mismatch")]
    for i in clean[:1] or starts[:1]:
        block = [lines[i]]
        for nxt in lines[i + 1 : i + MAX_TEXT_LINES]:
            if not nxt or parse("\n".join([*block, nxt])).error is not None:
                break
            block.append(nxt)
        return block
    return []


# --- headers -----------------------------------------------------------------------------


def _header(msg: Message, name: str) -> str:
    """A header as text, also when a client sent raw 8-bit bytes instead of RFC 2047."""
    raw = next((v for k, v in msg.raw_items() if k.lower() == name), None)
    if raw is None:
        return ""
    if any("\udc80" <= ch <= "\udcff" for ch in raw):
        raw = _decode_bytes(raw.encode("ascii", "surrogateescape"), None)
        return _unfold(_decode_2047(raw))
    try:
        return _unfold(str(msg[name]))
    except Exception:
        return _unfold(_decode_2047(raw))


def _decode_2047(value: str) -> str:
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except Exception:
        return value


def _unfold(value: str) -> str:
    return " ".join(value.split())


def _msg_ids(value: str) -> list[str]:
    ids = re.findall(r"<[^<>\s]+>", value)
    if ids:
        return ids
    return [f"<{value.strip()}>"] if value.strip() and " " not in value.strip() else []


def _sender(msg: Message, name: str = "from") -> str:
    value = _header(msg, name)
    try:
        addresses = [addr for _, addr in getaddresses([value]) if "@" in addr]
    except Exception:
        addresses = []
    return addresses[0].strip().lower() if addresses else ""


def auto_reason(msg: Message, sender: str) -> str | None:
    """Why a message must not be answered (RFC 3834 and what mail servers really send), so
    two auto-responders — or two gateways — cannot loop."""
    auto_submitted = _header(msg, "auto-submitted").lower()
    if auto_submitted and auto_submitted != "no":
        return "auto_submitted"
    if _header(msg, "precedence").lower() in {"bulk", "junk", "list", "auto_reply"}:
        return "precedence"
    if any(_header(msg, h) for h in ("x-autoreply", "x-autorespond", "list-id")):
        return "auto_header"
    if msg.get_content_type() == "multipart/report":
        return "delivery_report"
    if sender.partition("@")[0] in _AUTO_LOCALPARTS:
        return "mailer_daemon"
    return None


# --- body --------------------------------------------------------------------------------


def body_text(msg: Message) -> str:
    """text/plain preferred, else text/html converted; "" when the message has neither."""
    part = _body_part(msg)
    if part is None:
        return ""
    text = _part_text(part)
    if part.get_content_subtype() == "html":
        text = html_to_text(text)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _body_part(msg: Message) -> Message | None:
    if isinstance(msg, EmailMessage):
        part = msg.get_body(preferencelist=("plain", "html"))
        if part is not None:
            return part
    # a body the stdlib does not pick (e.g. a text part marked "attachment" by a bad client)
    for sub in msg.walk():
        if sub.get_content_maintype() == "text" and sub.get_content_subtype() in ("plain", "html"):
            return sub
    return None


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return _decode_bytes(payload, part.get_content_charset())


def _decode_bytes(data: bytes, declared: str | None) -> str:
    candidates = [declared] if declared and declared not in ("us-ascii", "ascii") else []
    for charset in [*candidates, *FALLBACK_CHARSETS]:
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", "replace")  # unreachable: koi8-r decodes any byte


def attachments(msg: Message) -> list[Attachment]:
    body = _body_part(msg)
    found = []
    for part in msg.walk():
        if part.is_multipart() or part is body:
            continue
        if part.get_content_maintype() == "text" and part.get_filename() is None:
            continue  # the other alternative of the body
        payload = part.get_payload(decode=True)
        found.append(
            Attachment(
                filename=clean_text(_decode_2047(part.get_filename() or ""))[:255],
                content_type=part.get_content_type(),
                size=len(payload) if isinstance(payload, bytes) else 0,
            )
        )
    return found


class _HtmlText(HTMLParser):
    """HTML -> plain lines: blocks become lines, quotes become ``>`` lines (dropped later),
    scripts and styles vanish. Entities are resolved by the parser."""

    BLOCKS = frozenset(
        {
            "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt",
            "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
            "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul",
        }
    )  # fmt: skip
    SKIP = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.quote_depth = 0
        self.skip_depth = 0

    def _flush(self) -> None:
        line = " ".join("".join(self.current).split())
        self.lines.append(("> " if self.quote_depth else "") + line if line else "")
        self.current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skip_depth += 1
        elif tag in self.BLOCKS:
            self._flush()
        if tag == "blockquote":
            self.quote_depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in self.BLOCKS:
            self._flush()
        if tag == "blockquote":
            self.quote_depth = max(0, self.quote_depth - 1)

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.current.append(data)


def html_to_text(html: str) -> str:
    converter = _HtmlText()
    try:
        converter.feed(html)
        converter.close()
    except Exception:  # HTMLParser is lenient; keep whatever it had read
        log.warning("HTML body could not be fully converted")
    converter._flush()
    lines: list[str] = []
    for line in converter.lines:
        if line or (lines and lines[-1]):
            lines.append(line)
    return "\n".join(lines).strip()


def _safe(fn: Any, default: Any) -> Any:
    try:
        return fn()
    except Exception:
        log.exception("email part could not be read")
        return default
