"""What the parser returns: a UIN and its readings, or the reason the text cannot be read.

These two types are the parser's whole contract with the rest of the gateway (the validator,
``meter-gateway parse``); everything else in ``parsers`` is how a text gets there.
"""

from __future__ import annotations

from typing import NamedTuple


# NamedTuples, not dataclasses: immutable too, and three times cheaper to build, which
# matters at 200,000 messages a second (docs/operations.md, "Performance targets").
class ParsedReading(NamedTuple):
    label: str | None
    value: str  # a decimal with a dot, as typed otherwise: "05123", "123.45"
    raw: str = ""  # the number as typed when it is not ``value``: "1234,567", "1,234,567"
    # every value the number can be read as, when more than one (``1234,567`` is 1234.567
    # on a register with decimals, else 1234567 or even two readings): the validator picks
    # by the register or sends the message to review
    candidates: tuple[str, ...] = ()


class ParseResult(NamedTuple):
    uin: str | None
    readings: tuple[ParsedReading, ...] = ()
    error: str | None = None
    token: str | None = None  # the part of the text the error is about, as typed
    notes: tuple[str, ...] = ()  # what was recognised and left out, for ``parse`` in words
    # a date at the end (``… 25.11``, ``… 25/11``), left out of the readings: the validator
    # decides whether it can only be a date or might have been meant as readings
    maybe_date: str | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "uin": self.uin,
            "readings": [{"label": r.label, "value": r.value} for r in self.readings],
            "error": self.error,
        }
