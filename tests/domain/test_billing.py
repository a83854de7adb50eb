"""The billing rules as pure functions, over the shared table and a few edges of their own."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from gateway.domain.billing import bill, bill_periods, correction
from gateway.domain.billing_facts import Basis, Reading, Register, Stored, Volume
from gateway.domain.billing_readings import average_monthly
from gateway.domain.rules import Rules
from gateway.domain.volumes import Method
from tests.period_cases import CASES, NORMATIVES, PERIODS, Case


def expected_rows(case: Case) -> list[tuple[str, Decimal, Decimal]]:
    return [(m, Decimal(v), Decimal(c)) for m, v, c in case.expected]


def pure_rows(case: Case) -> list[tuple[str, Decimal, Decimal]]:
    rows = []
    for zone in range(1, case.zones + 1):
        volume = bill_periods(case.history(zone), PERIODS, case.rules, NORMATIVES)[case.period]
        if volume is not None:
            rows.append((str(volume.method), volume.volume, volume.correction))
    return rows


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_table(case: Case) -> None:
    assert pure_rows(case) == expected_rows(case)


def reading(period: str, value: str) -> Reading:
    return Reading(period, date.fromisoformat(period + "-20"), Decimal(value))


def estimated(volume: int) -> Stored:
    return Stored(Method.AVERAGE, Decimal(volume), Decimal(volume), None, Basis.NO_READING)


def test_spec_worked_example_in_detail() -> None:
    history = Register(
        "electricity",
        5,
        1,
        [reading("2026-07", "1000"), reading("2026-10", "1500")],
        stored={"2026-08": estimated(100), "2026-09": estimated(100)},
    )
    assert bill(history, "2026-10", Rules(), NORMATIVES) == Volume(
        Method.ACTUAL, Decimal(300), Decimal(-200), Decimal(1000), Decimal(1500)
    )


def test_estimates_before_the_start_reading_are_not_corrected_again() -> None:
    stored = {"2026-05": estimated(7), "2026-08": estimated(100), "2026-10": estimated(1)}
    assert correction(stored, reading("2026-07", "1"), "2026-10") == Decimal(-100)


@pytest.mark.parametrize(
    ("window", "minimum", "expected"),
    [(6, 3, Decimal(100)), (2, 2, Decimal(100)), (2, 3, None), (12, 6, Decimal(100))],
    ids=["default", "short window", "window below minimum", "long window"],
)
def test_average_window_and_minimum(window: int, minimum: int, expected: Decimal | None) -> None:
    points = [reading(f"2026-{m:02d}", str(100 * m)) for m in range(1, 8)]
    rules = Rules(average_window_months=window, average_min_months=minimum)
    assert average_monthly(points, 5, rules) == expected


def test_normative_factor_multiplies_the_normative() -> None:
    history = Register("cold_water", 5, 3)
    volume = bill(history, "2026-07", Rules(normative_factor=Decimal("1.5")), NORMATIVES)
    assert volume == Volume(
        Method.NORMATIVE, Decimal("20.25"), estimate=Decimal("20.25"), factor=Decimal(1),
        basis=Basis.NEVER_READ,
    )  # fmt: skip


def test_a_later_submission_in_the_period_wins() -> None:
    history = Register(
        "electricity",
        5,
        1,
        [reading("2026-06", "100"), reading("2026-07", "900"), reading("2026-07", "150")],
    )
    volume = bill(history, "2026-07", Rules(), NORMATIVES)
    assert volume is not None and volume.volume == Decimal(50)
