"""The photo of a meter a message holds, for staff to see (docs/staff.md, "Photos").

A Telegram photo is the message's raw bytes; an email's photos are its image attachments,
read again from the mail kept in raw (in the order the channel listed them). The type is
sniffed from the bytes: what is not a JPEG, PNG, WebP or GIF is not served as an image.
"""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from typing import Any

from gateway.domain.photos import sniff, stored_photos
from gateway.service.uow import UnitOfWorkFactory


@dataclass(frozen=True)
class Photo:
    content: bytes
    content_type: str | None  # None: the bytes are not an image we serve


async def photo(uow: UnitOfWorkFactory, message_id: int, index: int) -> Photo | None:
    """The ``index``-th photo of the message; None when it has no such photo."""
    async with uow() as work:
        found = await work.messages.photo_source(message_id)
    if found is None:
        return None
    meta, raw = found
    if index not in {p.index for p in stored_photos(meta)}:
        return None
    if isinstance(meta.get("photo"), dict):
        content: bytes | None = raw
    else:
        content = mail_image(raw, index)
    if content is None:
        return None
    return Photo(content, sniff(content))


def mail_image(raw: bytes, index: int) -> bytes | None:
    """The ``index``-th image part of a mail (the attachments the email channel listed)."""
    images: list[Any] = [
        part
        for part in BytesParser(policy=policy.default).parsebytes(raw).walk()
        if not part.is_multipart() and part.get_content_maintype() == "image"
    ]
    if index >= len(images):
        return None
    payload = images[index].get_payload(decode=True)
    return payload if isinstance(payload, bytes) else None
