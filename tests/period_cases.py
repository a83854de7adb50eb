"""One table of register histories with the volume expected for a period (docs/billing.md).

``tests/domain/test_billing.py`` runs it through the rules alone, and
``tests/storage/test_period_close.py`` through ``period close`` on SQLite and PostgreSQL:
both must give the expected rows. The events of billing v2 have their own table,
``tests/billing_cases.py``.
Readings are taken on the 20th unless a case says otherwise; the cut-off day is the 25th.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from gateway.domain.billing_facts import Reading as BilledReading
from gateway.domain.billing_facts import Register
from gateway.domain.periods import period_of
from gateway.domain.rules import Rules

# closed one after another, each seeing the estimates of the ones before
PERIODS = ("2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12")
NORMATIVES = {
    "electricity": Decimal(75),
    "cold_water": Decimal("4.5"),
    "hot_water": Decimal("3.2"),
    "gas": Decimal(0),
    "heating": Decimal(0),
}
DEFAULT = Rules()
OLDER = Rules(average_max_periods=6)  # the older rule in the seeds: average for six periods

Reading = tuple[int, date, str]  # zone, taken on, value
Expected = tuple[str, str, str]  # method, volume, correction


def monthly(first: int, last: int, start: int, step: int, zone: int = 1) -> tuple[Reading, ...]:
    """A reading on the 20th of each month of 2026 from ``first`` to ``last``."""
    return tuple(
        (zone, date(2026, month, 20), str(start + step * (month - first)))
        for month in range(first, last + 1)
    )


@dataclass(frozen=True)
class Case:
    id: str
    readings: tuple[Reading, ...]
    period: str
    expected: tuple[Expected, ...]  # one per zone; empty: no row at all
    rules: Rules = DEFAULT
    zones: int = 1
    digits: int = 5
    residents: int = 2
    service: str = "electricity"
    account_status: str = "open"
    failed_on: date | None = None
    verified_until: date | None = None

    def history(self, zone: int) -> Register:
        return Register(
            service=self.service,
            digits=self.digits,
            residents=self.residents,
            readings=[
                BilledReading(period_of(day, self.rules.cutoff_day), day, Decimal(value))
                for z, day, value in self.readings
                if z == zone
            ],
            account_open=self.account_status == "open",
            failed_on=self.failed_on,
            verified_until=self.verified_until,
        )


JAN_JUL = monthly(1, 7, 400, 100)  # 400 ... 1000 in July: an average of exactly 100
JAN_JUN = monthly(1, 6, 400, 100)  # 400 ... 900 in June: five months, also 100 a month

CASES = [
    Case("regular monthly readings", monthly(1, 10, 400, 100), "2026-10",
         (("actual", "100", "0"),)),
    Case("one missed month: average", (*JAN_JUL, (1, date(2026, 9, 20), "1200")), "2026-08",
         (("average", "100", "0"),)),
    Case("reading after one missed month corrects it",
         (*JAN_JUL, (1, date(2026, 9, 20), "1200")), "2026-09",
         (("actual", "100", "-100"),)),
    Case("third missed month: still average", JAN_JUN, "2026-09", (("average", "100", "0"),)),
    Case("fourth missed month: normative", JAN_JUN, "2026-10", (("normative", "150", "0"),)),
    Case("older rule: sixth missed month still average", monthly(1, 5, 400, 100), "2026-11",
         (("average", "100", "0"),), rules=OLDER),
    Case("older rule: seventh missed month normative", monthly(1, 5, 400, 100), "2026-12",
         (("normative", "150", "0"),), rules=OLDER),
    Case("history under three months: normative at once", monthly(5, 6, 800, 100), "2026-07",
         (("normative", "150", "0"),)),
    Case("history of three to six months: average over it",
         ((1, date(2026, 3, 20), "1000"), (1, date(2026, 4, 20), "1040"),
          (1, date(2026, 5, 20), "1100"), (1, date(2026, 6, 20), "1180")), "2026-07",
         (("average", "60", "0"),)),
    Case("average over the last six months of readings only",
         (*((1, date(2025, m, 20), str(300 * (m - 9))) for m in range(9, 13)),
          *monthly(1, 6, 1000, 100)), "2026-07",
         (("average", "100", "0"),)),
    Case("rollover", (*monthly(1, 6, 9400, 100), (1, date(2026, 7, 20), "50")), "2026-07",
         (("actual", "150", "0"),), digits=4),
    Case("rollover inside the average", (*monthly(1, 6, 9400, 100),
                                         (1, date(2026, 7, 20), "50")), "2026-08",
         (("average", "108.3333", "0"),), digits=4),
    Case("reading after the cut-off day: next period, none in this one",
         (*JAN_JUN, (1, date(2026, 7, 27), "1100")), "2026-07",
         (("average", "100", "0"),)),
    Case("reading after the cut-off day counts in the next period",
         (*JAN_JUN, (1, date(2026, 7, 27), "1100")), "2026-08",
         (("actual", "100", "-100"),)),
    Case("after two estimated months, a credit when they were too high",
         (*JAN_JUL, (1, date(2026, 10, 20), "1150")), "2026-10",
         (("actual", "-50", "-200"),)),
    Case("after two estimated months, a charge when they were too low (the worked example)",
         (*JAN_JUL, (1, date(2026, 10, 20), "1500")), "2026-10",
         (("actual", "300", "-200"),)),
    Case("verification expired: later readings not used, average",
         monthly(1, 10, 400, 100), "2026-10", (("average", "100", "0"),),
         verified_until=date(2026, 8, 10)),
    Case("verification expired: normative after three periods",
         monthly(1, 10, 400, 100), "2026-11", (("normative", "150", "0"),),
         verified_until=date(2026, 8, 10)),
    Case("failed meter: average from the failure", monthly(1, 10, 400, 100), "2026-09",
         (("average", "100", "0"),), failed_on=date(2026, 9, 1)),
    Case("failed meter: normative after three periods", monthly(1, 10, 400, 100), "2026-12",
         (("normative", "150", "0"),), failed_on=date(2026, 9, 1)),
    Case("closed account: not billed", monthly(1, 10, 400, 100), "2026-10", (),
         account_status="closed"),
    Case("multi-zone meter: each zone on its own",
         (*monthly(1, 10, 400, 100, zone=1), *monthly(1, 9, 200, 50, zone=2)), "2026-10",
         (("actual", "100", "0"), ("average", "50", "0")), zones=2),
    Case("vacant flat: zero consumption", monthly(1, 10, 500, 0), "2026-10",
         (("actual", "0", "0"),)),
    Case("vacant flat: average of zero", monthly(1, 9, 500, 0), "2026-10",
         (("average", "0", "0"),)),
    Case("first reading ever is a baseline: normative", ((1, date(2026, 7, 20), "5000"),),
         "2026-07", (("normative", "150", "0"),)),
    Case("no readings at all: normative for the residents", (), "2026-07",
         (("normative", "13.5", "0"),), service="cold_water", residents=3),
]  # fmt: skip
