"""Folding a message into one canonical form before it is read.

``normalize`` lower-cases the text and, only when it holds characters other than ASCII and
Cyrillic (rare, and checked with one regex so the common case stays fast), maps with one
``str.translate`` table: full-width (phones in CJK input modes), Arabic-Indic and Persian
digits to ASCII; no-break, thin, zero-width and ideographic spaces to a space; Unicode
dashes and the minus sign to ``-``. Control characters (NUL, the other C0 codes but tab and
line breaks, DEL and C1) become a space wherever they are: they separate tokens as a space
does, so ``5123\x002010`` is two numbers, never one. Each character maps to one character,
so positions in the normalized text are positions in the original (errors quote what the
customer typed).

``fold`` maps the Cyrillic letters that look like Latin ones to Latin, for looking words
up: ``Т1`` typed with a Cyrillic Т, ``XBC`` typed in Latin and ``ХВС`` are the same word.
"""

from __future__ import annotations

import re

# Lower-case Cyrillic letters whose shape is a Latin letter's (upper or lower case).
LOOKALIKES = {
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
    "р": "p", "с": "c", "т": "t", "у": "y", "х": "x",
}  # fmt: skip

DIGIT_BLOCKS = (0xFF10, 0x0660, 0x06F0, 0x0966, 0x09E6, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC)
SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
SPACES += "\u200b\u200c\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff"
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63"


def _table() -> dict[int, str]:
    table: dict[int, str] = {}
    for c in range(0xFF01, 0xFF5F):  # full-width ASCII
        table[c] = chr(c - 0xFEE0).lower()
    for base in DIGIT_BLOCKS:
        for d in range(10):
            table[base + d] = str(d)
    for ch in SPACES:
        table[ord(ch)] = " "
    for ch in DASHES:
        table[ord(ch)] = "-"
    table[0x066B] = "."  # Arabic decimal separator
    table[0x066C] = ","  # Arabic thousands separator
    table[0x060C] = ","  # Arabic comma
    table[0x3001] = ","
    table[0x3002] = "."
    return table


TABLE = _table()
FOLD = {ord(k): v for k, v in LOOKALIKES.items()}
# anything but ASCII and Cyrillic: the only texts that need the table
_EXOTIC = re.compile(r"[^\x00-\x7f\u0400-\u04ff]")
# C0 but tab and line breaks, DEL, C1: each separates tokens as a space does
CONTROLS = "".join(chr(c) for c in range(0xA0) if c < 0x20 or c >= 0x7F if c not in (9, 10, 13))
_CONTROL = re.compile(f"[{re.escape(CONTROLS)}]")
_CONTROL_TABLE = {ord(ch): " " for ch in CONTROLS}


# A thin or narrow no-break space between digit groups is a thousands separator (that is
# how typography and copied amounts write 12 345); it becomes ``'`` (as in 12'345), which the
# parser reads as grouping. A plain no-break space is a space: some keyboards type it.
_GROUPED = re.compile(r"(?<![0-9.,])[0-9]{1,3}(?:[\u2009\u202f][0-9]{3})+(?![0-9])")


def normalize(text: str) -> str:
    """Lower-cased, with exotic digits, spaces and dashes made ASCII, control characters
    made spaces."""
    low = text.lower()
    if _CONTROL.search(low):
        text = text.translate(_CONTROL_TABLE)
        low = low.translate(_CONTROL_TABLE)
    if not low.isascii() and _EXOTIC.search(low):
        low = low.translate(TABLE)
        if "\u2009" in text or "\u202f" in text:
            low = _GROUPED.sub(_apostrophes, text.lower()).translate(TABLE)
    return low


def _apostrophes(match: re.Match[str]) -> str:
    return match.group().replace("\u2009", "'").replace("\u202f", "'")


def fold(word: str) -> str:
    """``word`` with Cyrillic look-alike letters made Latin."""
    return word.translate(FOLD)
