"""What the rules decide about a message: ``Accepted``, ``NeedsReview`` or ``Rejected``,
with the result for each register. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from gateway.domain.model import Reason, Register, Status


@dataclass(frozen=True)
class RegisterResult:
    register: Register
    value: Decimal
    consumption: Decimal | None
    period: str
    reason: Reason | None = None
    # reason ``ambiguous``: every value the reading can be (``value`` is the first), for
    # staff to choose from
    candidates: tuple[Decimal, ...] = ()


@dataclass(frozen=True)
class _OutcomeFields:
    """What every outcome (``Accepted``, ``NeedsReview``, ``Rejected``) carries."""

    readings: tuple[RegisterResult, ...] = ()
    # what the customer should send, for replies that explain a format error
    expected: tuple[Register, ...] = ()
    # the part of the message the reason is about, as typed ("abc", "1234,567")
    detail: str | None = None
    # how many readings the message had (for ``reading_count_mismatch``)
    received: int | None = None


@dataclass(frozen=True)
class Accepted(_OutcomeFields):
    """Every reading passed: stored as accepted, superseding earlier ones of the period."""

    status: ClassVar[Status] = Status.ACCEPTED
    reason: ClassVar[None] = None


@dataclass(frozen=True, kw_only=True)
class NeedsReview(_OutcomeFields):
    """Readable but doubtful: staff decide (``implausible_jump``, ``ambiguous``)."""

    status: ClassVar[Status] = Status.REVIEW
    reason: Reason


@dataclass(frozen=True, kw_only=True)
class Rejected(_OutcomeFields):
    """Cannot be used; the reply tells the customer what to fix."""

    status: ClassVar[Status] = Status.REJECTED
    reason: Reason


Outcome = Accepted | NeedsReview | Rejected
