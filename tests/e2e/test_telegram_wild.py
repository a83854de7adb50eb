"""The bot in the wild: update shapes as the Bot API defines them (groups and supergroups,
documents, failed downloads, stickers and other kinds, edits, membership, buttons pressed by
the wrong user, stale and forged, unknown update kinds, a large update), through the real
aiogram bot, the webhook and the fake Bot API server (tests/e2e/fake_telegram.py)."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from gateway.app.factory import OUTBOX
from storage.models import (
    Message,
    Outbox,
    Reading,
    TelegramChat,
    TelegramDraft,
    TelegramUser,
)
from tests.e2e.conftest import HISTORY
from tests.e2e.fake_telegram import BOT_ID, CHAT, PHOTO, callback_update, message_update
from tests.e2e.test_telegram import HEADER, SECRET, bot  # noqa: F401  (the fixture)
from tests.e2e.test_telegram_flows import JUMP, link
from tests.support.db import inserts_refused

GROUP = -1001234567890
OTHER = 5550002  # another member of the group
GROUP_LINE = "В группе я принимаю только показания, адресованные мне"
HELP_LINE = "Я понимаю только текст и фото"


def in_group(update: dict[str, Any], user: int = CHAT, kind: str = "supergroup") -> dict:
    """``update`` posted by ``user`` in the group, every @name marked a mention as Telegram
    does (but the one inside ``/history@meter_bot``, which is part of the command)."""
    message = update["message"]
    message["chat"] = {"id": GROUP, "type": kind, "title": "Дом 5"}
    message["from"]["id"] = user
    text = message.get("text", "")
    entities = list(message.get("entities", []))
    command = sum(e["length"] for e in entities if e["type"] == "bot_command")
    for found in re.finditer(r"@\w+", text):
        if found.start() >= command:
            entities.append({"type": "mention", "offset": found.start(), "length": len(found[0])})
    if entities:
        message["entities"] = entities
    return update


def reply_to_bot(update: dict[str, Any]) -> dict[str, Any]:
    update["message"]["reply_to_message"] = {
        "message_id": 7,
        "date": 1790000000,
        "chat": update["message"]["chat"],
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "Meter", "username": "meter_bot"},
        "text": "Пришлите показания",
    }
    return update


def with_kind(update_id: int, **content: Any) -> dict[str, Any]:
    """A private message of another kind: ``sticker={...}``, ``voice={...}``..."""
    update = message_update(update_id)
    update["message"].update(content)
    return update


def document(update_id: int, mime: str, size: int = len(PHOTO), caption: str = "") -> dict:
    doc = {"file_id": f"doc{update_id}", "file_unique_id": f"d{update_id}", "file_name": "m.jpg",
           "mime_type": mime, "file_size": size}  # fmt: skip
    return with_kind(update_id, document=doc, caption=caption)


async def quiet(bot, update: dict[str, Any]) -> None:  # noqa: F811
    """Acknowledged, and nothing stored or queued."""
    before = (await bot.count(Message), await bot.count(Outbox))
    assert await bot.post(update) == 200
    assert (await bot.count(Message), await bot.count(Outbox)) == before


async def test_group_talk_not_for_the_bot_is_left_alone(bot) -> None:  # noqa: F811
    await quiet(bot, in_group(message_update(300, "1234567 05123 02010")))
    await quiet(bot, in_group(message_update(301, "/history")))  # no @meter_bot
    await quiet(bot, in_group(message_update(302, "@anna_k 1234567 05123 02010")))
    await quiet(bot, in_group(with_kind(303, sticker=STICKER)))
    edit = in_group(message_update(304, "1234567 05123 02011"))
    edit["edited_message"] = edit.pop("message")
    await quiet(bot, edit)
    assert bot.api.sent() == []


async def test_group_commands_send_to_a_private_chat(bot) -> None:  # noqa: F811
    for n, text in enumerate(["/history@meter_bot", "/link@meter_bot 1234567", "/start@meter_bot"]):
        assert GROUP_LINE in await bot.send(in_group(message_update(310 + n, text), kind="group"))
        assert bot.api.sent()[-1]["chat_id"] == str(GROUP)
    assert await bot.count(TelegramUser) == 0  # /link in the group asked nothing


async def test_readings_addressed_in_a_group_are_stored_and_answered_without_figures(
    bot,  # noqa: F811
) -> None:
    reply = await bot.send(in_group(message_update(320, "@meter_bot 1234567 05123 02010")))
    [message] = await bot.rows(Message)
    assert (message.status, message.uin, message.sender) == ("accepted", "1234567", str(GROUP))
    assert message.meta["user_id"] == CHAT and message.meta["chat_type"] == "supergroup"
    assert reply == (
        f"Показания приняты. Номер обращения {message.id}. Расход я показываю только в личном чате."
    )
    assert "5123" not in reply and "123" not in reply.replace(str(message.id), "")
    # two mentions, the bot's second: addressed, and neither is part of the readings
    two = await bot.send(in_group(message_update(322, "@anna_k @meter_bot 1234567 5200 2050")))
    assert two.startswith("Показания приняты. Номер обращения")
    # a reply to the bot's message is addressed to it too
    other = await bot.send(reply_to_bot(in_group(message_update(321, "7654321 105 41"), OTHER)))
    assert other.startswith("Показания приняты. Номер обращения")
    assert await bot.count(Message) == 3
    # Telegram delivers the group's update again: nothing new
    await quiet(bot, in_group(message_update(320, "@meter_bot 1234567 05123 02010")))


async def test_a_users_question_stays_theirs_in_a_group(bot) -> None:  # noqa: F811
    """Anna waits (in private) for the bill's reading; her number in the group is no answer
    to it, nor is a member's."""
    await bot.send(message_update(330, "/link 1234567"))
    reply = await bot.send(in_group(message_update(331, "@meter_bot 1975")))
    assert "УИН 1975 не найден" in reply  # a reading to decide, not an answer
    await bot.send(in_group(message_update(332, "@meter_bot 1975"), OTHER))
    [user] = await bot.rows(TelegramUser)
    assert (user.user_id, user.awaiting) == (CHAT, "link:1234567")  # still waiting
    assert "Счёт 1234567 привязан" in await bot.send(message_update(333, "1975"))


