"""From an OCR engine's text boxes to a suggested reading (docs/channels.md, "Photos read by
OCR"). Pure: the pixels are looked at by the caller, which says which digits are red.

The engine returns lines of text as quadrilaterals, in no reliable order, sometimes twice
(overlapping), sometimes with the black and the red drums as one line, sometimes split. Here:
keep the boxes that are digits; take the reading's row (the tallest digit box and the boxes
on its line, as tall as it); drop a box that overlaps a better one; order them along the
row; cut each box into one cell per character (drums are evenly spaced); split the integer
part from the decimals (a point or comma on an LCD, else the red drums, else the register's
digits); and check the result against the account's register.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

Point = tuple[float, float]
DIGITS = re.compile(r"^[0-9]+(?:[.,][0-9]+)?$")
ROW_HEIGHT = 0.5  # a box of the row is at least this part of the tallest digit box's height
SAME_LINE = 0.5  # its centre is within this many row heights of the row's line
OVERLAP = 0.5  # two boxes sharing this part of the shorter one along the row: one is dropped
GAP_LOW, GAP_HIGH = 1.6, 2.5  # a step this many pitches long has one drum missing in it
MIN_FOR_GAP = 5  # cells a row needs before a long step counts as a missing drum
GUESSED_SPLIT = 0.85  # confidence factor when only the register's digits placed the point
SHORT = 0.6  # confidence factor when the row has fewer drums than the register


@dataclass(frozen=True)
class TextBox:
    """One line the engine read: its corners (clockwise from top left), text and score."""

    corners: tuple[Point, Point, Point, Point]
    text: str
    score: float

    @property
    def chars(self) -> str:
        return self.text.replace(" ", "")

    @property
    def centre(self) -> Point:
        return (sum(p[0] for p in self.corners) / 4, sum(p[1] for p in self.corners) / 4)

    @property
    def height(self) -> float:
        (a, b, c, d) = self.corners
        return (_dist(a, d) + _dist(b, c)) / 2

    @property
    def direction(self) -> Point:
        """The unit vector along the text (top-left to top-right, and bottom edges)."""
        (a, b, c, d) = self.corners
        dx, dy = (b[0] - a[0] + c[0] - d[0]) / 2, (b[1] - a[1] + c[1] - d[1]) / 2
        n = math.hypot(dx, dy) or 1.0
        return (dx / n, dy / n)


@dataclass(frozen=True)
class Cell:
    """One character of the row: where its centre is, how wide it is, from which box."""

    char: str
    centre: Point
    width: float
    height: float
    score: float


@dataclass(frozen=True)
class Split:
    integer: str
    decimals: str
    by: str  # "separator", "colour", "register", "none"


@dataclass(frozen=True)
class Suggestion:
    """The reading a photo suggests: ``text`` as the face shows it ("03127.456")."""

    text: str
    confidence: float
    split_by: str

    @property
    def value(self) -> Decimal:
        return Decimal(self.text)


def digit_boxes(boxes: Iterable[TextBox]) -> list[TextBox]:
    """The boxes whose text is a number (digits, at most one point or comma in between)."""
    return [b for b in boxes if DIGITS.match(b.chars)]


def reading_row(boxes: Sequence[TextBox]) -> list[TextBox]:
    """The row of the reading, ordered along it, overlapping boxes read once."""
    digits = digit_boxes(boxes)
    if not digits:
        return []
    tallest = max(b.height for b in digits)
    # the row's anchor: the longest of the tallest boxes (heights within a tenth)
    anchor = max((b for b in digits if b.height >= 0.9 * tallest), key=lambda b: len(b.chars))
    ux, uy = anchor.direction
    ax, ay = anchor.centre
    line = []
    for b in digits:
        bx, by = b.centre
        across = abs(-(bx - ax) * uy + (by - ay) * ux)  # distance from the anchor's line
        if b.height >= ROW_HEIGHT * anchor.height and across <= SAME_LINE * anchor.height:
            line.append(b)

    def span(b: TextBox) -> tuple[float, float]:
        along = [(x - ax) * ux + (y - ay) * uy for x, y in b.corners]
        return min(along), max(along)

    kept: list[TextBox] = []
    for b in sorted(line, key=lambda b: (-b.score, -len(b.chars))):
        lo, hi = span(b)
        if all(_shared(lo, hi, *span(k)) < OVERLAP for k in kept):
            kept.append(b)
    return sorted(kept, key=lambda b: span(b)[0])


def _shared(lo: float, hi: float, lo2: float, hi2: float) -> float:
    shorter = min(hi - lo, hi2 - lo2) or 1.0
    return max(0.0, min(hi, hi2) - max(lo, lo2)) / shorter


def cells(row: Sequence[TextBox]) -> list[Cell]:
    """Each character of the row at an equal share of its box (a separator takes a share
    too, as it does on an LCD); in the row's order."""
    out = []
    for b in row:
        (a, p, c, d) = b.corners
        n = len(b.chars)
        top, bottom = _sub(p, a), _sub(c, d)
        for i, ch in enumerate(b.chars):
            t = (i + 0.5) / n
            upper = (a[0] + top[0] * t, a[1] + top[1] * t)
            lower = (d[0] + bottom[0] * t, d[1] + bottom[1] * t)
            centre = ((upper[0] + lower[0]) / 2, (upper[1] + lower[1]) / 2)
            width = (_dist(a, p) + _dist(d, c)) / 2 / n
            out.append(Cell(ch, centre, width, b.height, b.score))
    return out


