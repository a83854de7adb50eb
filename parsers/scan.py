"""Tokens -> items: the numbers and labels of a message, in order, and where the UIN is.

Words are looked up in ``words.WORDS`` (also with look-alike letters folded). Labels become
items; marker words say what the next number is: the UIN (``УИН``, ``ЛС``), or not a
reading at all (a flat, a date, a day of the month, a year), which is then left out with a
note. The first word that means nothing is kept, so the message can be refused naming it.
"""

from __future__ import annotations

import re

from parsers.normalize import FOLD
from parsers.tokens import DAY, MONTH
from parsers.words import GREETING_TAILS, WORDS, Kind

# An item of a message: a number as typed (str, "-5123" when negative) or a label
# (label, the word as typed).
Label = tuple[str, str]
Item = str | Label

_DAY_MONTH = re.compile(rf"{DAY}[.,/]{MONTH}")
_YEAR = re.compile(r"(?:19|20)[0-9]{2}")
_YEAR_WORDS = frozenset(("г", "год", "года"))
_NUMBER_START = frozenset("-0123456789")

# What the next number is, after a marker word.
_UIN, _SKIP, _DATE, _YEAR_NEXT, _YEAR_WORD = range(1, 6)


def scan(tokens: list[str], notes: list[str]) -> tuple[list[Item], list[int], str | None]:
    """Tokens -> numbers and labels, marked non-readings (flats, years) left out; also the
    positions of numbers a UIN marker points at and the first unknown word."""
    items: list[Item] = []
    marked: list[int] = []
    unknown: str | None = None
    expect = 0
    greeting = prev_number = False
    for token in tokens:
        was_greeting, greeting = greeting, False
        was_number, prev_number = prev_number, False
        if token[0] in _NUMBER_START:
            if expect == _SKIP or (expect == _DATE and _DAY_MONTH.fullmatch(token)):
                notes.append(f"ignored {token}: {'a date' if expect == _DATE else 'not a reading'}")
                expect = 0
                continue
            if expect == _YEAR_NEXT and _YEAR.fullmatch(token):
                notes.append(f"ignored {token}: a year")
                expect = _YEAR_WORD
                continue
            if expect == _UIN:
                marked.append(len(items))
            items.append(token)
            expect = 0
            prev_number = True
            continue
        if (was_greeting and token in GREETING_TAILS) or (
            expect == _YEAR_WORD and token in _YEAR_WORDS
        ):
            expect = 0
            continue
        entry = WORDS.get(token) or WORDS.get(token.translate(FOLD))
        if entry is None:
            unknown = unknown or token
            continue
        kind, value = entry
        if kind is Kind.LABEL:
            items.append((value, token))
            expect = 0
        elif kind is Kind.UIN:
            expect = _UIN
        elif kind is Kind.NUMBER_SIGN:
            if not expect:
                expect = _SKIP if any(isinstance(i, str) for i in items) else _UIN
        elif kind is Kind.SKIP_NUMBER:
            expect = _SKIP
        elif kind is Kind.DATE:
            expect = _DATE
        elif kind is Kind.MONTH:
            last = len(items) - 1
            if was_number and _is_day(items[last]) and (not marked or marked[-1] != last):
                notes.append(f"ignored {items.pop()}: a day of the month")
            expect = _YEAR_NEXT
        elif kind is Kind.GREETING:
            greeting = True
    return items, marked, unknown


def _is_day(item: Item) -> bool:
    return isinstance(item, str) and item.isdigit() and 1 <= int(item) <= 31
