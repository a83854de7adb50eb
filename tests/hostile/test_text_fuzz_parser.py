"""The fuzz tier for the parser (issue 17): any text at all — every code point, controls
and lone surrogates included, as the channels hand it over (``clean_text``) or raw — parses
to a result with a reason, never an exception; a long hostile text stays within a time
budget."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.domain.model import clean_text
from parsers import ParseResult, parse
from tests.parsers.test_properties import check_shape

ANY_TEXT = st.text(st.characters(), max_size=300) | st.text(
    st.characters(max_codepoint=0x24F) | st.sampled_from(list("0123456789 \x00\x1f\u200b№")),
    max_size=300,
)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ANY_TEXT, st.none() | st.sampled_from(["1234567", "00000001"]))
def test_any_text_parses_without_an_exception(text: str, default_uin: str | None) -> None:
    for version in (text, clean_text(text)):
        result = parse(version, default_uin=default_uin)
        assert isinstance(result, ParseResult)
        check_shape(result)


@pytest.mark.parametrize(
    "text",
    [
        "1234567 " + "5123 " * 20_000,
        "1234567 " + "\x00" * 100_000 + "5123",
        "1" * 100_000,
        "ЛС " * 30_000,
        "1234567 " + "5,1." * 25_000,
        "> " * 50_000 + "\n1234567 5123",
        "+7 916 123-45-67 " * 5_000,
    ],
    ids=["many-readings", "nuls", "one-long-number", "many-markers", "separators", "quotes",
         "phones"],
)  # fmt: skip
def test_a_long_hostile_text_parses_within_a_second(text: str) -> None:
    start = time.perf_counter()
    check_shape(parse(text))
    assert time.perf_counter() - start < 1.0
