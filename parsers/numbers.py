"""A number as typed -> the value of a reading, or None when it cannot be one.

``123.45`` and ``123,45`` are decimals; ``12'345`` (or ``12 345`` with a thin space, see
``normalize``), ``1,234,567`` and ``1.234.567`` are thousands. ``1234,567`` is both a
decimal comma and a thousands comma: the reading carries both ``candidates`` and the
validator picks by the register (or sends the message to review). Negative numbers and
numbers longer than the database can keep are not readings.
"""

from __future__ import annotations

import re

from parsers.result import ParsedReading

MAX_DIGITS = 14  # integer digits of a reading the database can keep (NUMERIC(18, 4))

_DECIMAL = re.compile(r"([0-9]{1,14})([.,])([0-9]+)")
_APOSTROPHES = re.compile(r"[0-9]{1,3}(?:'[0-9]{3})+(?:[.,][0-9]+)?")
_GROUPED = {sep: re.compile(rf"[0-9]{{1,3}}(?:\{sep}[0-9]{{3}})+") for sep in ".,"}


def reading(label: str | None, raw: str) -> ParsedReading | None:
    """A number as typed -> a reading; None when it is not one (negative, too long...)."""
    if raw.isdigit():
        return ParsedReading(label, raw) if len(raw.lstrip("0")) <= MAX_DIGITS else None
    if raw[0] == "-":
        return None
    simple = _DECIMAL.fullmatch(raw)
    if simple is not None:  # "123.45", "123,45": the usual decimal
        # typed here: typeshed gives a group ``str | Any``, as a group may not take part
        whole: str = simple[1]
        sep: str = simple[2]
        tail: str = simple[3]
        value = f"{whole}.{tail}"
        if sep == ".":
            return ParsedReading(label, value)
        return ParsedReading(label, value, raw, (value, whole + tail) if len(tail) == 3 else ())
    number = raw
    if "'" in raw:  # 12'345 or 12 345 with a thin space: thousands, nothing else
        if not _APOSTROPHES.fullmatch(raw):
            return None
        number = raw.replace("'", "")
        if number.isdigit():
            return ParsedReading(label, number, raw) if len(number) <= MAX_DIGITS else None
    last = max(number.rfind(","), number.rfind("."))
    sep, head, tail = number[last], number[:last], number[last + 1 :]
    if head.isdigit():
        whole = head
    else:
        head_sep = "," if "," in head else "."
        if not _GROUPED[head_sep].fullmatch(head):
            return None  # "12.34.5": neither a decimal nor thousands
        whole = head.replace(head_sep, "")
        if head_sep == sep:  # "1,234,567" or "1.234.567": thousands only
            if len(tail) != 3:
                return None
            whole, tail = whole + tail, ""
    if len(whole.lstrip("0")) > MAX_DIGITS:
        return None
    value = f"{whole}.{tail}" if tail else whole
    candidates: tuple[str, ...] = ()
    if sep == "," and len(tail) == 3 and "." not in head:
        candidates = (value, whole + tail)  # a decimal comma or a thousands comma
    return ParsedReading(label, value, raw if raw != value else "", candidates)
