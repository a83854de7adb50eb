"""With ``[ocr] enabled``, a photo without readings is read before intake and goes to review
with the suggestion in its meta; the staff card shows it pre-filled with an "OCR" mark and the
boxes over the photo, and Enter accepts it. The gateway's own app and intake, both databases
(docs/channels.md, "Photos read by OCR"; docs/staff.md, "Photos")."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import aiohttp
import pytest
from PIL import Image
from playwright.async_api import Page
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from channels.email.mime import to_inbound
from gateway.domain.chats import ChatMessage, Photo, inbound_of
from gateway.domain.model import InboundMessage
from gateway.http.keys import RECEIVE
from gateway.service.receive import Receipt
from storage.db import make_sessionmaker
from storage.models import Message, Reading
from tests.helpers import meter, seed
from tests.web.conftest import log_in as browser_log_in
from tests.web.conftest import serve
from tests.web.photo_messages import photo_mail
from tests.web.test_supplier_day import log_in

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ocr"
WATER = (FIXTURES / "10005-water.png").read_bytes()  # 47505.815 on 5 black and 3 red drums
UIN = "5550001"  # one cold-water register: 5 digits, 3 decimals


def jpeg(png: bytes) -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


@pytest.fixture
async def gateway(engine: AsyncEngine) -> AsyncIterator[tuple[str, list]]:
    await seed(
        engine,
        [meter(UIN, "CW-9", service="cold_water", decimals=3)],
        [(UIN, "CW-9", 1, date(2026, 10, 20), "47400.000")],
    )
    apps: list = []
    async with serve(engine, apps=apps, METER_GATEWAY_OCR_ENABLED="true") as url:
        yield url, apps


async def receive(apps: list, inbound: InboundMessage) -> Receipt:
    return await apps[0][RECEIVE](inbound)


async def stored(engine: AsyncEngine, message_id: int) -> Message:
    async with make_sessionmaker(engine)() as s:
        return (await s.execute(select(Message).where(Message.id == message_id))).scalar_one()


def chat(update_id: int, photo: bytes) -> ChatMessage:
    return ChatMessage(update_id, chat_id=4343, language="ru", photo=Photo("ph-ocr", photo))


async def test_a_photo_is_read_before_review_and_pre_filled_on_the_card(
    gateway: tuple[str, list], engine: AsyncEngine
) -> None:
    base, apps = gateway
    # a Telegram photo with the UIN only: read against the account's one register
    telegram = await receive(apps, inbound_of(chat(9001, WATER), UIN))
    # an email's photo, no account named: read as the face shows it (red drums: decimals)
    email = await receive(apps, _with_first_image(photo_mail("Фото счётчика"), jpeg(WATER)))
    # readings in the caption: the text is what counts, the photo is not read
    typed = await receive(apps, inbound_of(chat(9002, WATER), f"{UIN} 47501,000"))
    assert (telegram.status, telegram.reason) == ("review", "photo"), telegram
    assert (email.status, email.reason) == ("review", "photo"), email
    assert typed.status == "accepted", typed
    first = (await stored(engine, telegram.message_id)).meta["ocr"]
    assert (first["value"], first["register"], first["split_by"]) == ("47505.815", [5, 3], "colour")
    assert (await stored(engine, email.message_id)).meta["ocr"]["value"] == "47505.815"
    assert "ocr" not in (await stored(engine, typed.message_id)).meta
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        await log_in(client, base)
        async with client.get(f"{base}/staff/review") as resp:
            page = await resp.text()
    card = page[page.index(f'id="m{telegram.message_id}"') :]
    card = card[: card.index("</article>")]
    assert 'value="47505.815"' in card and 'class="tag ocr"' in card
    assert '<svg class="ocr-boxes" viewBox="0 0 ' in card and "<polygon points=" in card
    other = page[page.index(f'id="m{email.message_id}"') :]
    assert 'data-ocr="47505.815"' in other[: other.index("</article>")]  # for photo.js


async def test_enter_accepts_the_pre_filled_reading(
    gateway: tuple[str, list], engine: AsyncEngine, page: Page
) -> None:
    base, apps = gateway
    receipt = await receive(apps, inbound_of(chat(9003, WATER), UIN))
    unnamed = await receive(apps, inbound_of(chat(9004, WATER), ""))  # no account: no register
    await browser_log_in(page, base)
    # the card of the photo without an account: the account typed, its one register loads
    # with the suggestion pre-filled and marked (static/photo.js)
    card = page.locator(f"#m{unnamed.message_id}")
    await card.get_by_label("УИН на фото").fill(UIN)
    await card.get_by_label("УИН на фото").press("Enter")
    loaded = card.locator(f"#photo-{unnamed.message_id}-p1")
    await loaded.wait_for()
    assert await loaded.input_value() == "47505.815"
    assert "OCR" in await card.locator(".photo-values .tag.ocr").inner_text()
    field = page.locator(f"#value-{receipt.message_id}-1")
    assert await field.input_value() == "47505.815"
    await field.focus()
    async with page.expect_navigation():
        await page.keyboard.press("Enter")  # one key
    message = await stored(engine, receipt.message_id)
    async with make_sessionmaker(engine)() as s:
        values = (await s.execute(select(Reading.value).where(
            Reading.message_id == receipt.message_id))).scalars().all()  # fmt: skip
    assert (message.status, message.uin, values) == ("accepted", UIN, [Decimal("47505.815")])


def _with_first_image(raw: bytes, image: bytes) -> InboundMessage:
    """``photo_mail`` with its first image attachment replaced by ``image``."""
    from email import policy
    from email.parser import BytesParser

    msg = BytesParser(policy=policy.default).parsebytes(raw)
    for part in msg.walk():
        if part.get_content_type() == "image/jpeg":
            part.set_content(image, maintype="image", subtype="jpeg", filename="meter.jpg")
            break
    return to_inbound(msg.as_bytes(), ["readings@gateway.example.org"], "pavel@mail.example.ru")
