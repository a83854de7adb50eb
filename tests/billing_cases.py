"""Billing v2's rules as one table of histories with events and the rows expected, the
arithmetic written out (docs/billing.md, "Period close").

``tests/storage/test_billing_rules.py`` seeds every case, closes ``PERIODS`` one after
another through ``period close`` on SQLite and PostgreSQL and compares the rows listed.

Unless a case says otherwise, the meter ("OLD") has the history ``H``: 70, 80, 90, 100 read
on the 20th of Dec 2025 .. Mar 2026, so its average is (100 - 70) / 3 months = 10 a month.
Normatives per person: electricity 75, cold water 4.5, hot water 3.2, gas 10. April has 30
days, May 31, June 30, July 31, August 31. The cut-off day is the 25th.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from gateway.domain.rules import Rules

PERIODS = ("2026-03", "2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09")
NORMATIVES = {
    "electricity": Decimal(75),
    "cold_water": Decimal("4.5"),
    "hot_water": Decimal("3.2"),
    "gas": Decimal(10),
    "heating": Decimal(0),
}
DEFAULT = Rules()
NO_FACTOR = Rules(increasing_factor=Decimal(1))  # M5: 1.0 turns the increasing factor off

Day = tuple[date, str]  # taken on, value
# period, meter (OLD or NEW), method ("-": no row), volume, correction, estimate, factor, basis
Row = tuple[str, str, str, str, str, str, str | None, str]


def d(text: str) -> date:
    return date.fromisoformat(text)


H: tuple[Day, ...] = ((d("2025-12-20"), "70"), (d("2026-01-20"), "80"), (d("2026-02-20"), "90"),
                      (d("2026-03-20"), "100"))  # fmt: skip
E = tuple((day, str(int(v) * 10 + 300)) for day, v in H)  # 1000 .. 1300: 100 a month


@dataclass(frozen=True)
class Replacement:
    removed_on: date
    removal_value: str
    installed_on: date | None = None
    installation_value: str | None = None


@dataclass(frozen=True)
class Case:
    id: str
    expected: tuple[Row, ...]
    service: str = "cold_water"
    residents: int = 2
    readings: tuple[Day, ...] = H
    acts: tuple[tuple[date, str, str | None], ...] = ()  # day, act, value
    replaced: Replacement | None = None
    new_readings: tuple[Day, ...] = ()  # the NEW meter's customer readings
    residents_changes: tuple[tuple[date, int, int | None], ...] = ()
    verified_until: date | None = None
    rules: Rules = DEFAULT


GAP_30 = Replacement(d("2026-04-16"), "133", d("2026-05-16"), "0")
REMOVED = Replacement(d("2026-04-16"), "133")
FAILED_AT_105 = ((d("2026-04-11"), "failed", "105"),)
TWO_REFUSALS = (
    (d("2026-04-05"), "access_refused", None),
    (d("2026-04-20"), "access_refused", None),
)

CASES = [
    # R1 replacement. April: (removal 133 - March 100) = 33, plus the days without a meter,
    # 16..30 April = 15 days x 10 / 30 = 5: 38. May: 1..15 May without a meter, 15 x 10 / 31
    # = 4.8387 on the old meter; the new one reads from its installation (A1): 0 - 0 = 0.
    Case("R1 replacement: removal, days without a meter, the new meter", (
        ("2026-04", "OLD", "actual", "38", "0", "5", None, "replacement"),
        ("2026-04", "NEW", "-", "", "", "", None, ""),
        ("2026-05", "OLD", "average", "4.8387", "0", "4.8387", None, "replacement_gap"),
        ("2026-05", "NEW", "actual", "0", "0", "0", None, "replacement"),
        ("2026-06", "OLD", "-", "", "", "", None, ""),
        ("2026-06", "NEW", "actual", "12", "0", "0", None, "reading"),  # 12 - 0
    ), replaced=GAP_30, new_readings=((d("2026-06-20"), "12"), (d("2026-07-20"), "25"))),
    # Nothing installed: the gap's periods by the frozen average (May = 2, June = 3), then
    # the normative x 1.5 for water (60): 2 persons x 4.5 x 1.5 = 13.5.
    Case("R1 removed, nothing installed: average, then normative x 1.5 for water", (
        ("2026-04", "OLD", "actual", "38", "0", "5", None, "replacement"),
        ("2026-05", "OLD", "average", "10", "0", "10", None, "replacement_gap"),
        ("2026-06", "OLD", "average", "10", "0", "10", None, "replacement_gap"),
        ("2026-07", "OLD", "normative", "13.5", "0", "13.5", "1.5", "replacement_gap"),
    ), replaced=REMOVED),
    # electricity: no factor (80(1)): 1 person x 75 = 75; April's 33 + 15 x 100 / 30 = 50
    Case("R1 electricity removed: normative x 1 after the gap's third period", (
        ("2026-04", "OLD", "actual", "83", "0", "50", None, "replacement"),
        ("2026-07", "OLD", "normative", "75", "0", "75", "1", "replacement_gap"),
    ), service="electricity", residents=1, readings=E,
        replaced=Replacement(d("2026-04-16"), "1333")),
    # M5: increasing_factor = 1.0 turns the surcharge off: 2 x 4.5 = 9
    Case("M5 increasing_factor 1.0: no surcharge", (
        ("2026-07", "OLD", "normative", "9", "0", "9", "1", "replacement_gap"),
    ), replaced=REMOVED, rules=NO_FACTOR),
    # Installed four days later: April 33 + 4 x 10 / 30 = 1.3333. The new meter's own
    # history (A3) is April (0) and May (8): one month, under 3, so a missing June reading is
    # the normative, 2 x 4.5 = 9.
    Case("R1 new meter with under 3 months of history: normative", (
        ("2026-04", "OLD", "actual", "34.3333", "0", "1.3333", None, "replacement"),
        ("2026-04", "NEW", "actual", "0", "0", "0", None, "replacement"),
        ("2026-05", "OLD", "-", "", "", "", None, ""),
        ("2026-05", "NEW", "actual", "8", "0", "0", None, "reading"),
        ("2026-06", "NEW", "normative", "9", "0", "9", "1", "no_reading"),
    ), replaced=Replacement(d("2026-04-16"), "133", d("2026-04-20"), "0"),
        new_readings=((d("2026-05-20"), "8"),)),
    # R2 failed on 11 April with the reading then (81(13)), 105: April = 105 - 100 = 5, plus
    # 11..30 April = 20 days x 10 / 30 = 6.6667. The customer's 108 (20 April) and 112 are
    # stored, not billed. May, June: the frozen average; July (the 4th period): 2 x 4.5 x
    # 1.5 = 13.5. Recommissioned on 11 August at 200: 1..10 August estimated, 13.5 x 10 / 31
    # = 4.3548; from 200 on the meter bills again, September 230 - 200 = 30, no correction.
    Case("R2 failed meter: value at failure, average, normative x 1.5, recommissioned", (
        ("2026-04", "OLD", "actual", "11.6667", "0", "6.6667", None, "meter_failed"),
        ("2026-05", "OLD", "average", "10", "0", "10", None, "meter_failed"),
        ("2026-06", "OLD", "average", "10", "0", "10", None, "meter_failed"),
        ("2026-07", "OLD", "normative", "13.5", "0", "13.5", "1.5", "meter_failed"),
        ("2026-08", "OLD", "actual", "4.3548", "0", "4.3548", "1.5", "meter_failed"),
        ("2026-09", "OLD", "actual", "30", "0", "0", None, "reading"),
    ), readings=(*H, (d("2026-04-20"), "108"), (d("2026-05-20"), "112"),
                 (d("2026-09-20"), "230")),
        acts=(*FAILED_AT_105, (d("2026-08-11"), "recommissioned", "200"))),
    # Failed on 11 April and recommissioned on the 15th at 200, after the customer's 104 of
    # 5 April: April bills what the meter measured before the failure, 104 - 100 = 4 (in
    # `correction`), the days 11..14 April by the average, 4 x 10 / 30 = 1.3333, and from the
    # new start 205 - 200 = 5: 10.3333. May: 215 - 205 = 10; the failure's days stay billed.
    Case("R2 failed and recommissioned in one month, after a customer's reading", (
        ("2026-04", "OLD", "actual", "10.3333", "4", "1.3333", None, "meter_failed"),
        ("2026-05", "OLD", "actual", "10", "0", "0", None, "reading"),
    ), readings=(*H, (d("2026-04-05"), "104"), (d("2026-04-20"), "205"),
                 (d("2026-05-20"), "215")),
        acts=((d("2026-04-11"), "failed", None), (d("2026-04-15"), "recommissioned", "200"))),
    # The same without the reading of 5 April: nothing measured April before the failure, so
    # 1..14 April by the average, 14 x 10 / 30 = 4.6667, and 205 - 200 = 5: 9.6667.
    Case("R2 failed and recommissioned in one month, nothing read before", (
        ("2026-04", "OLD", "actual", "9.6667", "0", "4.6667", None, "meter_failed"),
    ), readings=(*H, (d("2026-04-20"), "205")),
        acts=((d("2026-04-11"), "failed", None), (d("2026-04-15"), "recommissioned", "200"))),
    # electricity meter failed: the normative without a factor (80(1)): 1 x 75 = 75
    Case("R2 failed electricity meter: normative x 1", (
        ("2026-07", "OLD", "normative", "75", "0", "75", "1", "meter_failed"),
    ), service="electricity", residents=1, readings=E, acts=FAILED_AT_105),
    # verification lapsed on 10 April: failed from the 11th; April's reading (the 20th) is
    # after it, so April has none: the whole month by the failure's average
    Case("R2 verification lapsed: from the next day, average", (
        ("2026-04", "OLD", "average", "10", "0", "10", None, "meter_failed"),
    ), readings=(*H, (d("2026-04-20"), "108")), verified_until=d("2026-04-10")),
    # A2: April without a reading is 59 б (average, count 1); the failure on 3 May starts
    # its own count: May 1, June 2, July 3 (average), August 4: 13.5
    Case("A2 a failure after a month without reading counts from its own event", (
        ("2026-04", "OLD", "average", "10", "0", "10", None, "no_reading"),
        ("2026-07", "OLD", "average", "10", "0", "10", None, "meter_failed"),
        ("2026-08", "OLD", "normative", "13.5", "0", "13.5", "1.5", "meter_failed"),
    ), acts=((d("2026-05-03"), "failed", None),)),
    # R3 the inspector reads 1250 on 10 May, below the customer's 1300 of March; April was
    # billed 100 by average. May: 1250 - 1300 = -50, correction -100: -150, a credit. June
    # counts from the inspector's value: 1400 - 1250 = 150.
    Case("R3 inspection below the customer's reading: a credit", (
        ("2026-04", "OLD", "average", "100", "0", "100", None, "no_reading"),
        ("2026-05", "OLD", "actual", "-150", "-100", "0", None, "inspection"),
        ("2026-06", "OLD", "actual", "150", "0", "0", None, "reading"),
    ), service="electricity", residents=1, readings=(*E, (d("2026-06-20"), "1400")),
        acts=((d("2026-05-10"), "inspection", "1250"),)),
    # M7: on 28 April (after the cut-off) the inspector's reading belongs to April, the
    # customer's of the same day to May: April 1390 - 1300 = 90, May 1395 - 1390 = 5
    Case("R3 the inspector's reading has no cut-off (M7)", (
        ("2026-04", "OLD", "actual", "90", "0", "0", None, "inspection"),
        ("2026-05", "OLD", "actual", "5", "0", "0", None, "reading"),
    ), service="electricity", residents=1, readings=(*E, (d("2026-04-28"), "1395")),
        acts=((d("2026-04-28"), "inspection", "1390"),)),
    # M7: the same day, the inspector's reading wins: 1390 - 1300 = 90, not 1400 - 1300
    Case("R3 the inspector's reading wins on the same day", (
        ("2026-04", "OLD", "actual", "90", "0", "0", None, "inspection"),
    ), service="electricity", residents=1, readings=(*E, (d("2026-04-20"), "1400")),
        acts=((d("2026-04-20"), "inspection", "1390"),)),
    # R4 never read: the normative by days. March 2 x 4.5 = 9; April 4.5 x (2 x 15 days +
    # 3 x 15 days) / 30 = 11.25; May 3 x 4.5 = 13.5
    Case("R4 residents change on the 16th: normative by days", (
        ("2026-03", "OLD", "normative", "9", "0", "9", "1", "never_read"),
        ("2026-04", "OLD", "normative", "11.25", "0", "11.25", "1", "never_read"),
        ("2026-05", "OLD", "normative", "13.5", "0", "13.5", "1", "never_read"),
    ), readings=(), residents_changes=((d("2026-04-16"), 3, None),)),
    # 0 residents from 1 May, 2 owners: 2 x 4.5 = 9; from 1 June 0 again, owners not given:
    # the last value, 2: 9 (п. 56(2))
    Case("R4 nobody lives there: the owners", (
        ("2026-05", "OLD", "normative", "9", "0", "9", "1", "never_read"),
        ("2026-06", "OLD", "normative", "9", "0", "9", "1", "never_read"),
    ), readings=(), residents=1,
        residents_changes=((d("2026-05-01"), 0, 2), (d("2026-06-01"), 0, None))),
    # 0 residents and no owners ever given: 1 owner, 1 x 4.5
    Case("R4 nobody lives there, owners never given: one", (
        ("2026-03", "OLD", "normative", "4.5", "0", "4.5", "1", "never_read"),
    ), readings=(), residents=0),
    # the average does not depend on residents: April without reading is 10 whatever lives
    Case("R4 the average does not depend on residents", (
        ("2026-04", "OLD", "average", "10", "0", "10", None, "no_reading"),
    ), residents_changes=((d("2026-04-01"), 5, None),)),
    # R5 refusals on 5 and 20 April: the regime from the 20th. April: the customer's 104 of
    # the 10th still counts, 104 - 100 = 4, plus 20..30 April = 11 days x 10 / 30 = 3.6667.
    # May, June: 10 (59 в, frozen); July: 2 x 4.5 x 1.5 = 13.5. The customer's 115, 120, 130
    # are stored, not billed. Inspection 10 August, 150: 150 - 104 = 46, correction at factor
    # 1 (M6): -(3.6667 + 10 + 10 + 13.5 / 1.5) = -32.6667: 13.3333; the 4.5 surcharge stays.
    Case("R5 water: two refusals, average, normative x 1.5, the inspection settles", (
        ("2026-04", "OLD", "actual", "7.6667", "0", "3.6667", None, "access_refused"),
        ("2026-05", "OLD", "average", "10", "0", "10", None, "access_refused"),
        ("2026-06", "OLD", "average", "10", "0", "10", None, "access_refused"),
        ("2026-07", "OLD", "normative", "13.5", "0", "13.5", "1.5", "access_refused"),
        ("2026-08", "OLD", "actual", "13.3333", "-32.6667", "0", None, "inspection"),
        ("2026-09", "OLD", "actual", "10", "0", "0", None, "reading"),  # 160 - 150
    ), readings=(*H, (d("2026-04-10"), "104"), (d("2026-05-20"), "115"),
                 (d("2026-06-20"), "120"), (d("2026-07-20"), "130"), (d("2026-09-20"), "160")),
        acts=(*TWO_REFUSALS, (d("2026-08-10"), "inspection", "150"))),
    # electricity (60(3), A6): the normative x 1.5 from the period of the second refusal:
    # 1 x 75 x 1.5 = 112.5 in April and May; the inspection of 5 June, 1500: 1500 - 1300 =
    # 200, correction -(112.5 / 1.5 x 2) = -150: 50
    Case("R5 electricity: normative x 1.5 at once, the inspection settles at factor 1", (
        ("2026-04", "OLD", "normative", "112.5", "0", "112.5", "1.5", "access_refused"),
        ("2026-05", "OLD", "normative", "112.5", "0", "112.5", "1.5", "access_refused"),
        ("2026-06", "OLD", "actual", "50", "-150", "0", None, "inspection"),
    ), service="electricity", residents=1, readings=E,
        acts=((d("2026-03-03"), "access_refused", None), (d("2026-04-20"), "access_refused", None),
              (d("2026-06-05"), "inspection", "1500"))),
    # one refusal does nothing: 1400 - 1300 = 100
    Case("R5 a single refusal does nothing", (
        ("2026-04", "OLD", "actual", "100", "0", "0", None, "reading"),
    ), service="electricity", residents=1, readings=(*E, (d("2026-04-20"), "1400")),
        acts=((d("2026-04-05"), "access_refused", None),)),
    # gas in the regime from 10 April: average April, May, June (59 в, frozen); July the
    # normative without a factor (never for gas): 2 x 10 = 20
    Case("R5 gas: average, then the normative without a factor", (
        ("2026-04", "OLD", "average", "10", "0", "10", None, "access_refused"),
        ("2026-06", "OLD", "average", "10", "0", "10", None, "access_refused"),
        ("2026-07", "OLD", "normative", "20", "0", "20", "1", "access_refused"),
    ), service="gas", acts=((d("2026-04-05"), "access_refused", None),
                            (d("2026-04-10"), "access_refused", None))),
]  # fmt: skip
