"""Labels and their readings: ``Т1 5123 Т2 2010`` or ``5123 день 2010 ночь``.

Every label of a message stands before its number, or every one after it; a message that
reads both ways (``5123 день 2010``) is ambiguous, and one that reads neither way names the
label in the way. A register named twice (``хвс х``, ``эл день``) counts once; when a
service and a zone name it, the zone is kept: it says which register of the meter it is.
"""

from __future__ import annotations

from parsers.scan import Item
from parsers.words import ZONE_LABELS

Pair = tuple[str | None, str]  # (label or None for "by position", the number as typed)


def attach(items: list[Item]) -> list[Pair] | tuple[str, str]:
    """Pair labels with numbers: every label before its number, or every one after it.

    Returns the pairs, or (reason, the label word in the way).
    """
    seq: list[Item] = []
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


def _labels_before(seq: list[Item]) -> list[Pair] | None:
    out: list[Pair] = []
    label: str | None = None
    for item in seq:
        if isinstance(item, tuple):
            label = item[0]
        else:
            out.append((label, item))
            label = None
    return None if label is not None else out


def _labels_after(seq: list[Item]) -> list[Pair] | None:
    out: list[Pair] = []
    for item in seq:
        if isinstance(item, tuple):
            if not out or out[-1][0] is not None:
                return None
            out[-1] = (item[0], out[-1][1])
        else:
            out.append((None, item))
    return out
