"""Whole calls on the phone line (Twilio Voice) through the app as built for production, on
both databases: a scripted caller posts signed forms step by step (``tests/support/calls.py``;
every answer's shape is checked against Twilio's own ``VoiceResponse``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.app.factory import init_app
from gateway.config import load_config
from gateway.domain.contacts import contact
from gateway.domain.rules import Rules
from gateway.service.contacts import ContactUseCases
from storage.db import make_sessionmaker
from storage.models import Message, VoiceCall
from tests.e2e.conftest import ACCOUNTS, API_TOKEN, ENV, HISTORY, NOW, TWILIO_TOKEN
from tests.helpers import seed, uow_of
from tests.support.calls import Caller

URL = "https://gateway.example.org/voice/twilio"
VOICE = {"METER_GATEWAY_VOICE_TWILIO_ENABLED": "true", "METER_GATEWAY_VOICE_TWILIO_PUBLIC_URL": URL}
ASK_UIN = "Введите номер лицевого счёта"
ACCEPTED = "Показания приняты. Номер обращения: один."


@dataclass
class Line:
    """The gateway's phone line: ``line(number=...)`` is a new call to it."""

    client: TestClient

    def __call__(self, **kw: Any) -> Caller:
        return Caller(self.post, URL, TWILIO_TOKEN, **kw)

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        resp = await self.client.post(path, data=body, headers=headers)
        return resp.status, await resp.text()


@pytest.fixture
async def app(engine: AsyncEngine) -> AsyncIterator[Line]:
    await seed(make_sessionmaker(engine), ACCOUNTS, HISTORY)
    config = load_config(environ={**ENV, **VOICE})
    app = init_app(config, engine=engine, clock=lambda: NOW, background=False)
    async with TestClient(TestServer(app)) as client:
        yield Line(client)


async def messages(engine: AsyncEngine) -> list[Message]:
    async with make_sessionmaker(engine)() as session:
        return list((await session.execute(select(Message).order_by(Message.id))).scalars())


async def to_account(call: Caller, uin: str = "1234567") -> None:
    """Dialled, Russian (no key at the greeting), the UIN typed."""
    greeting = await call.dial()
    assert "Здравствуйте" in greeting.text and greeting.keys == 1
    assert greeting.languages == ("ru-RU", "en-US")
    assert ASK_UIN in (await call.silence()).text
    asked = await call.press(uin)
    assert "электроэнергия, день: введите показания" in asked.text, asked.text


async def confirm(call: Caller, keys: str) -> None:
    """``keys`` typed, read back, confirmed by 1."""
    back = await call.press(keys)
    assert ("вы ввели" in back.text or "you entered" in back.text) and back.keys == 1, back.text
    await call.press("1")


async def test_an_unknown_caller_gives_the_uin_then_each_register(
    app: Line, engine: AsyncEngine
) -> None:
    call = app()
    await to_account(call)
    back = await call.press("5100")
    assert "электроэнергия, день, вы ввели: пять, один, ноль, ноль." in back.text
    assert "Если верно, нажмите 1; чтобы ввести заново, нажмите 2." in back.text
    night = await call.press("1")
    assert night.said == (
        "электроэнергия, ночь: введите показания, звёздочка — десятичная "
        "запятая, затем нажмите решётку.",
    )
    # a decimal on a meter of whole numbers: said at once, and asked again
    again = await call.press("1990*5")
    assert (
        again.said[0] == "Счётчик показывает только целые числа: введите показание без звёздочки."
    )
    assert "электроэнергия, ночь: введите показания" in again.said[1]
    back = await call.press("1990")
    assert "вы ввели: один, девять, девять, ноль" in back.text
    end = await call.press("1")
    assert end.hangup and end.action is None
    assert end.said == (ACCEPTED, "Спасибо за звонок. До свидания.")  # no figure: not verified
    [m] = await messages(engine)
    assert (m.channel, m.external_id, m.sender, m.recipient) == (
        "voice",
        "CA0001",
        "+79990000001",
        "+74950000000",
    )
    assert (m.text, m.status, m.reason, m.language) == ("1234567 5100 1990", "accepted", None, "ru")
    assert m.meta == {"voice": {"entered": ["5100", "1990"]}}
    # the message list shows it like any other, channel voice
    auth = {"Authorization": f"Bearer {API_TOKEN}"}
    listed = await app.client.get("/api/v1/messages?channel=voice", headers=auth)
    [item] = (await listed.json())["items"]
    assert (item["channel"], item["external_id"], item["status"]) == ("voice", "CA0001", "accepted")


