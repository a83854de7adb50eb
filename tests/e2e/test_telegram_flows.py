"""Linking with verification, history, several accounts, the answer to a review, reminders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from gateway.app.factory import OUTBOX
from gateway.http.keys import REMINDERS
from storage.db import make_sessionmaker
from storage.models import Message, Reading, TelegramLink
from tests.e2e.conftest import NOW
from tests.e2e.fake_telegram import callback_update, message_update
from tests.e2e.test_telegram import bot  # noqa: F401  (the fixture)


async def link(bot, first_update: int, uin: str, answer: str) -> str:  # noqa: F811
    await bot.send(message_update(first_update, f"/link {uin}"))
    return await bot.send(message_update(first_update + 1, answer))


async def test_link_asks_for_the_bills_reading_and_links_when_it_matches(bot) -> None:  # noqa: F811
    ask = await bot.send(message_update(100, "/link 1234567"))
    assert "предыдущее показание из квитанции" in ask
    assert "Осталось попыток сегодня: 2" in await bot.send(message_update(101, "4900"))
    assert await bot.count(TelegramLink) == 0
    assert "Счёт 1234567 привязан" in await bot.send(message_update(102, "1975"))  # T2's last
    assert await bot.count(TelegramLink) == 1
    # now without the UIN
    assert (await bot.send(message_update(103, "05123 02010"))).startswith("Показания приняты")
    stored = [m for m in await bot.rows(Message) if m.external_id == "103"]
    assert stored[0].uin == "1234567" and stored[0].meta["typed"] == "05123 02010"
    history = await bot.send(message_update(104, "/history"))
    # the service as on the bill, both zones labelled, consumption with its unit
    assert "1234567 электроэнергия T1: 20.11.2026 5123, расход 123 кВт·ч" in history
    assert "1234567 электроэнергия T1: 20.10.2026 5000\n" in history
    assert "1234567 электроэнергия T2: 20.11.2026 2010, расход 35 кВт·ч" in history
    assert "E-1" not in history
    assert "Счёт 1234567 отвязан" in await bot.send(message_update(105, "/unlink 1234567"))
    assert await bot.count(TelegramLink) == 0


async def test_an_unknown_uin_is_asked_for_like_a_known_one(bot) -> None:  # noqa: F811
    ask = await bot.send(message_update(110, "/link 9999999"))
    assert "9999999" in ask and "предыдущее показание" in ask
    assert "Не совпадает" in await bot.send(message_update(111, "5000"))


async def test_three_failures_lock_linking_until_the_next_day(bot) -> None:  # noqa: F811
    await bot.send(message_update(120, "/link 1234567"))
    assert "попыток сегодня: 2" in await bot.send(message_update(121, "1"))
    assert "попыток сегодня: 1" in await bot.send(message_update(122, "2"))
    assert "можно будет завтра" in await bot.send(message_update(123, "3"))
    assert "можно будет завтра" in await bot.send(message_update(124, "/link 1234567"))
    assert await bot.count(TelegramLink) == 0
    bot.now[0] = NOW + timedelta(days=1)
    assert "Счёт 1234567 привязан" in await link(bot, 125, "1234567", "5000")


async def test_several_accounts_ask_which_one(bot) -> None:  # noqa: F811
    await link(bot, 130, "1234567", "5000")
    await link(bot, 132, "7654321", "100")
    question = await bot.send(message_update(134, "105.5 41"))
    assert question == "К какому счёту относятся показания?"
    markup = bot.api.sent()[-1]["reply_markup"]
    choice = markup["inline_keyboard"][1][0]
    assert choice["text"] == "7654321"
    reply = await bot.send(callback_update(135, choice["callback_data"]))
    assert reply.startswith("Показания приняты")
    [message] = [m for m in await bot.rows(Message) if m.external_id == "134"]
    assert message.uin == "7654321"
    assert bot.api.sent("answerCallbackQuery")
    # pressing again stores nothing new
    assert await bot.post(callback_update(136, choice["callback_data"])) == 200
    assert len([m for m in await bot.rows(Message) if m.external_id == "134"]) == 1


async def test_history_shows_linked_accounts_only(bot) -> None:  # noqa: F811
    await link(bot, 140, "7654321", "40")
    history = await bot.send(message_update(142, "/history"))
    assert "7654321 ХВС: 20.10.2026 100\n" in history  # single-zone: no T1
    assert "7654321 ГВС: 20.10.2026 40" in history and "1234567" not in history


JUMP = "1234567 09000 02010"  # T1 went 4800, 4900, 5000: +4000 is far above usual


async def test_review_confirmation_by_the_customer(bot) -> None:  # noqa: F811
    reply = await bot.send(message_update(150, JUMP))
    [message] = await bot.rows(Message)
    # said once, and asking for the answer the buttons give
    assert reply == (
        "Показания получены, но расход намного выше обычного. Если показания верны, нажмите "
        "«Да, верно» — их проверит специалист; если есть ошибка, нажмите «Исправить». "
        f"Номер обращения {message.id}."
    )
    assert message.reply == reply  # what staff see is what was sent
    assert (message.status, message.reason) == ("review", "implausible_jump")
    buttons = bot.api.sent()[-1]["reply_markup"]["inline_keyboard"][0]
    assert [b["text"] for b in buttons] == ["Да, верно", "Исправить"]
    assert buttons[0]["callback_data"] == f"confirm:{message.id}"
    assert "специалист увидит" in await bot.send(callback_update(151, buttons[0]["callback_data"]))
    [message] = await bot.rows(Message)
    assert message.meta["confirmed_by_customer"] is True
    assert message.status == "review"


async def test_review_correction_supersedes_the_first_reading(bot) -> None:  # noqa: F811
    await bot.send(message_update(160, JUMP))
    [first] = await bot.rows(Message)
    fix = bot.api.sent()[-1]["reply_markup"]["inline_keyboard"][0][1]["callback_data"]
    assert "исправленные показания" in await bot.send(callback_update(161, fix))
    assert (await bot.send(message_update(162, "05123 02010"))).startswith("Показания приняты")
    async with make_sessionmaker(bot.engine)() as s:
        statuses = dict(
            (await s.execute(select(Reading.message_id, Reading.status).where(
                Reading.message_id.is_not(None)))).all()
        )  # fmt: skip
    second = max(statuses)
    assert statuses == {first.id: "superseded", second: "accepted"}
    first_now = [m for m in await bot.rows(Message) if m.id == first.id][0]
    assert first_now.meta["superseded_by"] == second


async def test_someone_elses_message_cannot_be_confirmed(bot) -> None:  # noqa: F811
    await bot.send(message_update(170, JUMP))
    [message] = await bot.rows(Message)
    assert await bot.post(callback_update(171, f"confirm:{message.id}", chat_id=777)) == 200
    [answer] = bot.api.sent("answerCallbackQuery")
    assert answer["text"].startswith("Эта кнопка не ваша") and answer["show_alert"] == "true"
    assert "confirmed_by_customer" not in ((await bot.rows(Message))[0].meta or {})
    assert await bot.app[OUTBOX].run_once() == 0  # nothing said to the chat


@pytest.mark.parametrize("day_offset", [0, 5], ids=["20th", "25th"])
async def test_reminders_are_sent_once_per_period(bot, day_offset) -> None:  # noqa: F811
    await link(bot, 180, "7654321", "100")
    bot.now[0] = NOW + timedelta(days=day_offset)
    reminders = bot.app[REMINDERS]
    assert await reminders.send_due() == 1
    assert await reminders.send_due() == 0
    await bot.app[OUTBOX].run_once()
    await bot.api.wait_for(lambda: "Напоминание" in bot.api.sent()[-1]["text"])
    assert "7654321" in bot.api.sent()[-1]["text"]


async def test_no_reminder_before_the_day_or_with_a_reading(bot) -> None:  # noqa: F811
    await link(bot, 190, "7654321", "100")
    bot.now[0] = NOW - timedelta(days=1)
    assert await bot.app[REMINDERS].send_due() == 0
    bot.now[0] = NOW
    await bot.send(message_update(192, "105 41"))
    assert await bot.app[REMINDERS].send_due() == 0
