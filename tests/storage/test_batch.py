"""Group commit: a batch decides every message exactly as receiving it alone would, in one
transaction; a failing message falls back to one at a time; the queue refuses what it
cannot hold. On both databases."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.config import load_config
from gateway.domain.model import Channel, InboundMessage
from gateway.service.batch import BatchIntake
from gateway.service.decision import record_decisions
from gateway.service.group_commit import GroupCommit, Overloaded
from gateway.service.receive import Intake, Receipt
from storage.models import Message, Meter, Outbox, Reading
from tests.helpers import meter, seed, uow_of
from tests.storage.test_intake import HISTORY, NOW, sms
from tests.support.db import readings_refused
from tests.support.waiting import until

ENV = {
    "METER_GATEWAY_RULES_RATE_LIMIT_PER_HOUR": "3",
    "METER_GATEWAY_RULES_UNKNOWN_UIN_PER_HOUR": "2",
}
ACCOUNTS = [
    meter("1234567", "E-1", zones=2),
    meter("7654321", "CW-1", service="cold_water", decimals=3),
    meter("7654321", "HW-1", position=2, service="hot_water", decimals=3),
    meter("5550001", "E-1"),
    meter("2222222", "E-1", status="closed"),
]
HISTORY_ = [*HISTORY, ("7654321", "CW-1", 1, NOW.date().replace(month=10), "100"),
            ("7654321", "HW-1", 1, NOW.date().replace(month=10), "40")]  # fmt: skip


def corpus() -> list[InboundMessage]:
    photo = {"photo": {"file_id": "f1"}}
    return [
        sms("1234567 05123 02010", ext="a1", sender="+1", reply_via="sms_generic"),
        sms("7654321 101 41", ext="a2", sender="+2", reply_via="sms_generic"),
        sms("7654321 90 41", ext="a3", sender="+3"),  # the same account again: lower
        sms("9999999 1 2", ext="a4", sender="+4"),  # unknown UIN
        sms("hello", ext="a5", sender="+5"),  # no UIN
        sms("1234567 05123 02010", ext="a1", sender="+1"),  # the provider's retry, at once
        sms("5550001 100", ext="a6", sender="+6"),
        sms("2222222 100", ext="a7", sender="+6"),  # closed account
        sms("1234567 05123 02010 25.11", ext="a8", sender="+9"),  # a date after readings
        *(sms(f"5550001 {200 + i}", ext=f"f{i}", sender="+7") for i in range(5)),  # a flood
        *(sms(f"999000{i} 1", ext=f"g{i}", sender="+8") for i in range(3)),  # UIN guessing
        InboundMessage(Channel.SMS, "p1", "+10", "", meta=photo),  # only a photo
    ]


def outcome(receipt: Receipt | Exception) -> tuple[Any, ...]:
    assert isinstance(receipt, Receipt), receipt
    reply = re.sub(
        r"обращения \d+", "обращения N", receipt.reply
    )  # message numbers differ between runs
    return receipt.status, receipt.reason, receipt.duplicate, reply


async def stored(sessions) -> list[tuple[Any, ...]]:  # type: ignore[no-untyped-def]
    async with sessions() as s:
        rows = await s.execute(
            select(Message.external_id, Message.status, Message.reason, Meter.name,
                   Reading.zone, Reading.value, Reading.status)
            .join(Reading, Reading.message_id == Message.id, isouter=True)
            .join(Meter, Meter.id == Reading.meter_id, isouter=True)
            .order_by(Message.external_id, Meter.name, Reading.zone)
        )  # fmt: skip
        outbox = await s.execute(select(Message.external_id, Outbox.body).join(Message))
        return [tuple(r) for r in rows] + [
            (e, re.sub(r"обращения \d+", "обращения N", b)) for e, b in outbox
        ]


async def wipe(sessions) -> None:  # type: ignore[no-untyped-def]
    async with sessions() as s:
        await s.execute(delete(Outbox))
        await s.execute(delete(Reading).where(Reading.message_id.is_not(None)))
        await s.execute(delete(Message))
        await s.commit()


async def test_a_batch_decides_every_message_as_receiving_it_alone_does(sessions) -> None:
    await seed(sessions, ACCOUNTS, HISTORY_)
    config = load_config(environ=ENV)
    alone = Intake(uow_of(sessions), config.rules, config.language, lambda: NOW)
    one_by_one = [outcome(await alone.receive(m)) for m in corpus()]
    expected = await stored(sessions)
    await wipe(sessions)
    batch = BatchIntake(Intake(uow_of(sessions), config.rules, config.language, lambda: NOW))
    together = [outcome(r) for r in await batch.receive_batch(corpus())]
    assert together == one_by_one
    assert await stored(sessions) == expected
    statuses = {o[:2] for o in together}  # the corpus covers what it claims to
    assert {("accepted", None), ("rejected", "decreasing"), ("rejected", "unknown_uin"),
            ("rejected", "rate_limited"), ("review", "photo")} <= statuses  # fmt: skip


async def test_a_message_that_fails_in_a_batch_is_retried_alone(sessions, engine) -> None:
    """The failure rolls the batch back; each message is then received on its own: the
    bad one is kept for the resume loop, its neighbours are decided. The failure is the
    database refusing that message's reading (an error that is not "unavailable")."""
    await seed(sessions, ACCOUNTS, HISTORY_)
    config = load_config(environ={})
    batch = BatchIntake(Intake(uow_of(sessions), config.rules, config.language, lambda: NOW))
    messages = [
        sms("1234567 05123 02010", ext="ok1", sender="+1"),
        sms("5550001 777", ext="bad", sender="+bad"),
        sms("7654321 101 41", ext="ok2", sender="+2"),
    ]
    async with readings_refused(engine, 777):
        receipts = await batch.receive_batch(messages)
    assert [(r.status, r.reason) for r in receipts] == [  # type: ignore[union-attr]
        ("accepted", None), ("review", "processing"), ("accepted", None)]  # fmt: skip
    async with sessions() as s:
        rows = dict((await s.execute(select(Message.external_id, Message.status))).all())
    assert rows == {"ok1": "accepted", "bad": "pending", "ok2": "accepted"}


