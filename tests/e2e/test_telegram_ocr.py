"""With ``[ocr] enabled``, a photo sent to the bot is read before intake: from a chat linked
to a one-register account, without a caption, it goes to review with what OCR read for that
register; the reply is the photo's as without OCR (docs/channels.md, "Photos read by OCR")."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from gateway.domain.contacts import contact
from gateway.domain.rules import Rules
from gateway.service.contacts import ContactUseCases
from storage.db import make_sessionmaker
from storage.models import Message, Reading
from tests.e2e.conftest import NOW
from tests.e2e.fake_telegram import CHAT, message_update
from tests.e2e.test_telegram import bot  # noqa: F401  (the fixture)
from tests.helpers import meter, seed, uow_of

WATER = Path(__file__).resolve().parents[1] / "fixtures" / "ocr" / "10005-water.png"
UIN = "5550001"  # one cold-water register, 5 digits and 3 decimals; its last reading 47400


@pytest.mark.parametrize("bot", [{"METER_GATEWAY_OCR_ENABLED": "true"}], indirect=True)
async def test_a_photo_from_a_linked_chat_is_read_for_its_register(bot) -> None:  # noqa: F811
    await seed(
        make_sessionmaker(bot.engine),
        [meter(UIN, "CW-9", service="cold_water", decimals=3)],
        [(UIN, "CW-9", 1, date(2026, 10, 20), "47400.000")],
    )
    # no period closed yet: the office links the customer's Telegram user to the account
    contacts = ContactUseCases(uow_of(bot.engine), Rules(), lambda: NOW)
    assert await contacts.link_by_staff("anna", contact("telegram", str(CHAT)), UIN)
    bot.api.file_body = WATER.read_bytes()
    readings = await bot.count(Reading)
    reply = await bot.send(message_update(302, photo="ph-water"))
    assert "Фото получено" in reply
    [message] = [m for m in await bot.rows(Message) if m.external_id == "302"]
    assert (message.status, message.reason, message.uin) == ("review", "photo", UIN)
    ocr = message.meta["ocr"]
    assert (ocr["value"], ocr["register"], ocr["split_by"]) == ("47505.815", [5, 3], "colour")
    assert 0.5 <= ocr["confidence"] <= 1
    assert await bot.count(Reading) == readings  # a suggestion is not a reading
