"""The Telegram user as a contact: what a stranger tries (own reading then link, figures
from the acceptance reply, a group member answering another's /link), the deep link, a
shared contact, a pending link that takes only a single number, the period-close notice."""

from __future__ import annotations

from typing import Any

from gateway.app.keys import OUTBOX
from gateway.domain.contacts import contact
from gateway.domain.rules import Rules
from gateway.http.keys import REMINDERS
from gateway.service.contacts import ContactUseCases
from storage.models import ContactLink, Message
from tests.e2e.conftest import NOW
from tests.e2e.fake_telegram import CHAT, message_update
from tests.e2e.test_telegram import Bot
from tests.e2e.test_telegram import bot as unbilled_bot  # noqa: F401  (the fixture)
from tests.e2e.test_telegram_flows import bot  # noqa: F401  (October closed)
from tests.helpers import uow_of

STRANGER = 7770001
GROUP = -1001234


def in_group(update_id: int, text: str, user: int) -> dict[str, Any]:
    update = message_update(update_id, text, chat_id=user)
    update["message"]["chat"] = {"id": GROUP, "type": "supergroup", "title": "Дом 5"}
    return update


async def test_a_stranger_cannot_link_with_his_own_reading(bot: Bot) -> None:  # noqa: F811
    reply = await bot.send(message_update(300, "1234567 05200 02100", chat_id=STRANGER))
    # accepted, and nothing told that comes from the account's stored readings
    assert reply.startswith("Показания приняты, номер обращения")
    assert "расход" not in reply and "5000" not in reply and "5200" not in reply
    await bot.send(message_update(301, "/link 1234567", chat_id=STRANGER))
    assert "Не совпадает" in await bot.send(message_update(302, "5200", chat_id=STRANGER))
    assert "Не совпадает" in await bot.send(message_update(303, "200", chat_id=STRANGER))
    assert await bot.count(ContactLink) == 0
    # the customer's bill still links her
    await bot.send(message_update(304, "/link 1234567"))
    assert "привязан" in await bot.send(message_update(305, "5000"))


async def test_a_group_member_cannot_answer_anothers_link(bot: Bot) -> None:  # noqa: F811
    assert "в личные сообщения" in await bot.send(in_group(310, "/link 1234567", CHAT))
    await bot.send(message_update(311, "/link 1234567"))  # in private: asked
    # another member types the value in the group, and in his own chat: no link for anyone
    await bot.send(in_group(312, "5000", STRANGER))
    await bot.send(message_update(313, "5000", chat_id=STRANGER))
    assert await bot.count(ContactLink) == 0
    assert "в личные сообщения" in await bot.send(in_group(314, "/history", CHAT))
    assert "привязан" in await bot.send(message_update(315, "5000"))
    assert await bot.count(ContactLink) == 1


async def test_a_pending_link_takes_a_single_number_only(bot: Bot) -> None:  # noqa: F811
    await bot.send(message_update(320, "/link 1234567"))
    reading = await bot.send(message_update(321, "1234567 05123 02010"))
    assert reading.startswith("Показания приняты")  # a reading, stored as one
    assert [m.status for m in await bot.rows(Message)] == ["accepted"]
    assert "привязан" in await bot.send(message_update(322, "1975"))  # still waiting


async def test_the_deep_link_starts_linking(bot: Bot) -> None:  # noqa: F811
    ask = await bot.send(message_update(330, "/start 7654321"))
    assert "7654321" in ask and "из последней квитанции" in ask


async def test_a_shared_contact_of_her_own_verified_phone_links(bot: Bot) -> None:  # noqa: F811
    contacts = ContactUseCases(uow_of(bot.engine), Rules(), lambda: NOW)
    await contacts.link_by_staff("anna", contact("phone", "+79161234567"), "7654321")
    others = message_update(340, chat_id=CHAT)
    others["message"]["contact"] = {"phone_number": "79161234567", "first_name": "Ivan",
                                    "user_id": STRANGER}  # fmt: skip
    assert "свой контакт" in await bot.send(others)
    own = message_update(341, chat_id=CHAT)
    own["message"]["contact"] = {"phone_number": "+7 916 123-45-67", "first_name": "Anna",
                                 "user_id": CHAT}  # fmt: skip
    assert "привязаны счета: 7654321" in await bot.send(own)
    assert await contacts.accounts_of(contact("telegram", str(CHAT))) == ["7654321"]


async def test_the_period_close_notice_goes_once(bot: Bot) -> None:  # noqa: F811
    await bot.send(message_update(350, "/link 1234567"))
    await bot.send(message_update(351, "5000"))
    reminders = bot.app[REMINDERS]
    assert await reminders.send_close_notices("2026-10") == 1
    assert await reminders.send_close_notices("2026-10") == 0  # closed again: not resent
    await bot.app[OUTBOX].run_once()
    await bot.api.wait_for(lambda: "Начислено" in bot.api.sent()[-1]["text"])
    notice = bot.api.sent()[-1]["text"]
    assert "Начислено за 2026-10, счёт 1234567:" in notice
    assert "электроэнергия T1: 100 кВт·ч, по показаниям" in notice, notice
