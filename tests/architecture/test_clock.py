"""One clock: only ``gateway.domain.clock`` reads the system clock or takes the calendar day
of an instant. Anywhere else, ``datetime.now()``, ``date.today()`` or ``<instant>.date()``
is the defect this test exists for: a day computed in UTC (or in the machine's zone) instead
of the supplier's ``rules.timezone``, so that the form or the staff queue show another period
than intake uses around every cut-off."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("gateway", "channels", "storage", "parsers")
CLOCK = ROOT / "gateway" / "domain" / "clock.py"
# calls that read the system's wall clock or take a date of an instant
FORBIDDEN = {"now", "utcnow", "today", "date", "fromtimestamp", "utcfromtimestamp"}


def clock_reads(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        name = node.func.attr
        if name not in FORBIDDEN:
            continue
        if name == "date" and (node.args or node.keywords):
            continue  # datetime.date(y, m, d) builds a date, it reads no clock
        found.append(f"{path.relative_to(root)}:{node.lineno}: .{name}()")
    return found


def test_only_the_clock_reads_the_clock_or_takes_the_day_of_an_instant() -> None:
    offenders = [
        hit
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != CLOCK and "migrations" not in path.parts
        for hit in clock_reads(path)
    ]
    assert offenders == [], "use gateway.domain.clock (utc_now, local_day, period_at)"


def test_the_check_sees_what_it_forbids(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from datetime import UTC, date, datetime\n"
        "a = datetime.now(UTC)\n"
        "b = a.date()\n"
        "c = date.today()\n"
        "d = date(2026, 1, 1)\n"
    )
    hits = [h.split(": ", 1)[1] for h in clock_reads(sample, tmp_path)]
    assert hits == [".now()", ".date()", ".today()"]
