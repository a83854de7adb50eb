"""Contacts by SMS end to end, through the generic provider's webhook and its send API (a
fake provider): linking by keyword, a verified phone's readings without the UIN, history,
unlinking, the note on someone else's reading, reminders and the period-close notice once
per period, STOP and START."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.app.factory import OUTBOX, init_app
from gateway.config import load_config
from gateway.domain.contacts import contact
from gateway.domain.rules import Rules
from gateway.http.keys import REMINDERS
from gateway.service.closing import close_period
from gateway.service.contacts import ContactUseCases
from tests.e2e.conftest import ACCOUNTS, ENV, GENERIC_SECRET, HISTORY, NOW
from tests.e2e.test_sms import post_generic
from tests.helpers import seed, uow_of
from tests.period_cases import NORMATIVES
from tests.support.fakes import SmsProvider

PHONE = "+79161234567"


@dataclass
class Sms:
    client: TestClient
    app: web.Application
    provider: SmsProvider
    engine: AsyncEngine
    sent: int = 0

    async def send(self, text: str, sender: str = PHONE) -> dict[str, Any]:
        self.sent += 1
        payload = {"id": f"in-{self.sent}", "from": sender, "text": text}
        return dict(await (await post_generic(self.client, payload)).json())

    async def delivered(self) -> list[tuple[str, str]]:
        """What the provider was asked to send, (to, text), after the outbox ran."""
        await self.app[OUTBOX].run_once()
        return [(d.payload["to"], d.payload["text"]) for d in self.provider.received]


@pytest.fixture
async def sms(engine: AsyncEngine) -> AsyncIterator[Sms]:
    await seed(engine, ACCOUNTS, HISTORY)
    await close_period(
        uow_of(engine), "2026-10", Rules(), NORMATIVES, today=date(2026, 11, 20), now=NOW
    )
    async with SmsProvider(secret=GENERIC_SECRET, delay=0) as provider:
        env = {**ENV, "METER_GATEWAY_SMS_GENERIC_SEND_URL": provider.url,
               "METER_GATEWAY_RULES_RATE_LIMIT_PER_HOUR": "50"}  # fmt: skip
        app = init_app(load_config(environ=env), engine=engine, clock=lambda: NOW,
                       background=False)  # fmt: skip
        async with TestClient(TestServer(app)) as client:
            yield Sms(client, app, provider, engine)


async def test_a_phone_links_by_keyword_and_then_writes_without_the_uin(sms: Sms) -> None:
    ask = await sms.send("ПРИВЯЗАТЬ 1234567")
    assert (ask["status"], ask["reason"]) == ("rejected", "command")
    assert "одним числом из последней квитанции" in ask["reply"]
    assert "Осталось попыток сегодня: 2" in (await sms.send("4900"))["reply"]
    assert "Счёт 1234567 привязан к вам" in (await sms.send("5000"))["reply"]
    reading = await sms.send("05123 02010")  # no UIN: her account
    assert reading["status"] == "accepted" and "расход 123" in reading["reply"]
    history = (await sms.send("ИСТОРИЯ"))["reply"]
    assert "1234567 E-1 20.11.2026: 5123 (+123)" in history
    assert (await sms.send("ОТВЯЗАТЬ"))["reply"] == "Отвязано счетов: 1."
    again = await sms.send("05124 02011")
    assert (again["status"], again["reason"]) == ("rejected", "unknown_uin")
    # every reply went back by the send API too
    assert len(await sms.delivered()) == sms.sent


async def test_a_pending_link_takes_only_a_number(sms: Sms) -> None:
    await sms.send("LINK 1234567")
    reading = await sms.send("1234567 05123 02010")  # a reading: stored as one, no figures
    assert reading["status"] == "accepted" and "расход" not in reading["reply"]
    assert "привязан" in (await sms.send("1975"))["reply"]


async def test_a_stranger_gets_no_figures_and_the_owner_a_note_once(sms: Sms) -> None:
    await sms.send("ПРИВЯЗАТЬ 1234567")
    await sms.send("5000")
    stranger = await sms.send("1234567 05123 02010", sender="+79990000077")
    assert stranger["reply"] == f"Показания приняты, номер обращения {stranger['id']}."
    await sms.send("1234567 05124 02011", sender="+79990000078")
    notes = [t for to, t in await sms.delivered() if to == PHONE and "не привязанного" in t]
    assert len(notes) == 1 and "1234567" in notes[0]


async def test_several_accounts_are_asked_for(sms: Sms) -> None:
    contacts = ContactUseCases(uow_of(sms.engine), Rules(), lambda: NOW)
    for uin in ("1234567", "7654321"):
        assert await contacts.link_by_staff("anna", contact("phone", PHONE), uin)
    question = await sms.send("105 41")
    assert (question["status"], question["reason"]) == ("rejected", "no_uin")
    assert "…567, …321" in question["reply"] and "начав с УИН" in question["reply"]
    assert (await sms.send("7654321 105 41"))["status"] == "accepted"


async def test_reminders_and_notices_once_and_stop_honoured(sms: Sms) -> None:
    await sms.send("ПРИВЯЗАТЬ 7654321")
    await sms.send("100")
    reminders = sms.app[REMINDERS]
    assert "Напоминания и уведомления больше не придут" in (await sms.send("СТОП"))["reply"]
    assert await reminders.send_due() == 0  # opted out
    assert await reminders.send_close_notices("2026-10") == 0
    assert "включены" in (await sms.send("START"))["reply"]
    assert await reminders.send_due() == 1  # the 20th: from reminder_day to the cut-off
    assert await reminders.send_due() == 0
    assert await reminders.send_close_notices("2026-10") == 1
    assert await reminders.send_close_notices("2026-10") == 0
    texts = [t for to, t in await sms.delivered() if to == PHONE]
    assert any(t.startswith("Напоминание") and "7654321" in t for t in texts)
    [notice] = [t for t in texts if t.startswith("Начислено за 2026-10, счёт 7654321")]
    assert "ХВС: " in notice and "ГВС: " in notice and "м³" in notice
