"""Which text of an email the reading parser reads (docs/channels.md, "Email").

The subject when it names an account, else the first lines of the sender's own words that
do: the body up to a quoted reply or a signature, from the first line with a UIN on, as long
as the lines still parse together (``ЛС 1234567`` / ``Т1 5123`` / ``Т2 2010``).
"""

from __future__ import annotations

import re

from gateway.domain.contacts import bill_value, command_of
from parsers import parse

MAX_TEXT_LINES = 12  # a block of readings is a few lines; more is a letter, not a submission
MAX_SCAN = 20_000  # characters of a body searched for readings: they are at the top

_REPLY_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|wg|ответ|отв|пересл)\s*(\[\d+\])?\s*:\s*)+", re.I)
_QUOTE_HEADER = re.compile(
    r"(wrote|writes|написал|написала|написал\(а\)|пишет)\s*:\s*$|@[^\s]+>?\s*:\s*$", re.I
)
_CUT_MARKERS = re.compile(
    r"^\s*(-{2,}\s*(original message|исходное сообщение|оригинальное сообщение)\s*-{2,}"
    r"|-- ?$|__+$"
    r"|(отправлено|sent|получено|послано)\s+(с|со|из|from|via|with)\b.*"
    r"|с уважением\b.*|best regards\b.*|kind regards\b.*)",
    re.I,
)


def strip_reply_prefix(subject: str) -> str:
    """``subject`` without its ``Re:``, ``Fwd: Re[2]:``, ``Ответ:``... prefixes."""
    return _REPLY_PREFIX.sub("", subject).strip()


def choose_text(subject: str, body: str) -> str:
    """The subject when it names an account, else the first body lines that do."""
    subject = strip_reply_prefix(" ".join(subject.split()))
    lines = own_lines(body)
    first = next((line for line in lines if line), "")
    if command_of(subject) is not None and bill_value(first) is not None:
        return first  # the bill's value in a reply to "LINK <UIN>" (docs/channels.md)
    if subject and parse(subject).uin is not None:
        return subject
    block = _reading_block(lines)
    if block:
        return "\n".join(block)
    return first or subject


def own_lines(body: str) -> list[str]:
    """The sender's own words: the body up to a quoted reply or a signature, stripped."""
    out: list[str] = []
    for raw_line in body[:MAX_SCAN].splitlines():
        line = raw_line.replace("\xa0", " ").strip()
        if line.startswith(">"):
            continue
        if _CUT_MARKERS.match(line) or _QUOTE_HEADER.search(line):
            break
        out.append(line)
    return out


def _reading_block(lines: list[str]) -> list[str]:
    """From the first line that names an account, take the following lines (across single
    blank lines) as long as together they still parse (``ЛС 1234567`` / ``Т1 5123`` / ``Т2 2010``).

    A line that reads cleanly wins over an earlier one that only starts with a number (a
    bounce's ``... said: 550 5.1.1``); failing both, the first line with a number, so the
    customer's reply names what is wrong with it."""
    starts = [i for i, line in enumerate(lines) if line and parse(line).uin is not None]
    clean = [i for i in starts if parse(lines[i]).error in (None, "reading_count_mismatch")]
    for i in clean[:1] or starts[:1]:
        block, blank = [lines[i]], False
        for nxt in lines[i + 1 : i + MAX_TEXT_LINES]:
            if not nxt:
                # one paragraph or <div> per line (Outlook, Gmail, phone mail apps) leaves a
                # blank line between the lines a person reads as one message; two end it
                if blank:
                    break
                blank = True
                continue
            joined = parse("\n".join([*block, nxt]))
            if joined.error is not None:
                break
            if blank and len(joined.readings) <= len(parse("\n".join(block)).readings):
                break  # past a blank line only readings join: not "Спасибо!"
            block.append(nxt)
            blank = False
        return block
    return []
