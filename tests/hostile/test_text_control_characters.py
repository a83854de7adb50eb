"""Issue 17, item 7: a control character between two digit groups joined them into one
number (the channels dropped NUL before the parser saw the text). Control characters
separate tokens as a space does, in every channel's text and in the parser itself."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from channels.email.mime import to_inbound
from gateway.domain.model import clean_text
from parsers import parse
from parsers.normalize import CONTROLS, normalize

ALL_CONTROLS = sorted(set(CONTROLS) | {"\t", "\n", "\r"})


@pytest.mark.parametrize("ch", ALL_CONTROLS, ids=[f"U+{ord(c):04X}" for c in ALL_CONTROLS])
def test_a_control_character_separates_two_numbers(ch: str) -> None:
    for text in (f"1234567 5123{ch}2010", clean_text(f"1234567 5123{ch}2010")):
        result = parse(text)
        assert result.error is None, (text, result)
        assert [r.value for r in result.readings] == ["5123", "2010"]


def test_clean_text_keeps_the_separation_of_a_nul() -> None:
    assert clean_text("5123\x002010") == "5123 2010"


def test_normalize_makes_controls_spaces_and_keeps_positions() -> None:
    text = "ЛС\x001234567\x7f5123\x852010"
    out = normalize(text)
    assert out == "лс 1234567 5123 2010"
    assert len(out) == len(text)


def test_a_nul_in_an_email_subject_separates_the_readings() -> None:
    raw = b"From: a@example.net\r\nSubject: 1234567 5123\x002010\r\n\r\n"
    inbound = to_inbound(raw, [])
    assert "\x00" not in inbound.text
    assert [r.value for r in parse(inbound.text).readings] == ["5123", "2010"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(0, 10**6), min_size=2, max_size=4),
    st.lists(st.sampled_from(ALL_CONTROLS), min_size=1, max_size=3),
)
def test_any_run_of_controls_is_a_separator(values: list[int], seps: list[str]) -> None:
    text = "1234567 " + "".join(seps).join(str(v) for v in values)
    assert [r.value for r in parse(clean_text(text)).readings] == [str(v) for v in values]