class Counting(BatchIntake):
    """The real batch intake, recording the size of each batch."""

    sizes: list[int]

    async def receive_batch(self, inbounds: Sequence[InboundMessage]) -> list[Any]:
        self.sizes.append(len(inbounds))
        return await super().receive_batch(inbounds)


async def test_concurrent_messages_share_transactions_and_each_gets_its_receipt(
    sessions,
) -> None:
    await seed(sessions, [meter(str(3000000 + i), "E-1") for i in range(300)])
    config = load_config(environ={})
    intake = Counting(Intake(uow_of(sessions), config.rules, config.language, lambda: NOW))
    intake.sizes = []
    group = GroupCommit(intake, size=50)
    receipts = await asyncio.gather(
        *(group.receive(sms(f"{3000000 + i} {i}", ext=f"c{i}", sender=f"+{i}")) for i in range(300))
    )
    assert [r.status for r in receipts] == ["accepted"] * 300
    assert len({r.message_id for r in receipts}) == 300
    assert sum(intake.sizes) == 300 and max(intake.sizes) == 50  # batches, bounded
    async with sessions() as s:
        values = dict((await s.execute(select(Reading.message_id, Reading.value))).all())
    assert all(int(values[r.message_id]) == i for i, r in enumerate(receipts))


async def test_a_full_queue_refuses_at_once_and_close_finishes_what_it_took(sessions) -> None:
    await seed(sessions, [meter(str(3000000 + i), "E-1") for i in range(40)])
    config = load_config(environ={})
    alone = Intake(uow_of(sessions), config.rules, config.language, lambda: NOW)
    group = GroupCommit(BatchIntake(alone), size=5, limit=10)
    results = await asyncio.gather(
        *(group.receive(sms(f"{3000000 + i} 1", ext=f"q{i}", sender=f"+{i}")) for i in range(40)),
        return_exceptions=True,
    )
    taken = [r for r in results if isinstance(r, Receipt)]
    refused = [r for r in results if isinstance(r, Overloaded)]
    assert len(taken) == 10 and len(refused) == 30  # nothing else: no error, no hang
    later = asyncio.create_task(group.receive(sms("3000039 1", ext="last", sender="+x")))
    # taken: waiting in the queue (or already answered, on a fast machine)
    await until(lambda: group.queued == 1 or later.done(), "the last message taken", interval=0)
    await group.close()
    assert (await later).status == "accepted"  # taken before the close: answered
    with pytest.raises(Overloaded):
        await group.receive(sms("3000038 1", ext="after", sender="+y"))
    async with sessions() as s:
        count = len((await s.execute(select(Message.id))).all())
    assert count == 11  # the refused ones were never stored


