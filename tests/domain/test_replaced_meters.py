"""A replaced meter in intake (docs/messages.md, "Validation" 6): which meter a position is on
a day, and the old meter's reading refused as ``meter_replaced``. No database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from gateway.domain.model import AccountView, Reason, Status
from gateway.domain.rules import Rules
from gateway.domain.validation import validate
from parsers import parse
from tests.domain.test_validator import reg

OLD = replace(
    reg(meter_id=1, history=((date(2026, 10, 20), "5000"),)), removed_on=date(2026, 11, 10)
)
NEW = replace(reg(meter_id=2), installed_on=date(2026, 11, 12))
OTHER = reg(meter_id=3, position=2, service="gas")
# replaced twice: the first successor removed too, the second not yet installed
NEWER = replace(reg(meter_id=4), installed_on=date(2026, 12, 1))
SECOND = replace(NEW, removed_on=date(2026, 11, 25))


@pytest.mark.parametrize(
    ("registers", "day", "meters"),
    [
        pytest.param((OLD, NEW, OTHER), date(2026, 11, 9), ["M1", "M3"], id="before-removal"),
        pytest.param((OLD, NEW, OTHER), date(2026, 11, 10), ["M1", "M3"], id="gap-keeps-old"),
        pytest.param((OLD, NEW, OTHER), date(2026, 11, 12), ["M2", "M3"], id="installed"),
        pytest.param(
            (OLD, SECOND, NEWER, OTHER),
            date(2026, 11, 26),
            ["M2", "M3"],
            id="gap-keeps-the-last-removed",
        ),  # fmt: skip
        pytest.param((OLD, SECOND, NEWER, OTHER), date(2026, 12, 1), ["M4", "M3"], id="chain"),
        pytest.param((reg(), OTHER), date(2026, 11, 1), ["M1", "M3"], id="no-events"),
    ],
)
def test_the_meters_in_place_on_a_day(registers, day, meters) -> None:  # type: ignore[no-untyped-def]
    view = AccountView("1234567", "open", 1, registers)
    assert [r.meter for r in view.on(day).registers] == meters


@pytest.mark.parametrize(
    ("day", "status", "reason"),
    [
        pytest.param(date(2026, 11, 9), Status.ACCEPTED, None, id="old-meter-before-removal"),
        pytest.param(date(2026, 11, 10), Status.REJECTED, Reason.METER_REPLACED, id="on-removal"),
        pytest.param(date(2026, 11, 11), Status.REJECTED, Reason.METER_REPLACED, id="in-gap"),
        pytest.param(date(2026, 11, 12), Status.ACCEPTED, None, id="new-meter"),
    ],
)
def test_a_reading_of_the_removed_meter_is_meter_replaced(day, status, reason) -> None:  # type: ignore[no-untyped-def]
    view = AccountView("1234567", "open", 1, (OLD, NEW, OTHER))
    outcome = validate(parse("1234567 5010 300"), view, day, Rules())
    assert (outcome.status, outcome.reason) == (status, reason)
