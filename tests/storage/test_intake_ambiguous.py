"""An ambiguous reading through the real pipeline: stored for review with every candidate."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Message, Reading
from tests.storage.test_intake import make_intake, sms


async def test_ambiguous_reading_goes_to_review_with_both_values_for_staff(sessions) -> None:
    intake = await make_intake(sessions)
    receipt = await intake.receive(sms("1234567 5,123 2010", ext="amb"))
    assert (receipt.status, receipt.reason) == ("review", "ambiguous")
    assert "«5,123»" in receipt.reply and "5.123 или 5123" in receipt.reply
    async with sessions() as s:
        message = await s.get(Message, receipt.message_id)
        assert message is not None and message.meta is not None
        assert message.meta["ambiguous"] == [
            {"meter": "E-1", "zone": 1, "candidates": ["5.123", "5123"]}
        ]
        rows = (await s.execute(select(Reading).where(Reading.message_id == message.id))).scalars()
        assert {(r.zone, r.status, r.reason) for r in rows} == {
            (1, "review", "ambiguous"),
            (2, "review", None),
        }


async def test_missing_space_is_ambiguous_not_a_decimal(sessions) -> None:
    intake = await make_intake(sessions)
    receipt = await intake.receive(sms("1234567 5123,201", ext="split"))
    assert (receipt.status, receipt.reason) == ("review", "ambiguous")
    assert "два показания 5123 и 201" in receipt.reply
    async with sessions() as s:
        message = await s.get(Message, receipt.message_id)
        assert message is not None and message.meta == {"ambiguous": [{"typed": "5123,201"}]}
