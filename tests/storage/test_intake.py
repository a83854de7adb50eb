"""The message pipeline on both databases: store, decide, answer, exactly once."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from sqlalchemy import select

from gateway.config import load_config
from gateway.domain.model import Channel, InboundMessage
from gateway.service.receive import Intake
from storage.models import Message, Outbox, Reading
from tests.helpers import meter, seed, uow_of
from tests.support.db import count

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
HISTORY = [
    ("1234567", "E-1", 1, date(2026, 9, 20), "4900"),
    ("1234567", "E-1", 1, date(2026, 10, 20), "5000"),
    ("1234567", "E-1", 2, date(2026, 10, 20), "1975"),
]


def sms(text: str, ext: str = "m1", sender: str = "+79990000001", **kw: object) -> InboundMessage:
    return InboundMessage(Channel.SMS, ext, sender, text, **kw)  # type: ignore[arg-type]


async def make_intake(sessions, clock=lambda: NOW, **env: str) -> Intake:  # type: ignore[no-untyped-def]
    await seed(sessions, [meter("1234567", "E-1", zones=2)], HISTORY)
    config = load_config(environ=env)
    return Intake(uow_of(sessions), config.rules, config.language, clock)


async def test_accepted_reading_is_stored_with_consumption(sessions) -> None:
    intake = await make_intake(sessions)
    receipt = await intake.receive(sms("1234567 05123 02010"))
    assert (receipt.status, receipt.reason, receipt.duplicate) == ("accepted", None, False)
    assert (
        "Показания приняты" in receipt.reply
        and f"Номер обращения {receipt.message_id}" in receipt.reply
    )
    assert "расход 123" in receipt.reply
    async with sessions() as s:
        rows = (
            (
                await s.execute(
                    select(Reading)
                    .where(Reading.message_id == receipt.message_id)
                    .order_by(Reading.zone)
                )
            )
            .scalars()
            .all()
        )
    assert [(r.zone, int(r.value), r.consumption, r.period, r.status) for r in rows] == [
        (1, 5123, 123, "2026-11", "accepted"),
        (2, 2010, 35, "2026-11", "accepted"),
    ]


async def test_repeat_of_the_same_provider_message_stores_nothing_new(sessions) -> None:
    intake = await make_intake(sessions)
    first = await intake.receive(sms("1234567 05123 02010"))
    again = await intake.receive(sms("1234567 05123 02010"))
    assert again.duplicate and (again.message_id, again.reply) == (first.message_id, first.reply)
    assert await count(sessions, Message) == 1
    assert await count(sessions, Reading) == 3 + 2


async def test_concurrent_repeats_store_one_message(sessions) -> None:
    intake = await make_intake(sessions)
    receipts = await asyncio.gather(*(intake.receive(sms("1234567 05123 02010")) for _ in range(8)))
    assert len({r.message_id for r in receipts}) == 1
    assert sum(not r.duplicate for r in receipts) == 1
    assert await count(sessions, Reading) == 3 + 2


async def test_second_submission_supersedes_the_first_and_both_are_kept(sessions) -> None:
    intake = await make_intake(sessions)
    await intake.receive(sms("1234567 05200 02010", ext="a"))
    fixed = await intake.receive(sms("1234567 05123 02010", ext="b"))
    # checked against the previous period, so a lower correction is not "decreasing"
    assert fixed.status == "accepted"
    async with sessions() as s:
        rows = (
            await s.execute(
                select(Reading.value, Reading.status)
                .where(Reading.zone == 1, Reading.period == "2026-11")
                .order_by(Reading.id)
            )
        ).all()
    assert [(int(v), st) for v, st in rows] == [(5200, "superseded"), (5123, "accepted")]


async def test_rejected_message_stores_reason_and_explains_format(sessions) -> None:
    intake = await make_intake(sessions)
    receipt = await intake.receive(sms("1234567 05123"))
    assert (receipt.status, receipt.reason) == ("rejected", "reading_count_mismatch")
    assert "электроэнергия T1, электроэнергия T2" in receipt.reply
    assert "1234567 00000 00000" in receipt.reply and "5000" not in receipt.reply


async def test_english_replies_when_configured(sessions) -> None:
    intake = await make_intake(sessions, METER_GATEWAY_REPLIES_LANGUAGE="en")
    receipt = await intake.receive(sms("1234567 05123 02010"))
    assert receipt.reply.startswith("Readings accepted")


async def test_flood_from_one_sender_is_rate_limited_others_are_not(sessions) -> None:
    intake = await make_intake(sessions, METER_GATEWAY_RULES_RATE_LIMIT_PER_HOUR="3")
    results = [await intake.receive(sms("1234567 05123 02010", ext=f"f{i}")) for i in range(5)]
    assert [r.reason for r in results][3:] == ["rate_limited", "rate_limited"]
    other = await intake.receive(sms("1234567 05123 02010", ext="o", sender="+79990000002"))
    assert other.status == "accepted"
    assert await count(sessions, Message) == 6


async def test_messages_left_pending_are_decided_on_resume(sessions) -> None:
    intake = await make_intake(sessions)
    # a crash after the message was stored but before it was decided

    async with intake.uow() as uow:
        await uow.messages.insert(sms("1234567 05123 02010", ext="crashed"), NOW)
        await uow.commit()
    assert await intake.resume_pending() == 1
    assert await intake.resume_pending() == 0
    receipt = await intake.receive(sms("1234567 05123 02010", ext="crashed"))
    assert receipt.duplicate and receipt.status == "accepted"
    assert await count(sessions, Reading) == 3 + 2


async def test_reply_goes_to_outbox_when_the_channel_needs_it(sessions) -> None:
    intake = await make_intake(sessions)
    await intake.receive(sms("1234567 05123 02010", reply_via="sms_generic"))
    await intake.receive(sms("1234567 05123 02010", reply_via="sms_generic"))
    async with sessions() as s:
        rows = (await s.execute(select(Outbox))).scalars().all()
    assert [(r.channel, r.recipient, r.status) for r in rows] == [
        ("sms_generic", "+79990000001", "pending")
    ]


async def test_period_follows_the_cutoff_day_in_local_time(sessions) -> None:
    # 21:30 UTC on the 25th is already the 26th in Moscow: next period
    late = datetime(2026, 11, 25, 21, 30, tzinfo=UTC)
    intake = await make_intake(sessions, clock=lambda: late)
    receipt = await intake.receive(sms("1234567 05123 02010"))
    async with sessions() as s:
        periods = set(
            (
                await s.execute(
                    select(Reading.period).where(Reading.message_id == receipt.message_id)
                )
            ).scalars()
        )
    assert periods == {"2026-12"}
