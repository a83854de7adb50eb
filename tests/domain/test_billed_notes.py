"""How a billed row is told to a customer: each basis in Russian and English, the event's
day (with the year when it is not the period's), the increasing factor where it is not 1."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from gateway.domain.billed_notes import (
    FAILED,
    INSTALLED,
    LAPSED,
    RECOMMISSIONED,
    REMOVED,
    Event,
    billed_how,
    event_of,
)

APRIL = "2026-04"
FAILED_11 = Event(FAILED, date(2026, 4, 11))
CASES = [  # method, basis, factor, event, Russian, English
    ("actual", None, None, None, "по показаниям", "by reading"),
    ("average", None, None, None, "по среднему", "by average"),
    ("actual", "reading", None, None, "по показаниям", "by reading"),
    ("actual", "inspection", None, None, "по показаниям контролёра",
     "by the inspector's reading"),
    ("actual", "replacement", None, Event(INSTALLED, date(2026, 4, 16)),
     "по новому счётчику с 16.04", "by the new meter from 16.04"),
    ("actual", "replacement", None, Event(REMOVED, date(2026, 4, 16)),
     "по показаниям до замены счётчика 16.04",
     "by reading until the meter was replaced on 16.04"),
    ("average", "replacement_gap", None, Event(REMOVED, date(2026, 3, 16)),
     "по среднему: счётчик снят 16.03", "by average: no meter since 16.03"),
    ("normative", "replacement_gap", Decimal("1.5"), None,
     "по нормативу (×1,5): счётчик не установлен", "by normative (×1.5): no meter installed"),
    ("average", "meter_failed", None, FAILED_11,
     "по среднему: прибор учёта неисправен с 11.04",
     "by average: the meter has been faulty since 11.04"),
    ("actual", "meter_failed", None, FAILED_11,
     "по показаниям и расчёту: прибор учёта неисправен с 11.04",
     "by reading and estimate: the meter has been faulty since 11.04"),
    ("normative", "meter_failed", Decimal(1), Event(LAPSED, date(2025, 12, 1)),
     "по нормативу: срок поверки прибора учёта истёк, с 01.12.2025",
     "by normative: the meter's verification has lapsed since 01.12.2025"),
    ("normative", "access_refused", Decimal("1.5"), None,
     "по нормативу (×1,5): доступ к счётчику не предоставлен",
     "by normative (×1.5): access to the meter was not given"),
    ("average", "no_reading", None, None, "по среднему: показания не переданы",
     "by average: the readings were not sent"),
    ("normative", "first_reading", Decimal(1), None, "по нормативу: первые показания счётчика",
     "by normative: the meter's first reading"),
    ("normative", "never_read", Decimal(1), None,
     "по нормативу: показания ни разу не передавались",
     "by normative: no readings were ever sent"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "basis", "factor", "event", "ru", "en"), CASES)
def test_each_basis_in_words(
    method: str, basis: str | None, factor: Decimal | None, event: Event | None, ru: str, en: str
) -> None:
    assert billed_how(None, APRIL, method, basis, factor, event) == ru
    assert billed_how("en", APRIL, method, basis, factor, event) == en


def test_the_row_is_dated_by_its_own_event() -> None:
    events = [
        Event(REMOVED, date(2026, 4, 16)),
        Event(INSTALLED, date(2026, 3, 2)),
        Event(FAILED, date(2026, 2, 1)),
        Event(FAILED, date(2026, 4, 11)),
        Event(FAILED, date(2026, 5, 3)),  # after April: not yet
        Event(LAPSED, date(2026, 3, 1)),
    ]
    assert event_of("replacement", APRIL, events) == Event(REMOVED, date(2026, 4, 16))
    assert event_of("replacement", "2026-03", events) == Event(INSTALLED, date(2026, 3, 2))
    assert event_of("meter_failed", APRIL, events) == Event(FAILED, date(2026, 2, 1))
    # the failure of 1 February still runs in March: the lapse changes nothing
    assert event_of("meter_failed", "2026-03", events) == Event(FAILED, date(2026, 2, 1))
    recommissioned = [*events, Event(RECOMMISSIONED, date(2026, 3, 10))]
    assert event_of("meter_failed", APRIL, recommissioned) == FAILED_11
    assert event_of("replacement_gap", "2026-05", events) == Event(REMOVED, date(2026, 4, 16))
    assert event_of("no_reading", APRIL, events) is None
    assert event_of(None, APRIL, events) is None
