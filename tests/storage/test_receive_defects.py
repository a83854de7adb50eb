"""Regression tests of defects found by review (issue 9), on both databases."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event

from gateway.app.factory import resume_forever
from gateway.config import load_config
from gateway.runtime.aio import stop_tasks
from gateway.service.receive import Intake
from storage.models import Outbox, Reading
from tests.helpers import meter, seed, uow_of
from tests.storage.test_intake import sms
from tests.support.db import count, readings_refused
from tests.support.waiting import until

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


async def test_one_meters_dense_history_does_not_hide_anothers(sessions) -> None:
    """400 daily readings of meter A used to push meter B's last reading out of the
    account query, and B then accepted a reading far below its last one."""
    start = date(2025, 9, 1)
    history = [("5550001", "A", 1, start + timedelta(days=i), str(100 + i)) for i in range(400)]
    history.append(("5550001", "B", 1, date(2025, 8, 20), "1000"))
    await seed(sessions, [meter("5550001", "A"), meter("5550001", "B", position=2)], history)
    config = load_config(environ={})
    intake = Intake(uow_of(sessions), config.rules, config.language, lambda: NOW)
    receipt = await intake.receive(sms("5550001 600 5"))
    assert (receipt.status, receipt.reason) == ("rejected", "decreasing")


async def test_a_pending_message_is_decided_once_under_concurrent_retries(sessions) -> None:
    """A message left pending (a crash between storing and deciding) and then delivered
    again three times at once while the resume loop runs: its readings are stored once."""
    await seed(sessions, [meter("1234567", "E-1", zones=2)])
    config = load_config(environ={})
    intake = Intake(uow_of(sessions), config.rules, config.language, lambda: NOW)
    message = sms("1234567 05123 02010", ext="crashed")
    async with intake.uow() as uow:
        await uow.messages.insert(message, NOW)
        await uow.commit()
    results = await asyncio.gather(
        *(intake.receive(message) for _ in range(3)), intake.resume_pending()
    )
    receipts = results[:3]
    assert {r.status for r in receipts} == {"accepted"}  # type: ignore[union-attr]
    assert await count(sessions, Reading) == 2


async def test_pending_never_leaves_the_gateway_as_a_status(sessions, engine) -> None:
    """A message whose decision failed is answered as taken for review, reason
    ``processing``, and decided later by the resume loop (docs/messages.md: three
    statuses). The failure comes from the database: it refuses the message's readings
    with an error that is not "unavailable"."""
    await seed(sessions, [meter("1234567", "E-1", zones=2)])
    config = load_config(environ={})
    intake = Intake(uow_of(sessions), config.rules, config.language, lambda: NOW)
    async with readings_refused(engine, 5123):
        receipt = await intake.receive(sms("1234567 05123 02010", ext="bug"))
        assert (receipt.status, receipt.reason) == ("review", "processing")
        assert await intake.resume_pending() == 0  # still refused: left for the next pass
    assert await count(sessions, Reading) == 0
    assert await intake.resume_pending() == 1  # the database takes it now
    again = await intake.receive(sms("1234567 05123 02010", ext="bug"))
    assert (again.status, again.duplicate) == ("accepted", True)
    assert await count(sessions, Reading) == 2


async def test_pending_work_is_resumed_by_a_background_loop_not_only_at_start(sessions) -> None:
    await seed(sessions, [meter("1234567", "E-1", zones=2)])
    config = load_config(environ={})
    intake = Intake(uow_of(sessions), config.rules, config.language, lambda: NOW)

    async def left_pending(ext: str, text: str) -> int:  # a crash between storing and deciding
        async with intake.uow() as uow:
            stored, _ = await uow.messages.insert(sms(text, ext=ext), NOW)
            await uow.commit()
        return stored.id

    async def decided(message_id: int) -> str | None:
        async with intake.uow() as uow:
            message = await uow.messages.get(message_id)
        return message.status if message is not None and message.status != "pending" else None

    loop = asyncio.create_task(resume_forever(intake, interval=0.05))
    try:
        first = await left_pending("early", "1234567 05123 02010")
        assert await until(lambda: decided(first), "the first pending message decided")
        # stored after a pass of the loop: only a later pass can decide it
        late = await left_pending("late", "1234567 05200 02050")
        assert await until(lambda: decided(late), "the late message decided") == "accepted"
    finally:
        await stop_tasks([loop])


async def test_a_flood_is_answered_once_per_window_and_costs_little(sessions, engine) -> None:
    """Defect 6: each flood message used to get a reply (a paid SMS, an email to a spoofed
    From) and the full decision. Now the first ``rate_limited`` is answered, later ones are
    stored silently, on a path that takes no lock and runs three statements."""
    await seed(sessions, [meter("1234567", "E-1", zones=2)])
    config = load_config(environ={"METER_GATEWAY_RULES_RATE_LIMIT_PER_HOUR": "3"})
    intake = Intake(uow_of(sessions), config.rules, config.language, lambda: NOW)
    flood = [sms("1234567 05123 02010", ext=f"f{i}", reply_via="sms_generic") for i in range(8)]
    receipts = [await intake.receive(m) for m in flood[:6]]
    assert [r.reason for r in receipts] == [None, None, None, *["rate_limited"] * 3]
    assert receipts[3].reply and not receipts[4].reply and not receipts[5].reply

    statements: list[str] = []

    def count_statement(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine.sync_engine, "before_cursor_execute", count_statement)
    try:
        await intake.receive(flood[6])
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count_statement)
    work = [s for s in statements if not s.lstrip().upper().startswith(("BEGIN", "COMMIT"))]
    assert len(work) <= 3, work
    assert not any("FOR UPDATE" in s for s in work)
    assert (
        await count(sessions, Outbox) == 4
    )  # three accepted, one rate_limited: one reply per window
    other = await intake.receive(sms("1234567 05123 02010", ext="o", sender="+79990000002"))
    assert other.status == "accepted"


async def test_over_long_provider_fields_are_stored_not_refused_forever(sessions) -> None:
    """Defect 2: a 300-character provider id or sender was a DataError on PostgreSQL, taken
    for "database down": 503 on every retry. Now it is stored (cut to fit, the id kept
    unique) and decided; the same long id again is recognised as a repeat."""
    await seed(sessions, [meter("1234567", "E-1", zones=2)])
    config = load_config(environ={})
    intake = Intake(uow_of(sessions), config.rules, config.language, lambda: NOW)
    long_id, other_id = "x" * 299 + "1", "x" * 299 + "2"
    first = await intake.receive(sms("1234567 05123 02010", ext=long_id, sender="+7" * 200))
    assert (first.status, first.duplicate) == ("accepted", False)
    again = await intake.receive(sms("1234567 05123 02010", ext=long_id, sender="+7" * 200))
    assert again.duplicate and again.message_id == first.message_id
    second = await intake.receive(sms("1234567 05123 02010", ext=other_id))
    assert not second.duplicate and second.message_id != first.message_id


async def test_guessing_uins_is_stopped_after_a_few_failures(sessions) -> None:
    """Defect 4: ``unknown_uin`` against every other answer let anyone enumerate UINs.
    After ``rules.unknown_uin_per_hour`` unknown UINs a sender gets no more lookups; other
    senders are not affected."""
    await seed(sessions, [meter("1234567", "E-1", zones=2)])
    config = load_config(environ={"METER_GATEWAY_RULES_UNKNOWN_UIN_PER_HOUR": "3"})
    intake = Intake(uow_of(sessions), config.rules, config.language, lambda: NOW)
    guesses = [await intake.receive(sms(f"{7000000 + i} 1 2", ext=f"g{i}")) for i in range(3)]
    assert {r.reason for r in guesses} == {"unknown_uin"}
    real = await intake.receive(sms("1234567 05123 02010", ext="g-real"))
    assert (real.status, real.reason) == ("rejected", "rate_limited")
    other = await intake.receive(sms("1234567 05123 02010", ext="o", sender="+79990000002"))
    assert other.status == "accepted"
