"""Photos read before intake (docs/channels.md, "Photos read by OCR").

With ``[ocr] enabled`` the composition root wraps the intake's ``Receive``: a message that
holds a photo (a Telegram photo, an email's first image attachment) and whose text gives no
reading has its photo read, and the suggestion goes into the message's meta as ``ocr``
before the message is stored and decided. The decision itself is the same as without OCR
(a photo goes to review): a suggestion is never a reading until the customer or a clerk
confirms it. The register it is matched against is the account's one register, when the
text names an account that has exactly one.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from gateway.domain.model import InboundMessage
from gateway.domain.rules import Rules
from gateway.service.forms import registers_of
from gateway.service.ocr import PhotoReader
from gateway.service.photos import mail_image
from gateway.service.receive import Clock, Receipt, Receive
from gateway.service.uow import UnitOfWorkFactory
from parsers import parse

log = logging.getLogger(__name__)


def photo_of(inbound: InboundMessage) -> bytes | None:
    """The photo a message holds, to read: a Telegram photo's bytes, an email's first image
    attachment; None for any other message."""
    meta = inbound.meta or {}
    photo = meta.get("photo")
    if not photo or not inbound.raw:
        return None
    if isinstance(photo, dict):
        return inbound.raw if photo.get("stored_in") == "raw" else None
    return mail_image(inbound.raw, 0)


def reading_photos(
    reader: PhotoReader, uow: UnitOfWorkFactory, rules: Rules, clock: Clock, receive: Receive
) -> Receive:
    """``receive`` with the photos of messages without readings read first."""

    async def receive_read(inbound: InboundMessage) -> Receipt:
        image = photo_of(inbound)
        parsed = parse(inbound.text) if image is not None else None
        if image is not None and parsed is not None and not parsed.readings:
            register = await _one_register(uow, parsed.uin, clock, rules)
            found = await reader.read(image, register)
            if found is not None:
                meta: dict[str, Any] = {**(inbound.meta or {}), "ocr": found}
                inbound = replace(inbound, meta=meta)
        return await receive(inbound)

    return receive_read


async def _one_register(
    uow: UnitOfWorkFactory, uin: str | None, clock: Clock, rules: Rules
) -> tuple[int, int] | None:
    """The ``(digits, decimals)`` of the account's register when it has exactly one."""
    registers = await registers_of(uow, uin, clock(), rules) if uin else None
    if registers is None or len(registers) != 1:
        return None
    return registers[0].digits, registers[0].decimals
