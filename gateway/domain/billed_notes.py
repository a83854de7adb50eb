"""How a billed row is told to a customer in the period-close notice (docs/channels.md,
"Reminders and notices"): from the row's method, ``basis`` (docs/billing.md, "Export"),
factor and the day of the event behind it. The one mapping basis -> words; English msgids
for the catalogue (docs/translations.md), translated here."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from gateway.domain.billing_days import month_days
from gateway.domain.billing_facts import Basis
from gateway.domain.model import plain
from gateway.runtime import i18n
from gateway.runtime.i18n import N_

# the kinds of event a notice may date a row by
REMOVED, INSTALLED, FAILED, LAPSED = "removed", "installed", "failed", "lapsed"
RECOMMISSIONED = "recommissioned"  # ends a failure


class Event(NamedTuple):
    """A meter's event on ``day``: its removal, its installation, a failure, the first day
    after its verification lapsed, or its recommissioning."""

    kind: str
    day: date


HOW = {
    "actual": N_("by reading"),
    "average": N_("by average"),
    "normative": N_("by normative"),
}
FACTOR = N_("by normative (×%(factor)s)")
MIXED = N_("by reading and estimate")  # an actual row with estimated days in it
WHOLE: dict[str, str] = {  # a row said in one phrase
    Basis.INSPECTION: N_("by the inspector's reading"),
    INSTALLED: N_("by the new meter from %(day)s"),
    REMOVED: N_("by reading until the meter was replaced on %(day)s"),
    Basis.REPLACEMENT: N_("by reading, the meter was replaced"),
}
WHY: dict[Basis | tuple[Basis, str], str] = {  # after "how: "
    Basis.REPLACEMENT: N_("the meter was replaced"),
    Basis.REPLACEMENT_GAP: N_("no meter installed"),
    (Basis.REPLACEMENT_GAP, REMOVED): N_("no meter since %(day)s"),
    Basis.METER_FAILED: N_("the meter is faulty"),
    (Basis.METER_FAILED, FAILED): N_("the meter has been faulty since %(day)s"),
    (Basis.METER_FAILED, LAPSED): N_("the meter's verification has lapsed since %(day)s"),
    Basis.ACCESS_REFUSED: N_("access to the meter was not given"),
    Basis.NO_READING: N_("the readings were not sent"),
    Basis.FIRST_READING: N_("the meter's first reading"),
    Basis.NEVER_READ: N_("no readings were ever sent"),
}
DATED = {  # the events that date a row of each basis
    Basis.REPLACEMENT: (REMOVED, INSTALLED),
    Basis.REPLACEMENT_GAP: (REMOVED,),
    Basis.METER_FAILED: (FAILED, LAPSED, RECOMMISSIONED),
}


def event_of(basis: str | None, period: str, events: Iterable[Event]) -> Event | None:
    """The event a row of ``period`` is dated by: the latest of its basis's kinds up to the
    period's last day (events belong to their calendar month); a replaced meter's own row is
    dated by its removal in the period, its successor's by the installation; a failed one's
    by the start of its failure, as ``billing_gaps.failure_gaps`` runs it."""
    kinds = DATED.get(Basis(basis)) if basis else None
    if not kinds:
        return None
    first, last = month_days(period)
    found = sorted(
        (e for e in events if e.kind in kinds and e.day <= last),
        key=lambda e: (e.day, e.kind == RECOMMISSIONED),
    )
    if basis == Basis.METER_FAILED:
        since: Event | None = None
        for e in found:
            if e.kind == RECOMMISSIONED:
                since = None
            elif since is None:
                since = e
        return since
    if basis == Basis.REPLACEMENT:
        removed = [e for e in found if e.kind == REMOVED and e.day >= first]
        found = removed or [e for e in found if e.kind == INSTALLED]
    return found[-1] if found else None


def _day(day: date, period: str) -> str:
    return day.strftime("%d.%m" if period.startswith(f"{day.year:04d}-") else "%d.%m.%Y")


def billed_how(
    language: str | None,
    period: str,
    method: str,
    basis: str | None,
    factor: Decimal | None = None,
    event: Event | None = None,
) -> str:
    """How one row was billed, e.g. "by average: the meter has been faulty since 11.04"."""
    gettext = i18n.translations(language).gettext
    day = "" if event is None else _day(event.day, period)
    if basis in (None, Basis.READING):
        return gettext(HOW[method])
    if basis == Basis.INSPECTION or (basis == Basis.REPLACEMENT and method == "actual"):
        key = basis if event is None or basis == Basis.INSPECTION else event.kind
        return gettext(WHOLE[key]) % {"day": day}
    if method == "actual":
        how = gettext(MIXED)
    elif method == "normative" and factor is not None and factor != 1:
        point = "," if i18n.language(language) == "ru" else "."
        how = gettext(FACTOR) % {"factor": plain(factor).replace(".", point)}
    else:
        how = gettext(HOW[method])
    known = Basis(basis)
    reason = WHY.get((known, event.kind)) if event is not None else None
    why = gettext(reason or WHY[known]) % {"day": day}
    return f"{how}: {why}"
