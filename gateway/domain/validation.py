"""The validation rules (docs/messages.md, "Validation") as one pure function.

``validate(parsed, account, today, rules)`` -> ``Outcome``. No database, no clock: the caller
passes the account as it stands (registers with their recent accepted history) and the date.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal, InvalidOperation

from gateway.domain.model import AccountView, Reason, Register
from gateway.domain.outcomes import Accepted, NeedsReview, Outcome, RegisterResult, Rejected
from gateway.domain.periods import consumption, period_of
from gateway.domain.rules import Rules
from parsers import ParsedReading, ParseResult

# Reasons that send a message to staff instead of rejecting it.
REVIEW_REASONS = {Reason.IMPLAUSIBLE_JUMP, Reason.AMBIGUOUS, Reason.PHOTO}

# Zone labels -> (the zone, the zone counts of meters it may name). "day" is T1 only on a
# two-zone meter: a three-zone meter's T1 is the peak, its day is T1 and T3.
ZONE_OF: dict[str, tuple[int, tuple[int, ...]]] = {
    "T1": (1, (2, 3)),
    "T2": (2, (2, 3)),
    "T3": (3, (3,)),
    "day": (1, (2,)),
    "night": (2, (2, 3)),
}

SERVICE_LABELS = {
    "cold": "cold_water",
    "hot": "hot_water",
    "electricity": "electricity",
    "gas": "gas",
    "heating": "heating",
}


def validate(
    parsed: ParseResult, account: AccountView | None, today: date, rules: Rules
) -> Outcome:
    if parsed.error is not None and parsed.uin is None:
        return _fail(Reason(parsed.error), detail=parsed.token)
    if account is None:
        return _fail(Reason.UNKNOWN_UIN, detail=parsed.uin)
    account = account.on(today)
    expected = account.registers
    if account.status != "open":
        return _fail(Reason.ACCOUNT_CLOSED, expected)
    if parsed.error is not None:
        return _fail(Reason(parsed.error), expected, parsed.token)
    readings = parsed.readings
    if parsed.maybe_date is not None:
        # "… 2010 25.11": a date after the readings is left out when the account's
        # registers make that the only sensible reading; when it may be either, staff decide
        typed = 2 if "/" in parsed.maybe_date else 1
        if len(readings) - typed == len(expected):
            readings = readings[:-typed]
        elif len(readings) - typed < len(expected) < len(readings):
            return _fail(Reason.AMBIGUOUS, expected, parsed.maybe_date)
    pairs = match_registers(readings, account.registers, rules.allow_partial)
    if pairs is None:
        split = _ambiguous_split(readings, expected)
        if split is not None:
            return _fail(Reason.AMBIGUOUS, expected, split)
        return replace(_fail(Reason.READING_COUNT_MISMATCH, expected), received=len(readings))
    results = tuple(check_register(reg, reading, today, rules) for reg, reading in pairs)
    failed = [
        (r.reason, reading) for r, (_, reading) in zip(results, pairs, strict=True) if r.reason
    ]
    rejected = [f for f in failed if f[0] not in REVIEW_REASONS]
    if rejected or failed:
        reason, reading = (rejected or failed)[0]
        kind = Rejected if rejected else NeedsReview
        return kind(results, expected, reading.raw or reading.value, reason=reason)
    return Accepted(results, expected)


def _fail(
    reason: Reason, expected: tuple[Register, ...] = (), detail: str | None = None
) -> Outcome:
    kind = NeedsReview if reason in REVIEW_REASONS else Rejected
    return kind((), expected, detail, reason=reason)


def _ambiguous_split(
    readings: tuple[ParsedReading, ...], registers: tuple[Register, ...]
) -> str | None:
    """``1234567 5123,201`` for two meters: a decimal, or two readings with a space missing?

    When splitting the numbers with a thousands-style comma would make the count right,
    the message can be read two ways; returns the first such number as typed.
    """
    doubtful = [r for r in readings if r.candidates and r.label is None]
    if doubtful and len(readings) < len(registers) <= len(readings) + len(doubtful):
        return doubtful[0].raw or doubtful[0].value
    return None


def match_registers(
    readings: tuple[ParsedReading, ...], registers: tuple[Register, ...], allow_partial: bool
) -> list[tuple[Register, ParsedReading]] | None:
    """Pair readings with registers, in bill order; None when they do not fit.

    When every reading is labelled, by label (readings with the same label take the
    registers it fits in bill order); a labelled subset only with ``allow_partial``.
    Otherwise by position, as printed on the bill, and a label given must fit its register.
    """
    if readings and all(r.label for r in readings):
        by_label = _by_label(readings, registers)
        if by_label is not None:
            return by_label if len(by_label) == len(registers) or allow_partial else None
    if len(readings) != len(registers):
        return None
    pairs = list(zip(registers, readings, strict=True))
    if all(r.label is None or _label_names(r.label, reg) for reg, r in pairs):
        return pairs
    return None


def _by_label(
    readings: tuple[ParsedReading, ...], registers: tuple[Register, ...]
) -> list[tuple[Register, ParsedReading]] | None:
    taken: dict[int, ParsedReading] = {}
    for reading in readings:
        for i, reg in enumerate(registers):
            if i not in taken and _label_fits(reading.label, reg):
                taken[i] = reading
                break
        else:
            return None
    return [(registers[i], taken[i]) for i in sorted(taken)]


def _label_fits(label: str | None, reg: Register) -> bool:
    """Does ``label`` alone name ``reg``? A service names only a single-zone meter."""
    if label in ZONE_OF:
        return _zone_fits(label, reg)
    return SERVICE_LABELS.get(label or "") == reg.service and reg.zones == 1


def _label_names(label: str, reg: Register) -> bool:
    """Is ``label`` right for ``reg``, read by position? ``эл`` fits any electricity zone."""
    if label in ZONE_OF:
        return _zone_fits(label, reg)
    return SERVICE_LABELS.get(label) == reg.service


def _zone_fits(label: str, reg: Register) -> bool:
    zone, zones = ZONE_OF[label]
    return reg.zone == zone and reg.zones in zones


def check_register(
    reg: Register, reading: ParsedReading, today: date, rules: Rules
) -> RegisterResult:
    period = period_of(today, rules.cutoff_day)

    def result(
        value: Decimal, reason: Reason | None, used: Decimal | None = None
    ) -> RegisterResult:
        return RegisterResult(reg, value, used, period, reason)

    if reading.candidates and reg.decimals == 0:
        # "1234,567" on a meter without decimals: 1234567 with a thousands comma, or two
        # readings with a space missing. Staff decide; the decimal reading comes first.
        values = tuple(Decimal(c) for c in reading.candidates)
        return RegisterResult(reg, values[0], None, period, Reason.AMBIGUOUS, values)
    try:
        value = Decimal(reading.value)
    except InvalidOperation:
        return result(Decimal(0), Reason.NOT_A_NUMBER)
    if not value.is_finite() or value < 0:
        return result(Decimal(0), Reason.NOT_A_NUMBER)
    if reg.removed_by(today):
        return result(value, Reason.METER_REPLACED)
    whole, _, fraction = reading.value.partition(".")
    if len(whole.lstrip("0")) > reg.digits:
        return result(value, Reason.TOO_MANY_DIGITS)
    if len(fraction.rstrip("0")) > reg.decimals:
        return result(value, Reason.TOO_MANY_DECIMALS)
    if reg.verified_until is not None and reg.verified_until < today:
        return result(value, Reason.METER_VERIFICATION_EXPIRED)
    last = reg.last
    if last is None:
        return result(value, None)
    used = consumption(last.value, value, reg.digits)
    if used is None:
        return result(value, Reason.DECREASING)
    if _implausible(reg, used, (today - last.taken_on).days, rules):
        return result(value, Reason.IMPLAUSIBLE_JUMP, used)
    return result(value, None, used)


def average_daily(reg: Register) -> Decimal | None:
    """Average consumption per day over the register's known history, rollover-aware."""
    points = reg.history
    if len(points) < 2:
        return None
    days = (points[-1].taken_on - points[0].taken_on).days
    if days <= 0:
        return None
    total = Decimal(0)
    for a, b in zip(points, points[1:], strict=False):
        step = consumption(a.value, b.value, reg.digits)
        total += step if step is not None else Decimal(0)
    return total / days


def _implausible(reg: Register, used: Decimal, days: int, rules: Rules) -> bool:
    if used <= rules.jump_min:
        return False
    avg = average_daily(reg)
    if avg is None:
        return False
    per_day = used / max(days, 1)
    return per_day > rules.jump_factor * avg
