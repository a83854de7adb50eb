"""With ``[ocr] enabled``, a photo sent to the bot is read before intake. A verified contact
of a one-register account who sends it without a caption is asked "На фото: N. Верно?":
"Да" makes it her reading, "Исправить" asks for the number; anyone else's photo goes to
review with what OCR read, answered as without OCR (docs/channels.md, "Photos read by OCR")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from gateway.app.keys import OUTBOX
from gateway.domain.contacts import contact
from gateway.domain.rules import Rules
from gateway.service.contacts import ContactUseCases
from storage.db import make_sessionmaker
from storage.models import Message, Reading
from tests.e2e.conftest import NOW
from tests.e2e.fake_telegram import CHAT, callback_update, message_update
from tests.e2e.test_telegram import Bot
from tests.e2e.test_telegram import bot as any_bot  # noqa: F401  (the fixture)
from tests.helpers import meter, seed, uow_of

WATER = Path(__file__).resolve().parents[1] / "fixtures" / "ocr" / "10005-water.png"
UIN = "5550001"  # one cold-water register, 5 digits and 3 decimals; its last reading 47400
READ = "47505.815"  # what the photo shows


@pytest.fixture
async def bot(any_bot: Bot) -> Bot:  # noqa: F811
    await seed(
        make_sessionmaker(any_bot.engine),
        [meter(UIN, "CW-9", service="cold_water", decimals=3)],
        [(UIN, "CW-9", 1, date(2026, 10, 20), "47400.000")],
    )
    any_bot.api.file_body = WATER.read_bytes()
    return any_bot


async def link(bot: Bot) -> None:
    """No period closed yet: the office links the customer's Telegram user to the account."""
    contacts = ContactUseCases(uow_of(bot.engine), Rules(), lambda: NOW)
    assert await contacts.link_by_staff("anna", contact("telegram", str(CHAT)), UIN)


async def message(bot: Bot, external_id: int) -> Any:
    [found] = [m for m in await bot.rows(Message) if m.external_id == str(external_id)]
    return found


async def readings(bot: Bot) -> dict[int, tuple[Decimal, str]]:
    rows = await bot.rows(Reading)
    return {r.message_id: (Decimal(r.value), str(r.status)) for r in rows if r.message_id}


ON = pytest.mark.parametrize("any_bot", [{"METER_GATEWAY_OCR_ENABLED": "true"}], indirect=True)


@ON
async def test_yes_makes_what_ocr_read_the_customers_reading(bot: Bot) -> None:
    await link(bot)
    assert (
        await bot.send(message_update(302, photo="ph-water"))
        == f"На фото: {READ.replace('.', ',')}. Верно?"
    )
    photo = await message(bot, 302)
    assert (photo.status, photo.reason, photo.uin) == ("review", "photo", UIN)
    ocr = photo.meta["ocr"]
    assert (ocr["value"], ocr["register"], ocr["split_by"]) == (READ, [5, 3], "colour")
    assert ocr["confidence"] >= 0.7 and photo.meta["ocr_asked"] is True
    assert await readings(bot) == {}  # a suggestion is not a reading
    buttons = bot.api.sent()[-1]["reply_markup"]["inline_keyboard"][0]
    assert [b["text"] for b in buttons] == ["Да", "Исправить"]
    assert [b["callback_data"] for b in buttons] == [f"ocr_yes:{photo.id}", f"ocr_fix:{photo.id}"]

    reply = await bot.send(callback_update(303, buttons[0]["callback_data"]))
    assert reply.startswith("Показания приняты") and "расход" in reply  # the normal reply
    own = await message(bot, 303)
    assert (own.text, own.status, own.channel) == (f"{UIN} {READ}", "accepted", "telegram")
    assert own.meta["corrects"] == photo.id and own.meta["ocr_confirmed"] is True
    assert await readings(bot) == {own.id: (Decimal(READ), "accepted")}
    photo = await message(bot, 302)
    assert photo.meta["superseded_by"] == own.id and photo.meta["ocr_asked"] is False

    # the question is answered: its buttons change nothing more
    assert await bot.post(callback_update(304, f"ocr_yes:{photo.id}")) == 200
    assert await bot.post(callback_update(305, f"ocr_fix:{photo.id}")) == 200
    notices = [a["text"] for a in bot.api.sent("answerCallbackQuery")[-2:]]
    assert notices == ["На этот вопрос уже ответили."] * 2
    assert await bot.app[OUTBOX].run_once() == 0
    assert len(await bot.rows(Message)) == 2


@ON
async def test_correct_it_asks_for_the_number_and_takes_the_next_message(bot: Bot) -> None:
    await link(bot)
    await bot.send(message_update(310, photo="ph-water"))
    photo = await message(bot, 310)
    asked = await bot.send(callback_update(311, f"ocr_fix:{photo.id}"))
    assert asked == "Пришлите показания счётчика, только число."
    assert (await bot.send(message_update(312, "47412.5"))).startswith("Показания приняты")
    fixed = await message(bot, 312)
    assert (fixed.text, fixed.status, fixed.meta["corrects"]) == (
        f"{UIN} 47412.5",
        "accepted",
        photo.id,
    )
    assert await readings(bot) == {fixed.id: (Decimal("47412.5"), "accepted")}
    assert (await message(bot, 310)).meta["superseded_by"] == fixed.id


@ON
async def test_another_users_press_is_refused(bot: Bot) -> None:
    await link(bot)
    await bot.send(message_update(320, photo="ph-water"))
    photo = await message(bot, 320)
    for update, action in [(321, "ocr_yes"), (322, "ocr_fix")]:
        press = callback_update(update, f"{action}:{photo.id}", chat_id=777)
        assert await bot.post(press) == 200
        answer = bot.api.sent("answerCallbackQuery")[-1]
        assert answer["text"].startswith("Эта кнопка не ваша") and answer["show_alert"] == "true"
    assert await bot.app[OUTBOX].run_once() == 0  # nothing said to any chat
    assert len(await bot.rows(Message)) == 1 and await readings(bot) == {}
    assert (await message(bot, 320)).meta["ocr_asked"] is True  # still hers to answer


@ON
async def test_an_unverified_senders_photo_goes_to_review_as_before(bot: Bot) -> None:
    # the caption names the account: OCR reads the photo for its register, but the sender
    # is no contact of it, so nothing is asked and nothing is shown
    reply = await bot.send(message_update(330, photo="ph-water", caption=UIN))
    assert "Фото получено" in reply and READ.replace(".", ",") not in reply
    assert "reply_markup" not in bot.api.sent()[-1]
    photo = await message(bot, 330)
    assert (photo.status, photo.reason, photo.uin) == ("review", "photo", UIN)
    assert photo.meta["ocr"]["value"] == READ and "ocr_asked" not in photo.meta
    assert await readings(bot) == {}
