"""Replies as a table: message + account -> what the customer reads. No database."""

from __future__ import annotations

import pytest

from gateway.domain.replies import expected_format, render
from gateway.domain.rules import Rules
from gateway.domain.validation import validate
from parsers import parse
from tests.domain.test_validator import TODAY, TWO_ZONE, WATER, account, reg

CASES = [
    # id, text, registers, phrases the Russian reply must contain
    ("empty", "", TWO_ZONE, ["Сообщение пустое", "Формат: УИН и показания через пробел"]),
    ("no-uin", "Т1=5123; Т2=2010", TWO_ZONE, ["Не найден УИН", "правого верхнего угла"]),
    ("unknown-uin", "7654321 1", None, ["УИН 7654321 не найден"]),
    (
        "count",
        "1234567 05123",
        TWO_ZONE,
        [
            "Показаний в сообщении: 1, а нужно 2",
            "УИН и 2 показания через пробел, в порядке квитанции: электроэнергия T1, "
            "электроэнергия T2",
            "например: 1234567 00000 00000",
            "или с подписями: 1234567 день 00000 ночь 00000",
        ],
    ),
    ("not-a-number", "1234567 5O23 2010", TWO_ZONE, ["«5O23»", "только цифры"]),
    (
        "too-many-digits",
        "1234567 123456 2010",
        TWO_ZONE,
        ["123456 (электроэнергия T1)", "не больше 5 цифр"],
    ),
    (
        "too-many-decimals-integer-meter",
        "1234567 5123.5 2010",
        TWO_ZONE,
        ["5123.5 (электроэнергия T1)", "только целое число"],
    ),
    ("too-many-decimals", "1234567 104.2501 41", WATER, ["104.2501 (ХВС)", "допустимо: 3"]),
    (
        "decreasing",
        "1234567 4999 2010",
        TWO_ZONE,
        ["4999 (электроэнергия T1)", "меньше предыдущего"],
    ),
    ("ambiguous-comma", "1234567 5,123 2010", TWO_ZONE, ["«5,123»", "5.123 или 5123"]),
    ("ambiguous-label", "1234567 5123 день 2010", TWO_ZONE, ["подпись «день»"]),
    ("ambiguous-two-uins", "ЛС 1234567 ЛС 7654321 5", TWO_ZONE, ["два разных УИН", "7654321"]),
    ("water-order", "1234567 1", WATER, ["в порядке квитанции: ХВС, ГВС", "ХВС 00000 ГВС 00000"]),
    (
        "single-meter-has-no-labelled-example",
        "1234567 1 2",
        (reg(),),
        ["УИН и 1 показание через пробел", "например: 1234567 00000."],
    ),
]


@pytest.mark.parametrize(
    ("text", "registers", "phrases"), [pytest.param(*c[1:], id=c[0]) for c in CASES]
)
def test_reply_tells_how_to_fix(text, registers, phrases) -> None:
    acc = account(registers) if registers is not None else None
    outcome = validate(parse(text), acc, TODAY, Rules())
    reply = render(outcome, 42, parse(text).uin, "ru")
    for phrase in phrases:
        assert phrase in reply


@pytest.mark.parametrize("text", [pytest.param(c[1], id=c[0]) for c in CASES])
def test_every_reply_has_an_english_version(text) -> None:
    outcome = validate(parse(text), account(TWO_ZONE), TODAY, Rules())
    english = render(outcome, 42, "1234567", "en")
    assert english.isascii() or english != render(outcome, 42, "1234567", "ru")
    assert english[:1].isascii()


def test_plural_forms() -> None:
    five = tuple(reg(meter_id=i, position=i) for i in range(1, 6))
    assert "5 показаний" in expected_format(five, "1", "ru")
    assert "2 readings" in expected_format(TWO_ZONE, "1", "en")


@pytest.mark.parametrize(
    "text",
    ["1234567 05123", "1234567 4999 2010", "1234567 5O23 2010", "1234567 5123.5 2010"],
    ids=["count", "decreasing", "not-a-number", "decimals"],
)
def test_no_reply_shows_a_stored_reading(text: str) -> None:
    """Anyone can type any UIN: a reply to an unverified sender never quotes the account's
    stored readings (TWO_ZONE's last are 5000 and 1975), only the count and order."""
    for lang in ("ru", "en"):
        reply = render(validate(parse(text), account(TWO_ZONE), TODAY, Rules()), 1, "1234567", lang)
        assert "5000" not in reply and "1975" not in reply, reply
