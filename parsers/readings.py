"""Text of a customer's message -> UIN and readings, or the reason it cannot be read.

Pure functions, no I/O. The grammar (docs/messages.md): ``<UIN> <reading> [<reading> ...]``
with optional prefixes (``УИН``, ``ЛС``, ``л/с``, ``№``, ``показания``) and labels
(``T1``, ``день``, ``ХВС``...) before or after their reading. The parser never guesses:
what it cannot read, or can read two ways, is a reason (or a reading with ``candidates``
that the validator resolves against the register).

How a text is read, in order (the module doing each step in brackets):
1. the plain form (``1234567 05123 02010``, ``#`` or ``;`` between) takes a fast path (here);
2. otherwise it is normalized: lower case; odd digits, spaces, dashes (``normalize``);
3. a phone's signature (``Отправлено с iPhone``) and a quoted earlier email are cut off,
   and phone numbers written with spaces (``+7 916 123-45-67``) left out (``tokens``);
4. the text splits at whitespace; a chunk that is not a number or a known word (``Т1=5123``,
   ``5123квт``, ``25.11.2026``) is split by one regex into dates, numbers and words
   (``tokens``);
5. words are looked up (``words.WORDS``, also with look-alike letters folded): labels, UIN
   markers, fillers, and markers of numbers that are not readings (flats, dates, years)
   (``scan``);
6. the UIN is the number after a UIN marker, else the first number; repeats of it go
   (``uin``);
7. labels attach to the reading after them (``Т1 5123``) or, all of them, before them
   (``5123 день``); a message that fits both is ``ambiguous`` (``labels``);
8. each number becomes a reading: decimals, thousands, or two candidates (``numbers``).
"""

from __future__ import annotations

import re

from parsers.labels import attach
from parsers.normalize import normalize
from parsers.numbers import reading
from parsers.result import ParsedReading, ParseResult
from parsers.scan import Item, scan
from parsers.tokens import cut_tail, drop_phones, tokenize
from parsers.uin import take_uin

MAX_INPUT = 100_000  # not even scanned beyond this: no readings message is that long
MAX_TEXT = 2000  # what is left after signatures and quotes; longer texts are not readings

EMPTY = ParseResult(None, error="empty")
_new = tuple.__new__

_PLAIN_SPACES = re.compile(r"[ \t\n]*[0-9]{1,20}(?:[ \t\n]+[0-9]{1,14})+[ \t\n]*")
_PLAIN = re.compile(
    r"[ \t\n]*[0-9]{1,20}(?:[ \t\n#;]+[0-9]{1,14}(?:\.[0-9]{1,9})?)+[ \t\n]*\.?[ \t\n]*"
)
_PLAIN_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")


# a day and month at the very end, after the readings: "… 2010 25.11", "… 2010 25/11"
_DATE_ENDS = frozenset("0123456789. \t\n")
_DATE_TAIL = re.compile(r"[ \t\n]+((?:0?[1-9]|[12][0-9]|3[01])[./](?:0?[1-9]|1[0-2]))[ \t\n.]*\Z")


def parse(text: str, default_uin: str | None = None) -> ParseResult:
    """Read ``text``. ``default_uin`` is the account a chat is linked to: with it, the
    message may omit the UIN (a leading number is the UIN only if it is this one)."""
    if not text:
        return EMPTY
    if text.isascii() and default_uin is None:
        numbers: list[str] | None
        if _PLAIN_SPACES.fullmatch(text):
            numbers = text.split()
        elif _PLAIN.fullmatch(text):
            numbers = _PLAIN_NUMBER.findall(text)
        else:
            numbers = None
        if numbers is not None and numbers[0] not in numbers[1:]:
            # "1234567 05123 02010": what eight messages in ten look like (built with
            # tuple.__new__, which skips the NamedTuple defaults: half the cost)
            readings = tuple([_new(ParsedReading, (None, v, "", ())) for v in numbers[1:]])
            result = _new(ParseResult, (numbers[0], readings, None, None, (), None))
            # only "25.11" can be a date here: the plain forms have no "/"
            return _dated(text, result) if "." in numbers[-1] else result
    return _parse(text, default_uin)


def _dated(text: str, result: ParseResult) -> ParseResult:
    """Mark a day and month typed after the readings (``… 2010 25.11``): it was read as
    one more reading (two for ``25/11``), which the validator may take back."""
    if result.error is None and len(result.readings) >= 2 and text[-1:] in _DATE_ENDS:
        tail = _DATE_TAIL.search(text)
        if tail is not None:
            return result._replace(maybe_date=tail.group(1))
    return result


def _parse(text: str, default_uin: str | None) -> ParseResult:
    if len(text) > MAX_INPUT:
        return ParseResult(None, error="not_a_number", token=text[:20])
    low = normalize(text)
    notes: list[str] = []
    low = cut_tail(text, low, notes)
    if not low.strip(" \t\n\r.,;"):
        return ParseResult(None, error="empty", notes=tuple(notes))
    if len(low) > MAX_TEXT:
        return ParseResult(None, error="not_a_number", token=text[:20], notes=tuple(notes))
    low = drop_phones(low, notes)
    chunks: dict[str, str] = {}
    tokens = tokenize(low, notes, chunks)
    items, marked, unknown = scan(tokens, notes)
    if unknown is not None:
        unknown = chunks.get(unknown, unknown)  # "5O23", not "o"
    return _assemble(text, low, items, marked, unknown, default_uin, notes)


def _assemble(
    text: str,
    low: str,
    items: list[Item],
    marked: list[int],
    unknown: str | None,
    default_uin: str | None,
    notes: list[str],
) -> ParseResult:
    uin, items, problem = take_uin(items, marked, default_uin, notes)
    if uin is None:
        token = _as_typed(text, low, problem) if problem else None
        return ParseResult(None, error="no_uin", token=token, notes=tuple(notes))
    if problem is not None:  # a second, different UIN: which account is meant?
        return ParseResult(uin, (), "ambiguous", _as_typed(text, low, problem), tuple(notes))
    if unknown is not None:
        return ParseResult(uin, (), "not_a_number", _as_typed(text, low, unknown), tuple(notes))
    pairs = attach(items)
    if isinstance(pairs, tuple):
        error, word = pairs
        return ParseResult(uin, (), error, _as_typed(text, low, word), tuple(notes))
    readings: list[ParsedReading] = []
    for label, number in pairs:
        parsed = reading(label, number)
        if parsed is None:
            token = _as_typed(text, low, number)
            return ParseResult(uin, tuple(readings), "not_a_number", token, tuple(notes))
        readings.append(parsed)
    if not readings:
        return ParseResult(uin, (), "reading_count_mismatch", notes=tuple(notes))
    return _dated(text, ParseResult(uin, tuple(readings), notes=tuple(notes)))


def _as_typed(text: str, low: str, token: str) -> str:
    """The token as the customer typed it (``normalize`` keeps positions when it can)."""
    at = low.find(token)
    if at < 0 or len(text.lower()) != len(text):
        return token
    return text[at : at + len(token)]
