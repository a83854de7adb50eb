"""Text of a customer's message -> UIN and readings, or the reason it cannot be read.

Pure functions, no I/O. The grammar is SPEC section 2: ``<UIN> <reading> [<reading> ...]``
with optional prefixes (``УИН``, ``ЛС``, ``л/с``, ``№``, ``показания``) and labels
(``T1``, ``день``, ``ХВС``...) before or after their reading. The parser never guesses:
what it cannot read, or can read two ways, is a reason (or a reading with ``candidates``
that the validator resolves against the register).

How a text is read, in order:
1. the plain form (``1234567 05123 02010``, ``#`` or ``;`` between) takes a fast path;
2. otherwise it is normalized (``normalize``): lower case; odd digits, spaces, dashes;
3. a phone's signature (``Отправлено с iPhone``) and a quoted earlier email are cut off,
   and phone numbers written with spaces (``+7 916 123-45-67``) left out;
4. the text splits at whitespace; a chunk that is not a number or a known word (``Т1=5123``,
   ``5123квт``, ``25.11.2026``) is split by one regex into dates, numbers and words;
5. words are looked up (``words.WORDS``, also with look-alike letters folded): labels, UIN
   markers, fillers, and markers of numbers that are not readings (flats, dates, years);
6. the UIN is the number after a UIN marker, else the first number; repeats of it go;
7. labels attach to the reading after them (``Т1 5123``) or, all of them, before them
   (``5123 день``); a message that fits both is ``ambiguous``.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from parsers.normalize import FOLD, normalize
from parsers.words import GREETING_TAILS, WORDS, ZONE_LABELS, Kind

MAX_INPUT = 100_000  # not even scanned beyond this: no readings message is that long
MAX_TEXT = 2000  # what is left after signatures and quotes; longer texts are not readings
MAX_UIN_DIGITS = 20  # the database keeps 32 characters; real UINs have 6 to 12 digits
MAX_DIGITS = 14  # integer digits of a reading the database can keep (NUMERIC(18, 4))


# NamedTuples, not dataclasses: immutable too, and three times cheaper to build, which
# matters at 200,000 messages a second (SPEC section 8).
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

    def as_json(self) -> dict[str, object]:
        return {
            "uin": self.uin,
            "readings": [{"label": r.label, "value": r.value} for r in self.readings],
            "error": self.error,
        }


EMPTY = ParseResult(None, error="empty")
_new = tuple.__new__

_PLAIN_SPACES = re.compile(r"[ \t\n]*[0-9]{1,20}(?:[ \t\n]+[0-9]{1,14})+[ \t\n]*")
_PLAIN = re.compile(
    r"[ \t\n]*[0-9]{1,20}(?:[ \t\n#;]+[0-9]{1,14}(?:\.[0-9]{1,9})?)+[ \t\n]*\.?[ \t\n]*"
)
_PLAIN_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")

# Where the message proper ends: a signature, a sign-off or the quote of an earlier email.
_CUT_HINT = re.compile("\n|>|отправ|sent|получено|outlook|уважением|regards")
_CUT = re.compile(
    r"""
    (?:^|\n)[ \t]*(?:>|--|__|from:|от:|sent:|отправлено:
        |[^\n]{0,100}(?:wrote|пишет|написал|написала)[ \t]*:
        |[^\n]{0,200}@[^\n]{0,200}:[ \t]*(?:\n|$))
    |(?:отправлено|получено|sent)\ (?:с|из|from|with|via|через)\b
    |get\ outlook|с\ уважением|best\ regards|kind\ regards
    """,
    re.VERBOSE,
)
# Phones written with spaces: "+7 916 123-45-67", "8 (916) 123 45 67".
_PHONE = re.compile(
    r"\+7[ (\-]{0,2}[0-9]{3}[ )\-]{0,2}[0-9]{3}[ \-]?[0-9]{2}[ \-]?[0-9]{2}(?![0-9])"
    r"|\+[0-9]{8,15}(?![0-9])"
    r"|(?<![0-9])[78] ?\([0-9]{3,4}\) ?[0-9]{2,3}[ \-]?[0-9]{2}[ \-]?[0-9]{2}(?![0-9])"
)

_DAY = r"(?:0?[1-9]|[12][0-9]|3[01])"
_MONTH = r"(?:0?[1-9]|1[0-2])"
# Chunks that are not a plain number or a known word: "т1=5123;", "5123квт", "25.11.2026".
_TOKEN = re.compile(
    rf"""
    (                                                   # 1 a phone with dashes
        (?<![0-9])[78]-[0-9]{{3}}-[0-9]{{3}}-[0-9]{{2}}-[0-9]{{2}}(?![0-9])
    )
    |(                                                  # 2 a date or a time
        (?<![0-9.,])
        (?:{_DAY}([./]){_MONTH}\3(?:19|20)?[0-9]{{2}}   # 3: the same separator twice
          |(?:19|20)[0-9]{{2}}-{_MONTH}-{_DAY}
          |(?:[01]?[0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?)
        (?![0-9]|[.,:][0-9])
        (?:(?:г|года|год)(?![^\W\d_])\.?)?
    )
    |((?<![^=:;\#(\[])-(?=[0-9]))?([0-9]+(?:[.,'][0-9]+)*)  # 4 sign, 5 number
    |([tт][1-3]                                         # 6 a word; T1 even in T15123
        |[mм][3³](?![0-9])|№
        |[^\W\d_]/[^\W\d_](?![^\W\d_])|[^\W\d_]\.[^\W\d_](?![^\W\d_])|[^\W\d_]+)
    """,
    re.VERBOSE,
)
_DAY_MONTH = re.compile(rf"{_DAY}[.,/]{_MONTH}")
_YEAR = re.compile(r"(?:19|20)[0-9]{2}")
_YEAR_WORDS = frozenset(("г", "год", "года"))
_GROUPED = {sep: re.compile(rf"[0-9]{{1,3}}(?:\{sep}[0-9]{{3}})+") for sep in ".,"}
_NUMBER_START = frozenset("-0123456789")
_PUNCTUATION = ".,;:!?()[]{}\"'«»*|_"
_DECIMAL = re.compile(r"([0-9]{1,14})([.,])([0-9]+)")
_APOSTROPHES = re.compile(r"[0-9]{1,3}(?:'[0-9]{3})+(?:[.,][0-9]+)?")

# What the next number is, after a marker word.
_UIN, _SKIP, _DATE, _YEAR_NEXT, _YEAR_WORD = range(1, 6)

# An item of a message: a number as typed (str, "-5123" when negative) or a label
# (label, the word as typed).
_Label = tuple[str, str]
_Item = str | _Label


def parse(text: str, default_uin: str | None = None) -> ParseResult:
    """Read ``text``. ``default_uin`` is the account a chat is linked to: with it, the
    message may omit the UIN (a leading number is the UIN only if it is this one)."""
    if not text:
        return EMPTY
    if text.isascii() and default_uin is None:
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
            return _new(ParseResult, (numbers[0], readings, None, None, ()))
    return _parse(text, default_uin)


def _parse(text: str, default_uin: str | None) -> ParseResult:
    if len(text) > MAX_INPUT:
        return ParseResult(None, error="not_a_number", token=text[:20])
    low = normalize(text)
    notes: list[str] = []
    if _CUT_HINT.search(low) and (cut := _CUT.search(low)) is not None:
        notes.append(f"ignored from {text[cut.start() : cut.start() + 30].strip()!r} on")
        low = low[: cut.start()]
    if not low.strip(" \t\n\r.,;"):
        return ParseResult(None, error="empty", notes=tuple(notes))
    if len(low) > MAX_TEXT:
        return ParseResult(None, error="not_a_number", token=text[:20], notes=tuple(notes))
    if "+" in low or "(" in low:
        low = _PHONE.sub(lambda m: _drop(m, notes, "a phone number"), low)
    chunks: dict[str, str] = {}
    tokens = _tokens(low, notes, chunks)
    items, marked, unknown = _scan(tokens, notes)
    if unknown is not None:
        unknown = chunks.get(unknown, unknown)  # "5O23", not "o"
    return _assemble(text, low, items, marked, unknown, default_uin, notes)


def _drop(match: re.Match[str], notes: list[str], what: str) -> str:
    notes.append(f"ignored {match.group().strip()}: {what}")
    return " " * len(match.group())  # keep positions


def _tokens(low: str, notes: list[str], chunks: dict[str, str]) -> list[str]:
    """Numbers (``-`` first when negative) and words; dates and dashed phones left out.

    ``chunks`` learns which chunk of text each word was cut from, to quote it in errors.
    """
    tokens: list[str] = []
    for spaced in low.split():
        chunk = spaced.strip(_PUNCTUATION)  # "2010.", "ЛС:", "(день)", "спасибо!"
        if (chunk.isdigit() and chunk.isascii()) or chunk in WORDS:
            tokens.append(chunk)
            continue
        for phone, date, _, sign, number, word in _TOKEN.findall(chunk):
            if number:
                tokens.append(sign + number)
            elif word:
                tokens.append(word)
                chunks.setdefault(word, chunk)
            elif date:
                notes.append(f"ignored {date}: a date or time")
            else:
                notes.append(f"ignored {phone}: a phone number")
    return tokens


def _scan(tokens: list[str], notes: list[str]) -> tuple[list[_Item], list[int], str | None]:
    """Tokens -> numbers and labels, marked non-readings (flats, years) left out; also the
    positions of numbers a UIN marker points at and the first unknown word."""
    items: list[_Item] = []
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


def _is_day(item: _Item) -> bool:
    return isinstance(item, str) and item.isdigit() and 1 <= int(item) <= 31


def _assemble(
    text: str,
    low: str,
    items: list[_Item],
    marked: list[int],
    unknown: str | None,
    default_uin: str | None,
    notes: list[str],
) -> ParseResult:
    uin, items, problem = _take_uin(items, marked, default_uin, notes)
    if uin is None:
        token = _as_typed(text, low, problem) if problem else None
        return ParseResult(None, error="no_uin", token=token, notes=tuple(notes))
    if problem is not None:  # a second, different UIN: which account is meant?
        return ParseResult(uin, (), "ambiguous", _as_typed(text, low, problem), tuple(notes))
    if unknown is not None:
        return ParseResult(uin, (), "not_a_number", _as_typed(text, low, unknown), tuple(notes))
    pairs = _attach(items)
    if isinstance(pairs, tuple):
        error, word = pairs
        return ParseResult(uin, (), error, _as_typed(text, low, word), tuple(notes))
    readings: list[ParsedReading] = []
    for label, number in pairs:
        reading = _reading(label, number)
        if reading is None:
            token = _as_typed(text, low, number)
            return ParseResult(uin, tuple(readings), "not_a_number", token, tuple(notes))
        readings.append(reading)
    if not readings:
        return ParseResult(uin, (), "reading_count_mismatch", notes=tuple(notes))
    return ParseResult(uin, tuple(readings), notes=tuple(notes))


def _take_uin(
    items: list[_Item], marked: list[int], default_uin: str | None, notes: list[str]
) -> tuple[str | None, list[_Item], str | None]:
    """The UIN and the items without it; the third value is a token in the way, if any.

    The UIN is the number after a UIN marker (``УИН``, ``ЛС``), else the first item if it
    is a number; repeats of it are dropped. With ``default_uin`` a leading number is the
    UIN only if it is that one (or marked): otherwise it is a reading.
    """
    index = marked[0] if marked else (0 if items and isinstance(items[0], str) else None)
    uin: str | None = None
    rest = list(items)
    if index is not None:
        first = items[index]
        assert isinstance(first, str)
        uin, readings = _split_uin(first)
        if uin is not None and (default_uin is None or marked or uin == default_uin):
            rest[index : index + 1] = readings
        elif default_uin is None:
            return None, items, first
        else:
            uin = None
    if uin is None:
        if default_uin is None:
            return None, items, None
        uin = default_uin
    for i in marked[1:]:
        if items[i] != uin:
            return uin, rest, str(items[i])
    if uin in rest:
        notes.append(f"ignored {uin}: the UIN again")
        rest = [item for item in rest if item != uin]
    return uin, rest, None


_UIN_LIST = re.compile(r"[0-9]{4,20}(?:[.,][0-9]+)+")


def _split_uin(number: str) -> tuple[str | None, list[str]]:
    """``1234567`` -> the UIN; ``1234567,5123,2010`` -> the UIN and two readings.

    A UIN has no decimals, so a comma or a dot right after one too long to be a thousands
    group can only separate it from the readings.
    """
    if number.isdigit():
        return (number, []) if len(number) <= MAX_UIN_DIGITS else (None, [])
    if _UIN_LIST.fullmatch(number):
        uin, *readings = re.split(r"[.,]", number)
        return uin, readings
    return None, []


def _attach(items: list[_Item]) -> list[tuple[str | None, str]] | tuple[str, str]:
    """Pair labels with numbers: every label before its number, or every one after it.

    Returns the pairs, or (reason, the label word in the way).
    """
    seq: list[_Item] = []
    has_labels = False
    for item in items:
        if isinstance(item, tuple):
            has_labels = True
            if seq and isinstance(prev := seq[-1], tuple):
                if prev[0] == item[0] or (prev[0] in ZONE_LABELS and item[0] not in ZONE_LABELS):
                    continue  # "хвс х", "день эл": the same register named twice
                if prev[0] not in ZONE_LABELS and item[0] in ZONE_LABELS:
                    seq[-1] = item  # "эл день 5123": the zone names the register
                    continue
                return "not_a_number", item[1]  # "хвс гвс 123 45": which is which?
        seq.append(item)
    if not has_labels:
        return [(None, item) for item in seq if isinstance(item, str)]
    # a label first cannot follow its number; a label last cannot precede one
    before = _labels_before(seq) if isinstance(seq[-1], str) else None
    after = _labels_after(seq) if isinstance(seq[0], str) else None
    if before is not None and after is not None:  # "5123 день 2010"
        return "ambiguous", next(item[1] for item in seq if isinstance(item, tuple))
    if before is not None:
        return before
    if after is not None:
        return after
    last = seq[-1]
    dangling = last if isinstance(last, tuple) else next(i for i in seq if isinstance(i, tuple))
    assert isinstance(dangling, tuple)
    return "not_a_number", dangling[1]


def _labels_before(seq: list[_Item]) -> list[tuple[str | None, str]] | None:
    out: list[tuple[str | None, str]] = []
    label: str | None = None
    for item in seq:
        if isinstance(item, tuple):
            label = item[0]
        else:
            out.append((label, item))
            label = None
    return None if label is not None else out


def _labels_after(seq: list[_Item]) -> list[tuple[str | None, str]] | None:
    out: list[tuple[str | None, str]] = []
    for item in seq:
        if isinstance(item, tuple):
            if not out or out[-1][0] is not None:
                return None
            out[-1] = (item[0], out[-1][1])
        else:
            out.append((None, item))
    return out


def _reading(label: str | None, raw: str) -> ParsedReading | None:
    """A number as typed -> a reading; None when it is not one (negative, too long...)."""
    if raw.isdigit():
        return ParsedReading(label, raw) if len(raw.lstrip("0")) <= MAX_DIGITS else None
    if raw[0] == "-":
        return None
    simple = _DECIMAL.fullmatch(raw)
    if simple is not None:  # "123.45", "123,45": the usual decimal
        whole, sep, tail = simple.groups()
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


def _as_typed(text: str, low: str, token: str) -> str:
    """The token as the customer typed it (``normalize`` keeps positions when it can)."""
    at = low.find(token)
    if at < 0 or len(text.lower()) != len(text):
        return token
    return text[at : at + len(token)]
