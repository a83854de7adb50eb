"""Contacts in their normal form, keywords, and the verification value."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gateway.domain.contacts import (
    Command,
    ContactError,
    Keyword,
    bill_value,
    command_of,
    contact,
    private_to,
    sender_contact,
    uin_tail,
    verification_matches,
)


@pytest.mark.parametrize(
    "raw",
    ["89161234567", "+79161234567", "79161234567", "8 (916) 123-45-67", "+7 916 123 45 67",
     "9161234567"],
)  # fmt: skip
def test_russian_numbers_become_e164(raw: str) -> None:
    assert contact("phone", raw).address == "+79161234567"


def test_other_countries_keep_their_digits() -> None:
    assert contact("phone", "+44 20 7946 0958").address == "+442079460958"


@pytest.mark.parametrize("raw", ["", "12345", "abc", "+7 916 ABC", "1" * 16])
def test_what_is_no_phone_is_refused(raw: str) -> None:
    with pytest.raises(ContactError):
        contact("phone", raw)


def test_email_is_lowercased_and_checked() -> None:
    assert contact("email", " Ivan.Petrov@Mail.RU ").address == "ivan.petrov@mail.ru"
    with pytest.raises(ContactError):
        contact("email", "ivan")


def test_a_telegram_contact_is_a_user_id_never_a_group_chat() -> None:
    assert contact("telegram", "4242").address == "4242"
    with pytest.raises(ContactError):
        contact("telegram", "-100123")


def test_the_sender_of_a_message_as_a_contact() -> None:
    assert sender_contact("sms", "89161234567") == contact("phone", "+79161234567")
    assert sender_contact("email", "A@B.ru") == contact("email", "a@b.ru")
    assert sender_contact("telegram", "-100", {"user_id": 7}) == contact("telegram", "7")
    assert sender_contact("telegram", "7") is None  # no user: nobody
    assert sender_contact("web", "127.0.0.1") is None
    assert sender_contact("sms", "Beeline") is None


def test_a_telegram_reply_is_private_only_in_the_users_own_chat() -> None:
    user = contact("telegram", "7")
    assert private_to("telegram", "7", user)
    assert not private_to("telegram", "-100", user)  # a group
    assert private_to("sms", "+79161234567", contact("phone", "+79161234567"))
    assert not private_to("web", "x", None)


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("ПРИВЯЗАТЬ 1234567", Command(Keyword.LINK, "1234567")),
        ("link 1234567", Command(Keyword.LINK, "1234567")),
        ("Привязать", Command(Keyword.LINK)),
        ("ОТВЯЗАТЬ", Command(Keyword.UNLINK)),
        ("unlink 1234567", Command(Keyword.UNLINK, "1234567")),
        ("история", Command(Keyword.HISTORY)),
        ("STOP", Command(Keyword.STOP)),
        ("Стоп!", Command(Keyword.STOP)),
        ("СТАРТ", Command(Keyword.START)),
        ("1234567 05123 02010", None),
        ("привязать 1234567 5000", None),
        ("stop 1234567", None),
        ("link abc", None),
        ("", None),
    ],
)
def test_keywords(text: str, command: Command | None) -> None:
    assert command_of(text) == command


@pytest.mark.parametrize(
    ("answer", "ok"),
    [("5000", True), ("05000", True), ("5000,0", True), ("100", True), ("4999", False),
     ("5000 1975", False), ("0", False), ("abc", False), ("", False), ("NaN", False)],
)  # fmt: skip
def test_the_answer_is_one_value_of_the_last_bill(answer: str, ok: bool) -> None:
    assert verification_matches(answer, [Decimal(5000), Decimal(100), Decimal(0)]) is ok


def test_a_single_number_only() -> None:
    assert bill_value(" 5123 ") == Decimal(5123)
    assert bill_value("5123 2010") is None
    assert bill_value("-5") is None


def test_an_account_is_named_by_its_last_three_digits() -> None:
    assert uin_tail("1234567") == "…567"
