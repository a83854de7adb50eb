"""Messages that carry photos, received through the real intake: a Telegram photo (kept in
raw) and an email with image attachments (one of them a lie: HTML declared image/png)."""

from __future__ import annotations

import struct
import zlib
from email.message import EmailMessage

from sqlalchemy.ext.asyncio import AsyncEngine

from channels.email.mime import to_inbound
from gateway.config import load_config
from gateway.domain.chats import ChatMessage, Photo, inbound_of
from gateway.service.receive import Intake
from tests.e2e.conftest import ENV, NOW
from tests.helpers import uow_of

# the first bytes of a JPEG file (enough for the type; no browser draws it)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
NOT_AN_IMAGE = b"<html><script>alert(1)</script></html>"


def png(width: int = 320, height: int = 200, rgb: tuple[int, int, int] = (40, 90, 160)) -> bytes:
    """A real PNG of one colour (a browser draws it: its naturalWidth is ``width``)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


PNG = png()


def photo_mail(text: str = "Фото счётчика во вложении") -> bytes:
    msg = EmailMessage()
    msg["From"] = "pavel@mail.example.ru"
    msg["To"] = "readings@gateway.example.org"
    msg["Subject"] = "Показания"
    msg["Message-ID"] = "<photo-1@mail.example.ru>"
    msg.set_content(text)
    msg.add_attachment(JPEG, maintype="image", subtype="jpeg", filename="meter.jpg")
    msg.add_attachment(NOT_AN_IMAGE, maintype="image", subtype="png", filename="meter.png")
    msg.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="bill.pdf")
    return msg.as_bytes()


async def receive_photos(engine: AsyncEngine) -> tuple[int, int]:
    """(the Telegram photo's message id, the email's), both in review as ``photo``."""
    config = load_config(environ=ENV)
    intake = Intake(uow_of(engine), config.rules, config.language, lambda: NOW)
    chat = ChatMessage(update_id=501, chat_id=4242, language="ru", photo=Photo("ph-1", PNG))
    telegram = await intake.receive(inbound_of(chat, ""))
    mail = to_inbound(photo_mail(), ["readings@gateway.example.org"], "pavel@mail.example.ru")
    email = await intake.receive(mail)
    assert (telegram.status, telegram.reason) == ("review", "photo"), telegram
    assert (email.status, email.reason) == ("review", "photo"), email
    return telegram.message_id, email.message_id
