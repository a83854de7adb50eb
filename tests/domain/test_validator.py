"""The rules of docs/messages.md, "Validation", as a table: parsed message + account -> outcome.
No database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from gateway.domain.model import AccountView, HistoryPoint, Register, Status
from gateway.domain.rules import Rules
from gateway.domain.validation import validate
from parsers import parse

TODAY = date(2026, 11, 20)


def reg(
    zone: int = 1,
    zones: int = 1,
    service: str = "electricity",
    digits: int = 5,
    decimals: int = 0,
    history: tuple[tuple[date, str], ...] = (),
    meter_id: int = 1,
    verified_until: date | None = None,
    position: int = 1,
) -> Register:
    return Register(
        meter_id=meter_id,
        meter=f"M{meter_id}",
        position=position,
        service=service,
        zone=zone,
        zones=zones,
        digits=digits,
        decimals=decimals,
        verified_until=verified_until,
        history=tuple(HistoryPoint(d, Decimal(v)) for d, v in history),
    )


MONTHLY = ((date(2026, 8, 20), "4800"), (date(2026, 9, 20), "4900"), (date(2026, 10, 20), "5000"))
TWO_ZONE = (
    reg(1, 2, history=MONTHLY),
    reg(2, 2, history=((date(2026, 10, 20), "1975"),)),
)
WATER = (
    reg(service="cold_water", decimals=3, meter_id=2, history=((date(2026, 10, 20), "100"),)),
    reg(
        service="hot_water",
        decimals=3,
        meter_id=3,
        position=2,
        history=((date(2026, 10, 20), "40"),),
    ),
)


def account(registers: tuple[Register, ...], status: str = "open") -> AccountView:
    return AccountView("1234567", status, 2, registers)


CASES = [
    # id, text, registers, rules, expected status, reason, consumptions
    ("accepted-two-zone", "1234567 05123 02010", TWO_ZONE, {}, "accepted", None, ["123", "35"]),
    # a date typed after the readings is never silently one more reading
    ("date-after", "1234567 05123 02010 25.11", TWO_ZONE, {}, "accepted", None, ["123", "35"]),
    ("date-slash", "1234567 05123 02010 25/11", TWO_ZONE, {}, "accepted", None, ["123", "35"]),
    ("date-or-two", "1234567 05123 25/11", TWO_ZONE, {}, "review", "ambiguous", []),
    # the count needs it: 12.05 is hot water's reading (lower than its last one, 40)
    (
        "decimal-not-date",
        "1234567 104.25 12.05",
        WATER,
        {},
        "rejected",
        "decreasing",
        ["4.25", None],
    ),
    (
        "accepted-labels-reordered",
        "1234567 T2 2010 T1 5123",
        TWO_ZONE,
        {},
        "accepted",
        None,
        ["123", "35"],
    ),
    (
        "accepted-water-decimals",
        "1234567 104,250 41.5",
        WATER,
        {},
        "accepted",
        None,
        ["4.250", "1.5"],
    ),
    ("accepted-first-reading-no-history", "1234567 00100", (reg(),), {}, "accepted", None, [None]),
    ("empty", "   ", TWO_ZONE, {}, "rejected", "empty", []),
    ("no-uin", "показания пять", TWO_ZONE, {}, "rejected", "no_uin", []),
    ("unknown-uin", "1234567 1", None, {}, "rejected", "unknown_uin", []),
    ("closed", "1234567 05123 02010", "closed", {}, "rejected", "account_closed", []),
    ("count-too-few", "1234567 05123", TWO_ZONE, {}, "rejected", "reading_count_mismatch", []),
    ("count-too-many", "1234567 1 2 3", TWO_ZONE, {}, "rejected", "reading_count_mismatch", []),
    ("partial-label-off", "1234567 ГВС 45", WATER, {}, "rejected", "reading_count_mismatch", []),
    ("partial-label-on", "1234567 ГВС 45", WATER, {"allow_partial": True}, "accepted", None, ["5"]),
    ("not-a-number", "1234567 5123 abc", TWO_ZONE, {}, "rejected", "not_a_number", []),
    (
        "too-many-digits",
        "1234567 123456 2010",
        TWO_ZONE,
        {},
        "rejected",
        "too_many_digits",
        [None, "35"],
    ),
    ("leading-zeros-ok", "1234567 0005123 02010", TWO_ZONE, {}, "accepted", None, ["123", "35"]),
    (
        "too-many-decimals",
        "1234567 104.2501 41",
        WATER,
        {},
        "rejected",
        "too_many_decimals",
        [None, "1"],
    ),
    (
        "decimals-on-integer-meter",
        "1234567 5123.5 2010",
        TWO_ZONE,
        {},
        "rejected",
        "too_many_decimals",
        [None, "35"],
    ),
    ("decreasing", "1234567 04999 02010", TWO_ZONE, {}, "rejected", "decreasing", [None, "35"]),
    (
        "rollover",
        "1234567 00020",
        (reg(history=((date(2026, 10, 20), "99950"),)),),
        {},
        "accepted",
        None,
        ["70"],
    ),
    (
        "implausible-jump",
        "1234567 09000 02010",
        TWO_ZONE,
        {},
        "review",
        "implausible_jump",
        ["4000", "35"],
    ),
    (
        "jump-under-jump-min",
        "1234567 09000 02010",
        TWO_ZONE,
        {"jump_min": Decimal(5000)},
        "accepted",
        None,
        ["4000", "35"],
    ),
    (
        "accepted-day-night-labels",
        "1234567 ночь 2010 день 5123",
        TWO_ZONE,
        {},
        "accepted",
        None,
        ["123", "35"],
    ),
    (
        "accepted-labels-after-values",
        "1234567 5123 день 2010 ночь",
        TWO_ZONE,
        {},
        "accepted",
        None,
        ["123", "35"],
    ),
    (
        "accepted-service-label-by-position",
        "1234567 эл 5123 эл 2010",
        TWO_ZONE,
        {},
        "accepted",
        None,
        ["123", "35"],
    ),
    (
        "label-contradicts-position",
        "1234567 2010 день 5123",
        TWO_ZONE,
        {},
        "review",
        "ambiguous",
        [],
    ),
    (
        "mixed-label-wrong-zone",
        "1234567 5123 ночь 2010 ночь",
        TWO_ZONE,
        {},
        "rejected",
        "reading_count_mismatch",
        [],
    ),
    (
        "day-on-single-zone",
        "1234567 день 100",
        (reg(),),
        {},
        "rejected",
        "reading_count_mismatch",
        [],
    ),
    (
        "gas-on-water-account",
        "1234567 газ 1 ГВС 2",
        WATER,
        {},
        "rejected",
        "reading_count_mismatch",
        [],
    ),
    (
        "partial-zone-label-on",
        "1234567 Т2 2010",
        TWO_ZONE,
        {"allow_partial": True},
        "accepted",
        None,
        ["35"],
    ),
    (
        "same-label-twice-in-bill-order",
        "1234567 ХВС 101 ХВС 102",
        (
            reg(service="cold_water", meter_id=2, history=((date(2026, 10, 20), "100"),)),
            reg(
                service="cold_water", meter_id=3, position=2, history=((date(2026, 10, 20), "100"),)
            ),
        ),
        {},
        "accepted",
        None,
        ["1", "2"],
    ),
    (
        "comma-decimal-on-register-with-decimals",
        "1234567 104,250 41,5",
        WATER,
        {},
        "accepted",
        None,
        ["4.250", "1.5"],
    ),
    (
        "comma-three-digits-on-integer-register",
        "1234567 5,123 2010",
        TWO_ZONE,
        {},
        "review",
        "ambiguous",
        [None, "35"],
    ),
    (
        "comma-could-be-two-readings",
        "1234567 5123,201",
        TWO_ZONE,
        {},
        "review",
        "ambiguous",
        [],
    ),
    (
        "comma-two-digits-is-decimal",
        "1234567 5123,20",
        TWO_ZONE,
        {},
        "rejected",
        "reading_count_mismatch",
        [],
    ),
    (
        "comma-decimal-vs-thousands-grouping",
        "1234567 5,123 2,010.0",
        (replace(TWO_ZONE[0], decimals=1), replace(TWO_ZONE[1], decimals=1)),
        {},
        "rejected",
        "too_many_decimals",
        [None, "35.0"],
    ),
    ("two-uins", "ЛС 1234567 ЛС 7654321 5123", TWO_ZONE, {}, "review", "ambiguous", []),
    ("negative", "1234567 -5123 2010", TWO_ZONE, {}, "rejected", "not_a_number", []),
    (
        "verification-expired",
        "1234567 05123 02010",
        (replace(TWO_ZONE[0], verified_until=date(2026, 1, 1)), TWO_ZONE[1]),
        {},
        "rejected",
        "meter_verification_expired",
        [None, "35"],
    ),
]


@pytest.mark.parametrize(
    ("text", "registers", "rules", "status", "reason", "consumptions"),
    [pytest.param(*c[1:], id=c[0]) for c in CASES],
)
def test_validate(text, registers, rules, status, reason, consumptions) -> None:
    if registers is None:
        acc = None
    elif registers == "closed":
        acc = account(TWO_ZONE, status="closed")
    else:
        acc = account(registers)
    outcome = validate(parse(text), acc, TODAY, Rules(**rules))
    assert (outcome.status, outcome.reason) == (Status(status), reason)
    got = [str(r.consumption) if r.consumption is not None else None for r in outcome.readings]
    assert got == consumptions


def test_reading_after_cutoff_belongs_to_next_period() -> None:
    outcome = validate(parse("1234567 05123 02010"), account(TWO_ZONE), date(2026, 11, 26), Rules())
    assert {r.period for r in outcome.readings} == {"2026-12"}
    outcome = validate(parse("1234567 05123 02010"), account(TWO_ZONE), date(2026, 12, 26), Rules())
    assert {r.period for r in outcome.readings} == {"2027-01"}


def test_ambiguous_reading_keeps_every_candidate_for_staff() -> None:
    outcome = validate(parse("1234567 5,123 2010"), account(TWO_ZONE), TODAY, Rules())
    first = outcome.readings[0]
    assert first.candidates == (Decimal("5.123"), Decimal("5123"))
    assert outcome.detail == "5,123"


def test_count_mismatch_says_how_many_came() -> None:
    outcome = validate(parse("1234567 5123"), account(TWO_ZONE), TODAY, Rules())
    assert (outcome.reason, outcome.received) == ("reading_count_mismatch", 1)