STICKER = {"file_id": "st1", "file_unique_id": "st1", "type": "regular", "width": 512,
           "height": 512, "is_animated": False, "is_video": False}  # fmt: skip
KINDS = {
    "sticker": STICKER,
    "voice": {"file_id": "v1", "file_unique_id": "v1", "duration": 3, "mime_type": "audio/ogg"},
    "location": {"latitude": 55.75, "longitude": 37.61},
    "video_note": {"file_id": "vn", "file_unique_id": "vn", "length": 240, "duration": 5},
}


async def test_kinds_the_bot_cannot_read_get_one_line(bot) -> None:  # noqa: F811
    for n, (kind, content) in enumerate(KINDS.items()):
        assert (await bot.send(with_kind(340 + n, **{kind: content}))).startswith(HELP_LINE)
    assert HELP_LINE in await bot.send(document(345, "application/pdf"))
    assert await bot.count(Message) == 0
    # the same update again: not answered twice
    await quiet(bot, with_kind(340, sticker=STICKER))
    # someone's contact is linking's to answer (channels/telegram/link.py), not a help line
    contact = {"phone_number": "+79161234567", "first_name": "Oleg", "user_id": 42}
    await quiet(bot, with_kind(346, contact=contact))


async def test_an_edit_is_answered_in_one_line_and_not_taken(bot) -> None:  # noqa: F811
    await bot.send(message_update(350, "1234567 05123 02010"))
    edit = message_update(351, "1234567 05124 02010")
    edit["edited_message"] = edit.pop("message")
    edit["edited_message"]["edit_date"] = 1790000100
    assert "Исправленные сообщения не принимаются" in await bot.send(edit)
    [message] = await bot.rows(Message)
    assert message.text == "1234567 05123 02010"


async def test_an_image_file_is_a_photo(bot) -> None:  # noqa: F811
    reply = await bot.send(document(360, "image/jpeg", caption="1234567 05123 02010"))
    assert reply.startswith("Показания приняты")
    [message] = await bot.rows(Message)
    assert (message.raw, message.text) == (PHOTO, "1234567 05123 02010")
    assert message.meta["photo"]["file_id"] == "doc360"


async def test_a_failed_download_keeps_the_message_and_its_caption(bot) -> None:  # noqa: F811
    bot.api.fail("getFile", 400, "Bad Request: file is too big")
    reply = await bot.send(message_update(370, photo="big", caption="1234567 05123 02010"))
    assert "фото не удалось загрузить" in reply  # the caption's readings, not dropped
    bot.api.fail("getFile", 400, "Bad Request: file is too big")
    reply = await bot.send(message_update(371, photo="big2", caption="вот фото"))
    assert "фото не удалось загрузить" in reply
    # over the 20 MB the Bot API serves: not even asked for
    calls = len(bot.api.sent("getFile"))
    reply = await bot.send(document(372, "image/png", size=30 * 1024 * 1024))
    assert "фото не удалось загрузить" in reply and len(bot.api.sent("getFile")) == calls
    first, second, third = sorted(await bot.rows(Message), key=lambda m: m.id)
    assert (first.status, first.reason, first.raw) == ("review", "photo", None)
    assert await bot.count(Reading) == len(HISTORY) + 2  # held for review with the message
    assert first.meta["photo"] == {"file_id": "big", "missing": "Bad Request: file is too big"}
    assert (second.status, second.reason, second.text) == ("review", "photo", "вот фото")
    assert third.meta["photo"]["missing"].startswith("file too big")
    assert second.reply == reply.replace(str(third.id), str(second.id))


