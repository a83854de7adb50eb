"""The period-close notice says how each register was billed, from the row's basis and the
event's day: a replaced meter, a failed one and an ordinary reading, on SQLite and
PostgreSQL (docs/channels.md, "Reminders and notices")."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.domain.contacts import contact
from gateway.domain.events import Act, ActRow, ReplacementRow
from gateway.domain.rules import Rules
from gateway.service.closing import close_period
from gateway.service.contacts import ContactUseCases
from gateway.service.events import record_acts, record_replacements
from gateway.service.reminders import Reminders
from storage.models import Outbox
from tests.helpers import meter, seed, uow_of
from tests.period_cases import NORMATIVES

NOW = datetime(2026, 5, 5, 9, 0, tzinfo=UTC)
UIN = "8300401"
MAIL = contact("email", "olga@mail.example.ru")
METERS = [
    meter(UIN, "CW-1", 1, "cold_water"),
    meter(UIN, "HW-1", 2, "hot_water"),
    meter(UIN, "E-1", 3, "electricity"),
]
# 70, 80, 90, 100 on the 20th of December .. March: an average of 10 a month each
HISTORY = [
    (UIN, name, 1, day, value)
    for name in ("CW-1", "HW-1", "E-1")
    for day, value in zip(
        (date(2025, 12, 20), date(2026, 1, 20), date(2026, 2, 20), date(2026, 3, 20)),
        ("70", "80", "90", "100"),
        strict=True,
    )
] + [(UIN, "E-1", 1, date(2026, 4, 20), "130")]


async def test_the_notice_says_replaced_failed_and_read(engine: AsyncEngine) -> None:
    uow = uow_of(engine)
    await seed(engine, METERS, HISTORY)
    await record_replacements(uow, [ReplacementRow(
        2, UIN, "CW-1", 1, date(2026, 4, 16), Decimal(133), "CW-2", date(2026, 4, 16),
        Decimal(0), None, None, None,
    )], NOW)  # fmt: skip
    await record_acts(uow, [ActRow(2, UIN, "HW-1", 1, date(2026, 4, 11), Act.FAILED, None)], NOW)
    await close_period(uow, "2026-04", Rules(), NORMATIVES, today=NOW.date(), now=NOW)
    assert await ContactUseCases(uow, Rules(), lambda: NOW).link_by_staff("anna", MAIL, UIN)

    assert await Reminders(uow, Rules(), 20, lambda: NOW).send_close_notices("2026-04") == 1
    async with engine.connect() as conn:
        [body] = (await conn.execute(select(Outbox.body))).scalars().all()
    assert body.splitlines() == [
        f"Начислено за 2026-04, счёт {UIN}:",
        "ХВС: 33 м³, по показаниям до замены счётчика 16.04",
        "ХВС: 0 м³, по новому счётчику с 16.04",
        "ГВС: 10 м³, по среднему: прибор учёта неисправен с 11.04",
        "электроэнергия: 30 кВт·ч, по показаниям",
    ], body