async def test_every_step_of_a_batch_takes_an_empty_one(sessions) -> None:
    """A batch whose messages another process took has nothing left to decide: every
    step, down to the statements, does nothing with nothing (no min() of no dates)."""
    config = load_config(environ=ENV)  # both hourly limits on: the senders are counted
    batch = BatchIntake(Intake(uow_of(sessions), config.rules, config.language, lambda: NOW))
    assert await batch.receive_batch([]) == []
    async with uow_of(sessions)() as uow:
        assert await uow.messages.insert_many([], NOW) == []
        assert await batch._decide_new(uow, [], NOW) == {}
        assert await batch._calm_senders(uow, []) == set()
        assert await uow.messages.sender_counts([], NOW, 5) == {}
        assert await batch._decide_together(uow, [], {}, NOW) == {}
        await uow.accounts.lock_many([])
        assert await uow.accounts.load_many([], "2026-11") == {}
        await record_decisions(uow, [], NOW)
        await uow.readings.add_many([], NOW)
        await uow.messages.finish_many([], NOW)
        await uow.outbox.enqueue_many([], NOW)
        await uow.commit()
    assert await stored(sessions) == []


async def test_a_batch_another_process_took_entirely_answers_quietly(sessions, caplog) -> None:
    """Every message of the batch was stored and decided by another process first: each
    is answered with its stored decision, and nothing is logged as failed."""
    await seed(sessions, ACCOUNTS, HISTORY_)
    config = load_config(environ=ENV)
    messages = [m for m in corpus() if m.external_id.startswith("a")]
    other = BatchIntake(Intake(uow_of(sessions), config.rules, config.language, lambda: NOW))
    first = [outcome(r) for r in await other.receive_batch(messages)]
    before = await stored(sessions)
    batch = BatchIntake(Intake(uow_of(sessions), config.rules, config.language, lambda: NOW))
    with caplog.at_level(logging.WARNING):
        again = [outcome(r) for r in await batch.receive_batch(messages)]
    assert caplog.records == []
    assert again == [(*o[:2], True, o[3]) for o in first]  # the same answers, as repeats
    assert await stored(sessions) == before


async def waiting_for_a_lock(engine: AsyncEngine) -> None:
    """Wait until a transaction on this test's database waits for a lock."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )

    async def waiting() -> int:
        async with engine.connect() as conn:
            return int((await conn.execute(query)).scalar_one())

    await until(waiting, "a transaction waiting for a lock")


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
@pytest.mark.parametrize("size", [1, 2], ids=["alone", "batch"])
async def test_a_deadlock_is_run_again_not_answered_retry_later(
    sessions, engine, caplog, size: int
) -> None:
    """Another transaction holds an account the batch (or a message alone) needs and then
    inserts one of its messages: a real deadlock, which PostgreSQL breaks by rolling back
    the one that waited first, the batch. The gateway runs it again and answers."""
    await seed(sessions, ACCOUNTS, HISTORY_)
    config = load_config()
    batch = BatchIntake(Intake(uow_of(sessions), config.rules, config.language, lambda: NOW))
    messages = [sms("5550001 100", ext="d1", sender="+1"),
                sms("1234567 05123 02010", ext="d2", sender="+2")][:size]  # fmt: skip
    with caplog.at_level(logging.WARNING):
        async with uow_of(sessions)() as other:
            await other.accounts.lock_many(["5550001"])
            deciding = asyncio.create_task(batch.receive_batch(messages))
            await waiting_for_a_lock(engine)  # the batch: its messages in, for the account
            # the batch will insert d1 again: that waits for this insert, which is undone
            await other.messages.insert(sms("5550001 1", ext="d1", sender="+1"), NOW)
        receipts = await asyncio.wait_for(deciding, 30)
    assert [(r.status, r.reason) for r in receipts] == [("accepted", None)] * size  # type: ignore[union-attr]
    retried = [r.getMessage() for r in caplog.records if "deadlock detected" in r.getMessage()]
    assert len(retried) == 1 and retried[0].endswith("trying again (2 of 3)"), retried
    async with sessions() as s:
        texts = (await s.execute(select(Message.external_id, Message.text))).all()
    assert sorted(texts) == sorted((m.external_id, m.text) for m in messages)
