"""Regression tests of defects found by review (issue 9), on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from gateway.config import load_config
from gateway.service.receive import Intake
from tests.helpers import meter, seed, uow_of
from tests.storage.test_intake import sms

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


async def test_one_meters_dense_history_does_not_hide_anothers(sessions) -> None:
    """400 daily readings of meter A used to push meter B's last reading out of the
    account query, and B then accepted a reading far below its last one."""
    start = date(2025, 9, 1)
    history = [("5550001", "A", 1, start + timedelta(days=i), str(100 + i)) for i in range(400)]
    history.append(("5550001", "B", 1, date(2025, 8, 20), "1000"))
    await seed(sessions, [meter("5550001", "A"), meter("5550001", "B", position=2)], history)
    config = load_config()
    intake = Intake(uow_of(sessions), config.rules, config.language, lambda: NOW)
    receipt = await intake.receive(sms("5550001 600 5"))
    assert (receipt.status, receipt.reason) == ("rejected", "decreasing")
