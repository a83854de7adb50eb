"""Which number of a message is the UIN, and the items that are left once it is taken.

The UIN is the number after a UIN marker (``УИН``, ``ЛС``), else the first item if it is
a number; a chat linked to an account supplies a default. A second, different marked UIN
makes the message ambiguous: the parser never guesses which account is meant.
"""

from __future__ import annotations

import re

from parsers.scan import Item

MAX_UIN_DIGITS = 20  # the database keeps 32 characters; real UINs have 6 to 12 digits

_UIN_LIST = re.compile(r"[0-9]{4,20}(?:[.,][0-9]+)+")


def take_uin(
    items: list[Item], marked: list[int], default_uin: str | None, notes: list[str]
) -> tuple[str | None, list[Item], str | None]:
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