async def test_a_verified_caller_hears_the_account_and_the_consumption(
    app: Callable[..., Caller], engine: AsyncEngine
) -> None:
    staff = ContactUseCases(uow_of(engine), Rules(), lambda: NOW)
    # the number as the bill's contact form had it; Twilio sends E.164
    assert await staff.link_by_staff("anna", contact("phone", "8 999 000-00-07"), "1234567")
    call = app(number="+79990000007")
    await call.dial()
    first = await call.silence()
    assert first.said == (
        "Лицевой счёт, оканчивающийся на четыре, пять, шесть, семь.",
        "электроэнергия, день: введите показания, звёздочка — десятичная запятая, затем "
        "нажмите решётку.",
    )
    # lower than the last reading: a verified caller is told at once
    low = await call.press("4000")
    assert low.said[0] == "Показание меньше предыдущего принятого. Проверьте цифры."
    await confirm(call, "5100")
    await confirm(call, "2000")
    assert call.last is not None and call.last.said == (
        ACCEPTED,
        "электроэнергия, день: расход 100 киловатт-часов.",
        "электроэнергия, ночь: расход 25 киловатт-часов.",
        "Спасибо за звонок. До свидания.",
    )
    [m] = await messages(engine)
    assert (m.channel, m.sender, m.text, m.status) == (
        "voice",
        "+79990000007",
        "1234567 5100 2000",
        "accepted",
    )


async def test_a_caller_verified_for_two_accounts_picks_one_by_a_key(
    app: Callable[..., Caller], engine: AsyncEngine
) -> None:
    staff = ContactUseCases(uow_of(engine), Rules(), lambda: NOW)
    for uin in ("1234567", "7654321"):
        assert await staff.link_by_staff("anna", contact("phone", "+79990000008"), uin)
    call = app(number="+79990000008")
    await call.dial()
    choose = await call.silence()
    assert choose.keys == 1 and choose.said == (
        "Для лицевого счёта, оканчивающегося на четыре, пять, шесть, семь, нажмите 1.",
        "Для лицевого счёта, оканчивающегося на четыре, три, два, один, нажмите 2.",
        "Для другого лицевого счёта нажмите 0.",
    )
    assert (await call.press("7")).said == choose.said  # no such key: asked again
    cold = await call.press("2")
    assert "холодная вода: введите показания" in cold.text, cold.text
    await confirm(call, "101*5")
    await confirm(call, "40*25")
    assert call.last is not None and call.last.said[1:3] == (
        "холодная вода: расход 1,5 кубометров.",
        "горячая вода: расход 0,25 кубометров.",
    )
    [m] = await messages(engine)
    assert (m.text, m.status) == ("7654321 101.5 40.25", "accepted")


async def test_an_unknown_caller_is_not_told_a_lower_reading_until_the_end(
    app: Callable[..., Caller], engine: AsyncEngine
) -> None:
    call = app()
    await to_account(call)
    await confirm(call, "4000")  # read back, no word about the last reading
    await confirm(call, "2000")
    assert call.last is not None and call.last.said[0] == (
        "Показания не приняты. Одно из показаний меньше предыдущего принятого. Проверьте "
        "счётчик и позвоните снова. Номер обращения: один."
    )
    [m] = await messages(engine)
    assert (m.status, m.reason) == ("rejected", "decreasing")


async def test_three_wrong_uins_end_the_call_politely_and_store_nothing(
    app: Callable[..., Caller], engine: AsyncEngine
) -> None:
    call = app()
    await call.dial()
    await call.silence()
    for _ in range(2):
        wrong = await call.press("9999999")
        assert wrong.said == (
            "Лицевой счёт с таким номером не найден. Сверьте номер с "
            "квитанцией и введите его снова, затем нажмите решётку.",
        )
    end = await call.press("2222222")  # closed: no readings taken for it either
    assert end.hangup and "Номер лицевого счёта не найден" in end.text
    assert await messages(engine) == []
    async with make_sessionmaker(engine)() as session:
        [row] = (await session.execute(select(VoiceCall))).scalars()
    assert row.wrong_uins == 3


async def test_two_repeats_the_entry_and_the_correction_is_what_is_stored(
    app: Callable[..., Caller], engine: AsyncEngine
) -> None:
    call = app()
    await to_account(call)
    await call.press("5010")
    asked = await call.press("2")
    assert asked.said == (
        "электроэнергия, день: введите показания, звёздочка — десятичная "
        "запятая, затем нажмите решётку.",
    )
    await confirm(call, "5100")
    await confirm(call, "2000")
    assert ACCEPTED in call.last.text  # type: ignore[union-attr]
    [m] = await messages(engine)
    assert m.text == "1234567 5100 2000"


