"""Properties of the parser (hypothesis): it never raises, and well-formed messages built
from random UINs, readings, separators, prefixes and labels read back exactly."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from parsers import ParseResult, parse
from parsers.readings import _parse

REASONS = {"empty", "no_uin", "not_a_number", "reading_count_mismatch", "ambiguous"}
VALUE = re.compile(r"[0-9]+(?:\.[0-9]+)?")
LABELS = {"T1", "T2", "T3", "day", "night", "cold", "hot", "electricity", "gas", "heating"}

# Characters real messages are made of, weighted towards the interesting ones.
ALPHABET = st.sampled_from(
    list("0123456789 .,;:#/=-+()\n\t№")
    + list("ТтХхГгВвСсЛлУИНинДЕНЬОЧдеоьчэЭ")
    + list("TtXxBbCcLlSs")
    + ["\u00a0", "\u202f", "\u2009", "\u200b", "１", "٣", "−", "—", "³", "İ", "ß", ">", "@"]
)
messy_text = st.text(ALPHABET, max_size=60) | st.text(max_size=60)


def check_shape(result: ParseResult) -> None:
    assert isinstance(result, ParseResult)
    assert result.error is None or result.error in REASONS
    if result.error is None:
        assert result.uin and result.uin.isdigit() and result.uin.isascii()
        assert result.readings
    for reading in result.readings:
        assert VALUE.fullmatch(reading.value), reading
        assert reading.label is None or reading.label in LABELS
        assert reading.candidates == () or len(reading.candidates) == 2


@settings(max_examples=500, deadline=None)
@given(messy_text)
@example("1234567 " + "9" * 30)
@example("\u0130" * 5 + " 1234567 abc")
@example("-" * 3000)
@example("1234567 1,234" * 1000)
def test_any_text_gives_a_result_or_a_reason(text: str) -> None:
    check_shape(parse(text))
    check_shape(parse(text, default_uin="1234567"))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.from_regex(r"[0-9]{1,14}(\.[0-9]{1,6})?", fullmatch=True), min_size=1))
def test_fast_path_agrees_with_the_general_path(numbers: list[str]) -> None:
    text = "1234567 " + " ".join(numbers)
    assert parse(text) == _parse(text, None)


UIN = st.from_regex(r"[1-9][0-9]{5,12}", fullmatch=True)
READING = st.from_regex(r"[0-9]{1,9}", fullmatch=True) | st.from_regex(
    r"[0-9]{1,6}\.[0-9]{1,3}", fullmatch=True
)
SEPARATOR = st.sampled_from([" ", "  ", "\t", "\n", "; ", ";", "#", ", ", " / ", " - ", "\r\n"])
PREFIX = st.sampled_from(["", "УИН ", "УИН: ", "ЛС ", "л/с ", "№", "№ ", "лицевой счёт "])
AFTER_UIN = st.sampled_from(["", "показания ", "показания: "])
ENDING = st.sampled_from(["", ".", " ", "\n\nОтправлено с iPhone", "\n-- \nИванов", "!"])
LABEL_WORDS = {
    "T1": ["Т1", "T1", "т1"],
    "T2": ["Т2", "T2", "т2"],
    "T3": ["Т3", "T3"],
    "day": ["день", "ДЕНЬ", "дн"],
    "night": ["ночь", "Ночь", "нч"],
    "cold": ["ХВС", "хвс", "XBC", "Х", "х/в"],
    "hot": ["ГВС", "гвс", "Г", "г/в"],
    "electricity": ["эл", "электроэнергия", "свет"],
    "gas": ["газ", "Газ"],
    "heating": ["отопление", "тепло"],
}
LABEL_GLUE = st.sampled_from([" ", "=", ": ", "-", " - "])


@st.composite
def message(draw: st.DrawFn) -> tuple[str, str, list[tuple[str | None, str]], str]:
    """(the text, its UIN, its readings as (label, value), the text without the UIN)."""
    uin = draw(UIN)
    readings = draw(st.lists(READING.filter(lambda v: v != uin), min_size=1, max_size=5))
    labelled = draw(st.booleans())
    parts = []
    expected: list[tuple[str | None, str]] = []
    for value in readings:
        label = draw(st.sampled_from(sorted(LABEL_WORDS))) if labelled else None
        if label is None:
            parts.append(value)
        else:
            word = draw(st.sampled_from(LABEL_WORDS[label]))
            parts.append(f"{word}{draw(LABEL_GLUE)}{value}")
        expected.append((label, value))
    body = parts[0]
    for part in parts[1:]:
        body += draw(SEPARATOR) + part
    ending = draw(ENDING)
    text = f"{draw(PREFIX)}{uin} {draw(AFTER_UIN)}{body}{ending}"
    return text, uin, expected, body + ending


@settings(max_examples=500, deadline=None)
@given(message())
def test_well_formed_messages_round_trip(
    case: tuple[str, str, list[tuple[str | None, str]], str],
) -> None:
    text, uin, expected, _ = case
    result = parse(text)
    assert result.error is None, (text, result)
    assert result.uin == uin
    assert [(r.label, r.value) for r in result.readings] == expected


@settings(max_examples=200, deadline=None)
@given(message())
def test_a_linked_chat_may_omit_the_uin(
    case: tuple[str, str, list[tuple[str | None, str]], str],
) -> None:
    text, uin, expected, without_uin = case
    for message_text in (text, without_uin):
        result = parse(message_text, default_uin=uin)
        assert result.error is None, (message_text, result)
        assert (result.uin, [(r.label, r.value) for r in result.readings]) == (uin, expected)


def test_a_linked_chat_still_reads_another_marked_uin() -> None:
    assert parse("ЛС 7654321 100 40", default_uin="1234567").uin == "7654321"
    assert parse("1234567 100 40", default_uin="1234567").readings[0].value == "100"
    other = parse("7654321 100 40", default_uin="1234567")
    assert other.uin == "1234567" and [r.value for r in other.readings] == ["7654321", "100", "40"]
