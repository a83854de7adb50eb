"""Text of a customer's message -> UIN and readings, or the reason it cannot be read.

Pure functions, no I/O. The grammar is SPEC section 2: ``<UIN> <reading> [<reading> ...]``
with optional prefixes (``УИН``, ``ЛС``, ``л/с``, ``№``, ``показания``) and labels
(``T1``, ``день``, ``ХВС``...). The parser never guesses: a value it cannot read is a reason.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# Canonical labels. Zones of a multi-zone electricity meter are T1..T3 (day = T1,
# night = T2 as printed on two-zone bills); the others name a service.
LABELS: dict[str, str] = {
    "t1": "T1", "т1": "T1", "день": "T1", "дн": "T1", "day": "T1",
    "t2": "T2", "т2": "T2", "ночь": "T2", "нч": "T2", "night": "T2",
    "t3": "T3", "т3": "T3",
    "хвс": "cold", "х": "cold", "хв": "cold", "холодная": "cold", "cold": "cold",
    "гвс": "hot", "г": "hot", "гв": "hot", "горячая": "hot", "hot": "hot",
    "эл": "electricity", "э": "electricity", "электричество": "electricity",
    "электроэнергия": "electricity",
    "газ": "gas", "gas": "gas",
    "отопление": "heating", "тепло": "heating",
}  # fmt: skip

PREFIXES = {"уин", "лс", "л/с", "л.с", "№", "n", "no", "показания", "показание", "uin", "счет"}

MAX_TEXT = 2000  # longer texts are not readings; they still get an answer

_SEPARATORS = re.compile(r"[\s;#/=:]+|,(?=\s)|,$")
_NUMBER = re.compile(r"^\d+(?:[.,]\d+)?$")
_LABEL_GLUED = re.compile(r"^([^\W\d_]+\d?)=?(\d+(?:[.,]\d+)?)$")
_PREFIX_GLUED = re.compile(r"^(№|n|no|лс|л/с|уин)(\d+)$")


@dataclass(frozen=True)
class ParsedReading:
    label: str | None
    value: str  # a decimal with a dot, as typed: "05123", "123.45"


@dataclass(frozen=True)
class ParseResult:
    uin: str | None
    readings: tuple[ParsedReading, ...] = field(default=())
    error: str | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "uin": self.uin,
            "readings": [{"label": r.label, "value": r.value} for r in self.readings],
            "error": self.error,
        }


def normalize(text: str) -> str:
    """Fold full-width and other Unicode digits to ASCII, lower-case, unify look-alikes."""
    text = unicodedata.normalize("NFKC", text)
    out = []
    for ch in text:
        if ch.isdigit() and not ch.isascii():
            out.append(str(unicodedata.digit(ch, 0)))
        else:
            out.append(ch)
    return "".join(out).lower().replace("ё", "е")


def parse(text: str) -> ParseResult:
    text = normalize(text or "").strip()
    if not text:
        return ParseResult(None, error="empty")
    if len(text) > MAX_TEXT:
        return ParseResult(None, error="not_a_number")
    text = text.rstrip(".")
    tokens = [t for t in _SEPARATORS.split(text) if t]
    tokens = _split_glued(tokens)
    tokens = [t for t in tokens if t not in PREFIXES]
    if not tokens:
        return ParseResult(None, error="empty")
    if not tokens[0].isdigit():
        return ParseResult(None, error="no_uin")
    uin, rest = tokens[0], tokens[1:]
    readings: list[ParsedReading] = []
    label: str | None = None
    for tok in rest:
        if tok in LABELS:
            if label is not None:
                return ParseResult(uin, tuple(readings), "not_a_number")
            label = LABELS[tok]
            continue
        if not _NUMBER.match(tok):
            return ParseResult(uin, tuple(readings), "not_a_number")
        readings.append(ParsedReading(label, tok.replace(",", ".")))
        label = None
    if label is not None:
        return ParseResult(uin, tuple(readings), "not_a_number")
    if not readings:
        return ParseResult(uin, (), "reading_count_mismatch")
    return ParseResult(uin, tuple(readings))


def _split_glued(tokens: list[str]) -> list[str]:
    """``Т1=5123`` or ``T15123`` stay whole in the split; ``№123456`` too. Pull them apart."""
    out: list[str] = []
    for tok in tokens:
        m = _PREFIX_GLUED.match(tok)
        if m:
            out.append(m.group(2))
            continue
        m = _LABEL_GLUED.match(tok)
        if m and m.group(1) in LABELS:
            out.extend([m.group(1), m.group(2)])
            continue
        out.append(tok)
    return out
