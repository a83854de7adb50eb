"""The validation rules of SPEC section 4 as one pure function.

``validate(parsed, account, today, rules)`` -> ``Outcome``. No database, no clock: the caller
passes the account as it stands (registers with their recent accepted history) and the date.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from gateway.config import Rules
from gateway.domain import (
    AccountView,
    Outcome,
    Reason,
    Register,
    RegisterResult,
    Status,
)
from gateway.periods import consumption, period_of
from parsers import ParsedReading, ParseResult

# Reasons that send a message to staff instead of rejecting it.
REVIEW_REASONS = {Reason.IMPLAUSIBLE_JUMP, Reason.AMBIGUOUS}

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
        return _fail(Reason(parsed.error))
    if account is None:
        return _fail(Reason.UNKNOWN_UIN)
    expected = account.registers
    if account.status != "open":
        return _fail(Reason.ACCOUNT_CLOSED, expected)
    if parsed.error is not None:
        return _fail(Reason(parsed.error), expected)
    pairs = match_registers(parsed.readings, account.registers, rules.allow_partial)
    if pairs is None:
        return _fail(Reason.READING_COUNT_MISMATCH, expected)
    results = tuple(check_register(reg, reading, today, rules) for reg, reading in pairs)
    reasons = [r.reason for r in results if r.reason is not None]
    rejected = [r for r in reasons if r not in REVIEW_REASONS]
    if rejected:
        return Outcome(Status.REJECTED, rejected[0], results, expected)
    if reasons:
        return Outcome(Status.REVIEW, reasons[0], results, expected)
    return Outcome(Status.ACCEPTED, None, results, expected)


def _fail(reason: Reason, expected: tuple[Register, ...] = ()) -> Outcome:
    status = Status.REVIEW if reason in REVIEW_REASONS else Status.REJECTED
    return Outcome(status, reason, (), expected)


def match_registers(
    readings: tuple[ParsedReading, ...], registers: tuple[Register, ...], allow_partial: bool
) -> list[tuple[Register, ParsedReading]] | None:
    """Pair readings with registers: by label when every reading has one, else by position."""
    if readings and all(r.label for r in readings):
        by_label: list[tuple[Register, ParsedReading]] = []
        for reading in readings:
            candidates = [reg for reg in registers if _label_fits(reading.label, reg, registers)]
            if len(candidates) != 1 or any(candidates[0] is reg for reg, _ in by_label):
                break
            by_label.append((candidates[0], reading))
        else:
            if len(by_label) == len(registers) or allow_partial:
                return sorted(by_label, key=lambda p: registers.index(p[0]))
            return None
    if len(readings) != len(registers):
        return None
    return list(zip(registers, readings, strict=True))


def _label_fits(label: str | None, reg: Register, registers: tuple[Register, ...]) -> bool:
    if label in ("T1", "T2", "T3"):
        return reg.zones > 1 and reg.zone == int(label[1])
    service = SERVICE_LABELS.get(label or "")
    return service == reg.service and reg.zones == 1


def check_register(
    reg: Register, reading: ParsedReading, today: date, rules: Rules
) -> RegisterResult:
    period = period_of(today, rules.cutoff_day)

    def result(
        value: Decimal, reason: Reason | None, used: Decimal | None = None
    ) -> RegisterResult:
        return RegisterResult(reg, value, used, period, reason)

    try:
        value = Decimal(reading.value)
    except InvalidOperation:
        return result(Decimal(0), Reason.NOT_A_NUMBER)
    if not value.is_finite() or value < 0:
        return result(Decimal(0), Reason.NOT_A_NUMBER)
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
