"""Bytes of an email (one header, one part) -> text, whatever charset they are really in.

Russian mail declares its charset wrongly or not at all: raw 8-bit KOI8-R or CP1251 in a
subject, a body in UTF-8 with one bad byte. Each header and each part is decoded on its own:

1. ASCII is ASCII.
2. The declared charset (``us-ascii`` counts as none) when the bytes fit it, else UTF-8 when
   they mostly are UTF-8 (``mostly_utf8``: valid sequences outnumber bad ones two to one).
   Either way a bad byte costs one character (U+FFFD), never the message.
3. Otherwise charset-normalizer ranks the charsets Russian mail comes in (``CANDIDATES``);
   on a short text it often cannot tell KOI8-R from CP1251 (both decode every byte), so
   among its equally clean answers the one whose letters look most like Russian text wins
   (``_russian``: common letters, words in one case or capitalised, words the parser knows).
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from parsers.normalize import fold
from parsers.words import WORDS

CANDIDATES = ["cp1251", "koi8_r", "cp1252"]
SAMPLE = 64 * 1024  # bytes the detector looks at; the whole is decoded with its answer
COMMON = set("оеаинтсрвлкмдпу")  # the most frequent Russian letters, ~85% of a text
_WORD = re.compile(r"[а-яё]+", re.I)
_CASED = re.compile(r"[а-яё]+|[А-ЯЁ]+|[А-ЯЁ][а-яё]+")


def decode_bytes(data: bytes, declared: str | None) -> str:
    """``data`` as text: see the module's docstring for the order."""
    if data.isascii():
        return data.decode("ascii")
    codec = _codec(declared)
    if codec is not None:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
    if mostly_utf8(data):
        return data.decode("utf-8", "replace")
    if codec is not None and codec != "utf-8":
        return data.decode(codec, "replace")
    return data.decode(detect(data), "replace")


def _codec(declared: str | None) -> str | None:
    if not declared:
        return None
    try:
        name = codecs.lookup(declared.strip().strip('"').lower()).name
    except (LookupError, ValueError):
        return None
    return None if name == "ascii" else name


def mostly_utf8(data: bytes) -> bool:
    """Valid UTF-8 but for a few bad bytes: valid non-ASCII characters outnumber them two
    to one (CP1251 or KOI8-R Cyrillic read as UTF-8 is almost all bad sequences)."""
    text = data[:SAMPLE].decode("utf-8", "replace")
    bad = text.count("\ufffd") - data[:SAMPLE].count("\ufffd".encode())
    good = sum(1 for ch in text if ch > "\x7f" and ch != "\ufffd")
    return good >= 2 * bad


def detect(data: bytes) -> str:
    """The most plausible of ``CANDIDATES`` for ``data`` (CP1251 when nothing fits)."""
    sample = data[:SAMPLE]
    # threshold 1: the least chaotic candidate, however short and noisy the text
    matches = list(from_bytes(sample, cp_isolation=CANDIDATES, threshold=1.0))
    if not matches:
        return "cp1251"
    cleanest = min(round(m.chaos, 2) for m in matches)
    clean = [m for m in matches if round(m.chaos, 2) == cleanest]
    return max(clean, key=lambda m: _russian(sample.decode(m.encoding, "replace"))).encoding


def _russian(text: str) -> float:
    """How much ``text`` looks like Russian: the share of its Cyrillic letters that are
    common ones, the share of its words written in one case or capitalised, and the share
    of its words the reading parser knows (``ЛС``, ``ХВС``: a two-letter subject is
    otherwise as plausible in either charset)."""
    words = _WORD.findall(text)
    if not words:
        return 0.0
    letters = "".join(words).lower()
    common = sum(1 for ch in letters if ch in COMMON) / len(letters)
    cased = sum(1 for w in words if _CASED.fullmatch(w)) / len(words)
    known = sum(1 for w in words if fold(w.lower()) in WORDS) / len(words)
    return common + cased + known