def pitch(row_cells: Sequence[Cell]) -> float:
    """The distance from one drum to the next: the median step along the row (a drum
    missing in between makes one step twice as long, not the median)."""
    steps = sorted(_dist(a.centre, b.centre) for a, b in pairwise(row_cells))
    return steps[len(steps) // 2] if steps else 0.0


def beside(row_cells: Sequence[Cell], right: bool) -> Cell | None:
    """Where the next drum would be, one pitch past the row's last (``right``) or first
    cell, for a drum the engine did not see to be read alone; None for fewer than two
    cells (no pitch to go by)."""
    if len(row_cells) < 2:
        return None
    first, last = row_cells[0], row_cells[-1]
    n = len(row_cells) - 1
    # the mean step: the engine's boxes are tight, so steps between the cells of one box
    # and the next vary; across the whole row they even out (call ``gap`` first)
    step = ((last.centre[0] - first.centre[0]) / n, (last.centre[1] - first.centre[1]) / n)
    end, sign = (last, 1) if right else (first, -1)
    centre = (end.centre[0] + sign * step[0], end.centre[1] + sign * step[1])
    return Cell("", centre, math.hypot(*step), max(c.height for c in row_cells), end.score)


def gap(row_cells: Sequence[Cell]) -> tuple[int, Cell] | None:
    """The first place inside the row where one drum is missing (two cells two pitches
    apart): the index it goes at and where it is; None when the row has no such gap."""
    if len(row_cells) < MIN_FOR_GAP:
        return None  # too few steps for a median to go by
    step = pitch(row_cells)
    for i, (a, b) in enumerate(pairwise(row_cells)):
        if step and GAP_LOW * step < _dist(a.centre, b.centre) < GAP_HIGH * step:
            centre = ((a.centre[0] + b.centre[0]) / 2, (a.centre[1] + b.centre[1]) / 2)
            return i + 1, Cell("", centre, step, max(a.height, b.height), min(a.score, b.score))
    return None


def split(row_cells: Sequence[Cell], red: Sequence[bool]) -> Split:
    """The integer part and the decimals: after a point or comma; else the red cells at
    the end (``red`` says which cells are red); else not known ("none")."""
    chars = "".join(c.char for c in row_cells)
    for sep in ".,":
        if sep in chars:
            whole, _, frac = chars.partition(sep)
            return Split(whole, frac.replace(".", "").replace(",", ""), "separator")
    reds = 0
    while reds < len(red) and red[len(red) - 1 - reds]:
        reds += 1
    if 0 < reds < len(chars) and not any(red[: len(red) - reds]):
        return Split(chars[:-reds], chars[-reds:], "colour")
    return Split(chars, "", "none")


def suggest(found: Split, score: float, register: tuple[int, int] | None) -> Suggestion | None:
    """The reading ``found`` makes on a register of ``(digits, decimals)``; None when it
    cannot be one (more integer digits than the register has, no digits at all). Without a
    register, what the face shows as split."""
    whole, frac, by = found.integer, found.decimals, found.by
    if not whole:
        return None
    confidence = score
    if register is not None:
        digits, decimals = register
        if by == "none" and len(whole) == digits + decimals and decimals:
            whole, frac, by = whole[:digits], whole[digits:], "register"
            confidence *= GUESSED_SPLIT
        if len(whole) > digits:
            return None
        frac = frac[:decimals]  # drums past the register's decimals are not billed
        if len(whole) < digits or len(frac) < decimals:
            confidence *= SHORT  # a drum not read: the reading may be off by it
    text = f"{whole}.{frac}" if frac else whole
    return Suggestion(text, round(confidence, 3), by)


def _dist(p: Point, q: Point) -> float:
    return math.hypot(p[0] - q[0], p[1] - q[1])


def _sub(p: Point, q: Point) -> Point:
    return (p[0] - q[0], p[1] - q[1])