async def test_blocked_and_unblocked(bot) -> None:  # noqa: F811
    await bot.send(message_update(380, "/start"))

    def member(update_id: int, old: str, new: str) -> dict[str, Any]:
        user = {"id": CHAT, "is_bot": False, "first_name": "Anna", "language_code": "ru"}
        me = {"id": BOT_ID, "is_bot": True, "first_name": "Meter", "username": "meter_bot"}
        return {"update_id": update_id, "my_chat_member": {
            "chat": {"id": CHAT, "type": "private", "first_name": "Anna"}, "from": user,
            "date": 1790000200, "old_chat_member": {"status": old, "user": me, "until_date": 0},
            "new_chat_member": {"status": new, "user": me, "until_date": 0},
        }}  # fmt: skip

    assert await bot.post(member(381, "member", "kicked")) == 200
    assert [c.active for c in await bot.rows(TelegramChat)] == [False]
    assert await bot.post(member(382, "kicked", "member")) == 200
    assert [c.active for c in await bot.rows(TelegramChat)] == [True]
    assert await bot.count(Outbox) == 1  # nothing said


@pytest.mark.filterwarnings("ignore:Detected unknown update type")
async def test_update_kinds_the_bot_does_not_take_are_acknowledged(bot) -> None:  # noqa: F811
    reaction = {"chat": {"id": CHAT, "type": "private"}, "message_id": 3, "date": 1790000000,
                "user": {"id": CHAT, "is_bot": False, "first_name": "Anna"},
                "old_reaction": [], "new_reaction": [{"type": "emoji", "emoji": "👍"}]}  # fmt: skip
    await quiet(bot, {"update_id": 390, "message_reaction": reaction})
    poll = {"id": "p1", "question": "?", "options": [], "total_voter_count": 0, "is_closed": True,
            "is_anonymous": True, "type": "regular", "allows_multiple_answers": False,
            "allows_revoting": False, "members_only": False}  # fmt: skip
    await quiet(bot, {"update_id": 391, "poll": poll})
    # a kind this aiogram knows in a shape it does not (a newer Bot API): not redelivered
    await quiet(bot, {"update_id": 394, "poll": {"id": "p2"}})
    await quiet(bot, {"update_id": 392, "a_kind_from_the_future": {"x": 1}})
    channel = message_update(393, "1234567 05123 02010")
    channel["channel_post"] = channel.pop("message")
    await quiet(bot, channel)
    assert bot.api.calls == []


async def test_buttons_belong_to_the_user_they_were_sent_to(bot) -> None:  # noqa: F811
    await link(bot, 400, "1234567", "5000")
    await link(bot, 402, "7654321", "100")
    assert await bot.send(message_update(404, "105.5 41")) == "К какому счёту относятся показания?"
    first = bot.api.sent()[-1]["reply_markup"]["inline_keyboard"]
    [draft] = await bot.rows(TelegramDraft)

    async def press(update_id: int, data: str, user: int = CHAT) -> str | None:
        assert await bot.post(callback_update(update_id, data, chat_id=user)) == 200
        answer = bot.api.sent("answerCallbackQuery")[-1]
        assert answer["callback_query_id"] == f"cb{update_id}"  # every press is answered
        return answer.get("text")

    water = first[1][0]["callback_data"]
    assert water == f"choose:{draft.id}:7654321"
    assert (await press(405, water, user=OTHER)).startswith("Эта кнопка не ваша")
    assert (await press(406, "choose:99999:7654321")).startswith("Эта кнопка больше не")
    assert (await press(407, "choose:x:1")).startswith("Эта кнопка больше не")
    assert (await press(408, f"choose:{draft.id}:2222222")).startswith("Счёт 2222222 не")
    assert (await press(409, "what-is-this")).startswith("Эта кнопка больше не")
    assert (await press(410, "confirm:99999999999999999999999")).startswith("Эта кнопка не ваша")
    assert await bot.count(Message) == 0 and await bot.app[OUTBOX].run_once() == 0
    # the owner's press takes the message; the question's other button says so
    assert await press(411, water) is None
    await bot.app[OUTBOX].run_once()
    [message] = await bot.rows(Message)
    assert (message.uin, message.external_id, message.status) == ("7654321", "404", "accepted")
    await quiet(bot, callback_update(411, water))  # the same press delivered again
    electricity = first[0][0]["callback_data"]
    assert (await press(412, electricity)).startswith("На этот вопрос уже ответили")
    # a new question gets a new id: the old buttons never apply to it
    await bot.send(message_update(413, "5200 2100"))
    second = bot.api.sent()[-1]["reply_markup"]["inline_keyboard"]
    assert second[0][0]["callback_data"] != electricity
    assert (await press(414, electricity)).startswith("На этот вопрос уже ответили")
    assert await bot.count(Message) == 1
    assert await press(415, second[0][0]["callback_data"]) is None
    assert {m.uin for m in await bot.rows(Message)} == {"7654321", "1234567"}


