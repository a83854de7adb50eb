"""From an engine's boxes to a suggested reading (gateway/domain/ocr_geometry.py): the row,
its order, boxes read twice, the split of integer drums and decimals, the register."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from gateway.domain.ocr_geometry import (
    Split,
    TextBox,
    beside,
    cells,
    gap,
    pitch,
    reading_row,
    split,
    suggest,
)


def box(text: str, x: float, y: float, w: float, h: float, score: float = 0.99, angle: float = 0):
    """A box of ``w`` x ``h`` whose top-left corner is at (x, y), turned by ``angle``
    degrees about the origin (the whole photo turned)."""
    corners = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
    a = math.radians(angle)
    turned = [(px * math.cos(a) - py * math.sin(a), px * math.sin(a) + py * math.cos(a))
              for px, py in corners]  # fmt: skip
    return TextBox(tuple(turned), text, score)  # type: ignore[arg-type]


def texts(row: list[TextBox]) -> list[str]:
    return [b.text for b in row]


def test_the_row_is_ordered_by_position_not_by_the_engines_order() -> None:
    boxes = [
        box("435", 300, 100, 150, 60),
        box("kWh", 40, 200, 60, 20),
        box("03127", 40, 100, 250, 60),
    ]
    assert texts(reading_row(boxes)) == ["03127", "435"]


def test_a_serial_number_above_the_drums_is_not_the_reading() -> None:
    serial = box("7606003", 100, 20, 160, 20, score=1.0)  # longer, but a third as tall
    assert texts(reading_row([serial, box("0312", 40, 100, 200, 60)])) == ["0312"]


def test_a_drum_read_twice_is_read_once() -> None:
    boxes = [box("03127", 40, 100, 250, 60, 0.98), box("7", 240, 102, 50, 58, 0.90),
             box("4", 300, 100, 50, 60)]  # fmt: skip
    assert texts(reading_row(boxes)) == ["03127", "4"]


@pytest.mark.parametrize("angle", [-8, -3, 0, 5, 8])
def test_a_turned_photo_keeps_its_row(angle: float) -> None:
    boxes = [
        box("4", 300, 100, 50, 60, angle=angle),
        box("0312", 40, 100, 200, 60, angle=angle),
        box("99", 40, 230, 100, 60, angle=angle),
    ]  # fmt: skip  (another line below)
    row = reading_row(boxes)
    assert texts(row) == ["0312", "4"]
    assert "".join(c.char for c in cells(row)) == "03124"


def test_what_is_not_a_number_is_left_out() -> None:
    assert reading_row([box("m3", 0, 0, 50, 60), box("No123", 0, 0, 90, 60)]) == []


def test_cells_are_the_characters_at_equal_shares_of_their_box() -> None:
    [first, *_, last] = cells([box("0312", 0, 0, 200, 60)])
    assert (first.char, first.centre, first.width) == ("0", (25.0, 30.0), 50.0)
    assert (last.char, last.centre) == ("2", (175.0, 30.0))


def test_the_next_drum_is_one_pitch_past_the_row() -> None:
    row = cells([box("0312", 0, 0, 200, 60)])
    assert beside(row, right=True).centre == (225.0, 30.0)  # type: ignore[union-attr]
    assert beside(row, right=False).centre == (-25.0, 30.0)  # type: ignore[union-attr]
    assert beside(row[:1], right=True) is None


@pytest.mark.parametrize(
    ("text", "red", "expected"),
    [
        ("03127.456", [False] * 9, Split("03127", "456", "separator")),
        ("0312,45", [False] * 7, Split("0312", "45", "separator")),
        ("03127456", [False] * 5 + [True] * 3, Split("03127", "456", "colour")),
        ("03127456", [False] * 8, Split("03127456", "", "none")),
        ("03127456", [True] * 8, Split("03127456", "", "none")),  # all red: not a split
        ("03127456", [False, True] + [False] * 6, Split("03127456", "", "none")),
    ],
    ids=["point", "comma", "red-drums", "all-black", "all-red", "red-in-the-middle"],
)
def test_the_integer_drums_and_the_decimals(text: str, red: list[bool], expected: Split) -> None:
    assert split(cells([box(text, 0, 0, 40 * len(text), 60)]), red) == expected


@pytest.mark.parametrize(
    ("found", "register", "value", "by"),
    [
        (Split("03127", "456", "colour"), (5, 3), "03127.456", "colour"),
        (Split("03127", "456", "colour"), None, "03127.456", "colour"),
        (Split("03127456", "", "none"), (5, 3), "03127.456", "register"),
        (Split("031274", "", "none"), (5, 1), "03127.4", "register"),
        (Split("03127", "", "none"), (5, 0), "03127", "none"),
        (Split("03127", "4567", "colour"), (5, 3), "03127.456", "colour"),  # past the register
        (Split("0312", "4", "separator"), (5, 1), "0312.4", "separator"),
        (Split("80122", "39", "colour"), (5, 3), "80122.39", "colour"),
    ],
)
def test_the_suggestion_on_the_register(
    found: Split, register: tuple[int, int] | None, value: str, by: str
) -> None:
    got = suggest(found, 0.9, register)
    assert got is not None and (got.text, got.split_by) == (value, by)
    assert got.value == Decimal(value)
    short = register is not None and len(value.replace(".", "")) < sum(register)
    # a guessed split costs, and a drum not read costs more
    assert got.confidence == (0.765 if by == "register" else 0.54 if short else 0.9)


@pytest.mark.parametrize(
    ("found", "register"),
    [
        (Split("031274", "", "none"), (5, 3)),  # six drums on a five-digit register
        (Split("123456", "7", "colour"), (5, 1)),
        (Split("", "45", "separator"), (5, 2)),
    ],
)
def test_no_suggestion_the_register_cannot_hold(found: Split, register: tuple[int, int]) -> None:
    assert suggest(found, 0.9, register) is None


def test_a_drum_missing_inside_the_row_is_found_between_its_neighbours() -> None:
    row = cells([box("80122", 0, 0, 250, 60), box("39", 300, 0, 100, 60)])  # "1" not seen
    assert pitch(row) == 50.0
    at, probe = gap(row)  # type: ignore[misc]
    assert (at, probe.centre, probe.width) == (5, (275.0, 30.0), 50.0)
    assert gap(cells([box("80122139", 0, 0, 400, 60)])) is None
    assert gap(cells([box("8012", 0, 0, 200, 60), box("9", 400, 0, 50, 60)])) is None  # far
    assert gap(cells([box("80", 0, 0, 100, 60), box("39", 150, 0, 100, 60)])) is None  # few


def test_the_next_drum_is_one_mean_step_past_tight_boxes() -> None:
    row = cells([box("28", 350, 0, 64, 60), box("8", 453, 0, 30, 60)])  # the engine's boxes
    assert beside(row, right=False).centre == (315.0, 30.0)  # type: ignore[union-attr]
