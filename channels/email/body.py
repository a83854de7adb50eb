"""The body of a parsed email: the text to read, and the attachments listed for staff.

text/plain is preferred; text/html is converted when there is no plain part, or when the
plain part is empty or whitespace (some clients send the readings only in the HTML part).
Each part is decoded in its own charset (``charset``).
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage, Message

from channels.email.charset import decode_bytes
from channels.email.headers import decode_2047
from channels.email.html import html_to_text
from gateway.domain.model import clean_text


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    size: int

    def as_json(self) -> dict[str, str | int]:
        return {"filename": self.filename, "content_type": self.content_type, "size": self.size}


def body_text(msg: Message) -> str:
    """text/plain preferred, else text/html converted; "" when the message has neither."""
    part = _body_part(msg)
    if part is None:
        return ""
    text = _text_of(part)
    if not text.strip() and part.get_content_subtype() == "plain":
        html = _body_part(msg, ("html",))
        if html is not None:
            text = _text_of(html)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _text_of(part: Message) -> str:
    text = _part_text(part)
    return html_to_text(text) if part.get_content_subtype() == "html" else text


def _body_part(msg: Message, kinds: tuple[str, ...] = ("plain", "html")) -> Message | None:
    if isinstance(msg, EmailMessage):
        part = msg.get_body(preferencelist=kinds)
        if part is not None:
            return part
    # a body the stdlib does not pick (e.g. a text part marked "attachment" by a bad client)
    for sub in msg.walk():
        if sub.get_content_maintype() == "text" and sub.get_content_subtype() in kinds:
            return sub
    return None


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return decode_bytes(payload, part.get_content_charset())


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
                filename=clean_text(decode_2047(part.get_filename() or ""))[:255],
                content_type=part.get_content_type(),
                size=len(payload) if isinstance(payload, bytes) else 0,
            )
        )
    return found
