"""A normalized message -> tokens: numbers and words, with what is not the message left out.

Three steps, each leaving a note of what it dropped (``meter-gateway parse`` shows them):
``cut_tail`` drops a phone's signature, a sign-off and the quote of an earlier email;
``drop_phones`` blanks phone numbers written with spaces; ``tokenize`` splits at whitespace
and, for a chunk that is not a plain number or a known word (``т1=5123;``, ``5123квт``,
``25.11.2026``), one regex cuts it into numbers and words and leaves out dates and times.
Positions are kept (dropped text becomes spaces) so errors can quote what was typed.
"""

from __future__ import annotations

import re

from parsers.words import WORDS

# Where the message proper ends: a signature, a sign-off or the quote of an earlier email.
# The hint is a cheap first look: most messages have none of it, and _CUT is slow to fail.
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

DAY = r"(?:0?[1-9]|[12][0-9]|3[01])"
MONTH = r"(?:0?[1-9]|1[0-2])"
# Chunks that are not a plain number or a known word: "т1=5123;", "5123квт", "25.11.2026".
_TOKEN = re.compile(
    rf"""
    (                                                   # 1 a phone with dashes
        (?<![0-9])[78]-[0-9]{{3}}-[0-9]{{3}}-[0-9]{{2}}-[0-9]{{2}}(?![0-9])
    )
    |(                                                  # 2 a date or a time
        (?<![0-9.,])
        (?:{DAY}([./]){MONTH}\3(?:19|20)?[0-9]{{2}}     # 3: the same separator twice
          |(?:19|20)[0-9]{{2}}-{MONTH}-{DAY}
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
# One findall row of _TOKEN: a string per group, "" for the groups that did not match.
_TokenGroups = tuple[str, str, str, str, str, str]
_PUNCTUATION = ".,;:!?()[]{}\"'«»*|_"


def cut_tail(text: str, low: str, notes: list[str]) -> str:
    """``low`` up to a signature, a sign-off or a quoted email, if it has one."""
    if _CUT_HINT.search(low) and (cut := _CUT.search(low)) is not None:
        notes.append(f"ignored from {text[cut.start() : cut.start() + 30].strip()!r} on")
        return low[: cut.start()]
    return low


def drop_phones(low: str, notes: list[str]) -> str:
    """``low`` with phone numbers written with spaces or brackets blanked out."""
    if "+" in low or "(" in low:  # every such phone has one; most messages have neither

        def drop(match: re.Match[str]) -> str:
            notes.append(f"ignored {match.group().strip()}: a phone number")
            return " " * len(match.group())  # keep positions

        return _PHONE.sub(drop, low)
    return low


def tokenize(low: str, notes: list[str], chunks: dict[str, str]) -> list[str]:
    """Numbers (``-`` first when negative) and words; dates and dashed phones left out.

    ``chunks`` learns which chunk of text each word was cut from, to quote it in errors.
    """
    tokens: list[str] = []
    for spaced in low.split():
        chunk = spaced.strip(_PUNCTUATION)  # "2010.", "ЛС:", "(день)", "спасибо!"
        if (chunk.isdigit() and chunk.isascii()) or chunk in WORDS:
            tokens.append(chunk)
            continue
        found: list[_TokenGroups] = _TOKEN.findall(chunk)
        for phone, date, _, sign, number, word in found:
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