async def test_a_jump_confirmed_on_the_call_goes_to_review_marked_confirmed(
    app: Line, engine: AsyncEngine
) -> None:
    call = app()
    await to_account(call)
    await call.press("9000")
    jump = await call.press("1")
    assert jump.said == (
        "Это намного больше обычного расхода. Если верно, нажмите 1; "
        "чтобы ввести заново, нажмите 2.",
    )
    assert "ночь: введите" in (await call.press("1")).text
    await confirm(call, "2000")
    assert call.last is not None and call.last.said[0] == (
        "Показания получены с вашим подтверждением и переданы специалисту. Номер обращения: один."
    )
    [m] = await messages(engine)
    assert (m.status, m.reason) == ("review", "implausible_jump")
    assert m.meta is not None and m.meta["confirmed_by_customer"] is True
    auth = {"Authorization": f"Bearer {API_TOKEN}"}
    queue = await app.client.get("/api/v1/review?channel=voice", headers=auth)
    [item] = (await queue.json())["items"]
    assert item["id"] == m.id, item


async def test_a_retried_step_gets_the_same_answer_and_stores_nothing_twice(
    app: Callable[..., Caller], engine: AsyncEngine
) -> None:
    call = app()
    await to_account(call)
    first = await call.press("5100")
    assert (await call.retry()).xml == first.xml
    await call.press("1")
    await call.press("2000")
    end = await call.press("1")
    assert ACCEPTED in end.text
    # Twilio retries the last step, even after the call's end: the same words, one message
    assert (await call.retry()).xml == end.xml
    last = call.sent
    await call.hang_up()
    assert last is not None and (await call.send(*last)).xml == end.xml
    assert len(await messages(engine)) == 1


async def test_a_hang_up_mid_way_stores_nothing(
    app: Callable[..., Caller], engine: AsyncEngine
) -> None:
    call = app()
    await to_account(call)
    await confirm(call, "5100")  # one register confirmed, the second asked for
    ended = await call.hang_up()
    assert ended.status == 200
    assert await messages(engine) == []
    # a step of the call that arrives late changes nothing either
    late = await call.press("2000")
    assert late.hangup and await messages(engine) == []


async def test_two_at_the_start_is_an_english_call(
    app: Callable[..., Caller], engine: AsyncEngine
) -> None:
    call = app()
    await call.dial()
    asked = await call.press("2")
    assert asked.said == (
        "Please enter your account number, the UIN from the top right corner "
        "of the bill, then press the hash key.",
    )
    assert asked.languages == ("en-US",)
    first = await call.press("1234567")
    assert first.said[0].startswith("electricity, day: please enter the reading")
    back = await call.press("5100")
    assert "electricity, day, you entered: five, one, zero, zero." in back.text
    await call.press("1")
    await confirm(call, "2000")
    assert call.last is not None
    assert call.last.said == (
        "Readings accepted. Your reference number is one.",
        "Thank you for calling. Goodbye.",
    )
    [m] = await messages(engine)
    assert m.language == "en"


async def test_a_forged_request_is_refused_and_stores_nothing(
    app: Callable[..., Caller], engine: AsyncEngine
) -> None:
    call = app()
    await call.dial()
    # signed for another step: the signature covers the step in the URL's query
    step = f"{URL}/step?n=1"
    assert (await call.send(step, call.form(Digits="2"), f"{URL}/step?n=2")).status == 403
    call = app(sid="CA0002")
    call.token = "not-the-token"
    assert (await call.dial()).status == 403
    async with make_sessionmaker(engine)() as session:
        [only] = (await session.execute(select(VoiceCall))).scalars()
    assert only.call_sid == "CA0001" and only.state["phase"] == "language"


async def test_unknown_uins_over_calls_count_against_the_number(
    app: Callable[..., Caller], engine: AsyncEngine
) -> None:
    """rules.unknown_uin_per_hour (5) over all calls from a number: no more lookups."""
    for sid, presses in (("CA1", 3), ("CA2", 2)):
        call = app(sid=sid)
        await call.dial()
        await call.silence()
        for _ in range(presses):
            await call.press("9999999")
    refused = await call.press("1234567")  # the right one, too late
    assert refused.hangup and refused.said == (
        "Слишком много попыток с вашего номера. Позвоните через час. До свидания.",
    )