async def test_the_webhook_takes_a_large_update_whole(bot) -> None:  # noqa: F811
    update = message_update(420, "1234567 05123 02010")
    # a long message's formatting: thousands of entities, as Telegram sends them
    update["message"]["entities"] = [
        {"type": "bold", "offset": 0, "length": 7} for _ in range(20000)
    ]
    body = json.dumps(update).encode()
    assert 850_000 < len(body) < 1024 * 1024
    headers = {HEADER: SECRET, "Content-Type": "application/json"}

    async def pieces() -> AsyncIterator[bytes]:  # as it comes off the network, chunked
        for at in range(0, len(body), 65536):
            yield body[at : at + 65536]
            await asyncio.sleep(0)

    response = await bot.client.post("/telegram/webhook", data=pieces(), headers=headers)
    assert response.status == 200
    [message] = await bot.rows(Message)
    assert message.status == "accepted"
    too_big = body + b" " * (1024 * 1024 - len(body) + 1)
    response = await bot.client.post("/telegram/webhook", data=too_big, headers=headers)
    assert response.status == 413


async def test_a_press_that_fails_still_stops_the_spinner(bot) -> None:  # noqa: F811
    async with inserts_refused(bot.engine, "telegram_updates"):
        assert await bot.post(callback_update(430, "confirm:1")) == 200  # a bug: logged
    [answer] = bot.api.sent("answerCallbackQuery")
    assert answer["callback_query_id"] == "cb430"


async def test_a_jump_in_a_group_is_confirmed_or_corrected_by_its_author_only(
    bot,  # noqa: F811
) -> None:
    await bot.send(in_group(message_update(440, f"@meter_bot {JUMP}")))
    [first] = await bot.rows(Message)
    assert first.reason == "implausible_jump"
    [[yes, fix]] = bot.api.sent()[-1]["reply_markup"]["inline_keyboard"]
    for n, button in enumerate((yes, fix)):
        update = callback_update(441 + n, button["callback_data"], chat_id=OTHER)
        update["callback_query"]["message"]["chat"] = {"id": GROUP, "type": "supergroup"}
        assert await bot.post(update) == 200
        assert bot.api.sent("answerCallbackQuery")[-1]["text"].startswith("Эта кнопка не ваша")
    assert await bot.count(TelegramUser) == 0 and await bot.app[OUTBOX].run_once() == 0
    update = callback_update(443, fix["callback_data"])
    update["callback_query"]["message"]["chat"] = {"id": GROUP, "type": "supergroup"}
    assert "исправленные показания" in await bot.send(update)
    # the author's next message to the bot is the correction; a forward counts as hers
    correction = in_group(message_update(444, "@meter_bot 05123 02010"))
    correction["message"]["forward_origin"] = {"type": "hidden_user", "date": 1789990000,
                                               "sender_user_name": "Anna"}  # fmt: skip
    assert (await bot.send(correction)).startswith("Показания приняты. Номер обращения")
    statuses = {m.id: m.status for m in await bot.rows(Message)}
    assert len(statuses) == 2 and statuses[first.id] == "review"
    first_now = [m for m in await bot.rows(Message) if m.id == first.id][0]
    assert first_now.meta["superseded_by"] == max(statuses)


async def test_a_photo_that_failed_keeps_saying_so_through_the_account_question(
    bot,  # noqa: F811
) -> None:
    await link(bot, 450, "1234567", "5000")
    await link(bot, 452, "7654321", "100")
    bot.api.fail("getFile", 400, "Bad Request: file is too big")
    question = await bot.send(message_update(454, photo="big", caption="105.5 41"))
    assert question == "К какому счёту относятся показания?"
    water = bot.api.sent()[-1]["reply_markup"]["inline_keyboard"][1][0]["callback_data"]
    assert "фото не удалось загрузить" in await bot.send(callback_update(455, water))
    [message] = await bot.rows(Message)
    assert (message.uin, message.status, message.reason) == ("7654321", "review", "photo")
    assert message.meta["photo"]["missing"] == "Bad Request: file is too big"
